/**
 * An open-addressing hash table of items that carry their own 30-bit hash
 * (the attribute interner's sets). It replaces a Map<string, set>: a Map
 * needs the key as a string kept alive for each entry (60 bytes a set for
 * a full table's attribute keys) plus about 50 bytes of table per entry;
 * here an entry is one pointer and one Int32 in two flat arrays, and
 * equality is the caller's (it walks the probe run of a hash).
 *
 * Linear probing, at most 3/4 full; deletion shifts the rest of the run
 * back, so no tombstones build up under churn. The hashes sit in their own
 * Int32Array so a probe that misses reads no item.
 */
export class AttrHashTable<T extends { readonly hash: number }> {
  private items: (T | undefined)[];
  private hashes: Int32Array;
  private mask: number;
  private count = 0;

  constructor(capacity = 1024) {
    let size = 16;
    while (size < capacity) size *= 2;
    this.items = new Array<T | undefined>(size).fill(undefined);
    this.hashes = new Int32Array(size);
    this.mask = size - 1;
  }

  get size(): number {
    return this.count;
  }

  /** The first slot of `hash`'s probe run; walk it with next() while at() is not undefined. */
  start(hash: number): number {
    return hash & this.mask;
  }

  next(slot: number): number {
    return (slot + 1) & this.mask;
  }

  at(slot: number): T | undefined {
    return this.items[slot];
  }

  /** The stored hash at a slot (compare it before looking at the item). */
  hashAt(slot: number): number {
    return this.hashes[slot] ?? 0;
  }

  /** Adds an item (the caller has checked no equal one is present). */
  add(item: T): void {
    if ((this.count + 1) * 4 > this.items.length * 3) this.grow();
    this.place(item);
    this.count++;
  }

  /** Removes exactly this item; false when it is not in the table. */
  remove(item: T): boolean {
    let i = item.hash & this.mask;
    for (;;) {
      const at = this.items[i];
      if (at === undefined) return false;
      if (at === item) break;
      i = (i + 1) & this.mask;
    }
    this.count--;
    // Backward-shift deletion: every later item of the run whose home slot
    // is not between the hole and itself moves into the hole.
    const mask = this.mask;
    let hole = i;
    let j = i;
    for (;;) {
      j = (j + 1) & mask;
      const moving = this.items[j];
      if (moving === undefined) break;
      const home = (this.hashes[j] ?? 0) & mask;
      const stays = hole <= j ? hole < home && home <= j : hole < home || home <= j;
      if (stays) continue;
      this.items[hole] = moving;
      this.hashes[hole] = this.hashes[j] ?? 0;
      hole = j;
    }
    this.items[hole] = undefined;
    this.hashes[hole] = 0;
    return true;
  }

  private place(item: T): void {
    let i = item.hash & this.mask;
    while (this.items[i] !== undefined) i = (i + 1) & this.mask;
    this.items[i] = item;
    this.hashes[i] = item.hash;
  }

  private grow(): void {
    const old = this.items;
    const size = old.length * 2;
    this.items = new Array<T | undefined>(size).fill(undefined);
    this.hashes = new Int32Array(size);
    this.mask = size - 1;
    for (const item of old) if (item !== undefined) this.place(item);
  }
}
