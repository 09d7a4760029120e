/**
 * Text forms of FIB prefixes and addresses as `ip` reads and prints them. The
 * FIB never imports bgp/ (DESIGN.md), so the few it needs live here, once for
 * both backends; bgp/wire/values/ip.ts has the daemon's own.
 */
import type { FibPrefix } from './changes';

export function formatIpv4(address: number): string {
  const a = address >>> 0;
  return `${a >>> 24}.${(a >>> 16) & 255}.${(a >>> 8) & 255}.${a & 255}`;
}

/** Dotted quad to uint32; throws RangeError on anything else. */
export function parseIpv4(text: string): number {
  const parts = text.split('.');
  if (parts.length !== 4) throw new RangeError(`not an IPv4 address: ${text}`);
  let value = 0;
  for (const part of parts) {
    if (!/^\d{1,3}$/.test(part)) throw new RangeError(`not an IPv4 address: ${text}`);
    const octet = Number(part);
    if (octet > 255) throw new RangeError(`not an IPv4 address: ${text}`);
    value = value * 256 + octet;
  }
  return value;
}

/** RFC 5952 §4: lower case, leading zeros dropped, the longest run (2+ groups, first on a tie) of zero groups as `::`. */
export function formatIpv6(bytes: Uint8Array): string {
  const groups: number[] = [];
  for (let i = 0; i < 16; i += 2) groups.push(((bytes[i] ?? 0) << 8) | (bytes[i + 1] ?? 0));
  let bestStart = -1;
  let bestLength = 1;
  for (let i = 0; i < 8; ) {
    if (groups[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && groups[j] === 0) j++;
    if (j - i > bestLength) {
      bestStart = i;
      bestLength = j - i;
    }
    i = j;
  }
  const hex = (g: number[]): string => g.map((x) => x.toString(16)).join(':');
  if (bestStart < 0) return hex(groups);
  return `${hex(groups.slice(0, bestStart))}::${hex(groups.slice(bestStart + bestLength))}`;
}

/** `10.0.0.0/8`, `2001:db8::/32`: the form `ip route` accepts and `ip -j route` prints (host routes there lack the length). */
export function formatFibPrefix(prefix: FibPrefix): string {
  return prefix.afi === 1 ? `${formatIpv4(prefix.address)}/${prefix.length}` : `${formatIpv6(prefix.address)}/${prefix.length}`;
}
