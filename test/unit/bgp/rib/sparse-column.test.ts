import fc from 'fast-check';
import { SparseColumn } from '../../../../src/bgp/rib/sparse-column';

type Op = { kind: 'set'; id: number; v: number } | { kind: 'delete'; id: number } | { kind: 'clear' };

describe('SparseColumn', () => {
  it('reads back what a Map model holds, through the switch from Map to array and after clears', () => {
    const op = fc.oneof(
      { weight: 20, arbitrary: fc.record({ kind: fc.constant('set' as const), id: fc.integer({ min: 0, max: 6000 }), v: fc.integer() }) },
      { weight: 6, arbitrary: fc.record({ kind: fc.constant('delete' as const), id: fc.integer({ min: 0, max: 6000 }) }) },
      { weight: 1, arbitrary: fc.constant({ kind: 'clear' as const }) },
    );
    fc.assert(
      fc.property(fc.array(op, { maxLength: 4000 }), (ops: Op[]) => {
        const col = new SparseColumn<number>();
        const model = new Map<number, number>();
        for (const o of ops) {
          if (o.kind === 'set') {
            col.set(o.id, o.v);
            model.set(o.id, o.v);
          } else if (o.kind === 'delete') {
            col.delete(o.id);
            model.delete(o.id);
          } else {
            col.clear();
            model.clear();
          }
        }
        for (const [id, v] of model) expect(col.get(id)).toBe(v);
        for (let id = 0; id <= 6000; id++) if (!model.has(id)) expect(col.get(id)).toBeUndefined();
        const top = Math.max(-1, ...model.keys());
        expect(col.length).toBeGreaterThan(top);
      }),
      { numRuns: 60 },
    );
  });

  it('stays a Map for a few entries at high ids, and becomes an array once dense', () => {
    const col = new SparseColumn<string>();
    col.set(500000, 'far');
    expect(col.get(500000)).toBe('far');
    expect(col.length).toBe(500001);
    // Map mode: nothing the size of the span was made.
    expect((col as unknown as { array: unknown[] }).array.length).toBe(0);
    const dense = new SparseColumn<number>();
    for (let id = 0; id < SparseColumn.MIN_DENSE; id++) dense.set(id, id);
    expect((dense as unknown as { map: unknown }).map).toBeNull();
    for (let id = 0; id < SparseColumn.MIN_DENSE; id++) expect(dense.get(id)).toBe(id);
  });
});
