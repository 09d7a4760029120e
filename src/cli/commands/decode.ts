/** `hdvpn decode HEX|-`: decode one or more BGP messages given as hex and print them as JSON. */
import type { Command } from 'commander';
import { readFileSync } from 'node:fs';
import { withContext, type CodecContext } from '../../bgp/wire/context';
import { isBgpError } from '../../bgp/wire/errors';
import type { Json } from '../../bgp/wire/json';
import { CliError, ExitCode, usageError } from '../exit-codes';
import { parseFamilyList } from '../families';

interface DecodeOptions {
  json?: boolean;
  twoOctetAs?: boolean;
  addPath?: string;
  extendedMessage?: boolean;
  ebgp?: boolean;
}

/** Hex text to bytes; spaces, colons, newlines and a 0x prefix are allowed. */
export function parseHexInput(text: string): Buffer {
  const clean = text.replace(/0x/gi, '').replace(/[\s:]/g, '');
  if (clean.length === 0) throw usageError('decode: no hex input');
  if (!/^[0-9a-fA-F]*$/.test(clean)) throw usageError('decode: input is not hexadecimal');
  if (clean.length % 2 !== 0) throw usageError('decode: hex input has an odd number of digits');
  return Buffer.from(clean, 'hex');
}

/** Splits concatenated messages by their header length and decodes each. */
export function decodeAll(bytes: Buffer, ctx: CodecContext): Json[] {
  // Loaded here, not at startup: every other command would pay for the message codec.
  const { decodeMessage } = require('../../bgp/wire/message') as typeof import('../../bgp/wire/message');
  const { messageToJson } = require('../../bgp/wire/json') as typeof import('../../bgp/wire/json');
  const out: Json[] = [];
  let pos = 0;
  while (pos < bytes.length) {
    if (bytes.length - pos < 19) throw new CliError(`decode: ${bytes.length - pos} trailing octet(s) are not a BGP message`, ExitCode.Failed);
    const len = bytes.readUInt16BE(pos + 16);
    const end = len >= 19 ? Math.min(pos + len, bytes.length) : bytes.length;
    try {
      out.push(messageToJson(decodeMessage(bytes.subarray(pos, end), ctx)));
    } catch (e) {
      if (isBgpError(e)) {
        throw new CliError(`decode: message at offset ${pos}: ${e.message} (NOTIFICATION ${e.code}/${e.subcode})`, ExitCode.Failed);
      }
      throw e;
    }
    pos = end;
  }
  return out;
}

export function registerDecodeCommand(program: Command): void {
  program
    .command('decode')
    .description('decode BGP messages given as hex (or - for stdin) and print them as JSON')
    .argument('<hex>', 'hex of one or more complete BGP messages, or - to read stdin')
    .option('-j, --json', 'one compact JSON document')
    .option('--two-octet-as', 'the session did not negotiate 4-octet AS (RFC 6793)')
    .option('--add-path <families>', 'families with ADD-PATH path ids, comma separated (e.g. ipv4-unicast,vpnv4-unicast)')
    .option('--extended-message', 'allow messages up to 65535 octets (RFC 8654)')
    .option('--ebgp', 'decode as received from an eBGP peer (RFC 7606 discards LOCAL_PREF etc.)')
    .action((hex: string, opts: DecodeOptions) => {
      const text = hex === '-' ? readFileSync(0, 'utf8') : hex;
      const addPath = opts.addPath ? parseFamilyList(opts.addPath) : [];
      const ctx = withContext({
        fourOctetAs: !opts.twoOctetAs,
        addPath: new Set(addPath.map((f) => `${f.afi}/${f.safi}`)),
        extendedMessage: Boolean(opts.extendedMessage),
        ibgp: !opts.ebgp,
      });
      const docs = decodeAll(parseHexInput(text), ctx);
      const doc: Json = docs.length === 1 ? (docs[0] as Json) : docs;
      process.stdout.write(`${opts.json ? JSON.stringify(doc) : JSON.stringify(doc, null, 2)}\n`);
    });
}
