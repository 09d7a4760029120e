import fc from 'fast-check';
import { TypeCodes } from '../../../../../src/bgp/wire/attributes';

describe('TypeCodes (attribute type codes met in one UPDATE)', () => {
  it('holds exactly the codes added, across the bit ranges and the Set beyond them', () => {
    fc.assert(
      fc.property(fc.uniqueArray(fc.integer({ min: 0, max: 255 }), { maxLength: 40 }), (codes) => {
        const t = new TypeCodes();
        for (const c of codes) t.add(c);
        const model = new Set(codes);
        for (let c = 0; c <= 255; c++) expect(t.has(c)).toBe(model.has(c));
      }),
    );
  });

  it('the edges of each range: 0, 31, 32, 63 and 64', () => {
    const t = new TypeCodes();
    for (const c of [0, 31, 32, 63, 64]) {
      expect(t.has(c)).toBe(false);
      t.add(c);
      expect(t.has(c)).toBe(true);
    }
    expect([1, 30, 33, 62, 65].some((c) => t.has(c))).toBe(false);
  });
});
