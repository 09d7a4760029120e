/** The label pool: RFC 3032 §2.1 reserved labels never handed out, no reuse while in use. */
import { LabelPool, LabelPoolExhausted, MAX_LABEL, MIN_LABEL } from '../../../src/vrf/label-pool';

describe('LabelPool', () => {
  it('hands out labels from 16 up, never twice while in use', () => {
    const pool = new LabelPool();
    const got = Array.from({ length: 1000 }, () => pool.allocate());
    expect(got[0]).toBe(MIN_LABEL);
    expect(new Set(got).size).toBe(1000);
    expect(got.every((l) => l >= MIN_LABEL && l <= MAX_LABEL)).toBe(true);
    expect(pool.inUse).toBe(1000);
  });

  it('reuses a released label only after cycling through the rest of the pool', () => {
    const pool = new LabelPool(16, 19);
    expect([pool.allocate(), pool.allocate()]).toEqual([16, 17]);
    pool.release(16);
    expect(pool.allocate()).toBe(18);
    expect(pool.allocate()).toBe(19);
    expect(pool.allocate()).toBe(16);
    expect(() => pool.allocate()).toThrow(LabelPoolExhausted);
    pool.release(17);
    expect(pool.allocate()).toBe(17);
  });

  it('keeps labels configured by hand out of the pool', () => {
    const pool = new LabelPool(16, 18);
    expect(pool.reserve(17)).toBe(true);
    expect(pool.reserve(17)).toBe(false);
    expect([pool.allocate(), pool.allocate()]).toEqual([16, 18]);
    expect(pool.reserve(15)).toBe(false);
  });

  it('refuses a range that reaches into the reserved labels', () => {
    expect(() => new LabelPool(3, 100)).toThrow(RangeError);
    expect(() => new LabelPool(16, MAX_LABEL + 1)).toThrow(RangeError);
  });

  it('releasing a free or foreign label changes nothing', () => {
    const pool = new LabelPool();
    pool.release(100);
    pool.release(5);
    expect(pool.inUse).toBe(0);
  });
});
