/** Small field readers shared by the MRT record decoders. */
import { Reader } from '../cursor';
import { formatIpv4, formatIpv6 } from '../values/ip';
import { ipv4Prefix, ipv6Prefix, type Prefix } from '../values/prefix';

/** The error spec MRT decoders give the cursor; record.ts turns it into an MrtError. */
export const MRT_BODY = { code: 0, subcode: 0, what: 'MRT record' } as const;

export function mrtReader(body: Buffer): Reader {
  return new Reader(body, MRT_BODY);
}

/** The text of recently read IPv4 addresses, direct-mapped by the address (see readIpv6: the same idea). */
const IPV4_SLOTS = 256; // the slot is the top 8 bits of a hash
const ipv4Values = new Uint32Array(IPV4_SLOTS);
const ipv4Texts: (string | undefined)[] = new Array<string | undefined>(IPV4_SLOTS).fill(undefined);

export function readIpv4(r: Reader): string {
  const v = r.u32();
  const slot = Math.imul(v, 0x9e3779b1) >>> 24;
  const cached = ipv4Texts[slot];
  if (cached !== undefined && ipv4Values[slot] === v) return cached;
  const text = formatIpv4(v);
  ipv4Values[slot] = v;
  ipv4Texts[slot] = text;
  return text;
}

/**
 * The text of recently read IPv6 addresses, direct-mapped by a hash of their
 * four words. Every BGP4MP record carries the peer and local address, and a
 * dump holds few distinct ones, so most records find theirs here: no Buffer
 * view and no formatting per record.
 */
const IPV6_SLOTS = 256; // the slot is the top 8 bits of a hash
const ipv6Words = new Uint32Array(IPV6_SLOTS * 4);
const ipv6Texts: (string | undefined)[] = new Array<string | undefined>(IPV6_SLOTS).fill(undefined);

export function readIpv6(r: Reader): string {
  r.need(16);
  const b = r.buf;
  const p = r.pos;
  const w0 = b.readUInt32BE(p);
  const w1 = b.readUInt32BE(p + 4);
  const w2 = b.readUInt32BE(p + 8);
  const w3 = b.readUInt32BE(p + 12);
  const slot = Math.imul(w0 ^ Math.imul(w1 ^ Math.imul(w2 ^ w3, 0x9e3779b1), 0x85ebca6b), 0xc2b2ae35) >>> 24;
  const at = slot * 4;
  let text = ipv6Texts[slot];
  if (text === undefined || ipv6Words[at] !== w0 || ipv6Words[at + 1] !== w1 || ipv6Words[at + 2] !== w2 || ipv6Words[at + 3] !== w3) {
    text = formatIpv6(b.subarray(p, p + 16));
    ipv6Words[at] = w0;
    ipv6Words[at + 1] = w1;
    ipv6Words[at + 2] = w2;
    ipv6Words[at + 3] = w3;
    ipv6Texts[slot] = text;
  }
  r.pos = p + 16;
  return text;
}

/** An address of the given AFI (1 or 2); anything else is not something this record can hold. */
export function readAddress(r: Reader, afi: number): string {
  if (afi === 1) return readIpv4(r);
  if (afi === 2) return readIpv6(r);
  return r.fail(`unsupported address family ${afi}`);
}

/** RFC 6396 §4.3.2: Prefix Length, then the prefix in ceil(len/8) octets (host bits masked off). */
export function readPrefix(r: Reader, afi: 1 | 2): Prefix {
  const length = r.u8();
  if (length > (afi === 1 ? 32 : 128)) r.fail(`prefix length ${length} too long for AFI ${afi}`);
  const bytes = r.bytes((length + 7) >> 3);
  if (afi === 1) {
    let v = 0;
    for (let i = 0; i < 4; i++) v = v * 256 + (bytes[i] ?? 0);
    return ipv4Prefix(v, length);
  }
  return ipv6Prefix(bytes, length);
}

/**
 * Octets of the one NLRI entry at `pos` in its MP_REACH encoding (RFC 6396
 * §4.3.3 RIB_GENERIC): a 4-octet path id first under ADD-PATH; EVPN
 * (RFC 7432 §7) is type, length, value; FlowSpec (RFC 8955 §4) has a 1- or
 * 2-octet length; every other family starts with a length in bits.
 */
export function nlriEntryLength(afi: number, safi: number, buf: Buffer, pos: number, addPath: boolean): number {
  const start = addPath ? pos + 4 : pos;
  const head = buf[start];
  if (head === undefined) return -1;
  let n: number;
  if (safi === 70) {
    const len = buf[start + 1];
    n = len === undefined ? -1 : 2 + len;
  } else if (safi === 133 || safi === 134) {
    if (head < 0xf0) n = 1 + head;
    else {
      const lo = buf[start + 1];
      n = lo === undefined ? -1 : 2 + (((head & 0x0f) << 8) | lo);
    }
  } else {
    n = 1 + ((head + 7) >> 3);
  }
  if (n < 0) return -1;
  return start - pos + n;
}
