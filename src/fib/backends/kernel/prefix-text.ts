/**
 * Text forms of FIB prefixes and addresses as `ip` reads and prints them. The
 * FIB never imports bgp/ (DESIGN.md), so the few formatters it needs live here.
 */
import type { FibPrefix } from '../../changes';

export function formatIpv4(address: number): string {
  return `${address >>> 24}.${(address >>> 16) & 255}.${(address >>> 8) & 255}.${address & 255}`;
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
