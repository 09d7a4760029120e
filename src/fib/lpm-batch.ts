/**
 * A batch of prefixes in flat typed arrays, for bulk builds: collected from
 * the caller's entries (or the PrefixMap, for a rebuild) and ordered by
 * length, then by the top of the address, with two LSD radix passes. The
 * length order is what lets a bulk build overwrite ranges without comparing
 * entries (DIR-24-8 bulk builds sort by length for the same reason); the
 * address order makes the writes into the top level and the groups run
 * forward through memory instead of jumping around 64 MB.
 */
import { PrefixMap } from './lpm-prefix-map';
export class PrefixBatch {
  // `declare`: assigned in the constructor, so V8 keeps each field's type (see lpm4.ts).
  declare keys: Uint32Array;
  declare lengths: Uint8Array;
  declare values: Int32Array;
  declare readonly words: number;
  count = 0;

  constructor(words: number, capacity = 1024) {
    this.words = words;
    this.keys = new Uint32Array(capacity * words);
    this.lengths = new Uint8Array(capacity);
    this.values = new Int32Array(capacity);
  }

  /** Appends a prefix whose key words (already masked) are `key`. */
  push(key: Uint32Array, length: number, value: number): void {
    if (this.count === this.lengths.length) this.grow(this.count * 2);
    const at = this.count++;
    for (let w = 0; w < this.words; w++) this.keys[at * this.words + w] = key[w] as number;
    this.lengths[at] = length;
    this.values[at] = value;
  }

  /**
   * Indexes of the batch sorted by length, then by the top 16 bits of the
   * first key word (enough to keep the writes local), stable: among equal
   * keys the later input comes later, so filling in this order lets the last
   * duplicate win.
   */
  order(): Int32Array {
    const n = this.count;
    let from = new Int32Array(n);
    let to = new Int32Array(n);
    for (let i = 0; i < n; i++) from[i] = i;
    const counts = new Int32Array(65537);
    const w = this.words;
    const keys = this.keys;
    const lengths = this.lengths;
    for (let pass = 0; pass < 2; pass++) {
      counts.fill(0);
      for (let i = 0; i < n; i++) {
        const k = pass === 0 ? (keys[i * w] as number) >>> 16 : (lengths[i] as number);
        counts[k + 1] = (counts[k + 1] as number) + 1;
      }
      for (let k = 1; k < counts.length; k++) counts[k] = (counts[k] as number) + (counts[k - 1] as number);
      for (let i = 0; i < n; i++) {
        const x = from[i] as number;
        const k = pass === 0 ? (keys[x * w] as number) >>> 16 : (lengths[x] as number);
        const at = counts[k] as number;
        to[at] = x;
        counts[k] = at + 1;
      }
      [from, to] = [to, from];
    }
    return from;
  }

  /**
   * The number of groups a trie with a `topBits` top level needs for this
   * batch, counted exactly: a group per distinct block of `offset` bits
   * holding a longer prefix, at every offset. A bulk build sizes its pool
   * once instead of doubling through copies (each a fresh buffer to fault in).
   */
  groupsNeeded(topBits: number): number {
    return this.words === 1 ? this.groupsNeeded32(topBits) : this.groupsNeededWide(topBits);
  }

  /** One-word keys: a bitmap of the blocks per offset. */
  private groupsNeeded32(topBits: number): number {
    let total = 0;
    for (let offset = topBits; offset < 32; offset += 8) {
      const seen = new Uint8Array(1 << (offset - 3));
      for (let i = 0; i < this.count; i++) {
        if ((this.lengths[i] as number) <= offset) continue;
        const block = (this.keys[i] as number) >>> (32 - offset);
        const bit = 1 << (block & 7);
        const at = block >>> 3;
        const b = seen[at] as number;
        if ((b & bit) === 0) {
          seen[at] = b | bit;
          total++;
        }
      }
    }
    return total;
  }

  /** Wider keys: the blocks, as prefixes of length `offset`, in a scratch PrefixMap. */
  private groupsNeededWide(topBits: number): number {
    const w = this.words;
    const blocks = new PrefixMap(w, w * 32);
    const block = new Uint32Array(w);
    for (let i = 0; i < this.count; i++) {
      const length = this.lengths[i] as number;
      for (let offset = topBits; offset < length; offset += 8) {
        for (let k = 0; k < w; k++) {
          const keep = offset - 32 * k;
          const word = this.keys[i * w + k] as number;
          block[k] = keep <= 0 ? 0 : keep >= 32 ? word : (word & (0xffffffff << (32 - keep))) >>> 0;
        }
        blocks.set(block, offset, 0);
      }
    }
    return blocks.size;
  }

  private grow(capacity: number): void {
    const keys = new Uint32Array(capacity * this.words);
    keys.set(this.keys);
    const lengths = new Uint8Array(capacity);
    lengths.set(this.lengths);
    const values = new Int32Array(capacity);
    values.set(this.values);
    this.keys = keys;
    this.lengths = lengths;
    this.values = values;
  }
}
