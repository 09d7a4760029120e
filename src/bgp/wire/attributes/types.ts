/**
 * Path attributes as a discriminated union on `type` (RFC 4271 §5 and later).
 * `flags`, when present, is the flags octet as received; encoders use it (so
 * the Extended Length and Partial bits survive a round trip) and otherwise the
 * canonical flags of the attribute.
 */
import type { OriginValue } from '../constants';
import type { AsPathSegment } from '../values/as-path';
import type { ExtendedCommunity } from '../values/ext-community';
import type { LargeCommunity } from '../values/large-community';
import type { RouteDistinguisher } from '../values/rd';
import type { Nlri } from '../nlri/types';

interface Base {
  readonly flags?: number;
}

export interface OriginAttr extends Base { readonly type: 'origin'; readonly origin: OriginValue }
/** AS_PATH. `fourOctet` records how it was (or is to be) encoded; decoders set it from the context. */
export interface AsPathAttr extends Base { readonly type: 'as-path'; readonly segments: readonly AsPathSegment[] }
/** NEXT_HOP: IPv4 text form. */
export interface NextHopAttr extends Base { readonly type: 'next-hop'; readonly nextHop: string }
export interface MedAttr extends Base { readonly type: 'med'; readonly med: number }
export interface LocalPrefAttr extends Base { readonly type: 'local-pref'; readonly localPref: number }
export interface AtomicAggregateAttr extends Base { readonly type: 'atomic-aggregate' }
/** AGGREGATOR: 2- or 4-octet AS by context; address as IPv4 text. */
export interface AggregatorAttr extends Base { readonly type: 'aggregator'; readonly asn: number; readonly address: string }
export interface CommunitiesAttr extends Base { readonly type: 'communities'; readonly communities: readonly number[] }
export interface OriginatorIdAttr extends Base { readonly type: 'originator-id'; readonly originatorId: string }
export interface ClusterListAttr extends Base { readonly type: 'cluster-list'; readonly clusterIds: readonly string[] }

/**
 * MP next hop (RFC 4760 §3, RFC 4364 §4.3.2, RFC 4659, RFC 8950): a global
 * address, an optional IPv6 link-local, and for VPN families the RD that
 * prefixes each address (zero on the wire in practice).
 */
export interface MpNextHop {
  /** IPv4 or IPv6 text; empty string for a zero-length next hop (RFC 6396 never, some FlowSpec does). */
  readonly address: string;
  readonly linkLocal?: string;
  readonly rd?: RouteDistinguisher;
}

export interface MpReachAttr extends Base {
  readonly type: 'mp-reach';
  readonly afi: number;
  readonly safi: number;
  readonly nextHop: MpNextHop;
  /** For families we do not parse, the raw next-hop octets (kept for byte-exact re-encoding). */
  readonly rawNextHop?: Uint8Array;
  readonly nlri: readonly Nlri[];
}

export interface MpUnreachAttr extends Base {
  readonly type: 'mp-unreach';
  readonly afi: number;
  readonly safi: number;
  /** Empty for End-of-RIB (RFC 4724 §2). */
  readonly nlri: readonly Nlri[];
}

export interface ExtendedCommunitiesAttr extends Base { readonly type: 'extended-communities'; readonly communities: readonly ExtendedCommunity[] }
export interface As4PathAttr extends Base { readonly type: 'as4-path'; readonly segments: readonly AsPathSegment[] }
export interface As4AggregatorAttr extends Base { readonly type: 'as4-aggregator'; readonly asn: number; readonly address: string }

/** RFC 9012 §2 sub-TLVs. Unknown ones keep their raw value. */
export type TunnelSubTlv =
  | { readonly type: 'encapsulation'; readonly key?: number; readonly raw?: Uint8Array }
  | { readonly type: 'protocol'; readonly protocol: number }
  | { readonly type: 'color'; readonly color: number }
  /** Tunnel Egress Endpoint (§3.1): address empty when AFI 0 (use the BGP next hop). */
  | { readonly type: 'egress-endpoint'; readonly address: string; readonly reserved?: number }
  | { readonly type: 'ds-field'; readonly ds: number }
  | { readonly type: 'udp-port'; readonly port: number }
  | { readonly type: 'unknown'; readonly code: number; readonly value: Uint8Array };

export interface TunnelTlv {
  /** RFC 9012 §14 tunnel type: 2 GRE, 7 IP-in-IP, 11 MPLS-in-GRE, ... */
  readonly tunnelType: number;
  readonly subTlvs: readonly TunnelSubTlv[];
}

export interface TunnelEncapsulationAttr extends Base { readonly type: 'tunnel-encapsulation'; readonly tunnels: readonly TunnelTlv[] }
export interface LargeCommunitiesAttr extends Base { readonly type: 'large-communities'; readonly communities: readonly LargeCommunity[] }

/** Any attribute we do not interpret, kept byte-exact with its flags (RFC 4271 §5: optional transitive ones are passed on). */
export interface UnknownAttr { readonly type: 'unknown'; readonly code: number; readonly flags: number; readonly value: Uint8Array }

export type PathAttribute =
  | OriginAttr
  | AsPathAttr
  | NextHopAttr
  | MedAttr
  | LocalPrefAttr
  | AtomicAggregateAttr
  | AggregatorAttr
  | CommunitiesAttr
  | OriginatorIdAttr
  | ClusterListAttr
  | MpReachAttr
  | MpUnreachAttr
  | ExtendedCommunitiesAttr
  | As4PathAttr
  | As4AggregatorAttr
  | TunnelEncapsulationAttr
  | LargeCommunitiesAttr
  | UnknownAttr;

export type PathAttributeType = PathAttribute['type'];
