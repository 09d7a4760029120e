/**
 * MPLS in UDP over IPv4 (RFC 7510): outer IPv4, UDP to port 6635, label
 * stack, payload. The source port carries flow entropy (flow-hash.ts) so
 * that UDP-based ECMP in the core keeps a flow on one path and spreads
 * different flows.
 */
import { put16, u16 } from './bytes';
import { checksumIsValid, internetChecksum } from './checksum';
import { DropReason, TunnelCodecError } from './errors';
import { createIpv4Header, IPV4_HEADER_LENGTH, IpProtocol } from './ipv4-header';
import { createEncapResult, parseOuterIpv4, writeOuterIpv4, type EncapResult, type Ipv4TunnelConfig } from './ipv4-tunnel';
import { MPLS_ENTRY_LENGTH, parseLabelStack, pushLabelStack, type LabelPush, type MplsDecapResult } from './mpls';

/** RFC 7510 §3: the IANA-assigned destination port. */
export const MPLS_UDP_PORT = 6635;
export const UDP_HEADER_LENGTH = 8;

/**
 * RFC 7510 §3: the source port is an entropy value, RECOMMENDED to fall in
 * the ephemeral range 49152-65535; the low 14 bits of the flow hash do.
 */
export function mplsUdpSourcePort(flowHash: number): number {
  return 0xc000 | (flowHash & 0x3fff);
}

/** The pseudo-header part of the UDP checksum (RFC 768), unfolded. */
function pseudoHeaderSum(source: number, destination: number, udpLength: number): number {
  const s = source >>> 0;
  const d = destination >>> 0;
  return (s >>> 16) + (s & 0xffff) + (d >>> 16) + (d & 0xffff) + IpProtocol.Udp + udpLength;
}

export interface MplsUdpOptions {
  sourcePort: number;
  /**
   * Compute the UDP checksum. RFC 7510 §3 allows zero over IPv4 (the labels
   * are then unprotected, which §5 accepts inside one operator's network).
   */
  checksum: boolean;
}

/**
 * Pushes the labels, the UDP header and the outer header in front of the
 * payload at buf[payloadOffset]; `tos` is the outer TOS (the payload is
 * opaque here). Needs 28 + 4 * push.count octets of headroom.
 */
export function encapsulateMplsUdp(
  buf: Buffer,
  payloadOffset: number,
  payloadLength: number,
  push: LabelPush,
  config: Ipv4TunnelConfig,
  udp: MplsUdpOptions,
  tos: number,
  out: EncapResult,
): DropReason {
  if (push.count > push.labels.length) return DropReason.MplsStackTooDeep;
  const stackLength = push.count * MPLS_ENTRY_LENGTH;
  const overhead = IPV4_HEADER_LENGTH + UDP_HEADER_LENGTH;
  const reason = writeOuterIpv4(buf, payloadOffset - stackLength, payloadLength + stackLength, overhead, IpProtocol.Udp, config, tos, false, out);
  if (reason !== DropReason.Ok) return reason;
  pushLabelStack(buf, payloadOffset, push);
  const udpOffset = out.offset + IPV4_HEADER_LENGTH;
  const udpLength = out.length - IPV4_HEADER_LENGTH;
  put16(buf, udpOffset, udp.sourcePort & 0xffff);
  put16(buf, udpOffset + 2, MPLS_UDP_PORT);
  put16(buf, udpOffset + 4, udpLength);
  put16(buf, udpOffset + 6, 0);
  if (udp.checksum) {
    const sum = internetChecksum(buf, udpOffset, udpLength, pseudoHeaderSum(config.source, config.destination, udpLength));
    // RFC 768: a computed zero is sent as all ones, zero meaning "no checksum".
    put16(buf, udpOffset + 6, sum === 0 ? 0xffff : sum);
  }
  return DropReason.Ok;
}

const outerScratch = createIpv4Header();

/**
 * Decapsulates MPLS in UDP over IPv4: outer checks, destination port 6635,
 * UDP length, the checksum when non-zero, then the label stack.
 */
export function decapsulateMplsUdp(buf: Buffer, offset: number, length: number, out: MplsDecapResult): DropReason {
  const outer = outerScratch;
  const reason = parseOuterIpv4(buf, offset, length, IpProtocol.Udp, outer);
  if (reason !== DropReason.Ok) return reason;
  const udpOffset = offset + outer.headerLength;
  const available = outer.totalLength - outer.headerLength;
  if (available < UDP_HEADER_LENGTH) return DropReason.Truncated;
  if (u16(buf, udpOffset + 2) !== MPLS_UDP_PORT) return DropReason.UdpBadPort;
  const udpLength = u16(buf, udpOffset + 4);
  if (udpLength < UDP_HEADER_LENGTH || udpLength > available) return DropReason.UdpBadLength;
  if (u16(buf, udpOffset + 6) !== 0) {
    const pseudo = pseudoHeaderSum(outer.source, outer.destination, udpLength);
    if (!checksumIsValid(buf, udpOffset, udpLength, pseudo)) return DropReason.UdpBadChecksum;
  }
  const stackOffset = udpOffset + UDP_HEADER_LENGTH;
  const end = udpOffset + udpLength;
  const stackReason = parseLabelStack(buf, stackOffset, end - stackOffset, out);
  if (stackReason !== DropReason.Ok) return stackReason;
  out.payloadLength = end - out.payloadOffset;
  out.outerSource = outer.source;
  out.outerDestination = outer.destination;
  out.outerTos = (outer.dscp << 2) | outer.ecn;
  out.key = null;
  out.sequence = null;
  out.sourcePort = u16(buf, udpOffset);
  return DropReason.Ok;
}

/** Allocating form for tests and the CLI. Throws TunnelCodecError. */
export function mplsUdpEncapsulate(payload: Buffer, push: LabelPush, config: Ipv4TunnelConfig, udp: MplsUdpOptions, tos = 0): Buffer {
  const overhead = IPV4_HEADER_LENGTH + UDP_HEADER_LENGTH + push.count * MPLS_ENTRY_LENGTH;
  const buf = Buffer.alloc(overhead + payload.length);
  payload.copy(buf, overhead);
  const out = createEncapResult();
  const reason = encapsulateMplsUdp(buf, overhead, payload.length, push, config, udp, tos, out);
  if (reason !== DropReason.Ok) throw new TunnelCodecError(reason, out.mtu);
  return buf.subarray(out.offset, out.offset + out.length);
}
