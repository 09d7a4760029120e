import type { CleanAttributes } from '../attributes/clean-block';
/** BGP messages (RFC 4271 §4), a discriminated union on `type`. */
import type { AttributeError } from '../errors';
import type { PathAttribute } from '../attributes/types';
import type { Capability } from '../capabilities/types';
import type { Nlri } from '../nlri/types';

/** OPEN optional parameter other than capabilities, kept byte-exact. */
export interface OpaqueOptionalParameter {
  readonly type: number;
  readonly value: Uint8Array;
}

export interface OpenMessage {
  readonly type: 'open';
  readonly version: number;
  /** The 2-octet My AS field (AS_TRANS when the real AS is in the 4-octet-AS capability). */
  readonly myAs: number;
  readonly holdTime: number;
  /** BGP Identifier, dotted quad. */
  readonly bgpId: string;
  readonly capabilities: readonly Capability[];
  /** Optional parameters other than type 2 (never produced by us; kept to report 2/4). */
  readonly otherParameters?: readonly OpaqueOptionalParameter[];
  /** RFC 9072: the parameters were (or are to be) in the extended format. Encoders also switch to it when needed. */
  readonly extendedParameters?: boolean;
}

export interface UpdateMessage {
  readonly type: 'update';
  /** Withdrawn Routes field (IPv4 unicast). */
  readonly withdrawn: readonly Nlri[];
  readonly attributes: readonly PathAttribute[];
  /** NLRI field (IPv4 unicast). */
  readonly nlri: readonly Nlri[];
  /**
   * The NLRI field's octets, already checked, when decoded with
   * `ipv4FieldOnly` (no ADD-PATH): `nlri` is then made from them on first
   * read, and `readIpv4Field` walks them without objects.
   */
  readonly ipv4Field?: Buffer;
  /**
   * The attribute block checked in place and found clean (`cleanAttributes`),
   * when decoded with `ipv4FieldOnly` between NEW speakers: `attributes` are
   * then decoded only if read, and the RIB interns the set from this.
   */
  readonly cleanAttributes?: CleanAttributes;
  /**
   * RFC 7606 problems found while decoding that did not reset the session.
   * When any of them is treat-as-withdraw, every NLRI here must be handled as withdrawn.
   * Empty for a clean message; ignored by the encoder.
   */
  readonly errors: readonly AttributeError[];
}

export interface NotificationMessage {
  readonly type: 'notification';
  readonly code: number;
  readonly subcode: number;
  readonly data: Uint8Array;
  /** RFC 9003 shutdown communication (Cease 2 or 4), when the data holds a valid one. */
  readonly shutdownMessage?: string;
}

export interface KeepaliveMessage {
  readonly type: 'keepalive';
}

/** RFC 7313 §3 Message Subtype; 'unknown' for any other value, which the receiver MUST ignore (the raw value is in `rawSubtype`). */
export type RouteRefreshSubtype = 'request' | 'borr' | 'eorr' | 'unknown';

export interface RouteRefreshMessage {
  readonly type: 'route-refresh';
  readonly afi: number;
  readonly safi: number;
  /** RFC 7313 §3: 0 normal request, 1 BoRR, 2 EoRR. */
  readonly subtype: RouteRefreshSubtype;
  /** The Message Subtype octet when `subtype` is 'unknown' (3..255); absent otherwise. */
  readonly rawSubtype?: number;
  /** Anything after the 4 fixed octets (ORF entries, RFC 5291), kept raw. */
  readonly orf?: Uint8Array;
}

export type BgpMessage = OpenMessage | UpdateMessage | NotificationMessage | KeepaliveMessage | RouteRefreshMessage;
export type BgpMessageType = BgpMessage['type'];
