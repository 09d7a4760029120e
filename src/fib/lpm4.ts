/**
 * IPv4 longest-prefix match: DIR-24-8 (stride 24: a 2^24 top level, 64 MB,
 * then 8-bit groups) or DIR-16-8-8 (stride 16: a 2^16 top level, 256 KB, then
 * two levels of 8-bit groups) over SharedArrayBuffers, updated in place
 * (lpm-trie.ts) while readers in other threads look up (`Lpm4Reader`).
 *
 * Stride 16 is the default: a PE holds hundreds of small VRF tables, and a
 * 64 MB top level each is out of the question. Big tables use stride 24
 * (one memory access per lookup for every prefix up to /24), chosen up front
 * or reached by promotion: with `promoteAt`, an insert that brings the table
 * to that many prefixes rebuilds it with stride 24 (new buffers, new
 * generation). Off unless asked for.
 */
import { LENGTH_SHIFT, MAX_VALUE, VALUE_MASK, checkLength, checkValue, checkWord, maskKey } from './lpm-entry';
import { PrefixBatch } from './lpm-batch';
import { MultibitTrie } from './lpm-trie';

export { NO_ROUTE, MAX_VALUE } from './lpm-entry';

export type Lpm4Stride = 16 | 24;

export interface Lpm4Options {
  /** Bits of the top level: 16 (DIR-16-8-8, default) or 24 (DIR-24-8). */
  readonly stride?: Lpm4Stride;
  /** Rebuild with stride 24 once the table holds this many prefixes (stride 16 only). */
  readonly promoteAt?: number;
  /** Groups in a fresh pool (default 16 for stride 16, 64 for stride 24); mostly for tests. */
  readonly initialGroups?: number;
}

/** Everything a reader in another thread needs; structured-clonable (postMessage). */
export interface Lpm4Shared {
  readonly family: 'ipv4';
  readonly stride: Lpm4Stride;
  readonly top: SharedArrayBuffer;
  readonly groups: SharedArrayBuffer;
  /** Int32 [0] = the writer's current generation. */
  readonly meta: SharedArrayBuffer;
  readonly generation: number;
}

/**
 * The one IPv4 lookup, used by `Lpm4Table` and `Lpm4Reader` alike. Never
 * throws. `topShift` is 32 - stride. The entry format (lpm-entry.ts) is
 * spelled out in literals here: compiled to CommonJS, an imported constant or
 * helper is a property load on the module's exports at every lookup.
 */
export function lookup4(top: Int32Array, groups: Int32Array, topShift: number, addr: number): number {
  let e = top[addr >>> topShift] as number;
  let shift = topShift;
  // A negative entry points to a group (GROUP_MASK = 0x7fffffff), 256 entries per group.
  while (e < 0) {
    shift -= 8;
    e = groups[((e & 0x7fffffff) << 8) | ((addr >>> shift) & 0xff)] as number;
  }
  // entryResult: VALUE_MASK = 0x7fffff; an entry of 0 (no route) gives -1 = NO_ROUTE.
  return (e & 0x7fffff) | ((e - 1) >> 31);
}

function sharedBuffer(view: Int32Array): SharedArrayBuffer {
  // The trie allocates every data-plane view over a SharedArrayBuffer.
  return view.buffer as SharedArrayBuffer;
}

export class Lpm4Table {
  // `declare` fields: assigned once in the constructor. A plain declaration compiles (ES2022) to a class
  // field that starts as undefined, and V8 then loses the field's type: lookups measured 50M/s → 32M/s.
  private declare trie: MultibitTrie;
  private declare shift: number;
  private declare readonly promoteAt: number;
  private readonly key = new Uint32Array(1);

  constructor(options: Lpm4Options = {}) {
    const stride = options.stride ?? 16;
    if (stride !== 16 && stride !== 24) throw new RangeError(`Lpm4Table: stride ${String(stride)} is not 16 or 24`);
    const initialGroups = options.initialGroups ?? (stride === 24 ? 64 : 16);
    if (!Number.isInteger(initialGroups) || initialGroups < 1 || initialGroups > 1 << 22) {
      throw new RangeError(`Lpm4Table: initialGroups ${String(initialGroups)} is out of range 1..${1 << 22}`);
    }
    this.trie = new MultibitTrie({ words: 1, bits: 32, topBits: stride, initialGroups });
    this.shift = 32 - stride;
    this.promoteAt = options.promoteAt ?? Infinity;
  }

  /** A table holding `entries` (later duplicates win), built in one pass by ascending length. */
  static build(entries: Iterable<readonly [number, number, number]>, options: Lpm4Options = {}): Lpm4Table {
    const t = new Lpm4Table(options);
    const batch = new PrefixBatch(1, Array.isArray(entries) ? Math.max(1, entries.length) : 1024);
    for (const [addr, length, value] of entries) {
      // The checks of setKey, inline: this loop runs once per prefix of a full table.
      if (!(addr >= -0x80000000 && addr <= 0xffffffff && addr === Math.floor(addr))) checkWord('Lpm4Table.build', addr);
      if (!(length >= 0 && length <= 32 && (length | 0) === length)) checkLength('Lpm4Table.build', length, 32);
      if (!(value >= 0 && value <= MAX_VALUE && (value | 0) === value)) checkValue('Lpm4Table.build', value);
      t.key[0] = length === 0 ? 0 : (addr & (0xffffffff << (32 - length))) >>> 0;
      batch.push(t.key, length, value);
    }
    t.trie.load(batch);
    if (t.size >= t.promoteAt) t.promote();
    return t;
  }

  get stride(): Lpm4Stride {
    return this.trie.topBits === 24 ? 24 : 16;
  }

  get size(): number {
    return this.trie.prefixes.size;
  }

  /** Increments whenever the buffers are replaced (pool growth or shrink, promotion); readers must re-attach. */
  get generation(): number {
    return this.trie.generation;
  }

  /** tbl8 groups in use. */
  get groupCount(): number {
    return this.trie.groupCount;
  }

  /** Adds `addr/length` with `value`, or replaces its value. Host bits beyond `length` are ignored. */
  insert(addr: number, length: number, value: number): void {
    this.setKey('Lpm4Table.insert', addr, length);
    checkValue('Lpm4Table.insert', value);
    this.trie.insert(this.key, length, value);
    if (this.size >= this.promoteAt) this.promote();
  }

  /** Moves a stride-16 table to stride 24 (new buffers, new generation). */
  private promote(): void {
    if (this.trie.topBits === 24) return;
    this.trie.rebuild(24);
    this.shift = 8;
  }

  /** Removes `addr/length`; the addresses it covered fall back to the next covering prefix. */
  delete(addr: number, length: number): boolean {
    this.setKey('Lpm4Table.delete', addr, length);
    return this.trie.delete(this.key, length);
  }

  /** The value of exactly `addr/length`, or NO_ROUTE. */
  get(addr: number, length: number): number {
    this.setKey('Lpm4Table.get', addr, length);
    return this.trie.prefixes.get(this.key, length);
  }

  /** The value of the longest prefix covering `addr` (uint32), or NO_ROUTE. */
  lookup(addr: number): number {
    return lookup4(this.trie.top, this.trie.groups, this.shift, addr);
  }

  memoryBytes(): number {
    return this.trie.memoryBytes() + this.key.byteLength;
  }

  /** Every prefix as [network address, length, value], in no particular order. Do not modify the table meanwhile. */
  *entries(): IterableIterator<[addr: number, length: number, value: number]> {
    const map = this.trie.prefixes;
    for (let s = 0; s < map.capacity; s++) {
      const e = map.entryAt(s);
      if (e !== 0) yield [map.wordAt(s, 0), (e >>> LENGTH_SHIFT) - 1, e & VALUE_MASK];
    }
  }

  /** The current buffers for an `Lpm4Reader` in another thread. Valid until `generation` changes. */
  shared(): Lpm4Shared {
    this.trie.publish();
    const t = this.trie;
    return { family: 'ipv4', stride: this.stride, top: sharedBuffer(t.top), groups: sharedBuffer(t.groups), meta: sharedBuffer(t.meta), generation: t.generation };
  }

  /** Validates the address and length; the key becomes the masked address. */
  private setKey(where: string, addr: number, length: number): void {
    checkWord(where, addr);
    checkLength(where, length, 32);
    this.key[0] = addr >>> 0;
    maskKey(this.key, length);
  }
}

/**
 * Lookups in another thread (or this one) over an `Lpm4Shared`. Sees the
 * writer's updates as they happen, until the writer replaces its buffers
 * (`stale` turns true): from then on it sees the table frozen as it was, and
 * the owner should post the new `shared()` and make a new reader.
 */
export class Lpm4Reader {
  // `declare` fields, as in Lpm4Table.
  private declare readonly top: Int32Array;
  private declare readonly groups: Int32Array;
  private declare readonly meta: Int32Array;
  private declare readonly shift: number;
  declare readonly generation: number;

  constructor(shared: Lpm4Shared) {
    this.top = new Int32Array(shared.top);
    this.groups = new Int32Array(shared.groups);
    this.meta = new Int32Array(shared.meta);
    this.shift = 32 - shared.stride;
    this.generation = shared.generation;
  }

  /** Whether the writer has moved to new buffers since this reader's `shared()`. */
  get stale(): boolean {
    return Atomics.load(this.meta, 0) !== this.generation;
  }

  lookup(addr: number): number {
    return lookup4(this.top, this.groups, this.shift, addr);
  }
}
