/**
 * The JSON of `hdvpn show vrf`, `show rib --vrf` and `show hub` (INTERFACE.md
 * fixes the first two's core fields; extra fields may be added, never removed).
 */
import type { Json } from '../bgp/wire/json';
import { routeView } from '../bgp/speaker/views';
import { withRoute } from '../bgp/rib/route';
import { formatCommunity } from '../bgp/wire/values/community';
import { formatRouteTarget } from '../bgp/wire/values/ext-community';
import { formatLargeCommunity } from '../bgp/wire/values/large-community';
import { formatPrefix } from '../bgp/wire/values/prefix';
import { formatRd } from '../bgp/wire/values/rd';
import type { VrfEntry } from '../vrf/types';
import type { Vrf } from '../vrf/vrf';
import type { TargetCounters } from '../fib/target-rules';

const FAMILY: Record<1 | 2, string> = { 1: 'ipv4-unicast', 2: 'ipv6-unicast' };

export function vrfView(vrf: Vrf): Json {
  const d = vrf.def;
  let imported = 0;
  for (const [best] of vrf.table.all()) if (best?.origin === 'imported') imported++;
  const counts = vrf.table.counts;
  return {
    name: d.name,
    rd: formatRd(d.rd),
    import: d.import.map(formatRouteTarget),
    export: d.export.map(formatRouteTarget),
    // Per-prefix mode has no single label; each route shows its own in `show rib --vrf`.
    label: vrf.label,
    routes: vrf.table.size,
    sessions: [...vrf.sessions],
    role: d.role,
    pair: d.pair,
    'label-mode': d.labelMode,
    hub: d.hub !== undefined,
    'local-routes': vrf.locals.size,
    'imported-routes': imported,
    'routes-by-family': { 'ipv4-unicast': counts.ipv4, 'ipv6-unicast': counts.ipv6 },
    'import-policy': [...(d.importPolicy?.names ?? [])],
    'export-policy': [...(d.exportPolicy?.names ?? [])],
  };
}

function localView(vrf: Vrf, e: VrfEntry, best: boolean): Json {
  const l = e.local;
  const exported = e.labels.length > 0;
  const targets = exported ? vrf.def.export.map(formatRouteTarget) : [];
  return {
    family: FAMILY[e.prefix.afi],
    prefix: formatPrefix(e.prefix),
    best,
    'next-hop': e.nextHop ?? 'self',
    'as-path': '',
    origin: 'igp',
    med: l?.med ?? null,
    'local-pref': l?.localPref ?? null,
    communities: (l?.communities ?? []).map(formatCommunity),
    'large-communities': (l?.largeCommunities ?? []).map(formatLargeCommunity),
    'extended-communities': targets.map((t) => `RT:${t}`),
    from: 'local',
    rd: formatRd(e.rd),
    labels: [...e.labels],
    'route-targets': targets,
    vrf: vrf.name,
    kind: 'local',
    'local-kind': l?.kind ?? 'static',
  };
}

function importedView(vrf: Vrf, e: VrfEntry, best: boolean): Json {
  if (!e.route || !e.attributes) return null;
  const base = routeView({ route: withRoute(e.route, { attrs: e.attributes }), best });
  if (typeof base !== 'object' || base === null || Array.isArray(base)) return base;
  return {
    ...base,
    // The VRF table is a unicast table; rd, labels and route-targets say which VPN route it came from.
    family: FAMILY[e.prefix.afi],
    'next-hop': e.nextHop ?? 'self',
    vrf: vrf.name,
    kind: 'imported',
    ...(e.fromVrf !== null ? { 'from-vrf': e.fromVrf } : {}),
  };
}

/** `show rib --vrf NAME`: every candidate of every prefix, the selected one marked best. */
export function vrfRibView(vrf: Vrf, filter: { afi?: 1 | 2; prefix?: string }): Json[] {
  const out: Json[] = [];
  for (const entries of vrf.table.all(filter.afi)) {
    const first = entries[0];
    if (!first || (filter.prefix !== undefined && formatPrefix(first.prefix) !== filter.prefix)) continue;
    entries.forEach((e, i) => out.push(e.origin === 'local' ? localView(vrf, e, i === 0) : importedView(vrf, e, i === 0)));
  }
  return out;
}

/** A hub VRF, its rules as configured, and what they did to packets (counted by the data plane; zero without a packet backend). */
export function hubView(vrf: Vrf, c: TargetCounters | null): Json {
  const defs = vrf.def.hub?.rules ?? [];
  return {
    vrf: vrf.name,
    rd: formatRd(vrf.def.rd),
    import: vrf.def.import.map(formatRouteTarget),
    export: vrf.def.export.map(formatRouteTarget),
    announce: (vrf.def.hub?.announce ?? []).map(formatPrefix),
    label: vrf.label,
    rules: defs.map((r, i) => {
      const n = c?.rules[i];
      return { name: r.name, action: r.action, destination: r.destination.map(formatPrefix), client: r.client.map(formatPrefix), packets: n?.packets ?? 0, bytes: n?.bytes ?? 0, dropped: n?.dropped ?? 0 };
    }),
    unmatched: { packets: c?.unmatched.packets ?? 0, bytes: c?.unmatched.bytes ?? 0 },
    'hook-drops': c?.hookDrops ?? 0,
  };
}
