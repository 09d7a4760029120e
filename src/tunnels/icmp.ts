/**
 * The ICMPv4 errors a forwarder sends (RFC 792): Time Exceeded in transit
 * (type 11 code 0, RFC 1812 §5.3.1) and Fragmentation Needed with the
 * next-hop MTU (type 3 code 4, RFC 1191 §4). RFC 1812 §4.3.2.7 decides when
 * no error may be sent; §4.3.2.3 how much of the original to quote.
 * Rate limiting (§4.3.2.8) and the link-layer broadcast test are the
 * caller's: they need state and the link header this module never sees.
 */
import { put16, put32, put8, u8 } from './bytes';
import { internetChecksum } from './checksum';
import { DropReason } from './errors';
import { createIpv4Header, IdentificationCounter, IPV4_HEADER_LENGTH, IpProtocol, parseIpv4Header, writeIpv4Header, type Ipv4HeaderFields } from './ipv4-header';

export const IcmpType = { EchoReply: 0, DestinationUnreachable: 3, Echo: 8, TimeExceeded: 11, ParameterProblem: 12 } as const;
export const IcmpCode = { TtlExceededInTransit: 0, FragmentationNeeded: 4 } as const;

/** RFC 1812 §4.3.2.3: the whole error, IP header included, stays within 576 octets. */
export const ICMP_ERROR_MAX_LENGTH = 576;
export const ICMP_HEADER_LENGTH = 8;

/**
 * Query and informational types (RFC 792, RFC 950, RFC 1256). Anything else,
 * the error types and every unknown type alike, gets no error in reply: if
 * in doubt, silence cannot start an ICMP storm.
 */
const QUERY_TYPES = new Uint8Array(256);
for (const t of [0, 8, 9, 10, 13, 14, 15, 16, 17, 18]) QUERY_TYPES[t] = 1;

/** Who sends the errors: the router address (RFC 1812 §4.3.2.4: of the interface the packet arrived on), TTL, identification. */
export interface IcmpErrorOrigin {
  source: number;
  ttl: number;
  identification: IdentificationCounter;
}

export function icmpErrorOrigin(source: number, ttl = 64, identification = new IdentificationCounter()): IcmpErrorOrigin {
  return { source, ttl, identification };
}

const original = createIpv4Header();
const fields: Ipv4HeaderFields = { dscp: 0, ecn: 0, identification: 0, dontFragment: false, ttl: 0, protocol: IpProtocol.Icmp, source: 0, destination: 0 };

const isMulticastOrReserved = (address: number): boolean => address >>> 28 >= 0xe; // 224/4 and 240/4

/**
 * Ok when an ICMP error about the packet at buf[offset] may be sent, else
 * why not (RFC 1812 §4.3.2.7): a packet failing header validation (§5.2.2),
 * an ICMP error, a fragment other than the first, a packet to a multicast or
 * the limited broadcast address, or one from a source that is not a unique
 * host (§5.3.7: 0/8, 127/8, multicast, 240/4).
 */
export function icmpErrorSuppression(buf: Buffer, offset: number, length: number): DropReason {
  const reason = parseIpv4Header(buf, offset, length, original, true);
  if (reason !== DropReason.Ok) return reason;
  if (original.fragmentOffset !== 0) return DropReason.IcmpAboutLaterFragment;
  if (isMulticastOrReserved(original.destination)) return DropReason.IcmpAboutBroadcast;
  const sourceNet = original.source >>> 24;
  if (sourceNet === 0 || sourceNet === 127 || isMulticastOrReserved(original.source)) return DropReason.IcmpInvalidSource;
  if (original.protocol === IpProtocol.Icmp) {
    if (original.totalLength <= original.headerLength) return DropReason.Truncated;
    if (QUERY_TYPES[u8(buf, offset + original.headerLength)] !== 1) return DropReason.IcmpAboutIcmpError;
  }
  return DropReason.Ok;
}

/**
 * Writes a complete IPv4 packet carrying an ICMP error about the packet at
 * original[origOffset] into out[outOffset]; returns its length, or 0 when
 * RFC 1812 §4.3.2.7 forbids the error (icmpErrorSuppression says why) or
 * `out` cannot hold the header and 8 octets of the original's data (RFC
 * 792's minimum). `restOfHeader` is the ICMP header's second word. The quote
 * is the packet as received (§4.3.2.3 does not ask to undo a TTL decrement).
 */
export function writeIcmpError(
  out: Buffer,
  outOffset: number,
  type: number,
  code: number,
  restOfHeader: number,
  packet: Buffer,
  origOffset: number,
  origLength: number,
  origin: IcmpErrorOrigin,
): number {
  if (icmpErrorSuppression(packet, origOffset, origLength) !== DropReason.Ok) return 0;
  const room = Math.min(out.length - outOffset, ICMP_ERROR_MAX_LENGTH) - IPV4_HEADER_LENGTH - ICMP_HEADER_LENGTH;
  const quote = Math.min(original.totalLength, room);
  if (quote < Math.min(original.totalLength, original.headerLength + 8)) return 0;
  const icmpOffset = outOffset + IPV4_HEADER_LENGTH;
  const icmpLength = ICMP_HEADER_LENGTH + quote;
  // RFC 1812 §4.3.2.5: precedence 6 (Internetwork Control) for errors other than Source Quench.
  fields.dscp = 0x30;
  fields.ecn = 0;
  fields.identification = origin.identification.next();
  fields.ttl = origin.ttl;
  fields.source = origin.source;
  fields.destination = original.source;
  writeIpv4Header(out, outOffset, fields, IPV4_HEADER_LENGTH + icmpLength);
  put8(out, icmpOffset, type);
  put8(out, icmpOffset + 1, code);
  put16(out, icmpOffset + 2, 0);
  put32(out, icmpOffset + 4, restOfHeader >>> 0);
  packet.copy(out, icmpOffset + ICMP_HEADER_LENGTH, origOffset, origOffset + quote);
  put16(out, icmpOffset + 2, internetChecksum(out, icmpOffset, icmpLength));
  return IPV4_HEADER_LENGTH + icmpLength;
}

/** Time Exceeded, TTL exceeded in transit (RFC 792; RFC 1812 §5.3.1 for a packet whose TTL ran out here). */
export function writeIcmpTimeExceeded(
  out: Buffer,
  outOffset: number,
  packet: Buffer,
  origOffset: number,
  origLength: number,
  origin: IcmpErrorOrigin,
): number {
  return writeIcmpError(out, outOffset, IcmpType.TimeExceeded, IcmpCode.TtlExceededInTransit, 0, packet, origOffset, origLength, origin);
}

/**
 * Destination Unreachable, Fragmentation Needed and DF set; RFC 1191 §4 puts
 * the next-hop MTU in the low 16 bits of the second word, the high 16 zero.
 */
export function writeIcmpFragmentationNeeded(
  out: Buffer,
  outOffset: number,
  packet: Buffer,
  origOffset: number,
  origLength: number,
  nextHopMtu: number,
  origin: IcmpErrorOrigin,
): number {
  return writeIcmpError(
    out,
    outOffset,
    IcmpType.DestinationUnreachable,
    IcmpCode.FragmentationNeeded,
    nextHopMtu & 0xffff,
    packet,
    origOffset,
    origLength,
    origin,
  );
}

/** Allocating form for tests and the CLI: the error packet, or null when none may be sent. */
export function buildIcmpTimeExceeded(packet: Buffer, origin: IcmpErrorOrigin): Buffer | null {
  const out = Buffer.alloc(ICMP_ERROR_MAX_LENGTH);
  const length = writeIcmpTimeExceeded(out, 0, packet, 0, packet.length, origin);
  return length === 0 ? null : out.subarray(0, length);
}

/** Allocating form: Fragmentation Needed, or null when no error may be sent. */
export function buildIcmpFragmentationNeeded(packet: Buffer, nextHopMtu: number, origin: IcmpErrorOrigin): Buffer | null {
  const out = Buffer.alloc(ICMP_ERROR_MAX_LENGTH);
  const length = writeIcmpFragmentationNeeded(out, 0, packet, 0, packet.length, nextHopMtu, origin);
  return length === 0 ? null : out.subarray(0, length);
}
