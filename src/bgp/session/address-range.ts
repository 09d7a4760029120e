/** Is an address inside a configured prefix (dynamic neighbor ranges)? */
import { parsePrefix, prefixContainsAddress, type Prefix } from '../wire/values/prefix';

/** Parses "10.0.0.0/8" or "2001:db8::/32"; host bits must be zero. */
export function parseRange(text: string): Prefix | null {
  return parsePrefix(text, false);
}

/** Whether `address` lies in `range` (the shared helper in values/prefix.ts). */
export const rangeContains = prefixContainsAddress;
