/** Numeric codes of the BGP wire format, named once. Sources: RFC 4271 §4, RFC 4760, IANA registries. */

/** RFC 4271 §4.1 message types (plus RFC 2918 ROUTE-REFRESH). */
export const MessageType = { Open: 1, Update: 2, Notification: 3, Keepalive: 4, RouteRefresh: 5 } as const;

export const HEADER_LENGTH = 19;
/** RFC 4271 §4: the classic maximum message size. */
export const MAX_MESSAGE_LENGTH = 4096;
/** RFC 8654: the maximum once Extended Message was both sent and received (not for OPEN/KEEPALIVE). */
export const MAX_EXTENDED_MESSAGE_LENGTH = 65535;

/** Address families (IANA). */
export const Afi = { Ipv4: 1, Ipv6: 2, L2vpn: 25 } as const;
/** Subsequent address families (IANA). */
export const Safi = { Unicast: 1, Multicast: 2, Labeled: 4, Evpn: 70, MplsVpn: 128, VpnMulticast: 129, RtConstraint: 132, Flowspec: 133, FlowspecVpn: 134 } as const;

/** Path attribute type codes (RFC 4271 §5 and later RFCs, IANA). */
export const AttrType = {
  Origin: 1,
  AsPath: 2,
  NextHop: 3,
  MultiExitDisc: 4,
  LocalPref: 5,
  AtomicAggregate: 6,
  Aggregator: 7,
  Communities: 8,
  OriginatorId: 9,
  ClusterList: 10,
  MpReachNlri: 14,
  MpUnreachNlri: 15,
  ExtendedCommunities: 16,
  As4Path: 17,
  As4Aggregator: 18,
  TunnelEncapsulation: 23,
  LargeCommunity: 32,
} as const;

/** RFC 4271 §4.3 attribute flag bits. */
export const AttrFlag = { Optional: 0x80, Transitive: 0x40, Partial: 0x20, ExtendedLength: 0x10 } as const;

/** Capability codes (RFC 5492 registry). */
export const CapabilityCode = {
  Multiprotocol: 1,
  RouteRefresh: 2,
  ExtendedNextHop: 5,
  ExtendedMessage: 6,
  GracefulRestart: 64,
  FourOctetAs: 65,
  AddPath: 69,
  EnhancedRouteRefresh: 70,
  LongLivedGracefulRestart: 71,
  Fqdn: 73,
} as const;

/** RFC 6793: the 2-octet stand-in for an AS number that does not fit. */
export const AS_TRANS = 23456;

/** RFC 4271 §4.3 ORIGIN values. */
export const Origin = { Igp: 0, Egp: 1, Incomplete: 2 } as const;
export type OriginValue = 0 | 1 | 2;

/** AS_PATH segment types (RFC 4271 §4.3, RFC 5065). */
export const AsPathSegmentType = { AsSet: 1, AsSequence: 2, AsConfedSequence: 3, AsConfedSet: 4 } as const;
