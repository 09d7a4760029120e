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
  readonly receivedAt: number;
}

export function isRoutable(n: Nlri): n is RoutableNlri {
  return n.kind !== 'opaque';
}

/** Family + RD + prefix + path id: the identity of a route within one peer's RIB. */
export function routeKey(afi: number, safi: number, n: RoutableNlri): string {
  const rd = n.kind === 'vpn' ? formatRd(n.rd) : '';
  const pid = n.pathId === undefined ? '' : String(n.pathId);
  return `${afi}/${safi}|${rd}|${formatPrefix(n.prefix)}|${pid}`;
}
