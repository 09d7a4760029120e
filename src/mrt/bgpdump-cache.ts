/**
 * A bounded memo keyed by raw attribute octets. RIB dumps and UPDATE streams
 * repeat the same attribute block many times (a RouteViews RIB of 500k
 * entries has about 80k distinct ones, half of them the same as the entry
 * before; in RIS and RouteViews update files about half of the UPDATEs carry
 * a block seen earlier in the file), so the bgpdump text of a block is
 * computed once. The cache is emptied when it outgrows its budget: simple,
 * and bounded.
 *
 * Blocks are found by a 32-bit hash of their octets and confirmed by
 * comparing the octets: cheaper than building a string key per lookup, which
 * cost more than it saved on files where blocks never repeat. On a hash
 * collision the newer block takes the slot (this is a cache, a miss is fine).
 *
 * In UPDATE streams most blocks are never seen again (in a BGP4MP_ET file of
 * an iBGP feed, none is), and keeping their text alive made the collector the
 * largest cost; there the cache admits a block only on its second sighting,
 * remembering first sightings as bare hashes in a fixed integer table.
 */

interface Entry<V> {
  /** A copy of the block: the looked-up Buffer is a view into a reader chunk that must not be kept alive. */
  readonly key: Buffer;
  readonly tag: number;
  readonly value: V;
}

/** A multiplicative hash over the octets, four at a time, and the tag. */
function hashBlock(buf: Buffer, tag: number): number {
  const n = buf.length;
  let h = Math.imul(0x811c9dc5 ^ tag ^ n, 0x01000193);
  let i = 0;
  for (; i + 4 <= n; i += 4) h = Math.imul((h ^ buf.readInt32LE(i)) >>> 0, 0x9e3779b1) ^ (h >>> 15);
  for (; i < n; i++) h = Math.imul(h ^ (buf[i] as number), 0x01000193);
  return h;
}

/** Slots of the first-sighting table (a power of two). */
const SEEN_SLOTS = 1 << 18;

export class AttributeTextCache<V> {
  private readonly map = new Map<number, Entry<V>>();
  private bytes = 0;
  private lastBuf: Buffer | null = null;
  private lastValue: V | undefined;
  private lastTag = -1;

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

  /** The value for `buf` (distinguished further by `tag`), computing it with `make` on a miss. */
  get(buf: Buffer, tag: number, make: () => V): V {
    // The same block as the one before (RIB entries of one prefix, often): no hashing at all.
    if (this.lastBuf !== null && this.lastValue !== undefined && this.lastTag === tag && buf.equals(this.lastBuf)) return this.lastValue;
    const h = hashBlock(buf, tag);
    const hit = this.map.get(h);
    let v: V;
    if (hit !== undefined && hit.tag === tag && hit.key.equals(buf)) {
      v = hit.value;
    } else {
      v = make();
      if (this.admit(h)) {
        if (this.bytes + buf.length > this.budget) {
          this.map.clear();
          this.bytes = 0;
        }
        this.map.set(h, { key: Buffer.from(buf), tag, value: v });
        this.bytes += buf.length + 96;
      }
    }
    this.lastBuf = buf;
    this.lastTag = tag;
    this.lastValue = v;
    return v;
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
