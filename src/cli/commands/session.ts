/** `hdvpn session add|del`: start and end hosted client sessions (docs/cli.md, Sessions). */
import type { Command } from 'commander';
import { isIP } from 'node:net';
import type { Json } from '../../bgp/wire/json';
import type { TunnelRequest } from '../../control/protocol';
import { callDaemon, printJson } from '../daemon-call';
import { usageError } from '../exit-codes';
import { renderSessions } from './show-sessions';

interface AddOptions {
  client?: string;
  pair?: string;
  tunnel?: string;
  remote?: string;
  key?: string;
  json?: boolean;
}

/** --tunnel, --remote and --key together, checked here so a typo never reaches the daemon. */
export function tunnelOption(opts: AddOptions): TunnelRequest | undefined {
  if (opts.tunnel === undefined) {
    if (opts.remote !== undefined || opts.key !== undefined) throw usageError('--remote and --key need --tunnel gre|ipip');
    return undefined;
  }
  if (opts.tunnel !== 'gre' && opts.tunnel !== 'ipip') throw usageError(`--tunnel must be gre or ipip, not '${opts.tunnel}'`);
  if (opts.remote === undefined) throw usageError('--tunnel needs --remote ADDR');
  if (isIP(opts.remote) === 0) throw usageError(`'${opts.remote}' is not an IP address`);
  if (opts.key === undefined) return { type: opts.tunnel, remote: opts.remote };
  // RFC 2890 §2.1: a 32-bit key; IP-in-IP (RFC 2003) has none.
  if (opts.tunnel !== 'gre') throw usageError('--key is for gre tunnels only');
  const key = /^\d+$/.test(opts.key) ? Number(opts.key) : NaN;
  if (!Number.isInteger(key) || key > 0xffffffff) throw usageError(`--key must be an integer 0..4294967295, not '${opts.key}'`);
  return { type: opts.tunnel, remote: opts.remote, key };
}

export function registerSessionCommands(program: Command): void {
  const session = program.command('session').description('start and end client sessions');
  session
    .command('add')
    .description('start a client session: an address from the pair\'s pool, its host route announced in VPNv4')
    .option('--client <id>', 'client id (user name); required')
    .option('--pair <name>', 'half-duplex pair (default: the only pair with a built-in pool)')
    .option('--tunnel <type>', 'gre or ipip: the tunnel to the client router (recorded; the data plane comes later)')
    .option('--remote <address>', 'the tunnel\'s remote address')
    .option('--key <n>', 'GRE key')
    .option('-j, --json', 'print the session as JSON')
    .action(async (opts: AddOptions, cmd: Command) => {
      if (opts.client === undefined || opts.client === '') throw usageError('session add needs --client ID');
      const tunnel = tunnelOption(opts);
      const doc: Json = await callDaemon(cmd, { command: 'session-add', client: opts.client, ...(opts.pair !== undefined ? { pair: opts.pair } : {}), ...(tunnel ? { tunnel } : {}) });
      if (opts.json) printJson(doc);
      else process.stdout.write(renderSessions([doc]));
    });
  session
    .command('del')
    .alias('delete')
    .description('end a client session: its routes are withdrawn, its address returns to the pool')
    .argument('<client>', 'client id')
    .option('-j, --json', 'print the ended session as JSON')
    .action(async (client: string, opts: { json?: boolean }, cmd: Command) => {
      const doc = await callDaemon(cmd, { command: 'session-del', client });
      if (opts.json) printJson(doc);
      else process.stdout.write(`${client}: session ended\n`);
    });
}
