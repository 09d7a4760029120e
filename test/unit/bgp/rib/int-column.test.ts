import { withRoom } from '../../../../src/bgp/rib/int-column';

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
