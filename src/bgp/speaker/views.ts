/**
 * The JSON documents of `hdvpn show neighbors -j` and `hdvpn show rib -j`
 * (INTERFACE.md fixes their fields; extra fields may be added, never removed).
 */
import type { Json } from '../wire/json';
import { capabilityToJson } from '../wire/json';
import type { PeerInfo } from '../session/peer-types';
import type { Route } from '../rib/route';
import { compareRoutes } from '../rib/decision';
import type { LocRib } from '../rib/loc-rib';
import { destKeyOf, routeKey, samePath, withRoute } from '../rib/route';
import { NEXT_HOP_SELF } from '../rib/local-routes';
import { formatCommunity } from '../wire/values/community';
import { formatExtCommunity, formatRouteTarget } from '../wire/values/ext-community';
import { familyName } from '../wire/values/family';
import { formatLargeCommunity } from '../wire/values/large-community';
import { formatPrefix } from '../wire/values/prefix';
import { formatRd } from '../wire/values/rd';
import { sentNlri, sentRoute, type PeerRoutes } from './peer-routes';
import type { Speaker } from './speaker';
import { AttributeInterner, type AttributeSet } from '../rib/attribute-set';

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

/**
 * Every path of the matching destinations, each marked best or not as the
 * Loc-RIB ranked it; with a prefix (or for refused routes) the reason is
 * given: why the best won, why each other path lost, why a route was refused.
 */
export function ribEntries(routes: Iterable<Route>, filter: RibFilter, loc: LocRib): RibEntry[] {
  const byDest = new Map<string, Route[]>();
  for (const r of routes) {
    if (!matches(r, filter)) continue;
    const d = destKeyOf(routeKey(r.afi, r.safi, r.nlri));
    const list = byDest.get(d) ?? [];
    list.push(r);
    byDest.set(d, list);
  }
  const out: RibEntry[] = [];
  for (const [dest, list] of byDest) {
    const best = loc.best(dest);
    const eligible = loc.paths(dest).length;
    for (const r of list) {
      const isBest = best !== undefined && samePath(best, r);
      let reason: string;
      if (r.rejected !== undefined) reason = `rejected: ${r.rejected}`;
      else if (isBest) reason = eligible > 1 ? `best of ${eligible}` : 'only route';
      else if (!loc.paths(dest).some((p) => samePath(p, r))) reason = `not eligible: next hop ${r.attrs.nextHop} does not resolve (RFC 4271 §9.1.2.1)`;
      else reason = best ? `lost: ${compareRoutes(best, r, loc.decisionOptions).reason}` : 'not selected';
      out.push({ route: r, best: isBest, ...(filter.prefix !== undefined || r.rejected !== undefined ? { reason } : {}) });
    }
  }
  return out;
}

function matches(r: Route, filter: RibFilter): boolean {
  if (filter.afi !== undefined && (r.afi !== filter.afi || r.safi !== filter.safi)) return false;
  return filter.prefix === undefined || formatPrefix(r.nlri.prefix) === filter.prefix;
}

/** `show rib --neighbor N --in`: what N sent, as received (before import policy), and whether it was accepted. */
export function adjRibInEntries(pr: PeerRoutes, filter: RibFilter): RibEntry[] {
  const out: RibEntry[] = [];
  for (const r of pr.ribIn.all()) {
    if (!matches(r, filter)) continue;
    const asReceived = r.received ? withRoute(r, { attrs: r.received }) : r;
    out.push({ route: asReceived, best: false, reason: r.rejected !== undefined ? `rejected: ${r.rejected}` : r.received ? 'accepted, changed by import policy' : 'accepted' });
  }
  return out;
}

/** `show rib --neighbor N --out`: what we advertised to N, with the attributes as sent. */
export function adjRibOutEntries(pr: PeerRoutes, filter: RibFilter): RibEntry[] {
  const out: RibEntry[] = [];
  const view = new AttributeInterner();
  for (const sent of pr.sentRoutes()) {
    const r = sentRoute(sent);
    const exported = pr.sentExport(sent);
    if (!matches(r, filter) || !exported) continue;
    const attrs = view.intern(exported.attributes, exported.nextHop);
    out.push({ route: withRoute(r, { nlri: sentNlri(r), attrs }), best: true });
  }
  return out;
}

/** `show rib summary`: destinations per family, and per neighbor what was received, accepted and sent. */
export function ribSummary(speaker: Speaker): Json {
  const families: { [k: string]: Json } = {};
  for (const [f, n] of speaker.loc.counts()) {
    const [afi, safi] = f.split('/').map(Number);
    if (n > 0) families[familyName(afi ?? 0, safi ?? 0)] = n;
  }
  const neighbors: Json[] = [];
  for (const [address, pr] of speaker.allPeers()) {
    const fams = [...new Set([...pr.ribIn.countsByFamily().keys(), ...(pr.session?.families.map((f) => `${f.afi}/${f.safi}`) ?? [])])];
    neighbors.push({
      address,
      received: familyCounts(fams, (a, f) => pr.ribIn.count(a, f)),
      accepted: familyCounts(fams, (a, f) => pr.ribIn.acceptedCount(a, f)),
      sent: familyCounts(fams, (a, f) => pr.sentCount(a, f)),
    });
  }
  let local = 0;
  for (const _ of speaker.localRoutes()) local++;
  return { destinations: families, 'attribute-sets': speaker.interner.size, 'originated': local, neighbors };
}

/** The attribute fields of a route as `show rib -j` names them (INTERFACE.md); `policy test` shows the same. */
export function attributesView(a: AttributeSet): { [k: string]: Json } {
  return {
    'next-hop': a.nextHop === NEXT_HOP_SELF ? 'self' : a.nextHop,
    'as-path': a.asPathText,
    origin: (['igp', 'egp', 'incomplete'] as const)[a.origin],
    med: a.med ?? null,
    'local-pref': a.localPref ?? null,
    communities: a.communities.map(formatCommunity),
    'large-communities': a.largeCommunities.map(formatLargeCommunity),
    'extended-communities': a.extendedCommunities.map(formatExtCommunity),
  };
}

export function routeTargetsView(a: AttributeSet): Json {
  return a.extendedCommunities.flatMap((c) => (c.kind === 'route-target' ? [formatRouteTarget(c)] : []));
}

export function routeView(e: RibEntry): Json {
  const r = e.route;
  const a = r.attrs;
  const o: { [k: string]: Json } = {
    family: familyName(r.afi, r.safi),
    prefix: formatPrefix(r.nlri.prefix),
    best: e.best,
    ...attributesView(a),
    from: r.source.address,
  };
  if (r.nlri.kind === 'vpn') {
    o.rd = formatRd(r.nlri.rd);
    o.labels = [...r.nlri.labels];
    o['route-targets'] = routeTargetsView(a);
  } else if (r.nlri.kind === 'labeled') {
    o.labels = [...r.nlri.labels];
  }
  if (r.nlri.pathId !== undefined) o['path-id'] = r.nlri.pathId;
  if (r.stale) o.stale = true;
  if (e.reason !== undefined) o.reason = e.reason;
  return o;
}
