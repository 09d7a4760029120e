import fc from 'fast-check';
import { NO_ROUTE } from '../../../src/fib/lpm-entry';
import { PrefixMap } from '../../../src/fib/lpm-prefix-map';

describe('PrefixMap (the control-plane record of an LPM table)', () => {
  it('behaves like a Map through sets, replacements and deletes, including probe runs that wrap past the end', () => {
    // 32 keys at most in 64 slots: the table never resizes (a resize rehashes every slot and would
    // repair a lost entry), runs are long and wrap past the end, deletes land inside runs.
    const op = fc.tuple(fc.constantFrom('set', 'set', 'delete'), fc.integer({ min: 0, max: 15 }), fc.integer({ min: 0, max: 1 }), fc.integer({ min: 0, max: 99 }));
    fc.assert(
      fc.property(fc.array(op, { maxLength: 300, size: 'max' }), fc.constantFrom(1, 4), fc.uniqueArray(fc.integer({ min: 0, max: 0xffffffff }), { minLength: 16, maxLength: 16 }), (ops, words, universe) => {
        const map = new PrefixMap(words, words * 32, 64);
        const model = new Map<string, number>();
        const key = new Uint32Array(words);
        const setKey = (k: number): void => {
          key.fill(0);
          key[words - 1] = universe[k] ?? 0;
        };
        // Checked after every operation: a resize rehashes every slot and would hide a lost entry.
        const check = (): void => {
          for (let k = 0; k <= 15; k++) {
            setKey(k);
            for (let length = 0; length <= 1; length++) {
              const want = model.get(`${k}/${length}`) ?? NO_ROUTE;
              if (map.get(key, length) !== want) throw new Error(`key ${k}/${length}: got ${map.get(key, length)}, want ${want}`);
            }
          }
          if (map.size !== model.size) throw new Error(`size ${map.size}, want ${model.size}`);
        };
        for (const [kind, k, length, value] of ops) {
          setKey(k);
          const id = `${k}/${length}`;
          const fresh = kind === 'set' ? map.set(key, length, value) === !model.has(id) : map.delete(key, length) === model.delete(id);
          if (kind === 'set') model.set(id, value);
          if (!fresh) throw new Error(`${kind} ${id}: wrong answer`);
          check();
        }
        let stored = 0;
        for (let s = 0; s < map.capacity; s++) if (map.entryAt(s) !== 0) stored++;
        expect(stored).toBe(model.size);
        expect([...map.perLength].reduce((a, b) => a + b, 0)).toBe(model.size);
      }),
      { numRuns: 100 },
    );
  });

  it('shrinks back to its smallest size when emptied', () => {
    const map = new PrefixMap(1, 32);
    const empty = map.bytes();
    const key = new Uint32Array(1);
    for (let i = 0; i < 5000; i++) {
      key[0] = i << 8;
      map.set(key, 24, i);
    }
    expect(map.bytes()).toBeGreaterThan(empty);
    for (let i = 0; i < 5000; i++) {
      key[0] = i << 8;
      expect(map.delete(key, 24)).toBe(true);
    }
    expect(map.bytes()).toBe(empty);
  });
});
