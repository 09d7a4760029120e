/**
 * The 32-bit entry shared by every LPM level (IPv4 and IPv6), and the
 * control-plane argument checks. One Int32Array slot holds one of:
 *
 * - `0`: no route;
 * - `> 0`: a route, `(length + 1) << 23 | value`: the value (next-hop index,
 *   23 bits) and the length of the prefix that wrote it (0..128, stored + 1 so
 *   that "no route" compares below a /0). The length is what lets an
 *   incremental insert of a shorter prefix leave longer ones alone and a delete
 *   find the entries that were its own (DPDK rte_lpm keeps a `depth` per entry
 *   for the same reason);
 * - `< 0`: a pointer to a group of 256 entries one level down, the group index
 *   in the low 31 bits. A lookup walks while the entry is negative.
 *
 * Every state fits in 31 bits plus sign, so entries stay small integers in
 * V8 (no heap numbers on the lookup path). A final entry `e` gives the lookup
 * result without a branch: `(e & VALUE_MASK) | ((e - 1) >> 31)` is the value,
 * or -1 (NO_ROUTE) for 0. lookup4 and lookup6 spell this out in literals.
 */

/** What a lookup returns when no prefix covers the address. */
export const NO_ROUTE = -1;
/** The largest value (next-hop index) a table stores: 2^23 - 1. */
export const MAX_VALUE = 0x7fffff;
export const VALUE_MASK = 0x7fffff;
export const LENGTH_SHIFT = 23;
export const POINTER_FLAG = 0x80000000 | 0;
export const GROUP_MASK = 0x7fffffff;
/** Entries per group: one octet of the address. */
export const GROUP_SIZE = 256;

/** The entry for a route of prefix `length` and `value`. */
export function routeEntry(length: number, value: number): number {
  return ((length + 1) << LENGTH_SHIFT) | value;
}

/** The stored length code of a non-pointer entry: prefix length + 1, or 0 for no route. */
export function lengthCode(entry: number): number {
  return entry >>> LENGTH_SHIFT;
}

/** Throws unless `length` is an integer in 0..`bits`. */
export function checkLength(where: string, length: number, bits: number): void {
  if (!Number.isInteger(length) || length < 0 || length > bits) {
    throw new RangeError(`${where}: prefix length ${String(length)} is out of range 0..${bits}`);
  }
}

/** Throws unless `value` is an integer in 0..MAX_VALUE. */
export function checkValue(where: string, value: number): void {
  if (!Number.isInteger(value) || value < 0 || value > MAX_VALUE) {
    throw new RangeError(`${where}: value ${String(value)} is out of range 0..${MAX_VALUE} (a next-hop index)`);
  }
}

/** Throws unless `word` is an integer that fits 32 bits, signed or unsigned (`x | 0` and `x >>> 0` both pass). */
export function checkWord(where: string, word: number): void {
  if (!Number.isInteger(word) || word < -0x80000000 || word > 0xffffffff) {
    throw new RangeError(`${where}: address word ${String(word)} is not a 32-bit integer`);
  }
}

/** Zeroes the bits of `key` (big-endian words) beyond `length`. */
export function maskKey(key: Uint32Array, length: number): void {
  for (let w = 0; w < key.length; w++) {
    const keep = length - 32 * w;
    if (keep <= 0) key[w] = 0;
    else if (keep < 32) key[w] = ((key[w] as number) & (0xffffffff << (32 - keep))) >>> 0;
  }
}
