/** `hdvpn neighbor reset|shutdown|enable ADDR`: operator actions on one BGP session. */
import type { Command } from 'commander';
import { isIP } from 'node:net';
import { callDaemon, printJson } from '../daemon-call';
import { usageError } from '../exit-codes';
import { isFamilyName } from '../families';
import type { NeighborAction } from '../../control/protocol';

function checkAddress(address: string): void {
  if (isIP(address) === 0) throw usageError(`'${address}' is not an IP address`);
}

export function registerNeighborCommands(program: Command): void {
  const neighbor = program.command('neighbor').description('act on one BGP neighbor');
  const actions: [NeighborAction, string][] = [
    ['reset', 'close the session with Cease/Administrative Reset and start it again'],
    ['shutdown', 'close the session with Cease/Administrative Shutdown and keep it down'],
    ['enable', 'start a neighbor that was shut down'],
  ];
  for (const [action, description] of actions) {
    const c = neighbor
      .command(action)
      .description(description)
      .argument('<address>', 'neighbor address')
      .option('-j, --json', 'print JSON');
    if (action !== 'enable') c.option('-m, --message <text>', 'RFC 9003 shutdown communication sent to the peer');
    c.action(async (address: string, opts: { json?: boolean; message?: string }, cmd: Command) => {
      checkAddress(address);
      const doc = await callDaemon(cmd, { command: 'neighbor', action, address, ...(opts.message ? { message: opts.message } : {}) });
      if (opts.json) printJson(doc);
      else process.stdout.write(`${address}: ${action} done\n`);
    });
  }
  neighbor
    .command('refresh')
    .description('ask the neighbor to send its routes again (ROUTE-REFRESH, RFC 2918)')
    .argument('<address>', 'neighbor address')
    .option('--family <family>', 'only this family')
    .action(async (address: string, opts: { family?: string }, cmd: Command) => {
      checkAddress(address);
      if (opts.family !== undefined && !isFamilyName(opts.family)) throw usageError(`unknown family '${opts.family}'`);
      await callDaemon(cmd, { command: 'route-refresh', address, ...(opts.family ? { family: opts.family } : {}) });
      process.stdout.write(`${address}: route refresh sent\n`);
    });
}
