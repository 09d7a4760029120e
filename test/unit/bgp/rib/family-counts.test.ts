/** Per-family counts behave like the Map of family → count they replaced, whatever the order of bumps. */
import fc from 'fast-check';
import { FamilyCounts } from '../../../../src/bgp/rib/family-counts';

describe('FamilyCounts', () => {
  it('counts like a Map under random bumps across a few families, runs of one family included', () => {
    const family = fc.constantFrom(65537, 65536 + 128, 2 * 65536 + 1, 2 * 65536 + 128, 25 * 65536 + 70);
    const bump = fc.record({ family, d: fc.integer({ min: -3, max: 3 }), run: fc.integer({ min: 1, max: 5 }) });
    fc.assert(
      fc.property(fc.array(bump, { maxLength: 80 }), (bumps) => {
        const c = new FamilyCounts();
        const model = new Map<number, number>();
        for (const { family: f, d, run } of bumps) {
          for (let i = 0; i < run; i++) {
            c.add(f, d);
            model.set(f, (model.get(f) ?? 0) + d);
          }
        }
        for (const f of [65537, 65536 + 128, 2 * 65536 + 1, 2 * 65536 + 128, 25 * 65536 + 70]) expect(c.get(f)).toBe(model.get(f) ?? 0);
        expect(new Map(c.entries())).toEqual(model);
        c.clear();
        expect([...c.entries()]).toEqual([]);
        expect(c.get(65537)).toBe(0);
        c.add(65537, 2);
        expect(c.get(65537)).toBe(2);
      }),
    );
  });
});
