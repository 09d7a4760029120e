/**
 * The JSON documents of `hdvpn show neighbors -j` and `hdvpn show rib -j`
 * (INTERFACE.md fixes their fields; extra fields may be added, never removed).
 */
import type { Json } from '../wire/json';
import { capabilityToJson } from '../wire/json';
import type { PeerInfo } from '../session/peer-types';
import type { Route } from '../rib/route';
import { selectBest } from '../rib/decision';
import { NEXT_HOP_SELF } from '../rib/local-routes';
import { formatCommunity } from '../wire/values/community';
import { formatExtCommunity, formatRouteTarget } from '../wire/values/ext-community';
import { familyName } from '../wire/values/family';
import { formatLargeCommunity } from '../wire/values/large-community';
import { formatPrefix } from '../wire/values/prefix';
import { formatRd } from '../wire/values/rd';
import type { PeerRoutes } from './peer-routes';

function familyCounts(families: readonly string[], count: (afi: number, safi: number) => number): { [k: string]: Json } {
  const out: { [k: string]: Json } = {};
  for (const f of families) {
    const [afi, safi] = f.split('/').map(Number);
    out[familyName(afi ?? 0, safi ?? 0)] = count(afi ?? 0, safi ?? 0);
  }
  return out;
}

export function neighborView(info: PeerInfo, routes: PeerRoutes | undefined): Json {
  const s = info.session;
  const families = s ? [...s.families] : [];
  const received = familyCounts(families, (a, f) => routes?.ribIn.count(a, f) ?? 0);
  return {
    address: info.address,
    asn: info.asn,
    state: info.state,
    uptime: Math.floor(info.uptimeSeconds),
    families: families.map((f) => {
      const [afi, safi] = f.split('/').map(Number);
      return familyName(afi ?? 0, safi ?? 0);
    }),
    received,
    // Accepted = passed the import checks (AS loop now; import policy with issue 4).
    accepted: familyCounts(families, (a, f) => routes?.ribIn.acceptedCount(a, f) ?? 0),
    sent: familyCounts(families, (a, f) => routes?.sentCount(a, f) ?? 0),
    'last-error': info.lastError,
    description: info.description,
    port: info.port,
    'local-address': info.localAddress,
    'local-as': info.localAs,
    enabled: info.enabled,
    passive: info.passive,
    'tcp-md5': info.md5,
    'ttl-security': info.gtsmHops,
    'router-id': s?.peerBgpId ?? null,
    'hold-time': s?.holdTime ?? null,
    'keepalive-time': s?.keepaliveTime ?? null,
    capabilities: s
      ? {
          'four-octet-as': s.fourOctetAs,
          'route-refresh': s.routeRefresh,
          'enhanced-route-refresh': s.enhancedRouteRefresh,
          'extended-message': s.extendedMessage,
          'add-path': { receive: [...s.addPath.receive], send: [...s.addPath.send] },
          'graceful-restart': s.gracefulRestart ? { 'restart-time': s.gracefulRestart.restartTime, restarting: s.gracefulRestart.restarting, families: [...s.gracefulRestart.families] } : null,
          local: s.localCapabilities.map(capabilityToJson),
          peer: s.peerCapabilities.map(capabilityToJson),
        }
      : null,
    messages: { received: { ...info.messages.received }, sent: { ...info.messages.sent } },
    'established-transitions': info.establishedTransitions,
  };
}

export interface RibFilter {
  readonly afi?: number;
  readonly safi?: number;
  readonly prefix?: string;
}

export interface RibEntry {
  readonly route: Route;
  readonly best: boolean;
  readonly reason?: string;
}

/** Destination = family + RD + prefix: the routes that compete in the decision process. */
function destination(r: Route): string {
  const rd = r.nlri.kind === 'vpn' ? formatRd(r.nlri.rd) : '';
  return `${r.afi}/${r.safi}|${rd}|${formatPrefix(r.nlri.prefix)}`;
}

export function ribEntries(routes: Iterable<Route>, filter: RibFilter): RibEntry[] {
  const byDest = new Map<string, Route[]>();
  for (const r of routes) {
    if (filter.afi !== undefined && (r.afi !== filter.afi || r.safi !== filter.safi)) continue;
    if (filter.prefix !== undefined && formatPrefix(r.nlri.prefix) !== filter.prefix) continue;
    const d = destination(r);
    const list = byDest.get(d) ?? [];
    list.push(r);
    byDest.set(d, list);
  }
  const out: RibEntry[] = [];
  for (const list of byDest.values()) {
    const best = selectBest(list.filter((r) => r.rejected === undefined));
    for (const r of list) {
      const isBest = best?.best === r;
      const lost = best?.reasons.find((x) => x.loser === r);
      const reason = r.rejected !== undefined ? `rejected: ${r.rejected}` : isBest ? (list.length > 1 ? `best of ${list.length}` : 'only route') : `lost: ${lost?.reason ?? ''}`;
      out.push({ route: r, best: isBest, ...(filter.prefix !== undefined || r.rejected !== undefined ? { reason } : {}) });
    }
  }
  return out;
}

export function routeView(e: RibEntry): Json {
  const r = e.route;
  const a = r.attrs;
  const o: { [k: string]: Json } = {
    family: familyName(r.afi, r.safi),
    prefix: formatPrefix(r.nlri.prefix),
    best: e.best,
    'next-hop': a.nextHop === NEXT_HOP_SELF ? 'self' : a.nextHop,
    'as-path': a.asPathText,
    origin: (['igp', 'egp', 'incomplete'] as const)[a.origin],
    med: a.med ?? null,
    'local-pref': a.localPref ?? null,
    communities: a.communities.map(formatCommunity),
    'large-communities': a.largeCommunities.map(formatLargeCommunity),
    'extended-communities': a.extendedCommunities.map(formatExtCommunity),
    from: r.source.address,
  };
  if (r.nlri.kind === 'vpn') {
    o.rd = formatRd(r.nlri.rd);
    o.labels = [...r.nlri.labels];
    o['route-targets'] = a.extendedCommunities.flatMap((c) => (c.kind === 'route-target' ? [formatRouteTarget(c)] : []));
  } else if (r.nlri.kind === 'labeled') {
    o.labels = [...r.nlri.labels];
  }
  if (r.nlri.pathId !== undefined) o['path-id'] = r.nlri.pathId;
  if (r.stale) o.stale = true;
  if (e.reason !== undefined) o.reason = e.reason;
  return o;
}
