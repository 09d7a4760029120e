/**
 * NLRI kinds (RFC 4271 §4.3, RFC 4760, RFC 4364/8277, RFC 7911). A route's
 * identity on the wire: the prefix, plus the RD and labels for VPN families,
 * plus the path identifier under ADD-PATH.
 */
import type { Prefix } from '../values/prefix';
import type { RouteDistinguisher } from '../values/rd';

/** IPv4/IPv6 unicast or multicast (SAFI 1 and 2). */
export interface UnicastNlri {
  readonly kind: 'unicast';
  readonly safi: number;
  readonly prefix: Prefix;
  /** RFC 7911 path identifier, present only when ADD-PATH was negotiated for the family. */
  readonly pathId?: number;
}

/** RFC 8277 labeled unicast (SAFI 4). */
export interface LabeledNlri {
  readonly kind: 'labeled';
  readonly prefix: Prefix;
  /** MPLS labels (20-bit values), outermost first. Withdrawals carry the compatibility value only. */
  readonly labels: readonly number[];
  readonly pathId?: number;
}

/** RFC 4364 / RFC 4659 VPN-IPv4 and VPN-IPv6 (SAFI 128). */
export interface VpnNlri {
  readonly kind: 'vpn';
  readonly prefix: Prefix;
  readonly rd: RouteDistinguisher;
  /** MPLS labels (20-bit values), outermost first. In a withdrawal: empty (the compatibility field is ignored, RFC 8277 §2.4). */
  readonly labels: readonly number[];
  readonly pathId?: number;
}

/** Any other AFI/SAFI (EVPN, FlowSpec, RT-Constraint, ...): the NLRI bytes kept whole, never parsed per route. */
export interface OpaqueNlri {
  readonly kind: 'opaque';
  readonly afi: number;
  readonly safi: number;
  readonly bytes: Uint8Array;
}

export type Nlri = UnicastNlri | LabeledNlri | VpnNlri | OpaqueNlri;

/** Family names used in config, CLI and JSON (INTERFACE.md). */
export type FamilyName = 'ipv4-unicast' | 'ipv6-unicast' | 'vpnv4-unicast' | 'vpnv6-unicast' | 'ipv4-multicast' | 'ipv6-multicast' | 'ipv4-labeled-unicast' | 'ipv6-labeled-unicast';

export interface Family {
  readonly afi: number;
  readonly safi: number;
}
