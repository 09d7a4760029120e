import fc from 'fast-check';
import { NO_ROUTE } from '../../../src/fib/lpm-entry';
import { ReferenceTrie, ReferenceTrie4 } from '../../../src/fib/reference-trie';

/** The oracle checked against the definition: the longest of all prefixes that contain the address, by linear scan. */
function bruteForce(prefixes: Map<string, [number, number, number]>, addr: number): number {
  let best = -1;
  let value = NO_ROUTE;
  for (const [a, l, v] of prefixes.values()) {
    const mask = l === 0 ? 0 : (0xffffffff << (32 - l)) >>> 0;
    if (((addr & mask) >>> 0) === ((a & mask) >>> 0) && l > best) [best, value] = [l, v];
  }
  return value;
}

describe('ReferenceTrie (the oracle of the LPM tests)', () => {
  it('matches a linear scan for the longest containing prefix, through inserts and deletes', () => {
    const prefix = fc.tuple(fc.integer({ min: 0, max: 0xffffffff }), fc.integer({ min: 0, max: 32 }), fc.integer({ min: 0, max: 5 }));
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.boolean(), prefix), { maxLength: 60, size: 'max' }), fc.array(fc.integer({ min: 0, max: 0xffffffff }), { maxLength: 30, size: 'max' }), (ops, addresses) => {
        const trie = new ReferenceTrie4();
        const scan = new Map<string, [number, number, number]>();
        for (const [del, [a, l, v]] of ops) {
          const key = `${((a & (l === 0 ? 0 : 0xffffffff << (32 - l))) >>> 0)}/${l}`;
          if (del) expect(trie.delete(a, l)).toBe(scan.delete(key));
          else {
            trie.insert(a, l, v);
            scan.set(key, [a, l, v]);
          }
        }
        expect(trie.size).toBe(scan.size);
        const probes = [...addresses, ...[...scan.values()].map(([a]) => a)];
        for (const a of probes) expect(trie.lookup(a)).toBe(bruteForce(scan, a));
      }),
    );
  });

  it('reads IPv6 bits big-endian across the four words', () => {
    const t = new ReferenceTrie(128);
    t.insert([0x20010db8, 0, 0, 0], 32, 1);
    t.insert([0x20010db8, 0, 0, 1], 128, 2);
    t.insert([0x20010db8, 0x80000000, 0, 0], 33, 3);
    expect(t.lookup([0x20010db8, 0, 0, 1])).toBe(2);
    expect(t.lookup([0x20010db8, 0, 0, 2])).toBe(1);
    expect(t.lookup([0x20010db8, 0x80000001, 0, 0])).toBe(3);
    expect(t.lookup([0x20010db9, 0, 0, 0])).toBe(NO_ROUTE);
    expect([...t.entries()].map(([w, l]) => `${w.join(',')}/${l}`)).toEqual([`${0x20010db8},0,0,0/32`, `${0x20010db8},0,0,1/128`, `${0x20010db8},${0x80000000},0,0/33`]);
  });
});
