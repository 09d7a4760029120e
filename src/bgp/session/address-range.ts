/** Is an address inside a configured prefix (dynamic neighbor ranges)? */
import { parseIpv4, parseIpv6 } from '../wire/values/ip';
import { ipv4Mask, parsePrefix, type Prefix } from '../wire/values/prefix';

/** Parses "10.0.0.0/8" or "2001:db8::/32"; host bits must be zero. */
export function parseRange(text: string): Prefix | null {
  return parsePrefix(text, false);
}

export function rangeContains(range: Prefix, address: string): boolean {
  if (range.afi === 1) {
    const v4 = parseIpv4(address);
    return v4 !== null && ((v4 & ipv4Mask(range.length)) >>> 0) === range.address;
  }
  const v6 = parseIpv6(address);
  if (v6 === null) return false;
  const full = range.length >> 3;
  for (let i = 0; i < full; i++) if (v6[i] !== range.address[i]) return false;
  const bits = range.length & 7;
  if (bits === 0) return true;
  const mask = (0xff << (8 - bits)) & 0xff;
  return ((v6[full] ?? 0) & mask) === (range.address[full] ?? 0);
}
