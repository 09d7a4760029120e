/**
 * The control-plane record of an LPM table: every prefix with its value, in
 * an open-addressing hash table over one typed array (linear probing,
 * deletion by backward shift, so no tombstones). The data plane alone cannot
 * answer "which prefix covers this one" or list its prefixes; this can, in a
 * few probes per candidate length. A slot is 1 + W int32s (the entry, then the
 * key's W words: 8 bytes for IPv4, 20 for IPv6) so a probe touches one cache
 * line; the load stays at most 1/2, and the size is measured, not estimated.
 *
 * A slot is empty when its entry is 0; otherwise the entry is
 * `routeEntry(length, value)` (lpm-entry.ts).
 */
import { LENGTH_SHIFT, VALUE_MASK, NO_ROUTE, routeEntry } from './lpm-entry';

export class PrefixMap {
  // `declare`: assigned in the constructor, so V8 keeps each field's type (see lpm4.ts).
  private declare table: Int32Array;
  private declare mask: number;
  private count = 0;
  /** Int32s per slot: the entry and the key words. */
  private declare readonly stride: number;
  /** Prefixes per length, so a search for the covering prefix skips empty lengths. */
  declare readonly perLength: Int32Array;
  declare readonly words: number;
  private declare readonly minCapacity: number;

  constructor(words: number, bits: number, minCapacity = 16) {
    this.words = words;
    this.minCapacity = minCapacity;
    this.stride = 1 + words;
    this.table = new Int32Array(minCapacity * this.stride);
    this.mask = minCapacity - 1;
    this.perLength = new Int32Array(bits + 1);
  }

  get size(): number {
    return this.count;
  }

  /** Slots, for iteration with `entryAt`/`wordAt`. */
  get capacity(): number {
    return this.mask + 1;
  }

  /** The slot's entry: 0 when empty, else `routeEntry(length, value)`. */
  entryAt(slot: number): number {
    return this.table[slot * this.stride] as number;
  }

  /** Word `word` of the slot's key, as uint32. */
  wordAt(slot: number, word: number): number {
    return (this.table[slot * this.stride + 1 + word] as number) >>> 0;
  }

  bytes(): number {
    return this.table.byteLength + this.perLength.byteLength;
  }

  /** Makes room for `n` prefixes in all without resizing on the way (a bulk build). */
  reserve(n: number): void {
    let capacity = this.capacity;
    while (n * 2 > capacity) capacity *= 2;
    if (capacity > this.capacity) this.resize(capacity);
  }

  /** The value of exactly `key`/`length` (key already masked), or NO_ROUTE. */
  get(key: Uint32Array, length: number): number {
    const slot = this.find(key, length);
    return slot < 0 ? NO_ROUTE : (this.table[slot * this.stride] as number) & VALUE_MASK;
  }

  /** Stores the value; returns whether the prefix is new. */
  set(key: Uint32Array, length: number, value: number): boolean {
    const entry = routeEntry(length, value);
    const t = this.table;
    const stride = this.stride;
    let slot = this.hash(key, 0, length);
    for (;;) {
      const e = t[slot * stride] as number;
      if (e === 0) break;
      if (e >>> LENGTH_SHIFT === length + 1 && this.keyEquals(slot, key)) {
        t[slot * stride] = entry;
        return false;
      }
      slot = (slot + 1) & this.mask;
    }
    t[slot * stride] = entry;
    for (let w = 0; w < this.words; w++) t[slot * stride + 1 + w] = key[w] as number;
    this.count++;
    this.perLength[length] = (this.perLength[length] as number) + 1;
    if (this.count * 2 > this.capacity) this.resize(this.capacity * 2);
    return true;
  }

  /** Removes the prefix; returns whether it was there. */
  delete(key: Uint32Array, length: number): boolean {
    let hole = this.find(key, length);
    if (hole < 0) return false;
    const t = this.table;
    const stride = this.stride;
    // Backward shift: pull later members of the probe run into the hole unless their home lies cyclically in (hole, j].
    for (let j = (hole + 1) & this.mask; t[j * stride] !== 0; j = (j + 1) & this.mask) {
      const home = this.hash(t, j * stride + 1, ((t[j * stride] as number) >>> LENGTH_SHIFT) - 1);
      const inRun = hole <= j ? hole < home && home <= j : hole < home || home <= j;
      if (inRun) continue;
      t.copyWithin(hole * stride, j * stride, (j + 1) * stride);
      hole = j;
    }
    t[hole * stride] = 0;
    this.count--;
    this.perLength[length] = (this.perLength[length] as number) - 1;
    if (this.capacity > this.minCapacity && this.count * 8 < this.capacity) this.resize(Math.max(this.minCapacity, this.capacity >>> 1));
    return true;
  }

  private find(key: Uint32Array, length: number): number {
    for (let slot = this.hash(key, 0, length); ; slot = (slot + 1) & this.mask) {
      const e = this.table[slot * this.stride] as number;
      if (e === 0) return -1;
      if (e >>> LENGTH_SHIFT === length + 1 && this.keyEquals(slot, key)) return slot;
    }
  }

  private keyEquals(slot: number, key: Uint32Array): boolean {
    const at = slot * this.stride + 1;
    for (let w = 0; w < this.words; w++) if (this.table[at + w] !== ((key[w] as number) | 0)) return false;
    return true;
  }

  /** Home slot of the prefix whose key words start at `source[offset]` (int32 or uint32 words hash alike). */
  private hash(source: Uint32Array | Int32Array, offset: number, length: number): number {
    let h = Math.imul(length + 0x9e3779b1, 0x85ebca6b);
    for (let w = 0; w < this.words; w++) {
      h = Math.imul(h ^ (source[offset + w] as number), 0xcc9e2d51);
      h ^= h >>> 15;
    }
    h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
    return (h ^ (h >>> 16)) & this.mask;
  }

  private resize(capacity: number): void {
    const old = this.table;
    const stride = this.stride;
    this.table = new Int32Array(capacity * stride);
    this.mask = capacity - 1;
    for (let at = 0; at < old.length; at += stride) {
      const e = old[at] as number;
      if (e === 0) continue;
      let slot = this.hash(old, at + 1, (e >>> LENGTH_SHIFT) - 1);
      while (this.table[slot * stride] !== 0) slot = (slot + 1) & this.mask;
      for (let w = 0; w < stride; w++) this.table[slot * stride + w] = old[at + w] as number;
    }
  }
}
