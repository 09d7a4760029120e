/** `hdvpn show sessions`: client sessions as a table, or (-j) the JSON of INTERFACE.md. */
import type { Command } from 'commander';
import type { Json } from '../../bgp/wire/json';
import { callDaemon, printJson } from '../daemon-call';
import { renderTable } from '../table';

type Obj = { [k: string]: Json };

function tunnelText(t: Json | undefined): string {
  if (typeof t !== 'object' || t === null || Array.isArray(t)) return '-';
  return `${String(t.type)} ${String(t.remote)}${t.key === null || t.key === undefined ? '' : ` key ${String(t.key)}`}`;
}

export function renderSessions(doc: Json): string {
  const rows = (Array.isArray(doc) ? doc : [])
    .filter((x): x is Obj => typeof x === 'object' && x !== null && !Array.isArray(x))
    .map((s) => [String(s.client), String(s.pair), String(s.address), String(s.state), String(s.since), tunnelText(s.tunnel), Array.isArray(s.routes) ? s.routes.join(' ') : '']);
  return renderTable(['Client', 'Pair', 'Address', 'State', 'Since', 'Tunnel', 'Routes'], rows);
}

export function registerShowSessions(show: Command): void {
  show
    .command('sessions')
    .alias('session')
    .description('client sessions: pair, address, state, start time, tunnel, routes')
    .argument('[client]', 'only this client')
    .option('-j, --json', 'print JSON')
    .action(async (client: string | undefined, opts: { json?: boolean }, cmd: Command) => {
      const doc = await callDaemon(cmd, { command: 'show-sessions', ...(client ? { client } : {}) });
      if (opts.json) printJson(doc);
      else process.stdout.write(renderSessions(doc));
    });
}
