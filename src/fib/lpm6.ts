/**
 * IPv6 longest-prefix match: a multibit trie with a 2^16 top level (256 KB)
 * and then up to 14 levels of 8-bit groups (16 + 14 * 8 = 128), the same
 * engine, entry format and concurrency rules as IPv4 (lpm-trie.ts). Most
 * routed IPv6 prefixes are /32 to /48, so a lookup takes 3 to 5 accesses.
 * Addresses are four big-endian uint32 words (`a0` holds the first octets).
 */
import { LENGTH_SHIFT, VALUE_MASK, checkLength, checkValue, checkWord, maskKey } from './lpm-entry';
import { PrefixBatch } from './lpm-batch';
import { MultibitTrie } from './lpm-trie';

export { NO_ROUTE, MAX_VALUE } from './lpm-entry';

export type Ipv6Words = [number, number, number, number];

export interface Lpm6Options {
  /** Groups in a fresh pool (default 16); mostly for tests. */
  readonly initialGroups?: number;
}

/** Everything a reader in another thread needs; structured-clonable (postMessage). */
export interface Lpm6Shared {
  readonly family: 'ipv6';
  readonly top: SharedArrayBuffer;
  readonly groups: SharedArrayBuffer;
  /** Int32 [0] = the writer's current generation. */
  readonly meta: SharedArrayBuffer;
  readonly generation: number;
}

const TOP_BITS = 16;

/**
 * The one IPv6 lookup, used by `Lpm6Table` and `Lpm6Reader` alike. Never
 * throws. Entry format in literals, as in `lookup4` (lpm4.ts).
 */
export function lookup6(top: Int32Array, groups: Int32Array, a0: number, a1: number, a2: number, a3: number): number {
  let e = top[a0 >>> 16] as number;
  // Octet index of the next level: octets 0 and 1 went to the top level.
  let octet = 2;
  while (e < 0) {
    const word = octet < 4 ? a0 : octet < 8 ? a1 : octet < 12 ? a2 : a3;
    e = groups[((e & 0x7fffffff) << 8) | ((word >>> (24 - ((octet & 3) << 3))) & 0xff)] as number;
    octet++;
  }
  return (e & 0x7fffff) | ((e - 1) >> 31);
}

/** `lookup6` on 16 octets at `buf[offset]` (a destination address in a packet). */
export function lookup6Bytes(top: Int32Array, groups: Int32Array, buf: Uint8Array, offset: number): number {
  return lookup6(top, groups, readWord(buf, offset), readWord(buf, offset + 4), readWord(buf, offset + 8), readWord(buf, offset + 12));
}

function readWord(buf: Uint8Array, at: number): number {
  return (((buf[at] as number) << 24) | ((buf[at + 1] as number) << 16) | ((buf[at + 2] as number) << 8) | (buf[at + 3] as number)) >>> 0;
}

export class Lpm6Table {
  // `declare`: assigned in the constructor, keeps the field's type for V8 (see Lpm4Table).
  private declare readonly trie: MultibitTrie;
  private readonly key = new Uint32Array(4);

  constructor(options: Lpm6Options = {}) {
    const initialGroups = options.initialGroups ?? 16;
    if (!Number.isInteger(initialGroups) || initialGroups < 1 || initialGroups > 1 << 22) {
      throw new RangeError(`Lpm6Table: initialGroups ${String(initialGroups)} is out of range 1..${1 << 22}`);
    }
    this.trie = new MultibitTrie({ words: 4, bits: 128, topBits: TOP_BITS, initialGroups });
  }

  /** A table holding `entries` (later duplicates win), built in one pass by ascending length. */
  static build(entries: Iterable<readonly [readonly [number, number, number, number], number, number]>, options: Lpm6Options = {}): Lpm6Table {
    const t = new Lpm6Table(options);
    const batch = new PrefixBatch(4, Array.isArray(entries) ? Math.max(1, entries.length) : 1024);
    for (const [[a0, a1, a2, a3], length, value] of entries) {
      t.setKey('Lpm6Table.build', a0, a1, a2, a3, length);
      checkValue('Lpm6Table.build', value);
      batch.push(t.key, length, value);
    }
    t.trie.load(batch);
    return t;
  }

  get size(): number {
    return this.trie.prefixes.size;
  }

  /** Increments whenever the buffers are replaced (pool growth or shrink); readers must re-attach. */
  get generation(): number {
    return this.trie.generation;
  }

  /** Groups in use. */
  get groupCount(): number {
    return this.trie.groupCount;
  }

  /** Adds the prefix with `value`, or replaces its value. Host bits beyond `length` are ignored. */
  insert(a0: number, a1: number, a2: number, a3: number, length: number, value: number): void {
    this.setKey('Lpm6Table.insert', a0, a1, a2, a3, length);
    checkValue('Lpm6Table.insert', value);
    this.trie.insert(this.key, length, value);
  }

  /** Removes the prefix; the addresses it covered fall back to the next covering prefix. */
  delete(a0: number, a1: number, a2: number, a3: number, length: number): boolean {
    this.setKey('Lpm6Table.delete', a0, a1, a2, a3, length);
    return this.trie.delete(this.key, length);
  }

  /** The value of exactly this prefix, or NO_ROUTE. */
  get(a0: number, a1: number, a2: number, a3: number, length: number): number {
    this.setKey('Lpm6Table.get', a0, a1, a2, a3, length);
    return this.trie.prefixes.get(this.key, length);
  }

  lookup(a0: number, a1: number, a2: number, a3: number): number {
    return lookup6(this.trie.top, this.trie.groups, a0, a1, a2, a3);
  }

  lookupBytes(buf: Uint8Array, offset: number): number {
    return lookup6Bytes(this.trie.top, this.trie.groups, buf, offset);
  }

  memoryBytes(): number {
    return this.trie.memoryBytes() + this.key.byteLength;
  }

  /** Every prefix as [network words, length, value], in no particular order. Do not modify the table meanwhile. */
  *entries(): IterableIterator<[words: Ipv6Words, length: number, value: number]> {
    const map = this.trie.prefixes;
    for (let s = 0; s < map.capacity; s++) {
      const e = map.entryAt(s);
      if (e !== 0) yield [[map.wordAt(s, 0), map.wordAt(s, 1), map.wordAt(s, 2), map.wordAt(s, 3)], (e >>> LENGTH_SHIFT) - 1, e & VALUE_MASK];
    }
  }

  /** The current buffers for an `Lpm6Reader` in another thread. Valid until `generation` changes. */
  shared(): Lpm6Shared {
    this.trie.publish();
    const t = this.trie;
    return { family: 'ipv6', top: t.top.buffer as SharedArrayBuffer, groups: t.groups.buffer as SharedArrayBuffer, meta: t.meta.buffer as SharedArrayBuffer, generation: t.generation };
  }

  private setKey(where: string, a0: number, a1: number, a2: number, a3: number, length: number): void {
    checkWord(where, a0);
    checkWord(where, a1);
    checkWord(where, a2);
    checkWord(where, a3);
    checkLength(where, length, 128);
    const k = this.key;
    k[0] = a0 >>> 0;
    k[1] = a1 >>> 0;
    k[2] = a2 >>> 0;
    k[3] = a3 >>> 0;
    maskKey(k, length);
  }
}

/** Lookups over an `Lpm6Shared`, with the same staleness rule as `Lpm4Reader`. */
export class Lpm6Reader {
  // `declare` fields, as in Lpm4Table.
  private declare readonly top: Int32Array;
  private declare readonly groups: Int32Array;
  private declare readonly meta: Int32Array;
  declare readonly generation: number;

  constructor(shared: Lpm6Shared) {
    this.top = new Int32Array(shared.top);
    this.groups = new Int32Array(shared.groups);
    this.meta = new Int32Array(shared.meta);
    this.generation = shared.generation;
  }

  /** Whether the writer has moved to new buffers since this reader's `shared()`. */
  get stale(): boolean {
    return Atomics.load(this.meta, 0) !== this.generation;
  }

  lookup(a0: number, a1: number, a2: number, a3: number): number {
    return lookup6(this.top, this.groups, a0, a1, a2, a3);
  }

  lookupBytes(buf: Uint8Array, offset: number): number {
    return lookup6Bytes(this.top, this.groups, buf, offset);
  }
}
