/** `hdvpn show neighbors|rib|vrf|hub|sessions`: the daemon's state, as tables or (-j) the JSON of INTERFACE.md. */
import type { Command } from 'commander';
import type { Json } from '../../bgp/wire/json';
import { callDaemon, printJson } from '../daemon-call';
import { usageError } from '../exit-codes';
import { isFamilyName } from '../families';
import { formatDuration, renderTable } from '../table';
import { formatPrefix, parsePrefix } from '../../bgp/wire/values/prefix';
import { parseIp } from '../../bgp/wire/values/ip';
import { registerShowSessions } from './show-sessions';
import { registerShowFib } from './fib';
import { registerShowTunnels } from './show-tunnels';

type Obj = { [k: string]: Json };

function asObjects(doc: Json): Obj[] {
  return Array.isArray(doc) ? doc.filter((x): x is Obj => typeof x === 'object' && x !== null && !Array.isArray(x)) : [];
}

function text(v: Json | undefined): string {
  if (v === undefined || v === null) return '';
  if (Array.isArray(v)) return v.map(text).join(' ');
  if (typeof v === 'object') return JSON.stringify(v);
  return String(v);
}

function sumCounts(v: Json | undefined): string {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return '0';
  return String(Object.values(v).reduce<number>((n, x) => n + (typeof x === 'number' ? x : 0), 0));
}

export function renderNeighbors(doc: Json): string {
  const rows = asObjects(doc).map((n) => [
    text(n.address),
    text(n.asn),
    text(n.state),
    typeof n.uptime === 'number' ? formatDuration(n.uptime) : '-',
    sumCounts(n.received),
    sumCounts(n.accepted),
    sumCounts(n.sent),
    text(n.description),
    text(n['last-error']),
  ]);
  return renderTable(['Neighbor', 'AS', 'State', 'Up/Down', 'Rcvd', 'Accepted', 'Sent', 'Description', 'Last error'], rows);
}

export function renderRib(doc: Json, withReason = false): string {
  const rows = asObjects(doc).map((r) => [
    r.best === true ? '*>' : '*',
    text(r.family),
    r.rd ? `${text(r.rd)} ${text(r.prefix)}` : text(r.prefix),
    text(r['next-hop']),
    text(r.med),
    text(r['local-pref']),
    r.labels ? text(r.labels) : '',
    `${text(r['as-path'])} ${({ igp: 'i', egp: 'e', incomplete: '?' } as Record<string, string>)[text(r.origin)] ?? ''}`.trim(),
    text(r.from),
    ...(withReason ? [text(r.reason)] : []),
  ]);
  return renderTable(['', 'Family', 'Prefix', 'Next hop', 'MED', 'LocPrf', 'Label', 'Path', 'From', ...(withReason ? ['Why'] : [])], rows);
}

export function renderVrfs(doc: Json): string {
  const rows = asObjects(doc).map((v) => [
    text(v.name),
    text(v.role),
    text(v.pair),
    text(v.rd),
    text(v.import),
    text(v.export),
    v.label === null ? (v['label-mode'] === 'per-prefix' ? 'per-prefix' : '-') : text(v.label),
    text(v.routes),
    Array.isArray(v.sessions) ? String(v.sessions.length) : '0',
  ]);
  return renderTable(['VRF', 'Role', 'Pair', 'RD', 'Import', 'Export', 'Label', 'Routes', 'Sessions'], rows);
}

export function renderHubs(doc: Json): string {
  return asObjects(doc)
    .map((h) => {
      const rules = asObjects(h.rules ?? []).map((r) => [text(r.name), text(r.action), text(r.destination) || 'any', text(r.client) || 'any', text(r.packets), text(r.bytes), text(r.dropped)]);
      const unmatched = typeof h.unmatched === 'object' && h.unmatched !== null && !Array.isArray(h.unmatched) ? h.unmatched : {};
      rules.push(['(no rule)', 'permit', 'any', 'any', text(unmatched.packets), text(unmatched.bytes), '0']);
      return `Hub VRF ${text(h.vrf)} (rd ${text(h.rd)}, label ${text(h.label) || '-'}): imports ${text(h.import)}, announces ${text(h.announce) || 'nothing'} with ${text(h.export)}\n${renderTable(['Rule', 'Action', 'Destination', 'Client', 'Packets', 'Bytes', 'Dropped'], rules)}`;
    })
    .join('\n');
}

export function registerShowCommands(program: Command): void {
  const show = program.command('show').description('show daemon state');
  show
    .command('neighbors')
    .alias('neighbor')
    .description('BGP neighbors: state, uptime, families, prefix counts, last error')
    .argument('[address]', 'only this neighbor')
    .option('-j, --json', 'print JSON')
    .action(async (address: string | undefined, opts: { json?: boolean }, cmd: Command) => {
      const doc = await callDaemon(cmd, { command: 'show-neighbors', ...(address ? { address } : {}) });
      if (opts.json) printJson(doc);
      else process.stdout.write(renderNeighbors(doc));
    });
  show
    .command('rib')
    .description('routes: the Loc-RIB with every path (best marked), a neighbor\'s Adj-RIB-In or -Out, or a summary')
    .argument('[prefix]', "only this prefix (the decision is explained), or 'summary'")
    .option('--family <family>', 'ipv4-unicast, ipv6-unicast, vpnv4-unicast or vpnv6-unicast')
    .option('--vrf <name>', 'the table of one VRF')
    .option('--neighbor <address>', "one neighbor's routes: --in (as received, before policy) or --out (as sent)")
    .option('--in', 'with --neighbor: its Adj-RIB-In')
    .option('--out', 'with --neighbor: our Adj-RIB-Out toward it')
    .option('-j, --json', 'print JSON')
    .action(async (prefix: string | undefined, opts: RibOptions, cmd: Command) => {
      if (opts.family !== undefined && !isFamilyName(opts.family)) throw usageError(`unknown family '${opts.family}'`);
      if ((opts.in || opts.out) && opts.neighbor === undefined) throw usageError('--in and --out need --neighbor');
      if (opts.in && opts.out) throw usageError('give --in or --out, not both');
      if (opts.neighbor !== undefined && !opts.in && !opts.out) throw usageError('--neighbor needs --in or --out');
      if (opts.neighbor !== undefined && !isIp(opts.neighbor)) throw usageError(`'${opts.neighbor}' is not an IP address`);
      const summary = prefix === 'summary';
      if (prefix !== undefined && !summary && parsePrefix(prefix) === null) throw usageError(`'${prefix}' is not a prefix (ADDRESS/LENGTH)`);
      const doc = await callDaemon(cmd, {
        command: 'show-rib',
        ...(opts.family ? { family: opts.family } : {}),
        ...(opts.vrf ? { vrf: opts.vrf } : {}),
        ...(prefix && !summary ? { prefix: formatPrefix(parsePrefix(prefix) ?? fail()) } : {}),
        ...(summary ? { summary: true } : {}),
        ...(opts.neighbor !== undefined ? { neighbor: opts.neighbor, direction: opts.out ? ('out' as const) : ('in' as const) } : {}),
      });
      if (opts.json) printJson(doc);
      else process.stdout.write(summary ? renderRibSummary(doc) : renderRib(doc, prefix !== undefined));
    });
  show
    .command('vrf')
    .alias('vrfs')
    .description('VRFs and half-duplex pair halves: role, RD, route targets, label, routes, bound sessions')
    .argument('[name]', 'only this VRF')
    .option('-j, --json', 'print JSON')
    .action(async (name: string | undefined, opts: { json?: boolean }, cmd: Command) => {
      const doc = await callDaemon(cmd, { command: 'show-vrf', ...(name ? { name } : {}) });
      if (opts.json) printJson(doc);
      else process.stdout.write(renderVrfs(doc));
    });
  show
    .command('hub')
    .description('hub VRFs: announcements and the per-target rule counters')
    .argument('[name]', 'only this hub VRF')
    .option('-j, --json', 'print JSON')
    .action(async (name: string | undefined, opts: { json?: boolean }, cmd: Command) => {
      const doc = await callDaemon(cmd, { command: 'show-hub', ...(name ? { name } : {}) });
      if (opts.json) printJson(doc);
      else process.stdout.write(renderHubs(doc));
    });
  registerShowSessions(show);
  registerShowFib(show);
  registerShowTunnels(show);
}

interface RibOptions {
  json?: boolean;
  family?: string;
  vrf?: string;
  neighbor?: string;
  in?: boolean;
  out?: boolean;
}

function fail(): never {
  throw usageError('bad prefix');
}

function isIp(text: string): boolean {
  return parseIp(text) !== null;
}

export function renderRibSummary(doc: Json): string {
  if (typeof doc !== 'object' || doc === null || Array.isArray(doc)) return '';
  const dests = doc.destinations;
  const famRows = typeof dests === 'object' && dests !== null && !Array.isArray(dests) ? Object.entries(dests).map(([f, n]) => [f, text(n)]) : [];
  const nRows = asObjects(doc.neighbors ?? []).map((n) => [text(n.address), sumCounts(n.received), sumCounts(n.accepted), sumCounts(n.sent)]);
  return `${renderTable(['Family', 'Destinations'], famRows)}\nAttribute sets: ${text(doc['attribute-sets'])}; originated routes: ${text(doc.originated)}\n\n${renderTable(['Neighbor', 'Received', 'Accepted', 'Sent'], nRows)}`;
}
