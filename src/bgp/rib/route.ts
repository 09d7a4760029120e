/** A route as the RIB holds it: what (NLRI), how (interned attributes), from whom. */
import type { LabeledNlri, Nlri, UnicastNlri, VpnNlri } from '../wire/nlri/types';
import type { AttributeSet } from './attribute-set';
import { formatPrefix } from '../wire/values/prefix';
import { formatRd } from '../wire/values/rd';

/** The NLRI kinds a RIB stores per route (opaque families are not routed). */
export type RoutableNlri = UnicastNlri | LabeledNlri | VpnNlri;

export interface RouteSource {
  /** Peer address, or 'local' for routes this node originates. */
  readonly address: string;
  readonly asn: number;
  readonly bgpId: string;
  readonly ibgp: boolean;
  /** RFC 4456: the neighbor is a client of our route reflector. */
  readonly reflectorClient?: boolean;
}

export interface Route {
  readonly afi: number;
  readonly safi: number;
  readonly nlri: RoutableNlri;
  readonly attrs: AttributeSet;
  readonly source: RouteSource;
  /** RFC 4724: kept from before a graceful restart, until End-of-RIB or the stale timer. */
  stale: boolean;
  /** Why import refused the route (kept for `show rib`, never selected), e.g. an AS path loop (RFC 4271 §9.1.2). */
  readonly rejected?: string;
  /** The attributes as received, when import policy changed them (`attrs` is then the post-policy set). */
  readonly received?: AttributeSet;
}

export function isRoutable(n: Nlri): n is RoutableNlri {
  return n.kind !== 'opaque';
}

/**
 * Family + RD + prefix (+ '#' + path id under ADD-PATH): the identity of a
 * route within one peer's RIB. Without a path id it is the destination key
 * itself, so the Adj-RIB-In and the Loc-RIB share one string per route.
 */
export function routeKey(afi: number, safi: number, n: RoutableNlri): string {
  const dest = n.kind === 'vpn' ? `${afi}/${safi}|${formatRd(n.rd)}|${formatPrefix(n.prefix)}` : `${afi}/${safi}||${formatPrefix(n.prefix)}`;
  return n.pathId === undefined ? dest : `${dest}#${n.pathId}`;
}

/**
 * Family + RD + prefix: the destination the decision process chooses a best
 * path for (RFC 4271 §9.1); the route key without its ADD-PATH path id.
 */
export function destKeyOf(routeKeyText: string): string {
  const hash = routeKeyText.indexOf('#');
  return hash < 0 ? routeKeyText : routeKeyText.slice(0, hash);
}

/** The family of a route or destination key as afi × 65536 + safi, read without allocating (hot path). */
export function familyCodeOfKey(key: string): number {
  let afi = 0;
  let i = 0;
  for (let c = key.charCodeAt(i); c !== 47; c = key.charCodeAt(++i)) afi = afi * 10 + (c - 48);
  let safi = 0;
  for (let c = key.charCodeAt(++i); c !== 124; c = key.charCodeAt(++i)) safi = safi * 10 + (c - 48);
  return afi * 65536 + safi;
}

/** The ADD-PATH path id inside a route key (RFC 7911), undefined without one. */
export function pathIdOfKey(key: string): number | undefined {
  const hash = key.indexOf('#');
  return hash < 0 ? undefined : Number(key.slice(hash + 1));
}
