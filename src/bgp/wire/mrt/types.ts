/**
 * MRT records (RFC 6396, RFC 8050) as a discriminated union on `kind`.
 *
 * The MRT layer frames and decodes the MRT structure only: BGP path
 * attributes and BGP messages stay as the raw octets they were recorded as
 * (views into the input, no copies), and are decoded on demand with the BGP
 * codec. A RIB dump of a million entries therefore costs one small object per
 * entry until someone asks for its attributes.
 */
import type { Prefix } from '../values/prefix';

/** RFC 6396 §2 common header; `microseconds` only for the *_ET types (§3). */
export interface MrtHeader {
  /** Seconds since the Unix epoch. */
  readonly timestamp: number;
  readonly type: number;
  readonly subtype: number;
  /** The Length field as recorded: the body length, counting the microsecond field of *_ET records. */
  readonly length: number;
  /** RFC 6396 §3: microsecond timestamp of *_ET records; undefined for the other types. */
  readonly microseconds: number | undefined;
}

/** RFC 6396 §4.3.1 peer entry. Its index in the table (from 0) is what RIB entries refer to. */
export interface PeerEntry {
  readonly bgpId: string;
  /** IPv4 or IPv6 text form. */
  readonly address: string;
  readonly ipv6: boolean;
  readonly asn: number;
  /** The peer type had the 4-octet-AS bit; only changes how the AS was encoded. */
  readonly as4: boolean;
}

export interface PeerIndexTableRecord {
  readonly kind: 'peer-index-table';
  readonly header: MrtHeader;
  readonly collectorBgpId: string;
  readonly viewName: string;
  readonly peers: readonly PeerEntry[];
}

/** RFC 6396 §4.3.4 RIB entry; `pathId` for the RFC 8050 §4.1 *_ADDPATH subtypes 8–11. */
export interface RibEntry {
  readonly peerIndex: number;
  readonly originatedTime: number;
  readonly pathId: number | undefined;
  /**
   * Path attributes in the MRT RIB form (RFC 6396 §4.3.4): AS_PATH with
   * 4-octet ASNs, MP_REACH_NLRI reduced to next-hop length and next hop.
   */
  readonly attributes: Buffer;
}

/** RIB_IPV4_UNICAST … RIB_IPV6_MULTICAST and their ADD-PATH forms (subtypes 2–5, 8–11). */
export interface RibRecord {
  readonly kind: 'rib';
  readonly header: MrtHeader;
  readonly afi: 1 | 2;
  /** 1 unicast, 2 multicast. */
  readonly safi: number;
  readonly addPath: boolean;
  readonly sequence: number;
  readonly prefix: Prefix;
  readonly entries: readonly RibEntry[];
}

/**
 * RIB_GENERIC (subtype 6) and RIB_GENERIC_ADDPATH (12). The single NLRI is
 * kept in its MP_REACH encoding; under ADD-PATH it starts with the path
 * identifier (RFC 8050 §4.2), and the entries carry none.
 */
export interface RibGenericRecord {
  readonly kind: 'rib-generic';
  readonly header: MrtHeader;
  readonly afi: number;
  readonly safi: number;
  readonly addPath: boolean;
  readonly sequence: number;
  readonly nlri: Buffer;
  readonly entries: readonly RibEntry[];
}

/** RFC 6396 §4.2 TABLE_DUMP (legacy): one route per record, 2-octet ASNs in AS_PATH. */
export interface TableDumpRecord {
  readonly kind: 'table-dump';
  readonly header: MrtHeader;
  readonly afi: 1 | 2;
  readonly viewNumber: number;
  readonly sequence: number;
  readonly prefix: Prefix;
  readonly status: number;
  readonly originatedTime: number;
  readonly peerAddress: string;
  readonly peerAs: number;
  readonly attributes: Buffer;
}

/** The peering fields common to BGP4MP records (RFC 6396 §4.4.1). */
export interface Bgp4mpPeering {
  readonly peerAs: number;
  readonly localAs: number;
  readonly interfaceIndex: number;
  /** AFI of the two addresses; 0 for the legacy Zebra records that have none (see `noAddresses`). */
  readonly afi: number;
  readonly peerAddress: string;
  readonly localAddress: string;
  /**
   * Legacy Zebra wrote some STATE_CHANGE records with only the two ASNs and
   * the states (8 octets), and some OPEN messages without interface, AFI and
   * addresses. Such records are accepted; their addresses read as 0.0.0.0.
   */
  readonly noAddresses?: true;
}

/** BGP4MP(_ET) STATE_CHANGE and STATE_CHANGE_AS4 (RFC 6396 §4.4.1, §4.4.4). */
export interface Bgp4mpStateChangeRecord extends Bgp4mpPeering {
  readonly kind: 'bgp4mp-state-change';
  readonly header: MrtHeader;
  readonly as4: boolean;
  readonly oldState: number;
  readonly newState: number;
}

/** BGP4MP(_ET) MESSAGE and its AS4 / LOCAL / ADDPATH variants (RFC 6396 §4.4.2–4.4.6, RFC 8050 §5). */
export interface Bgp4mpMessageRecord extends Bgp4mpPeering {
  readonly kind: 'bgp4mp-message';
  readonly header: MrtHeader;
  /** ASNs in the record, and AS_PATH inside the message, are 4-octet. */
  readonly as4: boolean;
  /** _LOCAL: the message was sent by the local speaker, not received. */
  readonly local: boolean;
  /** _ADDPATH: NLRI in the message carry path identifiers (RFC 7911). */
  readonly addPath: boolean;
  /** The whole BGP message, marker included. */
  readonly message: Buffer;
}

/** A record of a type or subtype this reader does not interpret (OSPF, IS-IS, deprecated types). */
export interface UnsupportedRecord {
  readonly kind: 'unsupported';
  readonly header: MrtHeader;
  readonly body: Buffer;
}

export type MrtRecord =
  | PeerIndexTableRecord
  | RibRecord
  | RibGenericRecord
  | TableDumpRecord
  | Bgp4mpStateChangeRecord
  | Bgp4mpMessageRecord
  | UnsupportedRecord;

export type MrtRecordKind = MrtRecord['kind'];

/** Why a record could not be decoded. */
export type MrtErrorReason =
  /** The input ended inside a 12- (or 16-) octet common header. */
  | 'truncated-header'
  /** The input ended before the Length the header announced. */
  | 'truncated-record'
  /** The body is shorter than its own fields say, or a field is invalid. */
  | 'malformed-record';

/** A damaged record. Framing errors end the stream; a malformed body only loses its own record. */
export class MrtError extends Error {
  readonly reason: MrtErrorReason;
  /** Offset of the record's first octet in the (decompressed) input. */
  readonly offset: number;
  /** The record's header, when it was complete. */
  readonly header: MrtHeader | undefined;

  constructor(reason: MrtErrorReason, message: string, offset: number, header?: MrtHeader) {
    super(message);
    this.name = 'MrtError';
    this.reason = reason;
    this.offset = offset;
    this.header = header;
  }
}

/** What a reader yields: a record, or the error that replaced one. */
export type MrtItem = { readonly kind: 'record'; readonly record: MrtRecord; readonly offset: number } | { readonly kind: 'error'; readonly error: MrtError };
