/**
 * Prefix entries (RFC 4271 §4.3): Length(1, bits) | Prefix(ceil(len/8) octets).
 * This is the per-route hot path: bounds are checked once per entry and the
 * octets read directly, with no Buffer allocated per IPv4 prefix.
 */
import { BgpError, ErrorCode } from '../errors';
import type { Ipv4Prefix, Ipv6Prefix, Prefix } from '../values/prefix';
import type { Writer } from '../cursor';

/** Where NLRI errors go: 3/10 for the classic fields, 3/9 inside MP attributes (RFC 4760 §7, RFC 4271 §6.3). */
export function nlriError(subcode: number, reason: string): BgpError {
  return new BgpError(ErrorCode.UpdateMessage, subcode, reason, undefined, 'session-reset');
}

/**
 * Reads `ceil(bits/8)` octets at `p` as an IPv4 network address, host bits
 * cleared (RFC 4271 §4.3: trailing bits are irrelevant; bgpdump masks too).
 * The caller has checked that the octets are there.
 */
export function readIpv4Bits(buf: Buffer, p: number, bits: number): number {
  const n = (bits + 7) >> 3;
  let a = 0;
  if (n > 0) a = (buf[p] as number) << 24;
  if (n > 1) a |= (buf[p + 1] as number) << 16;
  if (n > 2) a |= (buf[p + 2] as number) << 8;
  if (n > 3) a |= buf[p + 3] as number;
  return bits === 0 ? 0 : (a & (0xffffffff << (32 - bits))) >>> 0;
}

/** As readIpv4Bits for IPv6: a fresh 16-octet array, host bits cleared. */
export function readIpv6Bits(buf: Buffer, p: number, bits: number): Uint8Array {
  const out = new Uint8Array(16);
  const n = (bits + 7) >> 3;
  for (let i = 0; i < n; i++) out[i] = buf[p + i] as number;
  if ((bits & 7) !== 0) out[n - 1] = (out[n - 1] as number) & (0xff << (8 - (bits & 7)));
  return out;
}

/** A prefix of `bits` bits for the AFI, read at p (caller checked bounds and the bit limit). */
export function readPrefixBits(afi: 1 | 2, buf: Buffer, p: number, bits: number): Prefix {
  if (afi === 1) return { afi: 1, length: bits, address: readIpv4Bits(buf, p, bits) } satisfies Ipv4Prefix;
  return { afi: 2, length: bits, address: readIpv6Bits(buf, p, bits) } satisfies Ipv6Prefix;
}

/** Writes only the significant octets of the prefix (no length octet). */
export function writePrefixOctets(w: Writer, prefix: Prefix): void {
  const n = (prefix.length + 7) >> 3;
  if (prefix.afi === 1) {
    const a = prefix.address >>> 0;
    for (let i = 0; i < n; i++) w.u8((a >>> (24 - 8 * i)) & 0xff);
    return;
  }
  w.bytes(prefix.address.subarray(0, n));
}

export function maxPrefixBits(afi: 1 | 2): number {
  return afi === 1 ? 32 : 128;
}
