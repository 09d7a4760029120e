import { AttrHashTable } from '../../../../src/bgp/rib/attr-hash-table';
import { finishHash, hashString, HASH_SEED } from '../../../../src/bgp/rib/hash';

interface Item {
  readonly hash: number;
  readonly name: string;
}

function find(t: AttrHashTable<Item>, hash: number, name: string): Item | undefined {
  for (let i = t.start(hash); ; i = t.next(i)) {
    const at = t.at(i);
    if (at === undefined) return undefined;
    if (t.hashAt(i) === hash && at.name === name) return at;
  }
}

describe('AttrHashTable', () => {
  it('keeps items with colliding hashes apart, across the end of the table, and removes them', () => {
    const t = new AttrHashTable<Item>(16);
    // Hashes 14 and 15 fill the last slots; 15's run wraps to the start.
    const items = [14, 15, 15, 15, 14, 0].map((hash, i) => ({ hash, name: `i${i}` }));
    for (const it of items) t.add(it);
    for (const it of items) expect(find(t, it.hash, it.name)).toBe(it);
    expect(t.remove(items[1]!)).toBe(true);
    expect(t.remove(items[1]!)).toBe(false);
    for (const it of items) expect(find(t, it.hash, it.name)).toBe(it === items[1] ? undefined : it);
    expect(t.size).toBe(5);
  });

  it('matches a Set under random adds and removes, through growth', () => {
    let seed = 12345;
    const rand = (n: number): number => {
      seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
      return seed % n;
    };
    const t = new AttrHashTable<Item>();
    const model = new Set<Item>();
    const pool: Item[] = [];
    for (let i = 0; i < 3000; i++) pool.push({ hash: finishHash(hashString(String(rand(50)), HASH_SEED)), name: `n${i}` });
    for (let step = 0; step < 20000; step++) {
      const it = pool[rand(pool.length)]!;
      if (model.has(it)) {
        expect(t.remove(it)).toBe(true);
        model.delete(it);
      } else {
        t.add(it);
        model.add(it);
      }
      if (step % 1000 === 0) for (const p of pool) expect(find(t, p.hash, p.name)).toBe(model.has(p) ? p : undefined);
    }
    expect(t.size).toBe(model.size);
    for (const p of pool) expect(find(t, p.hash, p.name)).toBe(model.has(p) ? p : undefined);
  });

  it('hashes to 30 bits', () => {
    for (const s of ['', 'a', '192.0.2.1', '\u00ff'.repeat(100)]) {
      const h = finishHash(hashString(s, HASH_SEED));
      expect(h).toBeGreaterThanOrEqual(0);
      expect(h).toBeLessThan(2 ** 30);
    }
  });
});
