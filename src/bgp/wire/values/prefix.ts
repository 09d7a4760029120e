/**
 * IP prefixes. IPv4 keeps its address as an unsigned 32-bit number so a
 * million of them cost no Buffers; IPv6 keeps 16 octets. Host bits beyond the
 * length are always zero (decoders mask them, RFC 4271 §4.3 says they are irrelevant).
 */
import { formatIpv4, formatIpv6, parseIp, parseIpv4, parseIpv6 } from './ip';

export interface Ipv4Prefix {
  readonly afi: 1;
  readonly length: number;
  /** Network address as uint32, host bits zero. */
  readonly address: number;
}

export interface Ipv6Prefix {
  readonly afi: 2;
  readonly length: number;
  /** 16 octets, host bits zero. */
  readonly address: Uint8Array;
}

export type Prefix = Ipv4Prefix | Ipv6Prefix;

/** The netmask for a length 0..32, as uint32. */
export function ipv4Mask(length: number): number {
  return length === 0 ? 0 : (0xffffffff << (32 - length)) >>> 0;
}

export function ipv4Prefix(address: number, length: number): Ipv4Prefix {
  return { afi: 1, length, address: (address & ipv4Mask(length)) >>> 0 };
}

export function ipv6Prefix(address: Uint8Array, length: number): Ipv6Prefix {
  const out = new Uint8Array(16);
  const full = length >> 3;
  for (let i = 0; i < full && i < 16; i++) out[i] = address[i] ?? 0;
  if (full < 16 && (length & 7) !== 0) out[full] = (address[full] ?? 0) & (0xff << (8 - (length & 7)));
  return { afi: 2, length, address: out };
}

export function formatPrefix(p: Prefix): string {
  return p.afi === 1 ? `${formatIpv4(p.address)}/${p.length}` : `${formatIpv6(p.address)}/${p.length}`;
}

/** Parses `a.b.c.d/len` or `v6/len`. Host bits set make it invalid unless `allowHostBits`. */
export function parsePrefix(text: string, allowHostBits = false): Prefix | null {
  const slash = text.indexOf('/');
  if (slash < 0) return null;
  const addr = text.slice(0, slash);
  const lenText = text.slice(slash + 1);
  if (!/^\d{1,3}$/.test(lenText)) return null;
  const length = Number(lenText);
  const v4 = parseIpv4(addr);
  if (v4 !== null) {
    if (length > 32) return null;
    const p = ipv4Prefix(v4, length);
    if (!allowHostBits && p.address !== v4) return null;
    return p;
  }
  const v6 = parseIpv6(addr);
  if (v6 === null || length > 128) return null;
  const p = ipv6Prefix(v6, length);
  if (!allowHostBits && !p.address.every((b, i) => b === v6[i])) return null;
  return p;
}

export function prefixEquals(a: Prefix, b: Prefix): boolean {
  if (a.afi !== b.afi || a.length !== b.length) return false;
  if (a.afi === 1) return a.address === (b as Ipv4Prefix).address;
  const bb = (b as Ipv6Prefix).address;
  for (let i = 0; i < 16; i++) if (a.address[i] !== bb[i]) return false;
  return true;
}

/** Whether an address (4 or 16 octets) lies inside a prefix of its own family; never across families. */
export function addressInPrefix(address: Uint8Array, p: Prefix): boolean {
  if (p.afi === 1) {
    if (address.length !== 4) return false;
    const v = (((address[0] ?? 0) << 24) | ((address[1] ?? 0) << 16) | ((address[2] ?? 0) << 8) | (address[3] ?? 0)) >>> 0;
    return ((v & ipv4Mask(p.length)) >>> 0) === p.address;
  }
  if (address.length !== 16) return false;
  const full = p.length >> 3;
  for (let i = 0; i < full; i++) if (address[i] !== p.address[i]) return false;
  const rest = p.length & 7;
  if (rest === 0) return true;
  const mask = (0xff << (8 - rest)) & 0xff;
  return ((address[full] ?? 0) & mask) === (p.address[full] ?? 0);
}

/** Whether an address (text) lies inside a prefix: dynamic-neighbor ranges, connected networks. */
export function prefixContainsAddress(range: Prefix, address: string): boolean {
  const bytes = parseIp(address);
  return bytes !== null && addressInPrefix(bytes, range);
}
