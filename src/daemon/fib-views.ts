/**
 * `hdvpn show fib` and `hdvpn fib lookup`: views over the FIB. A lookup runs
 * the data plane's own decision function (DataPlane.decide4) over the same
 * shared tables the packet workers read, so what the CLI says is what a
 * packet gets.
 */
import type { Json } from '../bgp/wire/json';
import { formatIpv4, parseIpv4 } from '../bgp/wire/values/ip';
import { formatPrefix, parsePrefix } from '../bgp/wire/values/prefix';
import { D_FALLBACK, D_FORWARD, D_UNCLASSIFIED, DECISION_NAMES, newDecision, NO_KEY } from '../fib/data-plane';
import type { Fib } from '../fib/fib';
import type { NextHop } from '../fib/next-hop';
import { ControlCommandError } from './control-server';
import type { PacketPlane } from './packet-plane';

/** The `next-hop` object of INTERFACE.md: its kind and its parameters. */
export function nextHopView(fib: Fib, nh: NextHop | null): Json {
  if (!nh) return { kind: 'drop' };
  switch (nh.kind) {
    case 'local':
      return { kind: 'local', session: nh.session, port: nh.port };
    case 'gre':
    case 'ipip':
      return {
        kind: nh.kind,
        tunnel: nh.tunnel,
        local: formatIpv4(nh.local),
        remote: formatIpv4(nh.remote),
        ...(nh.kind === 'gre' ? { key: nh.key } : {}),
        state: fib.nextHops.isDown(nh.tunnel) ? 'down' : 'up',
        fallback: nh.fallback,
      };
    case 'mpls':
      return {
        kind: 'mpls',
        labels: [...nh.labels],
        encapsulation: 'gre',
        tunnel: nh.tunnel,
        local: formatIpv4(nh.local),
        remote: formatIpv4(nh.remote),
        state: fib.nextHops.isDown(nh.tunnel) ? 'down' : 'up',
        fallback: nh.fallback,
      };
    case 'plain':
    case 'drop':
      return { kind: nh.kind };
    default: {
      const never: never = nh;
      return never;
    }
  }
}

/** A record's next hops: one, or the members of an ECMP group. */
function recordNextHops(fib: Fib, record: number): (NextHop | null)[] {
  const members = fib.nextHops.members(record);
  return members.length > 0 ? members.map((m) => fib.nextHops.get(m)) : [fib.nextHops.get(record)];
}

export function fibRoutesView(fib: Fib, table?: string, prefix?: string): Json {
  if (table !== undefined && fib.tableRole(table) === null) throw new ControlCommandError(`no FIB table ${table}`);
  const wanted = prefix === undefined ? undefined : parsePrefix(prefix, true);
  if (wanted === null) throw new ControlCommandError(`'${prefix ?? ''}' is not a prefix`);
  const wantedText = wanted ? formatPrefix(wanted) : undefined;
  const out: Json[] = [];
  for (const r of fib.routes(table)) {
    const text = formatPrefix(r.prefix);
    if (wantedText !== undefined && text !== wantedText) continue;
    const hops = recordNextHops(fib, r.record).map((nh) => nextHopView(fib, nh));
    out.push({ table: r.table, role: fib.tableRole(r.table), prefix: text, 'next-hop': hops[0] ?? { kind: 'drop' }, ...(hops.length > 1 ? { 'next-hops': hops } : {}) });
  }
  return out;
}

/** What the data plane does with a packet to `address` entering at `ingress` (a session, or `core` with an optional label). */
export function fibLookupView(fib: Fib, address: string, ingress = 'core', label?: number, sharedBinding: (session: string) => string | undefined = () => undefined): Json {
  const dst = parseIpv4(address);
  if (dst === null) throw new ControlCommandError(`'${address}' is not an IPv4 address`);
  const plane = fib.dataPlane();
  const d = newDecision();
  let table = -1;
  let ingressView: Json;
  if (ingress === 'core') {
    ingressView = { kind: 'core', ...(label !== undefined ? { label } : {}) };
    if (label !== undefined) {
      const nh = plane.nextHopOfLabel(label);
      if (nh >= 0) {
        // A per-prefix label (RFC 4364 §4.3.2) leads straight to its next hop: no lookup.
        plane.resolve(nh, 0, d);
        return lookupResult(fib, address, ingressView, null, null, d.outcome, d.nextHop);
      }
      table = plane.tableOfLabel(label);
      if (table < 0) return lookupResult(fib, address, ingressView, null, null, D_UNCLASSIFIED, -1, `label ${label} is not one of ours`);
    } else table = plane.coreTable;
  } else {
    // A session without a tunnel enters through its pair's TUN, bound once for all of them.
    const b = fib.sessionBinding(ingress) ?? fib.sessionBinding(sharedBinding(ingress) ?? ingress);
    if (!b) throw new ControlCommandError(`no session ${ingress} is bound to a FIB table`);
    ingressView = b.ingress.kind === 'port' ? { kind: 'session', session: ingress, port: b.ingress.port } : { kind: 'session', session: ingress, tunnel: b.ingress.type, remote: formatIpv4(b.ingress.remote), key: b.ingress.key };
    const i = b.ingress;
    if (i.kind === 'port') table = plane.tableOfPort(i.port);
    else table = i.type === 'gre' ? plane.tableOfGre(i.remote, i.key ?? NO_KEY) : plane.tableOfIpip(i.remote);
  }
  plane.decide4(table, dst, 0, d);
  const tableName = table >= 0 ? fib.tableName(table) : null;
  const matched = tableName !== null ? fib.matchedPrefix4(tableName, dst) : null;
  return lookupResult(fib, address, ingressView, tableName, matched ? formatPrefix(matched) : null, d.outcome, d.nextHop);
}

function lookupResult(fib: Fib, address: string, ingress: Json, table: string | null, prefix: string | null, outcome: number, record: number, reason?: string): Json {
  const nh = record >= 0 ? fib.nextHops.get(record) : null;
  return {
    address,
    ingress,
    table,
    role: table === null ? null : fib.tableRole(table),
    prefix,
    decision: DECISION_NAMES[outcome] ?? 'drop',
    'next-hop': outcome === D_FORWARD || outcome === D_FALLBACK ? nextHopView(fib, nh) : null,
    ...(outcome === D_FALLBACK ? { sent: 'plain' } : {}),
    ...(reason !== undefined ? { reason } : {}),
  };
}

/** `hdvpn show fib --counters`: tables, next-hop records, and what the packet backend did. */
export function fibCountersView(fib: Fib, backend: string, plane: PacketPlane | null): Json {
  return {
    backend,
    tables: fib.tableNames().map((t) => ({ table: t.name, role: t.role, routes: t.routes })),
    'next-hops': fib.nextHops.size,
    ports: plane
      ? plane.ports.map((p) => {
          const c = plane.portCounters(p.id);
          return { name: p.name, 'rx-packets': c.rxPackets, 'rx-bytes': c.rxBytes, 'tx-packets': c.txPackets, 'tx-bytes': c.txBytes, drops: c.drops, errors: c.rxErrors + c.handlerErrors };
        })
      : [],
    forwarding: plane ? { ...plane.forwarding() } : null,
  };
}
