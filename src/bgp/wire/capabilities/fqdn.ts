/**
 * FQDN capability (73, draft-walton-bgp-hostname-capability §3):
 * Hostname Length(1) Hostname Domain Length(1) Domain, UTF-8, no terminator.
 */
import { EncodeError } from '../errors';
import type { Reader, Writer } from '../cursor';
import type { Capability } from './types';

type Of<T extends Capability['type']> = Extract<Capability, { type: T }>;

export function decodeFqdn(r: Reader): Of<'fqdn'> {
  const hostname = r.bytes(r.u8()).toString('utf8');
  const domain = r.bytes(r.u8()).toString('utf8');
  if (!r.atEnd()) r.fail(`${r.remaining} octet(s) after the domain name`);
  return { type: 'fqdn', hostname, domain };
}

function writeName(w: Writer, text: string, what: string): void {
  const bytes = Buffer.from(text, 'utf8');
  if (bytes.length > 255) throw new EncodeError(`FQDN ${what} is ${bytes.length} octets, at most 255 fit`);
  w.u8(bytes.length).bytes(bytes);
}

export function encodeFqdn(c: Of<'fqdn'>, w: Writer): void {
  writeName(w, c.hostname, 'hostname');
  writeName(w, c.domain, 'domain name');
}
