/**
 * The writer side of a multibit LPM trie over SharedArrayBuffers, for any key
 * width: a top level of `topBits` bits (DIR-24-8's tbl24, or 2^16), then
 * levels of 8 bits (DPDK's tbl8 groups) down to the full key. lpm4.ts and
 * lpm6.ts wrap it and add their own lookup; this file only writes.
 *
 * Incremental updates follow DPDK rte_lpm (lib/lpm/rte_lpm.c, add_depth_big /
 * delete_depth_big): each entry carries the length of the prefix that wrote it
 * (lpm-entry.ts), an insert of length L overwrites entries of length <= L in
 * its range, a delete of length L rewrites the entries of length exactly L
 * with the covering prefix (found in the control-plane PrefixMap), and a group
 * whose 256 entries became one inherited route is folded back into its parent
 * and freed ("tbl8 recycle").
 *
 * Concurrent readers (one writer, readers in other threads on the same
 * SharedArrayBuffers): every slot write is one aligned 32-bit store, so a
 * reader sees a slot either before or after it. A new group is filled
 * completely before the pointer to it is stored with `Atomics.store` (a
 * release fence), and a group is freed only after its parent slot was
 * rewritten with `Atomics.store`; the reader's load of a group slot depends on
 * the pointer it loaded (an address dependency, ordered on x86 and ARM). So a
 * reader never sees a half-built group. A freed group is reused last (fresh
 * groups first, then the oldest freed one), but without a reader epoch (DPDK's
 * RCU mode) a reader that stalls for the whole gap between a free and a reuse
 * could read one slot of the reused group: a wrong result for that one lookup,
 * never an exception (indices stay inside the buffer).
 *
 * Buffers are replaced, never resized in place: a bulk build sizes the pool
 * for what it holds plus 1/8; when the pool is full an insert copies it into a
 * SharedArrayBuffer twice the size; when a delete leaves it 1/8 used, the data
 * plane is rebuilt compactly from the PrefixMap. Each of these makes a new top
 * level too (a copy) if the current buffers were handed out by `shared()`, so
 * a reader still holding the old buffers sees a frozen but consistent table,
 * and `generation` (also in the `meta` buffer, which never changes) tells it
 * to attach the new ones.
 */
import { GROUP_MASK, GROUP_SIZE, LENGTH_SHIFT, POINTER_FLAG, VALUE_MASK, routeEntry } from './lpm-entry';
import { PrefixBatch } from './lpm-batch';
import { PrefixMap } from './lpm-prefix-map';

const enum Mode {
  /** Insert: overwrite entries whose length is <= the new prefix's. */
  Set,
  /** Delete: rewrite entries whose length is exactly the deleted prefix's. */
  Replace,
  /** Bulk build in ascending length order: the range holds only shorter routes, overwrite it all. */
  Fill,
}

export interface TrieLayout {
  /** 32-bit words per key: 1 (IPv4) or 4 (IPv6). */
  readonly words: number;
  /** Key width in bits: 32 or 128. */
  readonly bits: number;
  /** Bits resolved by the top level: 16 or 24. */
  readonly topBits: number;
  /** Groups in a fresh pool; the pool never shrinks below this. */
  readonly initialGroups: number;
}

function sharedInt32(length: number): Int32Array {
  return new Int32Array(new SharedArrayBuffer(length * 4));
}

export class MultibitTrie {
  // `declare`: assigned in the constructor; a plain declaration would start the field as undefined
  // and V8 would lose its type, which the lookups of Lpm4Table/Lpm6Table pay for (lpm4.ts).
  declare top: Int32Array;
  declare groups: Int32Array;
  /** [0]: generation, for readers to notice that they hold replaced buffers. Never replaced itself. */
  readonly meta = sharedInt32(2);
  declare readonly prefixes: PrefixMap;
  declare topBits: number;
  private declare capacity: number;
  /** Groups below this index have been used at least once; the rest are fresh. */
  private fresh = 0;
  /** Freed groups, oldest first (a ring of `capacity` slots). */
  private declare freeRing: Int32Array;
  private freeHead = 0;
  private freeCount = 0;
  private used = 0;
  private gen = 0;
  /** Whether `shared()` handed out the current buffers: then a replacement must not touch them. */
  private published = false;
  /** Whether anything was written to `top` since it was allocated (a fresh SharedArrayBuffer is zero). */
  private topWritten = false;
  /** The groups on the path of the last walk, and where their parent slot is (parent of level 0 is in `top`). */
  private readonly pathGroup = new Int32Array(17);
  private readonly pathParent = new Int32Array(17);
  private declare readonly cover: Uint32Array;

  declare readonly layout: TrieLayout;

  constructor(layout: TrieLayout) {
    this.layout = layout;
    this.topBits = layout.topBits;
    this.capacity = layout.initialGroups;
    this.top = sharedInt32(1 << layout.topBits);
    this.groups = sharedInt32(this.capacity * GROUP_SIZE);
    this.freeRing = new Int32Array(this.capacity);
    this.prefixes = new PrefixMap(layout.words, layout.bits);
    this.cover = new Uint32Array(layout.words);
  }

  get generation(): number {
    return this.gen;
  }

  /** Groups in use. */
  get groupCount(): number {
    return this.used;
  }

  /** Marks the current buffers as handed out (see `shared()` of the tables). */
  publish(): void {
    this.published = true;
  }

  /** Bytes of every typed array the table owns: data plane, control plane, free list. */
  memoryBytes(): number {
    return this.top.byteLength + this.groups.byteLength + this.meta.byteLength + this.freeRing.byteLength + this.pathGroup.byteLength + this.pathParent.byteLength + this.cover.byteLength + this.prefixes.bytes();
  }

  /** Adds or replaces a prefix; `key` is masked to `length`. */
  insert(key: Uint32Array, length: number, value: number): void {
    this.prefixes.set(key, length, value);
    this.walk(key, length, routeEntry(length, value), Mode.Set);
  }

  /** Removes a prefix; `key` is masked to `length`. Returns whether it was there. */
  delete(key: Uint32Array, length: number): boolean {
    if (!this.prefixes.delete(key, length)) return false;
    const last = this.walk(key, length, this.coveringEntry(key, length), Mode.Replace);
    this.recycle(last);
    if (this.capacity > this.layout.initialGroups && this.used * 8 <= this.capacity) this.rebuild(this.topBits);
    return true;
  }

  /**
   * Bulk build: records every prefix of the batch (later duplicates win),
   * then fills a fresh data plane from it (see `fill`).
   */
  load(batch: PrefixBatch): void {
    const key = this.cover;
    const words = this.layout.words;
    const empty = this.prefixes.size === 0;
    this.prefixes.reserve(this.prefixes.size + batch.count);
    for (let i = 0; i < batch.count; i++) {
      for (let w = 0; w < words; w++) key[w] = batch.keys[i * words + w] as number;
      this.prefixes.set(key, batch.lengths[i] as number, batch.values[i] as number);
    }
    // Duplicates in the batch are harmless to `fill` (stable order: the last one wins, as in the map).
    if (empty) this.fill(batch, this.topBits);
    else this.rebuild(this.topBits);
  }

  /**
   * Rebuilds the data plane from the PrefixMap into fresh buffers sized to
   * fit: how the pool shrinks and how the top level changes size.
   */
  rebuild(topBits: number): void {
    const map = this.prefixes;
    const batch = new PrefixBatch(this.layout.words, Math.max(1, map.size));
    const key = this.cover;
    for (let s = 0; s < map.capacity; s++) {
      const e = map.entryAt(s);
      if (e === 0) continue;
      for (let w = 0; w < key.length; w++) key[w] = map.wordAt(s, w);
      batch.push(key, (e >>> LENGTH_SHIFT) - 1, e & VALUE_MASK);
    }
    this.fill(batch, topBits);
  }

  /**
   * A fresh data plane holding the batch: prefixes in ascending length
   * order, each range overwritten without comparisons (every entry in it is
   * a shorter route, or the same prefix again: the later duplicate wins).
   */
  private fill(batch: PrefixBatch, topBits: number): void {
    const order = batch.order();
    // Buffers no reader holds can be reused (a bulk build right after the constructor).
    if (this.published || topBits !== this.topBits) this.top = sharedInt32(1 << topBits);
    else if (this.topWritten) this.top.fill(0);
    this.topBits = topBits;
    // Room for what the batch needs plus 1/8 for later inserts, when the batch can tell.
    const needed = batch.groupsNeeded(topBits);
    this.capacity = Math.min(1 << 23, Math.max(this.layout.initialGroups, needed + (needed >>> 3)));
    this.groups = sharedInt32(this.capacity * GROUP_SIZE);
    this.freeRing = new Int32Array(this.capacity);
    this.fresh = this.freeHead = this.freeCount = this.used = 0;
    this.bumpGeneration();
    const key = this.cover;
    const words = this.layout.words;
    for (let i = 0; i < order.length; i++) {
      const p = order[i] as number;
      for (let w = 0; w < words; w++) key[w] = batch.keys[p * words + w] as number;
      const length = batch.lengths[p] as number;
      this.walk(key, length, routeEntry(length, batch.values[p] as number), Mode.Fill);
    }
    this.trimPool();
  }

  /**
   * After a fill, the groups in use are exactly 0..fresh-1 (a fill never
   * frees); a pool that grew by doubling gives the excess back, keeping 1/8
   * for later inserts. No reader holds these buffers yet, so only the pool is copied.
   */
  private trimPool(): void {
    const keep = Math.max(this.layout.initialGroups, this.fresh + (this.fresh >>> 3));
    if (keep >= this.capacity) return;
    const groups = sharedInt32(keep * GROUP_SIZE);
    groups.set(this.groups.subarray(0, this.fresh * GROUP_SIZE));
    this.groups = groups;
    this.capacity = keep;
    this.freeRing = new Int32Array(keep);
    this.bumpGeneration();
  }

  /** The entry of the longest prefix strictly shorter than `length` that covers `key`, or 0 (no route). */
  private coveringEntry(key: Uint32Array, length: number): number {
    const c = this.cover;
    for (let l = length - 1; l >= 0; l--) {
      if (this.prefixes.perLength[l] === 0) continue;
      for (let w = 0; w < c.length; w++) {
        const keep = l - 32 * w;
        const k = key[w] as number;
        c[w] = keep <= 0 ? 0 : keep >= 32 ? k : (k & (0xffffffff << (32 - keep))) >>> 0;
      }
      const v = this.prefixes.get(c, l);
      if (v >= 0) return routeEntry(l, v);
    }
    return 0;
  }

  /** `width` bits of `key` from bit `offset` (never across a word: offsets past the top level are octet-aligned). */
  private chunk(key: Uint32Array, offset: number, width: number): number {
    return ((key[offset >>> 5] as number) >>> (32 - width - (offset & 31))) & ((1 << width) - 1);
  }

  /**
   * Applies `entry` to the range of `key`/`length` at the level where the
   * prefix ends, creating groups on the way down (insert, build). Returns the
   * number of groups on the path, recorded in pathGroup/pathParent.
   */
  private walk(key: Uint32Array, length: number, entry: number, mode: Mode): number {
    const topBits = this.topBits;
    this.topWritten = true;
    if (length <= topBits) {
      this.applyRange(this.top, this.chunk(key, 0, topBits), 1 << (topBits - length), length, entry, mode);
      return 0;
    }
    let parent = this.chunk(key, 0, topBits);
    let offset = topBits;
    for (let level = 0; ; level++) {
      const slots = level === 0 ? this.top : this.groups;
      let e = slots[parent] as number;
      if (e >= 0) {
        if (mode === Mode.Replace) throw new Error(`LPM invariant broken: no group under a /${length} being deleted`);
        const g = this.allocGroup();
        // Fill the group before publishing the pointer (allocGroup may have replaced both buffers).
        this.groups.fill(e, g * GROUP_SIZE, (g + 1) * GROUP_SIZE);
        e = g | POINTER_FLAG;
        Atomics.store(level === 0 ? this.top : this.groups, parent, e);
      }
      const g = e & GROUP_MASK;
      this.pathGroup[level] = g;
      this.pathParent[level] = parent;
      const index = g * GROUP_SIZE + this.chunk(key, offset, 8);
      if (length <= offset + 8) {
        this.applyRange(this.groups, index, 1 << (offset + 8 - length), length, entry, mode);
        return level + 1;
      }
      parent = index;
      offset += 8;
    }
  }

  private applyRange(slots: Int32Array, start: number, count: number, length: number, entry: number, mode: Mode): void {
    if (mode === Mode.Fill) {
      // A builtin call costs more than a few stores: most bulk ranges are one entry (/24 at stride 24).
      if (count > 8) slots.fill(entry, start, start + count);
      else for (let i = start; i < start + count; i++) slots[i] = entry;
      return;
    }
    const code = length + 1;
    for (let i = start; i < start + count; i++) {
      const e = slots[i] as number;
      if (e < 0) this.applyGroup(e & GROUP_MASK, code, entry, mode);
      else if (mode === Mode.Set ? e >>> LENGTH_SHIFT <= code : e >>> LENGTH_SHIFT === code) slots[i] = entry;
    }
  }

  /** The same rule over a whole group below the range (entries inherited from above). */
  private applyGroup(g: number, code: number, entry: number, mode: Mode): void {
    const slots = this.groups;
    for (let i = g * GROUP_SIZE; i < (g + 1) * GROUP_SIZE; i++) {
      const e = slots[i] as number;
      if (e < 0) this.applyGroup(e & GROUP_MASK, code, entry, mode);
      else if (mode === Mode.Set ? e >>> LENGTH_SHIFT <= code : e >>> LENGTH_SHIFT === code) slots[i] = entry;
    }
  }

  /**
   * After a delete, folds groups on the path (deepest first) whose 256
   * entries are one route inherited from above the group (length <= the
   * group's offset) back into their parent slot, and frees them. Only the
   * path can become foldable: a delete elsewhere leaves every longer prefix
   * that keeps a group alive in place.
   */
  private recycle(levels: number): void {
    for (let level = levels - 1; level >= 0; level--) {
      const g = this.pathGroup[level] as number;
      const base = g * GROUP_SIZE;
      const first = this.groups[base] as number;
      // Entries of a group at offset o inherited from above have length <= o, code <= o + 1.
      if (first < 0 || first >>> LENGTH_SHIFT > this.topBits + 8 * level + 1) return;
      for (let i = base + 1; i < base + GROUP_SIZE; i++) if (this.groups[i] !== first) return;
      Atomics.store(level === 0 ? this.top : this.groups, this.pathParent[level] as number, first);
      this.freeGroup(g);
    }
  }

  private allocGroup(): number {
    let g: number;
    if (this.fresh < this.capacity) g = this.fresh++;
    else if (this.freeCount > 0) {
      g = this.freeRing[this.freeHead] as number;
      this.freeHead = (this.freeHead + 1) % this.capacity;
      this.freeCount--;
    } else {
      // Pointers keep 23 bits of group index so that index * 256 stays a positive int32.
      if (this.capacity * 2 > 1 << 23) throw new RangeError(`LPM group pool is full (${this.capacity} groups)`);
      this.grow(this.capacity * 2);
      g = this.fresh++;
    }
    this.used++;
    return g;
  }

  private freeGroup(g: number): void {
    this.freeRing[(this.freeHead + this.freeCount) % this.capacity] = g;
    this.freeCount++;
    this.used--;
  }

  /** Copies the pool into a bigger buffer (and the top level, if readers may hold the current one). */
  private grow(capacity: number): void {
    const groups = sharedInt32(capacity * GROUP_SIZE);
    groups.set(this.groups.subarray(0, this.fresh * GROUP_SIZE));
    if (this.published) {
      const top = sharedInt32(this.top.length);
      top.set(this.top);
      this.top = top;
    }
    const ring = new Int32Array(capacity);
    for (let i = 0; i < this.freeCount; i++) ring[i] = this.freeRing[(this.freeHead + i) % this.capacity] as number;
    this.groups = groups;
    this.freeRing = ring;
    this.freeHead = 0;
    this.capacity = capacity;
    this.bumpGeneration();
  }

  private bumpGeneration(): void {
    this.gen++;
    this.published = false;
    Atomics.store(this.meta, 0, this.gen);
  }
}
