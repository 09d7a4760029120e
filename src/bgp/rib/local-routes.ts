/**
 * Routes this node originates (from config now; from VRFs and client sessions
 * later). They enter the RIB like received routes, with source 'local'.
 */
import type { PathAttribute } from '../wire/attributes/types';
import type { LargeCommunity } from '../wire/values/large-community';
import type { RouteTargetLike } from '../wire/values/ext-community';
import type { Prefix } from '../wire/values/prefix';
import type { RouteDistinguisher } from '../wire/values/rd';
import type { AttributeInterner } from './attribute-set';
import { makeRoute, routeKey, type Route, type RouteSource, type RoutableNlri } from './route';

export interface LocalRouteSpec {
  readonly prefix: Prefix;
  /** null: next-hop-self, the local address of each session. */
  readonly nextHop: string | null;
  readonly communities: readonly number[];
  readonly largeCommunities: readonly LargeCommunity[];
  readonly med: number | null;
  readonly localPref: number | null;
  /** VPN routes (RFC 4364): RD, route targets and the label the peer must push. */
  readonly vpn?: { readonly rd: RouteDistinguisher; readonly routeTargets: readonly RouteTargetLike[]; readonly label: number };
  /** Further attributes carried as given (e.g. RFC 9012 TUNNEL_ENCAPSULATION on routes for client routers). */
  readonly attributes?: readonly PathAttribute[];
}

/** Marks "use the session's local address" in an attribute set's next hop. */
export const NEXT_HOP_SELF = 'self';

export function localSource(asn: number, bgpId: string): RouteSource {
  return { address: 'local', asn, bgpId, ibgp: true };
}

export function localRoute(spec: LocalRouteSpec, source: RouteSource, interner: AttributeInterner): { key: string; route: Route } {
  const attrs: PathAttribute[] = [
    // RFC 4271 §5.1.1: IGP for routes we originate ourselves.
    { type: 'origin', origin: 0 },
    { type: 'as-path', segments: [] },
  ];
  if (spec.med !== null) attrs.push({ type: 'med', med: spec.med });
  if (spec.localPref !== null) attrs.push({ type: 'local-pref', localPref: spec.localPref });
  if (spec.communities.length) attrs.push({ type: 'communities', communities: spec.communities });
  if (spec.vpn && spec.vpn.routeTargets.length) attrs.push({ type: 'extended-communities', communities: spec.vpn.routeTargets });
  if (spec.largeCommunities.length) attrs.push({ type: 'large-communities', communities: spec.largeCommunities });
  if (spec.attributes) attrs.push(...spec.attributes);
  const afi = spec.prefix.afi;
  const safi = spec.vpn ? 128 : 1;
  const nlri: RoutableNlri = spec.vpn
    ? { kind: 'vpn', rd: spec.vpn.rd, labels: [spec.vpn.label], prefix: spec.prefix }
    : { kind: 'unicast', safi: 1, prefix: spec.prefix };
  const set = interner.intern(attrs, spec.nextHop ?? NEXT_HOP_SELF);
  return { key: routeKey(afi, safi, nlri), route: makeRoute({ afi, safi, nlri, attrs: set, source, stale: false }) };
}
