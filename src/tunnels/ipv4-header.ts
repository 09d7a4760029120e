/**
 * The IPv4 header (RFC 791): parse and validate into a caller-owned object,
 * write an option-less outer header, and the two in-place edits a forwarder
 * makes (TTL decrement, TOS rewrite) with an incremental checksum fix.
 * Addresses are unsigned 32-bit numbers.
 */
import { put16, put32, put8, u16, u32, u8 } from './bytes';
import { checksumIsValid, foldChecksum, updateChecksum16 } from './checksum';
import { DropReason } from './errors';

export const IPV4_HEADER_LENGTH = 20;
export const IPV4_MAX_TOTAL_LENGTH = 0xffff;

export const IpProtocol = { Icmp: 1, IpInIp: 4, Tcp: 6, Udp: 17, Ipv6: 41, Gre: 47 } as const;

const FLAG_DF = 0x4000;
const FLAG_MF = 0x2000;
const OFFSET_MASK = 0x1fff;

/** A decoded IPv4 header. Mutable, so one object serves every packet of a worker. */
export interface Ipv4Header {
  /** IHL in octets (20..60). */
  headerLength: number;
  totalLength: number;
  /** Upper six bits of the DS field (RFC 2474). */
  dscp: number;
  /** Lower two bits of the DS field (RFC 3168). */
  ecn: number;
  identification: number;
  dontFragment: boolean;
  moreFragments: boolean;
  /** In 8-octet units. */
  fragmentOffset: number;
  ttl: number;
  protocol: number;
  checksum: number;
  source: number;
  destination: number;
}

/** The fields an option-less header is written from; an Ipv4Header is one. */
export interface Ipv4HeaderFields {
  dscp: number;
  ecn: number;
  identification: number;
  dontFragment: boolean;
  ttl: number;
  protocol: number;
  source: number;
  destination: number;
}

export function createIpv4Header(): Ipv4Header {
  return {
    headerLength: 0,
    totalLength: 0,
    dscp: 0,
    ecn: 0,
    identification: 0,
    dontFragment: false,
    moreFragments: false,
    fragmentOffset: 0,
    ttl: 0,
    protocol: 0,
    checksum: 0,
    source: 0,
    destination: 0,
  };
}

/**
 * Validates the header at buf[offset] against the `length` octets the caller
 * has (the link-layer length) and fills `out`. RFC 1812 §5.2.2: a router
 * checks version, IHL, checksum and that Total Length fits what arrived.
 * Never throws; `out` is only meaningful when Ok is returned.
 */
export function parseIpv4Header(buf: Buffer, offset: number, length: number, out: Ipv4Header, verifyChecksum = true): DropReason {
  if (length < IPV4_HEADER_LENGTH || offset < 0 || offset + length > buf.length) return DropReason.Truncated;
  const versionIhl = u8(buf, offset);
  if (versionIhl >>> 4 !== 4) return DropReason.BadIpVersion;
  const headerLength = (versionIhl & 0x0f) * 4;
  if (headerLength < IPV4_HEADER_LENGTH) return DropReason.BadIhl;
  if (headerLength > length) return DropReason.Truncated;
  const totalLength = u16(buf, offset + 2);
  if (totalLength < headerLength) return DropReason.BadTotalLength;
  if (totalLength > length) return DropReason.Truncated;
  if (verifyChecksum && !checksumIsValid(buf, offset, headerLength)) return DropReason.BadIpChecksum;
  const tos = u8(buf, offset + 1);
  const flagsOffset = u16(buf, offset + 6);
  out.headerLength = headerLength;
  out.totalLength = totalLength;
  out.dscp = tos >>> 2;
  out.ecn = tos & 3;
  out.identification = u16(buf, offset + 4);
  out.dontFragment = (flagsOffset & FLAG_DF) !== 0;
  out.moreFragments = (flagsOffset & FLAG_MF) !== 0;
  out.fragmentOffset = flagsOffset & OFFSET_MASK;
  out.ttl = u8(buf, offset + 8);
  out.protocol = u8(buf, offset + 9);
  out.checksum = u16(buf, offset + 10);
  out.source = u32(buf, offset + 12);
  out.destination = u32(buf, offset + 16);
  return DropReason.Ok;
}

/**
 * Writes a 20-octet header (no options, MF clear, offset 0) with its checksum
 * at buf[offset]; the caller guarantees 20 octets of room. The checksum is
 * summed from the field values, not re-read from the buffer.
 */
export function writeIpv4Header(buf: Buffer, offset: number, fields: Ipv4HeaderFields, totalLength: number): number {
  const tos = ((fields.dscp & 0x3f) << 2) | (fields.ecn & 3);
  const flags = fields.dontFragment ? FLAG_DF : 0;
  const identification = fields.identification & 0xffff;
  const ttlProtocol = ((fields.ttl & 0xff) << 8) | (fields.protocol & 0xff);
  const source = fields.source >>> 0;
  const destination = fields.destination >>> 0;
  const sum =
    (0x4500 | tos) +
    totalLength +
    identification +
    flags +
    ttlProtocol +
    (source >>> 16) +
    (source & 0xffff) +
    (destination >>> 16) +
    (destination & 0xffff);
  put16(buf, offset, 0x4500 | tos);
  put16(buf, offset + 2, totalLength);
  put16(buf, offset + 4, identification);
  put16(buf, offset + 6, flags);
  put16(buf, offset + 8, ttlProtocol);
  put16(buf, offset + 10, ~foldChecksum(sum) & 0xffff);
  put32(buf, offset + 12, source);
  put32(buf, offset + 16, destination);
  return IPV4_HEADER_LENGTH;
}

/**
 * The forwarding step's TTL handling (RFC 1812 §5.3.1): a packet arriving
 * with TTL 0 or 1 is not forwarded (TtlExpired: answer with Time Exceeded,
 * the packet is left untouched for the quote); otherwise the TTL is
 * decremented in place and the checksum patched (RFC 1624). Call it once per
 * hop; encapsulation itself never touches the inner TTL (RFC 2003 §3.1).
 */
export function forwardIpv4Ttl(buf: Buffer, offset: number): DropReason {
  const ttl = u8(buf, offset + 8);
  if (ttl <= 1) return DropReason.TtlExpired;
  const protocol = u8(buf, offset + 9);
  const checksum = u16(buf, offset + 10);
  put8(buf, offset + 8, ttl - 1);
  put16(buf, offset + 10, updateChecksum16(checksum, (ttl << 8) | protocol, ((ttl - 1) << 8) | protocol));
  return DropReason.Ok;
}

/** Rewrites the TOS octet (DSCP and ECN) in place, patching the checksum (RFC 1624); RFC 6040 §4.2 notes the checksum must follow. */
export function setIpv4Tos(buf: Buffer, offset: number, tos: number): void {
  const versionIhl = u8(buf, offset);
  const oldTos = u8(buf, offset + 1);
  if (oldTos === tos) return;
  const checksum = u16(buf, offset + 10);
  put8(buf, offset + 1, tos);
  put16(buf, offset + 10, updateChecksum16(checksum, (versionIhl << 8) | oldTos, (versionIhl << 8) | tos));
}

/**
 * Identification values for headers this node originates. RFC 6864 §4.1
 * only requires uniqueness for datagrams that may be fragmented, and a
 * wrapping counter per node satisfies that at far less cost than per-flow
 * state; the seed keeps restarts from reusing a recent run.
 */
export class IdentificationCounter {
  private value: number;

  constructor(seed = Math.floor(Math.random() * 0x10000)) {
    this.value = seed & 0xffff;
  }

  next(): number {
    const v = this.value;
    this.value = (v + 1) & 0xffff;
    return v;
  }
}
