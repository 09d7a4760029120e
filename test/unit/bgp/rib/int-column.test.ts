import { SlotColumn, withRoom } from '../../../../src/bgp/rib/int-column';

describe('withRoom (Int32 columns by id)', () => {
  it('returns the same column while the id fits, and a doubled copy (at least 1024, at least the id) when not', () => {
    const a = new Int32Array(4);
    a[3] = 7;
    expect(withRoom(a, 3)).toBe(a);
    const b = withRoom(a, 4);
    expect(b).not.toBe(a);
    expect(b.length).toBe(1024);
    expect(b[3]).toBe(7);
    const c = withRoom(b, 5000);
    expect(c.length).toBe(5001);
    expect(c[3]).toBe(7);
    expect(withRoom(c, 5001).length).toBe(10002);
  });
});

describe('SlotColumn (Adj-RIB-In numbers by id)', () => {
  it('reads back what was set, two octets wide until a number needs four, then four, keeping what it held', () => {
    const c = new SlotColumn();
    expect(c.get(10)).toBe(0);
    c.set(3, 1);
    c.set(2000, 0xffff);
    expect(c.get(3)).toBe(1);
    expect(c.get(2000)).toBe(0xffff);
    expect((c as unknown as { column: unknown }).column).toBeInstanceOf(Uint16Array);
    c.set(5, 70000);
    expect((c as unknown as { column: unknown }).column).toBeInstanceOf(Int32Array);
    expect([c.get(3), c.get(5), c.get(2000)]).toEqual([1, 70000, 0xffff]);
    // Growing once wide stays wide.
    c.set(5000, 2);
    expect((c as unknown as { column: unknown }).column).toBeInstanceOf(Int32Array);
    expect([c.get(3), c.get(5), c.get(2000), c.get(5000)]).toEqual([1, 70000, 0xffff, 2]);
    c.clear();
    expect(c.length).toBe(0);
    expect(c.get(3)).toBe(0);
  });
});
