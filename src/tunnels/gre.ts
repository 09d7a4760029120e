/**
 * The GRE header: RFC 2784 with the RFC 2890 Key and Sequence Number.
 *
 *    0                   1                   2                   3
 *   |C| |K|S| Reserved0       | Ver |         Protocol Type         |
 *   |      Checksum (optional)      |       Reserved1 (optional)    |
 *   |                         Key (optional)                        |
 *   |                 Sequence Number (optional)                    |
 */
import { put16, put32, u16, u32 } from './bytes';
import { checksumIsValid, internetChecksum } from './checksum';
import { DropReason } from './errors';

/** RFC 2784 §2.4: EtherTypes. */
export const GreProtocol = { Ipv4: 0x0800, Ipv6: 0x86dd, MplsUnicast: 0x8847 } as const;

export const GRE_BASE_LENGTH = 4;

const FLAG_CHECKSUM = 0x8000; // bit 0, RFC 2784 §2.2
const FLAG_KEY = 0x2000; // bit 2, RFC 2890 §2
const FLAG_SEQUENCE = 0x1000; // bit 3, RFC 2890 §2
/*
 * RFC 2784 §2.3: a receiver MUST discard a packet with any of bits 1-5 set
 * unless it implements RFC 1701. RFC 2890 gives bits 2 and 3 a meaning, which
 * leaves bit 1 (RFC 1701 Routing Present), bit 4 (Strict Source Route) and
 * bit 5 (top bit of Recursion Control). Bits 6-12 MUST be ignored on receipt.
 */
const MUST_BE_ZERO = 0x4000 | 0x0800 | 0x0400;
const VERSION_MASK = 0x0007; // bits 13-15, RFC 2784 §2.3.1: MUST be 0

/** A decoded GRE header; mutable so one object serves every packet. */
export interface GreHeader {
  protocol: number;
  checksumPresent: boolean;
  /** RFC 2890 §2.1 Key, or null when K is clear. */
  key: number | null;
  /** RFC 2890 §2.2 Sequence Number, or null when S is clear. */
  sequence: number | null;
  headerLength: number;
}

export function createGreHeader(): GreHeader {
  return { protocol: 0, checksumPresent: false, key: null, sequence: null, headerLength: 0 };
}

export function greHeaderLength(checksum: boolean, key: boolean, sequence: boolean): number {
  return GRE_BASE_LENGTH + (checksum ? 4 : 0) + (key ? 4 : 0) + (sequence ? 4 : 0);
}

/**
 * Writes the header at buf[offset] and returns its length. With `checksum`
 * the field is written as zero: call writeGreChecksum once the payload is in
 * place, since RFC 2784 §2.5 sums header and payload together.
 */
export function writeGreHeader(
  buf: Buffer,
  offset: number,
  protocol: number,
  checksum: boolean,
  key: number | null,
  sequence: number | null,
): number {
  let flags = 0;
  if (checksum) flags |= FLAG_CHECKSUM;
  if (key !== null) flags |= FLAG_KEY;
  if (sequence !== null) flags |= FLAG_SEQUENCE;
  put16(buf, offset, flags);
  put16(buf, offset + 2, protocol & 0xffff);
  let at = offset + GRE_BASE_LENGTH;
  if (checksum) {
    put32(buf, at, 0); // Checksum and Reserved1 (RFC 2784 §2.6: sent as zero)
    at += 4;
  }
  if (key !== null) {
    put32(buf, at, key >>> 0);
    at += 4;
  }
  if (sequence !== null) {
    put32(buf, at, sequence >>> 0);
    at += 4;
  }
  return at - offset;
}

/** Fills the checksum of a header written with `checksum` set: over GRE header and payload, `length` octets from greOffset. */
export function writeGreChecksum(buf: Buffer, greOffset: number, length: number): void {
  put16(buf, greOffset + GRE_BASE_LENGTH, internetChecksum(buf, greOffset, length));
}

/**
 * Decodes the header at buf[offset]; `length` is the GRE header plus payload
 * (the outer IP payload), which the checksum, when present, covers. Unknown
 * protocol types are returned, not refused: RFC 2784 §2.4 leaves the discard
 * to whoever knows which payloads it handles.
 */
export function parseGreHeader(buf: Buffer, offset: number, length: number, out: GreHeader, verifyChecksum = true): DropReason {
  if (length < GRE_BASE_LENGTH || offset < 0 || offset + length > buf.length) return DropReason.Truncated;
  const flags = u16(buf, offset);
  if ((flags & VERSION_MASK) !== 0) return DropReason.GreBadVersion;
  if ((flags & MUST_BE_ZERO) !== 0) return DropReason.GreReservedBits;
  const checksumPresent = (flags & FLAG_CHECKSUM) !== 0;
  const keyPresent = (flags & FLAG_KEY) !== 0;
  const sequencePresent = (flags & FLAG_SEQUENCE) !== 0;
  const headerLength = greHeaderLength(checksumPresent, keyPresent, sequencePresent);
  if (headerLength > length) return DropReason.Truncated;
  // RFC 2784 §2.2: a compliant implementation MUST accept and process the checksum.
  if (checksumPresent && verifyChecksum && !checksumIsValid(buf, offset, length)) return DropReason.GreBadChecksum;
  let at = offset + GRE_BASE_LENGTH + (checksumPresent ? 4 : 0);
  out.protocol = u16(buf, offset + 2);
  out.checksumPresent = checksumPresent;
  out.headerLength = headerLength;
  if (keyPresent) {
    out.key = u32(buf, at);
    at += 4;
  } else {
    out.key = null;
  }
  out.sequence = sequencePresent ? u32(buf, at) : null;
  return DropReason.Ok;
}
