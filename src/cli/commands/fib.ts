/** `hdvpn show fib` and `hdvpn fib lookup`: the forwarding tables and the data plane's decision for one address. */
import type { Command } from 'commander';
import { isIPv4 } from 'node:net';
import type { Json } from '../../bgp/wire/json';
import { callDaemon, printJson } from '../daemon-call';
import { usageError } from '../exit-codes';
import { renderTable } from '../table';

type Obj = { [k: string]: Json };

function isObj(x: Json | undefined): x is Obj {
  return typeof x === 'object' && x !== null && !Array.isArray(x);
}

/** One line for a next hop: "gre 198.18.0.2 key 7 (down, fallback)". */
export function nextHopText(nh: Json | undefined): string {
  if (!isObj(nh)) return '-';
  const state = nh.state === 'down' ? ` (down${nh.fallback === true ? ', fallback plain' : ', drop'})` : '';
  switch (nh.kind) {
    case 'local':
      return `local ${String(nh.session)} port ${String(nh.port)}`;
    case 'gre':
      return `gre ${String(nh.remote)}${nh.key === null || nh.key === undefined ? '' : ` key ${String(nh.key)}`}${state}`;
    case 'ipip':
      return `ipip ${String(nh.remote)}${state}`;
    case 'mpls':
      return `mpls ${Array.isArray(nh.labels) ? nh.labels.join('/') : ''} via gre ${String(nh.remote)}${state}`;
    default:
      return String(nh.kind);
  }
}

export function renderFib(doc: Json): string {
  const rows = (Array.isArray(doc) ? doc : []).filter(isObj).map((r) => {
    const hops = Array.isArray(r['next-hops']) ? r['next-hops'].map(nextHopText).join(', ') : nextHopText(r['next-hop']);
    return [String(r.table), String(r.role), String(r.prefix), hops];
  });
  return renderTable(['Table', 'Role', 'Prefix', 'Next hop'], rows);
}

export function renderCounters(doc: Json): string {
  if (!isObj(doc)) return '';
  const tables = Array.isArray(doc.tables) ? doc.tables.filter(isObj).map((t) => [String(t.table), String(t.role), String(t.routes)]) : [];
  const ports = Array.isArray(doc.ports) ? doc.ports.filter(isObj).map((p) => [String(p.name), String(p['rx-packets']), String(p['tx-packets']), String(p.drops), String(p.errors)]) : [];
  const fwd = isObj(doc.forwarding) ? Object.entries(doc.forwarding).map(([k, v]) => `${k} ${String(v)}`).join(', ') : 'no packet backend';
  return `backend ${String(doc.backend)}, ${String(doc['next-hops'])} next-hop record(s)\n${renderTable(['Table', 'Role', 'Routes'], tables)}${ports.length > 0 ? renderTable(['Port', 'Rx', 'Tx', 'Drops', 'Errors'], ports) : ''}forwarding: ${fwd}\n`;
}

export function renderLookup(doc: Json): string {
  if (!isObj(doc)) return '';
  const ingress = isObj(doc.ingress) ? doc.ingress : {};
  const from = ingress.kind === 'core' ? `core${ingress.label !== undefined ? ` label ${String(ingress.label)}` : ''}` : `session ${String(ingress.session)}`;
  const lines = [
    `address   ${String(doc.address)}`,
    `ingress   ${from}`,
    `table     ${doc.table === null ? '-' : `${String(doc.table)} (${String(doc.role)})`}`,
    `prefix    ${doc.prefix === null ? '-' : String(doc.prefix)}`,
    `decision  ${String(doc.decision)}${doc.sent === 'plain' ? ' (sent as plain IP)' : ''}${doc.reason !== undefined ? `: ${String(doc.reason)}` : ''}`,
    `next hop  ${nextHopText(doc['next-hop'])}`,
  ];
  return `${lines.join('\n')}\n`;
}

export function registerShowFib(show: Command): void {
  show
    .command('fib')
    .description('FIB routes per table with their next hops')
    .argument('[prefix]', 'only this prefix')
    .option('--vrf <name>', 'only this VRF\'s table')
    .option('--counters', 'tables, next hops and packet counters instead of routes')
    .option('-j, --json', 'print JSON')
    .action(async (prefix: string | undefined, opts: { vrf?: string; counters?: boolean; json?: boolean }, cmd: Command) => {
      if (opts.counters && (prefix !== undefined || opts.vrf !== undefined)) throw usageError('--counters takes no prefix or --vrf');
      const doc = await callDaemon(cmd, { command: 'show-fib', ...(opts.vrf !== undefined ? { vrf: opts.vrf } : {}), ...(prefix !== undefined ? { prefix } : {}), ...(opts.counters ? { counters: true } : {}) });
      if (opts.json) printJson(doc);
      else process.stdout.write(opts.counters ? renderCounters(doc) : renderFib(doc));
    });
}

export function registerFibCommands(program: Command): void {
  const fib = program.command('fib').description('ask the forwarding plane');
  fib
    .command('lookup')
    .description('the decision the data plane makes for a packet to ADDR: classifier table, matched prefix, next hop')
    .argument('<address>', 'IPv4 destination')
    .option('--ingress <from>', 'a session (client id) or core', 'core')
    .option('--label <n>', 'with --ingress core: the label the packet carries')
    .option('-j, --json', 'print JSON')
    .action(async (address: string, opts: { ingress: string; label?: string; json?: boolean }, cmd: Command) => {
      if (!isIPv4(address)) throw usageError(`'${address}' is not an IPv4 address`);
      let label: number | undefined;
      if (opts.label !== undefined) {
        if (opts.ingress !== 'core') throw usageError('--label goes with --ingress core');
        label = /^\d+$/.test(opts.label) ? Number(opts.label) : NaN;
        // RFC 3032 §2.1: labels are 20 bits.
        if (!Number.isInteger(label) || label > 0xfffff) throw usageError(`--label must be an integer 0..1048575, not '${opts.label}'`);
      }
      const doc = await callDaemon(cmd, { command: 'fib-lookup', address, ingress: opts.ingress, ...(label !== undefined ? { label } : {}) });
      if (opts.json) printJson(doc);
      else process.stdout.write(renderLookup(doc));
    });
}
