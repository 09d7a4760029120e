/**
 * IPv4/IPv6 unicast and multicast NLRI lists (RFC 4271 §4.3, RFC 4760 §5,
 * RFC 7911 §3 path identifiers). The IPv4 loop is the hot path of the whole
 * daemon: one bounds check per entry, octets read straight from the Buffer,
 * the address kept as a uint32, nothing allocated but the result objects.
 */
import type { Writer } from '../cursor';
import type { Nlri, UnicastNlri } from './types';
import { maxPrefixBits, nlriError, readIpv4Bits, readIpv6Bits, writePrefixOctets } from './prefix';

export function decodeUnicastList(afi: 1 | 2, safi: number, buf: Buffer, addPath: boolean, subcode: number, out: Nlri[]): void {
  if (afi === 1) decodeIpv4List(safi, buf, addPath, subcode, out);
  else decodeIpv6List(safi, buf, addPath, subcode, out);
}

function decodeIpv4List(safi: number, buf: Buffer, addPath: boolean, subcode: number, out: Nlri[]): void {
  const end = buf.length;
  let p = 0;
  while (p < end) {
    let pathId = 0;
    if (addPath) {
      if (p + 5 > end) throw nlriError(subcode, `IPv4 NLRI: path identifier truncated at offset ${p}`);
      pathId = buf.readUInt32BE(p);
      p += 4;
    }
    const bits = buf[p] as number;
    // RFC 7606 §5.3: a length the AFI cannot hold, or an overrun, makes the field unparsable.
    if (bits > 32) throw nlriError(subcode, `IPv4 NLRI: prefix length ${bits} > 32 at offset ${p}`);
    const n = (bits + 7) >> 3;
    if (p + 1 + n > end) throw nlriError(subcode, `IPv4 NLRI: prefix /${bits} overruns the field at offset ${p}`);
    const prefix = { afi: 1 as const, length: bits, address: readIpv4Bits(buf, p + 1, bits) };
    p += 1 + n;
    out.push(addPath ? { kind: 'unicast', safi, prefix, pathId } : { kind: 'unicast', safi, prefix });
  }
}

/**
 * The checks of decodeIpv4List (no path ids) without the objects: the
 * number of prefixes in a field that `readIpv4Field` may then walk.
 */
export function countIpv4List(buf: Buffer, subcode: number): number {
  const end = buf.length;
  let p = 0;
  let count = 0;
  while (p < end) {
    const bits = buf[p] as number;
    if (bits > 32) throw nlriError(subcode, `IPv4 NLRI: prefix length ${bits} > 32 at offset ${p}`);
    const n = (bits + 7) >> 3;
    if (p + 1 + n > end) throw nlriError(subcode, `IPv4 NLRI: prefix /${bits} overruns the field at offset ${p}`);
    p += 1 + n;
    count++;
  }
  return count;
}

/**
 * The prefix at offset `p` of a field `countIpv4List` accepted, as address ×
 * 64 + length (host bits cleared, as decodeIpv4List reads it); the next
 * prefix starts at `p + 1 + ceil(length / 8)`.
 */
export function readIpv4Field(buf: Buffer, p: number): number {
  const bits = buf[p] as number;
  return readIpv4Bits(buf, p + 1, bits) * 64 + bits;
}

function decodeIpv6List(safi: number, buf: Buffer, addPath: boolean, subcode: number, out: Nlri[]): void {
  const end = buf.length;
  let p = 0;
  while (p < end) {
    let pathId = 0;
    if (addPath) {
      if (p + 5 > end) throw nlriError(subcode, `IPv6 NLRI: path identifier truncated at offset ${p}`);
      pathId = buf.readUInt32BE(p);
      p += 4;
    }
    const bits = buf[p] as number;
    if (bits > 128) throw nlriError(subcode, `IPv6 NLRI: prefix length ${bits} > 128 at offset ${p}`);
    const n = (bits + 7) >> 3;
    if (p + 1 + n > end) throw nlriError(subcode, `IPv6 NLRI: prefix /${bits} overruns the field at offset ${p}`);
    const prefix = { afi: 2 as const, length: bits, address: readIpv6Bits(buf, p + 1, bits) };
    p += 1 + n;
    out.push(addPath ? { kind: 'unicast', safi, prefix, pathId } : { kind: 'unicast', safi, prefix });
  }
}

export function encodeUnicast(w: Writer, afi: 1 | 2, n: UnicastNlri, addPath: boolean): void {
  if (n.prefix.afi !== afi) throw new RangeError(`unicast NLRI of AFI ${n.prefix.afi} in an AFI ${afi} list`);
  if (n.prefix.length > maxPrefixBits(afi)) throw new RangeError(`prefix length ${n.prefix.length} too long`);
  if (addPath) w.u32(n.pathId ?? 0);
  w.u8(n.prefix.length);
  writePrefixOctets(w, n.prefix);
}
