/**
 * A bounded memo keyed by raw attribute octets. RIB dumps and UPDATE streams
 * repeat the same attribute block many times (a RouteViews RIB of 500k
 * entries has about 80k distinct ones, half of them the same as the entry
 * before; in RIS and RouteViews update files about half of the UPDATEs carry
 * a block seen earlier in the file), so the bgpdump text of a block is
 * computed once. The cache is emptied when it outgrows its budget: simple,
 * and bounded.
 *
 * Blocks are given as a range of a larger buffer (the reader's chunk), so a
 * lookup creates no Buffer view. They are found by a 32-bit hash of their
 * octets and confirmed by comparing the octets: cheaper than building a
 * string key per lookup, which cost more than it saved on files where blocks
 * never repeat. On a hash collision the newer block takes the slot (this is
 * a cache, a miss is fine).
 *
 * In UPDATE streams most blocks are never seen again (in a BGP4MP_ET file of
 * an iBGP feed, none is), and keeping their text alive made the collector the
 * largest cost; there the cache admits a block only on its second sighting,
 * remembering first sightings as bare hashes in a fixed integer table.
 *
 * Use: `lookup()`; on undefined compute the value and `store()` it (the
 * lookup's hash is reused). No closure per call.
 */

interface Entry<V> {
  /** A copy of the block: the looked-up range is in a reader chunk that must not be kept alive. */
  readonly key: Uint8Array;
  readonly tag: number;
  readonly value: V;
}

/** A multiplicative hash over the octets of `buf[start, end)` and the tag. */
function hashBlock(buf: Uint8Array, start: number, end: number, tag: number): number {
  let h = Math.imul(0x811c9dc5 ^ tag ^ (end - start), 0x01000193);
  let i = start;
  for (; i + 4 <= end; i += 4) {
    const w = (buf[i] as number) | ((buf[i + 1] as number) << 8) | ((buf[i + 2] as number) << 16) | ((buf[i + 3] as number) << 24);
    h = Math.imul((h ^ w) >>> 0, 0x9e3779b1) ^ (h >>> 15);
  }
  for (; i < end; i++) h = Math.imul(h ^ (buf[i] as number), 0x01000193);
  return h;
}

/** Whether `key` holds the octets of `buf[start, end)`. */
function sameOctets(key: Uint8Array, buf: Uint8Array, start: number, end: number): boolean {
  if (key.length !== end - start) return false;
  for (let i = 0, j = start; j < end; i++, j++) if (key[i] !== buf[j]) return false;
  return true;
}

/** Slots of the first-sighting table (a power of two). */
const SEEN_SLOTS = 1 << 18;

export class AttributeTextCache<V> {
  private readonly map = new Map<number, Entry<V>>();
  private bytes = 0;
  /** The block looked up last (RIB entries of one prefix often share it): a copy, and its value once known. */
  private lastKey: Uint8Array = new Uint8Array(0);
  private lastTag = -1;
  private lastValue: V | undefined;
  /** The hash of the block of the last lookup, for `store()`. */
  private pendingHash = 0;

  /**
   * Hashes of blocks seen once, for `admitOnRepeat`: a direct-mapped table
   * (slot by the low hash bits), so a first sighting costs one store and no
   * allocation. A collision forgets the older sighting, which only delays
   * admitting that block.
   */
  private readonly seenOnce: Int32Array;

  constructor(
    private readonly admitOnRepeat = false,
    private readonly budget = 32 << 20,
  ) {
    this.seenOnce = new Int32Array(admitOnRepeat ? SEEN_SLOTS : 0);
  }

  /** The value stored for the octets `buf[start, end)` under `tag`, or undefined. */
  lookup(buf: Uint8Array, start: number, end: number, tag: number): V | undefined {
    // The same block as the one before: no hashing at all.
    if (this.lastValue !== undefined && this.lastTag === tag && sameOctets(this.lastKey, buf, start, end)) return this.lastValue;
    const h = hashBlock(buf, start, end, tag);
    this.pendingHash = h;
    const hit = this.map.get(h);
    if (hit !== undefined && hit.tag === tag && sameOctets(hit.key, buf, start, end)) {
      this.remember(hit.key, tag, hit.value);
      return hit.value;
    }
    return undefined;
  }

  /** Stores the value computed for the block of the `lookup()` that just missed. */
  store(buf: Uint8Array, start: number, end: number, tag: number, value: V): void {
    const key = new Uint8Array(end - start);
    for (let i = 0, j = start; j < end; i++, j++) key[i] = buf[j] as number;
    const h = this.pendingHash;
    if (this.admit(h)) {
      if (this.bytes + key.length > this.budget) {
        this.map.clear();
        this.bytes = 0;
      }
      this.map.set(h, { key, tag, value });
      this.bytes += key.length + 96;
    }
    this.remember(key, tag, value);
  }

  private remember(key: Uint8Array, tag: number, value: V): void {
    this.lastKey = key;
    this.lastTag = tag;
    this.lastValue = value;
  }

  private admit(h: number): boolean {
    if (!this.admitOnRepeat) return true;
    const slot = h & (SEEN_SLOTS - 1);
    if (this.seenOnce[slot] === (h | 0)) {
      this.seenOnce[slot] = ~h; // admitted: a later first sighting in this slot starts over
      return true;
    }
    this.seenOnce[slot] = h;
    return false;
  }
}
