/**
 * GRE over IPv4 carrying IPv4 (RFC 2784 §2.1, IP protocol 47; RFC 2890 key
 * and sequence number). Same TTL, DF, MTU and ECN rules as IP-in-IP
 * (ipv4-tunnel.ts): RFC 2784 defines none of its own, and RFC 9601 (which
 * updates RFC 2784) applies RFC 6040's ECN rules to shim tunnels such as GRE.
 */
import { DropReason, TunnelCodecError } from './errors';
import { createGreHeader, greHeaderLength, GreProtocol, parseGreHeader, writeGreChecksum, writeGreHeader, type GreHeader } from './gre';
import { createIpv4Header, IPV4_HEADER_LENGTH, IpProtocol, type Ipv4Header } from './ipv4-header';
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

/** Per-tunnel GRE options; `nextSequence` is per-tunnel state the encapsulator advances. */
export interface GreTunnelOptions {
  checksum: boolean;
  key: number | null;
  /** RFC 2890 §2.2: send sequence numbers, starting at nextSequence, +1 per packet, wrapping at 2^32. */
  sequenceNumbers: boolean;
  nextSequence: number;
}

export function greTunnelOptions(fields: Partial<GreTunnelOptions> = {}): GreTunnelOptions {
  return { checksum: false, key: null, sequenceNumbers: false, nextSequence: 0, ...fields };
}

/** Headroom an inner packet needs for GRE over IPv4 with these options. */
export function greIpv4Overhead(gre: GreTunnelOptions): number {
  return IPV4_HEADER_LENGTH + greHeaderLength(gre.checksum, gre.key !== null, gre.sequenceNumbers);
}

/** Prepends GRE and the outer header to the inner IPv4 packet at buf[innerOffset]; needs greIpv4Overhead(gre) of headroom. */
export function encapsulateGreIpv4(
  buf: Buffer,
  innerOffset: number,
  innerLength: number,
  config: Ipv4TunnelConfig,
  gre: GreTunnelOptions,
  out: EncapResult,
): DropReason {
  const greLength = greHeaderLength(gre.checksum, gre.key !== null, gre.sequenceNumbers);
  const reason = encapsulateIpv4Packet(buf, innerOffset, innerLength, IPV4_HEADER_LENGTH + greLength, IpProtocol.Gre, config, out);
  if (reason !== DropReason.Ok) return reason;
  writeGreTail(buf, out, GreProtocol.Ipv4, gre);
  return DropReason.Ok;
}

/** Writes the GRE header after an outer header just written, consuming a sequence number. */
export function writeGreTail(buf: Buffer, out: EncapResult, protocol: number, gre: GreTunnelOptions): void {
  const greOffset = out.offset + IPV4_HEADER_LENGTH;
  let sequence: number | null = null;
  if (gre.sequenceNumbers) {
    sequence = gre.nextSequence >>> 0;
    gre.nextSequence = (sequence + 1) >>> 0;
  }
  writeGreHeader(buf, greOffset, protocol, gre.checksum, gre.key, sequence);
  if (gre.checksum) writeGreChecksum(buf, greOffset, out.length - IPV4_HEADER_LENGTH);
}

const outerScratch = createIpv4Header();
const greScratch = createGreHeader();

/**
 * Checks the outer header and the GRE header at buf[offset]; on Ok, `outer`
 * and `gre` are filled and the payload starts at
 * offset + outer.headerLength + gre.headerLength.
 */
export function parseGreIpv4Outer(buf: Buffer, offset: number, length: number, outer: Ipv4Header, gre: GreHeader): DropReason {
  const reason = parseOuterIpv4(buf, offset, length, IpProtocol.Gre, outer);
  if (reason !== DropReason.Ok) return reason;
  return parseGreHeader(buf, offset + outer.headerLength, outer.totalLength - outer.headerLength, gre, true);
}

/**
 * Decapsulates GRE over IPv4 carrying IPv4 in place. Key and sequence number
 * are reported for the tunnel table to match; in-order delivery by sequence
 * number (RFC 2890 §2.2) needs per-tunnel state and is the caller's.
 */
export function decapsulateGreIpv4(buf: Buffer, offset: number, length: number, options: Ipv4DecapOptions, out: DecapResult): DropReason {
  const outer = outerScratch;
  const gre = greScratch;
  const reason = parseGreIpv4Outer(buf, offset, length, outer, gre);
  if (reason !== DropReason.Ok) return reason;
  // RFC 2784 §2.4: a payload type the receiver does not handle SHOULD be discarded.
  if (gre.protocol !== GreProtocol.Ipv4) return DropReason.UnexpectedProtocol;
  out.outerSource = outer.source;
  out.outerDestination = outer.destination;
  out.key = gre.key;
  out.sequence = gre.sequence;
  const innerOffset = offset + outer.headerLength + gre.headerLength;
  const available = outer.totalLength - outer.headerLength - gre.headerLength;
  return finishIpv4Decap(buf, innerOffset, available, (outer.dscp << 2) | outer.ecn, options, out);
}

/** Allocating form for tests and the CLI. Throws TunnelCodecError. */
export function greIpv4Encapsulate(inner: Buffer, config: Ipv4TunnelConfig, gre: GreTunnelOptions): Buffer {
  const overhead = greIpv4Overhead(gre);
  const buf = Buffer.alloc(overhead + inner.length);
  inner.copy(buf, overhead);
  const out = createEncapResult();
  const reason = encapsulateGreIpv4(buf, overhead, inner.length, config, gre, out);
  if (reason !== DropReason.Ok) throw new TunnelCodecError(reason, out.mtu);
  return buf.subarray(out.offset, out.offset + out.length);
}

/** Allocating form: a copy of the inner packet, the argument left untouched. Throws TunnelCodecError. */
export function greIpv4Decapsulate(packet: Buffer, options: Ipv4DecapOptions = DEFAULT_DECAP_OPTIONS): Buffer {
  const buf = Buffer.from(packet);
  const out = createDecapResult();
  const reason = decapsulateGreIpv4(buf, 0, buf.length, options, out);
  if (reason !== DropReason.Ok) throw new TunnelCodecError(reason);
  return buf.subarray(out.offset, out.offset + out.length);
}
