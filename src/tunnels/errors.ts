/**
 * Why a tunnel codec refused a packet. Hot-path functions return one of these
 * small integers (0 = Ok) instead of throwing, so the forwarder can index a
 * Uint32Array of drop counters with it; `dropReasonName` gives the counter's
 * name. Only the allocating helpers throw, and then a TunnelCodecError that
 * carries the same reason.
 */

export const DropReason = {
  Ok: 0,
  /** The buffer ends before a header or a length field says it should. */
  Truncated: 1,
  BadIpVersion: 2,
  /** IHL below 5 words (RFC 791). */
  BadIhl: 3,
  /** Total Length smaller than the header it describes (RFC 1812 §5.2.2). */
  BadTotalLength: 4,
  BadIpChecksum: 5,
  /** The outer protocol (IP protocol or GRE protocol type) is not the one this decapsulator handles. */
  UnexpectedProtocol: 6,
  /** An outer fragment: reassembly is not done here. */
  OuterFragment: 7,
  /** Forwarding would take the TTL to 0 (RFC 1812 §5.3.1): send Time Exceeded. */
  TtlExpired: 8,
  /** Inner TTL is 0 at encapsulation or after decapsulation (RFC 2003 §3.1). */
  InnerTtlZero: 9,
  /** Inner Not-ECT with outer CE (RFC 6040 §4.2). */
  EcnDrop: 10,
  GreBadVersion: 11,
  /** GRE bits 1, 4 or 5 set (RFC 2784 §2.3; bits 2 and 3 are RFC 2890's K and S). */
  GreReservedBits: 12,
  GreBadChecksum: 13,
  /** Label 3 (implicit null) on the wire (RFC 3032 §2.1). */
  MplsBadLabel: 14,
  /** More label stack entries than the caller's result can hold. */
  MplsStackTooDeep: 15,
  UdpBadPort: 16,
  UdpBadLength: 17,
  UdpBadChecksum: 18,
  /** Not enough room in front of the inner packet for the headers to prepend. */
  NoHeadroom: 19,
  /** Inner DF set and the encapsulated packet exceeds the path MTU (RFC 2003 §5.1, RFC 1191 §4). */
  FragmentationNeeded: 20,
  /** The encapsulated packet would exceed 65535 octets. */
  PacketTooBig: 21,
  /** Inner source is the tunnel destination (RFC 2003 §3.2). */
  TunnelLoop: 22,
  /** RFC 1812 §4.3.2.7: no ICMP error about an ICMP error (or an unknown ICMP type). */
  IcmpAboutIcmpError: 23,
  /** RFC 1812 §4.3.2.7: no ICMP error about a fragment other than the first. */
  IcmpAboutLaterFragment: 24,
  /** RFC 1812 §4.3.2.7: no ICMP error about a packet to a broadcast or multicast address. */
  IcmpAboutBroadcast: 25,
  /** RFC 1812 §4.3.2.7 and §5.3.7: no ICMP error to an invalid source address. */
  IcmpInvalidSource: 26,
  /** The caller's output buffer cannot hold what must be written. */
  BufferTooSmall: 27,
} as const;
export type DropReason = (typeof DropReason)[keyof typeof DropReason];

const NAMES: readonly string[] = [
  'ok',
  'truncated',
  'bad-ip-version',
  'bad-ihl',
  'bad-total-length',
  'bad-ip-checksum',
  'unexpected-protocol',
  'outer-fragment',
  'ttl-expired',
  'inner-ttl-zero',
  'ecn-drop',
  'gre-bad-version',
  'gre-reserved-bits',
  'gre-bad-checksum',
  'mpls-bad-label',
  'mpls-stack-too-deep',
  'udp-bad-port',
  'udp-bad-length',
  'udp-bad-checksum',
  'no-headroom',
  'fragmentation-needed',
  'packet-too-big',
  'tunnel-loop',
  'icmp-about-icmp-error',
  'icmp-about-later-fragment',
  'icmp-about-broadcast',
  'icmp-invalid-source',
  'buffer-too-small',
];

/** Size for a counter array indexed by DropReason. */
export const DROP_REASON_COUNT = NAMES.length;

/** Counter name of a reason, e.g. `gre-bad-checksum`. */
export function dropReasonName(reason: DropReason): string {
  return NAMES[reason] ?? `reason-${reason}`;
}

/** Thrown only by the allocating convenience helpers (tests, CLI), never on the hot path. */
export class TunnelCodecError extends Error {
  constructor(
    readonly reason: DropReason,
    /** For FragmentationNeeded: the MTU to report to the sender. */
    readonly mtu = 0,
  ) {
    super(`tunnel codec: ${dropReasonName(reason)}${mtu > 0 ? ` (mtu ${mtu})` : ''}`);
    this.name = 'TunnelCodecError';
  }
}
