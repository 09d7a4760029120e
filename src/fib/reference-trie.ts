/**
 * A deliberately simple binary trie of objects, one node per bit: the oracle
 * of the LPM property tests and the baseline of bench/fib.ts. Keys are
 * big-endian 32-bit words (one for IPv4, four for IPv6); bit i of a key is bit
 * (31 - i % 32) of word i / 32. No path compression, no pruning on delete:
 * nothing clever, so that it is obviously right.
 */
import { NO_ROUTE } from './lpm-entry';

interface TrieNode {
  /** Children for bit 0 and bit 1. */
  readonly child: [TrieNode | null, TrieNode | null];
  /** The value of the prefix ending here, or NO_ROUTE. */
  value: number;
}

function node(): TrieNode {
  return { child: [null, null], value: NO_ROUTE };
}

function bitOf(words: readonly number[], i: number): 0 | 1 {
  return (((words[i >>> 5] ?? 0) >>> (31 - (i & 31))) & 1) as 0 | 1;
}

export class ReferenceTrie {
  private readonly root = node();
  private count = 0;

  /** `bits`: 32 (IPv4, one word) or 128 (IPv6, four words). */
  constructor(readonly bits: 32 | 128) {}

  get size(): number {
    return this.count;
  }

  insert(words: readonly number[], length: number, value: number): void {
    let n = this.root;
    for (let i = 0; i < length; i++) {
      const b = bitOf(words, i);
      const next = n.child[b] ?? node();
      n.child[b] = next;
      n = next;
    }
    if (n.value === NO_ROUTE) this.count++;
    n.value = value;
  }

  delete(words: readonly number[], length: number): boolean {
    const n = this.find(words, length);
    if (n === null || n.value === NO_ROUTE) return false;
    n.value = NO_ROUTE;
    this.count--;
    return true;
  }

  get(words: readonly number[], length: number): number {
    return this.find(words, length)?.value ?? NO_ROUTE;
  }

  /** The value of the longest prefix on the path of the address, or NO_ROUTE. */
  lookup(words: readonly number[]): number {
    let best = NO_ROUTE;
    let n: TrieNode | null = this.root;
    for (let i = 0; n !== null; i++) {
      if (n.value !== NO_ROUTE) best = n.value;
      if (i === this.bits) break;
      n = n.child[bitOf(words, i)];
    }
    return best;
  }

  /** Every prefix as [words with host bits zero, length, value], depth first. */
  *entries(): IterableIterator<[words: number[], length: number, value: number]> {
    const words = this.bits === 32 ? [0] : [0, 0, 0, 0];
    yield* this.walk(this.root, words, 0);
  }

  private *walk(n: TrieNode, words: number[], depth: number): IterableIterator<[number[], number, number]> {
    if (n.value !== NO_ROUTE) yield [[...words], depth, n.value];
    for (const b of [0, 1] as const) {
      const c = n.child[b];
      if (c === null) continue;
      const w = depth >>> 5;
      const saved = words[w] ?? 0;
      words[w] = (saved | (b << (31 - (depth & 31)))) >>> 0;
      yield* this.walk(c, words, depth + 1);
      words[w] = saved;
    }
  }

  private find(words: readonly number[], length: number): TrieNode | null {
    let n: TrieNode | null = this.root;
    for (let i = 0; i < length && n !== null; i++) n = n.child[bitOf(words, i)];
    return n;
  }
}

/** The IPv4 face of the reference trie: addresses as uint32 numbers. */
export class ReferenceTrie4 {
  private readonly trie = new ReferenceTrie(32);
  private readonly scratch = [0];

  get size(): number {
    return this.trie.size;
  }

  insert(addr: number, length: number, value: number): void {
    this.trie.insert([addr >>> 0], length, value);
  }

  delete(addr: number, length: number): boolean {
    return this.trie.delete([addr >>> 0], length);
  }

  get(addr: number, length: number): number {
    return this.trie.get([addr >>> 0], length);
  }

  lookup(addr: number): number {
    this.scratch[0] = addr >>> 0;
    return this.trie.lookup(this.scratch);
  }

  *entries(): IterableIterator<[addr: number, length: number, value: number]> {
    for (const [words, length, value] of this.trie.entries()) yield [words[0] ?? 0, length, value];
  }
}
