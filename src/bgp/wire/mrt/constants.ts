/** MRT numeric codes (RFC 6396 §4, RFC 8050 §3–5, IANA "MRT" registry). */

/** RFC 6396 §4: record types. 0–10 are deprecated; TABLE_DUMP (12) is kept for old archives. */
export const MrtType = {
  TableDump: 12,
  TableDumpV2: 13,
  Bgp4mp: 16,
  Bgp4mpEt: 17,
} as const;

/** RFC 6396 §4.2 TABLE_DUMP subtypes are the AFI of the entry. */
export const TableDumpSubtype = { Ipv4: 1, Ipv6: 2 } as const;

/** RFC 6396 §4.3 and RFC 8050 §4 TABLE_DUMP_V2 subtypes. */
export const TableDumpV2Subtype = {
  PeerIndexTable: 1,
  RibIpv4Unicast: 2,
  RibIpv4Multicast: 3,
  RibIpv6Unicast: 4,
  RibIpv6Multicast: 5,
  RibGeneric: 6,
  RibIpv4UnicastAddPath: 8,
  RibIpv4MulticastAddPath: 9,
  RibIpv6UnicastAddPath: 10,
  RibIpv6MulticastAddPath: 11,
  RibGenericAddPath: 12,
} as const;

/** RFC 6396 §4.4 and RFC 8050 §5 BGP4MP / BGP4MP_ET subtypes. */
export const Bgp4mpSubtype = {
  StateChange: 0,
  Message: 1,
  MessageAs4: 4,
  StateChangeAs4: 5,
  MessageLocal: 6,
  MessageAs4Local: 7,
  MessageAddPath: 8,
  MessageAs4AddPath: 9,
  MessageLocalAddPath: 10,
  MessageAs4LocalAddPath: 11,
} as const;

/** RFC 6396 §4.3.1 PEER_INDEX_TABLE peer type bits. */
export const PeerTypeBit = { Ipv6: 0x01, As4: 0x02 } as const;

/** RFC 6396 §2: the common header is 12 octets; *_ET types add a 4-octet microsecond field counted in Length. */
export const MRT_HEADER_LENGTH = 12;
export const MRT_ET_EXTRA_LENGTH = 4;

/** RFC 6396 §4.4: BGP FSM states as numbered in the STATE_CHANGE record (RFC 4271 §8.2.2). */
export const Bgp4mpState = { Idle: 1, Connect: 2, Active: 3, OpenSent: 4, OpenConfirm: 5, Established: 6 } as const;

/** Whether a type carries the extended-timestamp microsecond field (RFC 6396 §3). */
export function isExtendedTimestampType(type: number): boolean {
  // BGP4MP_ET (17), ISIS_ET (33), OSPFv3_ET (49).
  return type === 17 || type === 33 || type === 49;
}
