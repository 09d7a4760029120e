import fc from 'fast-check';
import { Lpm4Reader, Lpm4Table, MAX_VALUE, NO_ROUTE, type Lpm4Stride } from '../../../src/fib/lpm4';
import { ReferenceTrie4 } from '../../../src/fib/reference-trie';

type Prefix4 = readonly [addr: number, length: number, value: number];

function mask(length: number): number {
  return length === 0 ? 0 : (0xffffffff << (32 - length)) >>> 0;
}

/** First, last, and just outside each prefix, plus fixed corners. */
function probeAddresses(prefixes: readonly (readonly [number, number, ...unknown[]])[], extra: readonly number[] = []): number[] {
  const out = [0, 0xffffffff, 0x7fffffff, 0x80000000, ...extra];
  for (const [addr, length] of prefixes) {
    const first = (addr & mask(length)) >>> 0;
    const last = (first | ~mask(length)) >>> 0;
    out.push(first, last, (first - 1) >>> 0, (last + 1) >>> 0, (first + ((last - first) >>> 1)) >>> 0);
  }
  return out;
}

/**
 * Prefixes that nest: a few base addresses cut at many lengths (so /8 ⊃ /16 ⊃ /24 ⊃ /32
 * chains and siblings occur), plus unrelated ones; lengths favour 0, 8, 16, 24, 25, 32.
 */
const lengthArb = fc.oneof(fc.integer({ min: 0, max: 32 }), fc.constantFrom(0, 8, 15, 16, 17, 23, 24, 25, 31, 32));
const addressArb = fc.integer({ min: 0, max: 0xffffffff });
/** Few distinct values often, so that sibling prefixes share one (uniform groups that must not fold). */
const valueArb = fc.oneof(fc.integer({ min: 0, max: 2 }), fc.integer({ min: 0, max: MAX_VALUE }));
function prefixesArb(maxLength = 40): fc.Arbitrary<Prefix4[]> {
  return fc.array(addressArb, { minLength: 1, maxLength: 4 }).chain((bases) =>
    fc.array(
      fc.tuple(fc.oneof(fc.constantFrom(...bases), addressArb), lengthArb, valueArb).map(([a, l, v]) => [a, l, v] as Prefix4),
      // fast-check keeps arrays at 10 elements or fewer unless told otherwise.
      { maxLength, size: 'max' },
    ),
  );
}

function reference(prefixes: readonly Prefix4[]): ReferenceTrie4 {
  const r = new ReferenceTrie4();
  for (const [a, l, v] of prefixes) r.insert(a, l, v);
  return r;
}

function expectSameLookups(t: { lookup(a: number): number }, r: { lookup(a: number): number }, addresses: readonly number[]): void {
  for (const a of addresses) {
    const got = t.lookup(a);
    const want = r.lookup(a);
    if (got !== want) throw new Error(`lookup(${a >>> 0}) = ${got}, reference ${want}`);
  }
}

function sorted(entries: Iterable<readonly [number, number, number]>): string[] {
  return [...entries].map(([a, l, v]) => `${a >>> 0}/${l}=${v}`).sort();
}

describe.each<Lpm4Stride>([16, 24])('Lpm4Table stride %i', (stride) => {
  const runs = stride === 24 ? 10 : 150;

  it('answers NO_ROUTE when empty and for addresses outside every prefix', () => {
    const t = new Lpm4Table({ stride });
    expect(t.lookup(0x01020304)).toBe(NO_ROUTE);
    t.insert(0x0a000000, 8, 7);
    expect(t.lookup(0x0b000000)).toBe(NO_ROUTE);
    expect(t.lookup(0x0a123456)).toBe(7);
  });

  it('keeps longer prefixes when a shorter one is inserted after them, and restores the cover on delete', () => {
    const t = new Lpm4Table({ stride });
    t.insert(0x0a010100, 24, 3);
    t.insert(0x0a010180, 25, 4);
    t.insert(0x0a010181, 32, 5);
    t.insert(0x0a000000, 8, 1);
    t.insert(0x0a010000, 16, 2);
    t.insert(0, 0, 9);
    expect([0x0a010181, 0x0a010182, 0x0a010101, 0x0a01ff01, 0x0aff0000, 0x0b000000].map((a) => t.lookup(a))).toEqual([5, 4, 3, 2, 1, 9]);
    expect(t.delete(0x0a010180, 25)).toBe(true);
    expect(t.lookup(0x0a010182)).toBe(3);
    expect(t.lookup(0x0a010181)).toBe(5);
    expect(t.delete(0x0a010100, 24)).toBe(true);
    expect(t.lookup(0x0a010182)).toBe(2);
    expect(t.delete(0x0a010000, 16)).toBe(true);
    expect(t.delete(0x0a000000, 8)).toBe(true);
    expect(t.lookup(0x0a010182)).toBe(9);
    expect(t.lookup(0x0a010181)).toBe(5);
    expect(t.delete(0, 0)).toBe(true);
    expect(t.lookup(0x0a010182)).toBe(NO_ROUTE);
    expect(t.delete(0, 0)).toBe(false);
  });

  it('replaces the value of an existing prefix, masks host bits, and reports exact matches with get', () => {
    const t = new Lpm4Table({ stride });
    t.insert(0xc0a801ff, 24, 1);
    t.insert(0xc0a80100, 24, 2);
    expect(t.size).toBe(1);
    expect(t.get(0xc0a80100, 24)).toBe(2);
    expect(t.get(0xc0a80177, 24)).toBe(2);
    expect(t.get(0xc0a80000, 23)).toBe(NO_ROUTE);
    expect(t.lookup(0xc0a80142)).toBe(2);
    expect(sorted(t.entries())).toEqual([`${0xc0a80100}/24=2`]);
    t.insert(0xffffffff, 32, MAX_VALUE);
    expect(t.lookup(0xffffffff)).toBe(MAX_VALUE);
    expect(t.lookup(0xfffffffe)).toBe(NO_ROUTE);
  });

  it('builds with the last of duplicate prefixes winning, as a sequence of inserts would', () => {
    const t = Lpm4Table.build([[0x0a000000, 8, 1], [0x0a0000ff, 8, 2], [0x0a010000, 16, 3], [0x0a000000, 8, 4]], { stride });
    expect(t.size).toBe(2);
    expect(t.get(0x0a000000, 8)).toBe(4);
    expect(t.lookup(0x0a020000)).toBe(4);
    expect(t.lookup(0x0a010000)).toBe(3);
  });

  it('rejects bad control-plane input with a RangeError; lookups never throw', () => {
    const t = new Lpm4Table({ stride });
    expect(() => t.insert(0, 33, 1)).toThrow(new RangeError('Lpm4Table.insert: prefix length 33 is out of range 0..32'));
    expect(() => t.insert(0, -1, 1)).toThrow(RangeError);
    expect(() => t.insert(0, 1.5, 1)).toThrow(RangeError);
    expect(() => t.insert(0, 8, MAX_VALUE + 1)).toThrow(new RangeError('Lpm4Table.insert: value 8388608 is out of range 0..8388607 (a next-hop index)'));
    expect(() => t.insert(0, 8, -1)).toThrow(RangeError);
    expect(() => t.insert(2 ** 32, 8, 1)).toThrow(/address word 4294967296 is not a 32-bit integer/);
    expect(() => t.insert(Number.NaN, 8, 1)).toThrow(RangeError);
    expect(() => t.delete(0, 40)).toThrow(RangeError);
    expect(() => t.get(0, Number.NaN)).toThrow(RangeError);
    expect(() => Lpm4Table.build([[0, 8, -5]])).toThrow(/Lpm4Table.build: value -5/);
    expect(() => new Lpm4Table({ stride: 20 as Lpm4Stride })).toThrow(RangeError);
    expect(t.size).toBe(0);
    t.insert(0, 0, 1);
    for (const a of [Number.NaN, -1, 2 ** 40, 1.5, Infinity]) expect(() => t.lookup(a)).not.toThrow();
  });

  it('looks up like the reference trie on random tables, incrementally and in bulk', () => {
    fc.assert(
      fc.property(prefixesArb(), fc.array(addressArb, { maxLength: 50, size: 'max' }), (prefixes, randoms) => {
        const r = reference(prefixes);
        const inc = new Lpm4Table({ stride });
        for (const [a, l, v] of prefixes) inc.insert(a, l, v);
        const bulk = Lpm4Table.build(prefixes, { stride });
        const addresses = probeAddresses(prefixes, randoms);
        expectSameLookups(inc, r, addresses);
        expectSameLookups(bulk, r, addresses);
        expect(sorted(inc.entries())).toEqual(sorted(r.entries()));
        expect(inc.size).toBe(r.size);
        expect(bulk.groupCount).toBe(inc.groupCount);
        for (const [a, l] of prefixes) expect(inc.get(a, l)).toBe(r.get(a, l));
      }),
      { numRuns: runs },
    );
  });

  it('after every insert and delete, agrees with the reference and with a fresh build of the same contents', () => {
    const op = fc.oneof(
      prefixesArb(1).map((p) => ({ kind: 'insert' as const, p })),
      fc.nat().map((i) => ({ kind: 'delete' as const, i })),
      fc.tuple(addressArb, lengthArb).map(([a, l]) => ({ kind: 'delete-absent' as const, a, l })),
    );
    fc.assert(
      fc.property(prefixesArb(15), fc.array(op, { maxLength: stride === 24 ? 15 : 50, size: 'max' }), (initial, ops) => {
        const t = Lpm4Table.build(initial, { stride });
        const r = reference(initial);
        const touched: Prefix4[] = [...initial];
        for (const o of ops) {
          if (o.kind === 'insert') {
            for (const [a, l, v] of o.p) {
              t.insert(a, l, v);
              r.insert(a, l, v);
              touched.push([a, l, v]);
            }
          } else if (o.kind === 'delete') {
            const live = [...r.entries()];
            const victim = live[o.i % Math.max(1, live.length)];
            if (victim) expect(t.delete(victim[0], victim[1])).toBe(r.delete(victim[0], victim[1]));
          } else {
            expect(t.delete(o.a, o.l)).toBe(r.delete(o.a, o.l));
          }
          const addresses = probeAddresses(touched);
          const rebuilt = Lpm4Table.build(t.entries(), { stride });
          expectSameLookups(t, r, addresses);
          expectSameLookups(rebuilt, t, addresses);
          expect(t.groupCount).toBe(rebuilt.groupCount);
          expect(t.size).toBe(r.size);
        }
      }),
      { numRuns: stride === 24 ? 6 : 100 },
    );
  });

  it('recycles every group: inserted then deleted until empty, memory and group count return to the baseline', () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(addressArb, fc.integer({ min: 17, max: 32 })), { minLength: 1, maxLength: 300, size: 'max' }), fc.integer(), (long, seed) => {
        const t = new Lpm4Table({ stride, initialGroups: 2 });
        const baseline = t.memoryBytes();
        const g0 = t.generation;
        const all: [number, number][] = [[0, 0], [0x0a000000, 8], ...long];
        for (const [i, [a, l]] of all.entries()) t.insert(a, l, i);
        if (t.groupCount > 2) expect(t.generation).toBeGreaterThan(g0);
        // Delete in a seeded shuffled order so that covers go before and after their more-specifics.
        const order = all.map((p, i) => ({ p, k: Math.imul(i + 1, seed | 1) ^ (seed >>> 7) })).sort((x, y) => x.k - y.k);
        for (const { p } of order) t.delete(p[0], p[1]);
        expect(t.size).toBe(0);
        expect(t.groupCount).toBe(0);
        expect(t.memoryBytes()).toBe(baseline);
        expect(probeAddresses(all).every((a) => t.lookup(a) === NO_ROUTE)).toBe(true);
      }),
      { numRuns: stride === 24 ? 4 : 60 },
    );
  });

  it('counts a group per /24 (stride 24) or per /16 and /24 (stride 16) holding longer prefixes, and frees it with the last one', () => {
    const t = new Lpm4Table({ stride });
    t.insert(0x0a000001, 32, 1);
    t.insert(0x0a000002, 32, 2);
    expect(t.groupCount).toBe(stride === 24 ? 1 : 2);
    // Two /25 halves with the same value make a uniform group that still cannot fold: its entries are /25s.
    t.insert(0x0b000000, 25, 3);
    t.insert(0x0b000080, 25, 3);
    t.insert(0x0b000005, 32, 4);
    expect(t.groupCount).toBe(stride === 24 ? 2 : 4);
    expect(t.delete(0x0b000005, 32)).toBe(true);
    expect(t.groupCount).toBe(stride === 24 ? 2 : 4);
    t.delete(0x0a000001, 32);
    expect(t.groupCount).toBe(stride === 24 ? 2 : 4);
    t.delete(0x0a000002, 32);
    expect(t.groupCount).toBe(stride === 24 ? 1 : 2);
    t.delete(0x0b000000, 25);
    t.delete(0x0b000080, 25);
    expect(t.groupCount).toBe(0);
  });

  it('grows the pool by copying: generation moves, an old reader turns stale, a reader of the new shared() agrees', () => {
    const t = new Lpm4Table({ stride, initialGroups: 1 });
    t.insert(0x0a000000, 8, 1);
    const old = new Lpm4Reader(t.shared());
    const before = t.generation;
    const prefixes: Prefix4[] = [[0x0a000000, 8, 1]];
    for (let i = 0; i < 40; i++) {
      const p: Prefix4 = [(0x0a000000 + i * 0x10101) >>> 0, 26 + (i % 7), i + 2];
      t.insert(p[0], p[1], p[2]);
      prefixes.push(p);
    }
    expect(t.generation).toBeGreaterThan(before);
    expect(old.stale).toBe(true);
    // The old reader sees a consistent snapshot of the time it was handed out: only the /8.
    expect(old.lookup(0x0a000000 + 0x10101)).toBe(1);
    const fresh = new Lpm4Reader(t.shared());
    expect(fresh.stale).toBe(false);
    expectSameLookups(fresh, reference(prefixes), probeAddresses(prefixes));
    expectSameLookups(fresh, t, probeAddresses(prefixes));
  });

  it('a reader on the same thread sees updates at once while the buffers stay the same', () => {
    const t = new Lpm4Table({ stride, initialGroups: 64 });
    const reader = new Lpm4Reader(t.shared());
    t.insert(0x0a000000, 8, 1);
    t.insert(0x0a010203, 32, 2);
    expect(reader.lookup(0x0a010203)).toBe(2);
    expect(reader.lookup(0x0a010204)).toBe(1);
    t.delete(0x0a010203, 32);
    expect(reader.lookup(0x0a010203)).toBe(1);
    expect(reader.stale).toBe(false);
  });

  it('shared() is structured-clonable', () => {
    const t = new Lpm4Table({ stride });
    t.insert(0x0a000000, 8, 1);
    const clone = structuredClone(t.shared());
    t.insert(0x0a000000, 16, 2);
    expect(new Lpm4Reader(clone).lookup(0x0a000001)).toBe(2);
  });
});

describe('Lpm4Table promotion and stride', () => {
  it('defaults to stride 16 and costs far less than stride 24', () => {
    expect(new Lpm4Table().stride).toBe(16);
    expect(new Lpm4Table().memoryBytes()).toBeLessThan(1 << 20);
    expect(new Lpm4Table({ stride: 24 }).memoryBytes()).toBeGreaterThanOrEqual(64 << 20);
  });

  it('with promoteAt, moves to stride 24 once the table reaches that size, with the same answers', () => {
    const t = new Lpm4Table({ promoteAt: 20 });
    const prefixes: Prefix4[] = [];
    for (let i = 0; i < 20; i++) prefixes.push([Math.imul(i + 1, 0x9e3779b1) >>> 0, 8 + i, i]);
    const g = t.generation;
    for (const [a, l, v] of prefixes.slice(0, 19)) t.insert(a, l, v);
    expect(t.stride).toBe(16);
    const [a, l, v] = prefixes[19] as Prefix4;
    t.insert(a, l, v);
    expect(t.stride).toBe(24);
    expect(t.generation).toBeGreaterThan(g);
    expect(t.shared().stride).toBe(24);
    expectSameLookups(t, reference(prefixes), probeAddresses(prefixes));
  });
});
