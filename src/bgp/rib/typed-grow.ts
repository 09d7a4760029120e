/**
 * Growing the per-id typed arrays of the RIB tables (destination ids,
 * insertion order): capacities double, so a full table costs a few copies.
 */

/** `current` doubled (at least `floor`) until it holds `min` elements. */
export function doubledCapacity(current: number, min: number, floor = 1): number {
  let n = Math.max(floor, current * 2);
  while (n < min) n *= 2;
  return n;
}

/** A copy of `a` with room for `length` elements, the new ones set to `fill`. */
export function grownCopy<T extends Int32Array | Uint32Array | Uint8Array>(a: T, length: number, fill = 0): T {
  const out = new (a.constructor as new (length: number) => T)(length);
  if (fill !== 0) out.fill(fill);
  out.set(a);
  return out;
}
