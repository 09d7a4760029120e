/**
 * IPv4 in IPv4 (RFC 2003), IP protocol 4: one outer header, nothing else.
 * TTL: the outer TTL is the tunnel's (RFC 2003 §3.1); the inner TTL is
 * decremented once by the forwarding step (forwardIpv4Ttl), never by
 * encapsulation or decapsulation. DF is copied outward (§3.1); an inner DF
 * packet too big for the tunnel gets FragmentationNeeded with the tunnel MTU
 * (§5.1). ECN and DSCP: ecn.ts.
 */
import { DropReason, TunnelCodecError } from './errors';
import { createIpv4Header, IPV4_HEADER_LENGTH, IpProtocol } from './ipv4-header';
import {
  createDecapResult,
  createEncapResult,
  DEFAULT_DECAP_OPTIONS,
  encapsulateIpv4Packet,
  finishIpv4Decap,
  parseOuterIpv4,
  type DecapResult,
  type EncapResult,
  type Ipv4DecapOptions,
  type Ipv4TunnelConfig,
} from './ipv4-tunnel';

export const IPIP_OVERHEAD = IPV4_HEADER_LENGTH;

const outerScratch = createIpv4Header();

/**
 * Prepends the outer header to the inner IPv4 packet at buf[innerOffset];
 * needs IPIP_OVERHEAD octets of headroom. On Ok the outer packet is
 * buf[out.offset, out.offset + out.length).
 */
export function encapsulateIpip(buf: Buffer, innerOffset: number, innerLength: number, config: Ipv4TunnelConfig, out: EncapResult): DropReason {
  return encapsulateIpv4Packet(buf, innerOffset, innerLength, IPIP_OVERHEAD, IpProtocol.IpInIp, config, out);
}

/**
 * Decapsulates the packet at buf[offset, offset+length) in place: on Ok the
 * inner packet (ECN combined per RFC 6040, checksum patched) is
 * buf[out.offset, out.offset + out.length).
 */
export function decapsulateIpip(buf: Buffer, offset: number, length: number, options: Ipv4DecapOptions, out: DecapResult): DropReason {
  const outer = outerScratch;
  const reason = parseOuterIpv4(buf, offset, length, IpProtocol.IpInIp, outer);
  if (reason !== DropReason.Ok) return reason;
  out.outerSource = outer.source;
  out.outerDestination = outer.destination;
  out.key = null;
  out.sequence = null;
  const outerTos = (outer.dscp << 2) | outer.ecn;
  return finishIpv4Decap(buf, offset + outer.headerLength, outer.totalLength - outer.headerLength, outerTos, options, out);
}

/** Allocating form for tests and the CLI: a new buffer holding the outer packet. Throws TunnelCodecError. */
export function ipipEncapsulate(inner: Buffer, config: Ipv4TunnelConfig): Buffer {
  const buf = Buffer.alloc(IPIP_OVERHEAD + inner.length);
  inner.copy(buf, IPIP_OVERHEAD);
  const out = createEncapResult();
  const reason = encapsulateIpip(buf, IPIP_OVERHEAD, inner.length, config, out);
  if (reason !== DropReason.Ok) throw new TunnelCodecError(reason, out.mtu);
  return buf.subarray(out.offset, out.offset + out.length);
}

/** Allocating form: a copy of the inner packet, the argument left untouched. Throws TunnelCodecError. */
export function ipipDecapsulate(packet: Buffer, options: Ipv4DecapOptions = DEFAULT_DECAP_OPTIONS): Buffer {
  const buf = Buffer.from(packet);
  const out = createDecapResult();
  const reason = decapsulateIpip(buf, 0, buf.length, options, out);
  if (reason !== DropReason.Ok) throw new TunnelCodecError(reason);
  return buf.subarray(out.offset, out.offset + out.length);
}
