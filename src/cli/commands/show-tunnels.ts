/** `hdvpn show tunnels`: client tunnels and core paths with state and counters, or (-j) the JSON of INTERFACE.md. */
import type { Command } from 'commander';
import type { Json } from '../../bgp/wire/json';
import { callDaemon, printJson } from '../daemon-call';
import { renderTable } from '../table';

type Obj = { [k: string]: Json };

export function renderTunnels(doc: Json): string {
  const rows = (Array.isArray(doc) ? doc : [])
    .filter((x): x is Obj => typeof x === 'object' && x !== null && !Array.isArray(x))
    .map((t) => [
      String(t.name),
      String(t.type),
      `${String(t.local)} -> ${String(t.remote)}`,
      t.key === null || t.key === undefined ? '-' : String(t.key),
      String(t.state),
      `${String(t['rx-packets'])}/${String(t['tx-packets'])}`,
      `${String(t['rx-bytes'])}/${String(t['tx-bytes'])}`,
      t['last-seen'] === null || t['last-seen'] === undefined ? '-' : String(t['last-seen']),
    ]);
  return renderTable(['Name', 'Type', 'Endpoints', 'Key', 'State', 'Packets rx/tx', 'Bytes rx/tx', 'Last seen'], rows);
}

export function registerShowTunnels(show: Command): void {
  show
    .command('tunnels')
    .alias('tunnel')
    .description('client tunnels and core paths: endpoints, key, state, packets and bytes each way, last seen')
    .argument('[name]', 'only this tunnel')
    .option('-j, --json', 'print JSON')
    .action(async (name: string | undefined, opts: { json?: boolean }, cmd: Command) => {
      const doc = await callDaemon(cmd, { command: 'show-tunnels', ...(name ? { name } : {}) });
      if (opts.json) printJson(doc);
      else process.stdout.write(renderTunnels(doc));
    });
}
