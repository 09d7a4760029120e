/**
 * Prefix lists compiled into binary tries, one per address family, so a
 * lookup walks at most the route's prefix length in nodes whatever the size
 * of the list (thousands of customer prefixes at full-table scale), and
 * allocates nothing. Each node holds the length ranges of the entries whose
 * prefix ends there.
 */
import type { Prefix } from '../wire/values/prefix';
import type { PrefixEntry } from './definitions';

interface TrieNode {
  zero: TrieNode | null;
  one: TrieNode | null;
  /** Flat [min, max, min, max, ...] of route lengths matched at this node; null when no entry ends here. */
  ranges: number[] | null;
}

function newNode(): TrieNode {
  return { zero: null, one: null, ranges: null };
}

function bitOf(p: Prefix, i: number): number {
  if (p.afi === 1) return (p.address >>> (31 - i)) & 1;
  return ((p.address[i >> 3] ?? 0) >> (7 - (i & 7))) & 1;
}

/** The route lengths an entry matches, per the Cisco rules in definitions.ts. */
export function entryRange(e: PrefixEntry): { min: number; max: number } {
  const maxLength = e.prefix.afi === 1 ? 32 : 128;
  if (e.ge === null && e.le === null) return { min: e.prefix.length, max: e.prefix.length };
  return { min: e.ge ?? e.prefix.length, max: e.le ?? maxLength };
}

export class PrefixTrie {
  private readonly v4 = newNode();
  private readonly v6 = newNode();
  private count = 0;

  constructor(entries: Iterable<PrefixEntry> = []) {
    for (const e of entries) this.add(e);
  }

  get size(): number {
    return this.count;
  }

  add(e: PrefixEntry): void {
    let node = e.prefix.afi === 1 ? this.v4 : this.v6;
    for (let i = 0; i < e.prefix.length; i++) {
      if (bitOf(e.prefix, i) === 0) node = node.zero ??= newNode();
      else node = node.one ??= newNode();
    }
    const { min, max } = entryRange(e);
    (node.ranges ??= []).push(min, max);
    this.count++;
  }

  /** True when some entry covers `p`: its prefix contains p and p's length is in the entry's range. */
  matches(p: Prefix): boolean {
    let node: TrieNode | null = p.afi === 1 ? this.v4 : this.v6;
    const length = p.length;
    for (let i = 0; node !== null; i++) {
      const ranges = node.ranges;
      if (ranges !== null) {
        for (let r = 0; r < ranges.length; r += 2) {
          if (length >= (ranges[r] as number) && length <= (ranges[r + 1] as number)) return true;
        }
      }
      if (i === length) return false;
      node = bitOf(p, i) === 0 ? node.zero : node.one;
    }
    return false;
  }
}
