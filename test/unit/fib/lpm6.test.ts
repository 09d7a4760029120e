import fc from 'fast-check';
import { Lpm6Reader, Lpm6Table, MAX_VALUE, NO_ROUTE, type Ipv6Words } from '../../../src/fib/lpm6';
import { ReferenceTrie } from '../../../src/fib/reference-trie';

type Prefix6 = readonly [words: Ipv6Words, length: number, value: number];

function maskWords(w: Ipv6Words, length: number): Ipv6Words {
  return w.map((x, i) => {
    const keep = length - 32 * i;
    return keep <= 0 ? 0 : keep >= 32 ? x >>> 0 : (x & (0xffffffff << (32 - keep))) >>> 0;
  }) as Ipv6Words;
}

/** Adds `delta` (-1 or +1) to a 128-bit address, wrapping. */
function step(w: Ipv6Words, delta: 1 | -1): Ipv6Words {
  const out = [...w] as Ipv6Words;
  for (let i = 3; i >= 0; i--) {
    const v = (out[i] as number) + delta;
    out[i] = v >>> 0;
    if (v >= 0 && v <= 0xffffffff) break;
  }
  return out;
}

function probeAddresses(prefixes: readonly Prefix6[], extra: readonly Ipv6Words[] = []): Ipv6Words[] {
  const out: Ipv6Words[] = [[0, 0, 0, 0], [0xffffffff, 0xffffffff, 0xffffffff, 0xffffffff], ...extra];
  for (const [w, length] of prefixes) {
    const first = maskWords(w, length);
    const netmask = maskWords([0xffffffff, 0xffffffff, 0xffffffff, 0xffffffff], length);
    const last = first.map((x, i) => (x | ~(netmask[i] ?? 0)) >>> 0) as Ipv6Words;
    out.push(first, last, step(first, -1), step(last, 1), w);
  }
  return out;
}

const wordArb = fc.integer({ min: 0, max: 0xffffffff });
const wordsArb = fc.tuple(wordArb, wordArb, wordArb, wordArb);
const lengthArb = fc.oneof(fc.integer({ min: 0, max: 128 }), fc.constantFrom(0, 15, 16, 17, 24, 32, 47, 48, 56, 64, 120, 127, 128));
const valueArb = fc.oneof(fc.integer({ min: 0, max: 2 }), fc.integer({ min: 0, max: MAX_VALUE }));
function prefixesArb(maxLength = 30): fc.Arbitrary<Prefix6[]> {
  return fc.array(wordsArb, { minLength: 1, maxLength: 3 }).chain((bases) =>
    fc.array(fc.tuple(fc.oneof(fc.constantFrom(...bases), wordsArb), lengthArb, valueArb).map(([w, l, v]) => [w, l, v] as Prefix6), { maxLength, size: 'max' }),
  );
}

function reference(prefixes: readonly Prefix6[]): ReferenceTrie {
  const r = new ReferenceTrie(128);
  for (const [w, l, v] of prefixes) r.insert(w, l, v);
  return r;
}

interface Lookup6 {
  lookup(a0: number, a1: number, a2: number, a3: number): number;
}

function expectSameLookups(t: Lookup6, r: ReferenceTrie | Lookup6, addresses: readonly Ipv6Words[]): void {
  for (const w of addresses) {
    const got = t.lookup(...w);
    const want = r instanceof ReferenceTrie ? r.lookup(w) : r.lookup(...w);
    if (got !== want) throw new Error(`lookup(${w.join(':')}) = ${got}, reference ${want}`);
  }
}

function bytesOf(w: Ipv6Words): Uint8Array {
  const b = new Uint8Array(20);
  const v = new DataView(b.buffer);
  w.forEach((x, i) => v.setUint32(3 + i * 4, x));
  return b;
}

function sorted(entries: Iterable<readonly [readonly number[], number, number]>): string[] {
  return [...entries].map(([w, l, v]) => `${w.map((x) => x >>> 0).join(':')}/${l}=${v}`).sort();
}

describe('Lpm6Table', () => {
  it('keeps nested prefixes apart and restores the cover on delete, down to /128', () => {
    const t = new Lpm6Table();
    const doc: Ipv6Words = [0x20010db8, 0, 0, 0];
    t.insert(0, 0, 0, 0, 0, 9);
    t.insert(0x20010db8, 0x12345678, 0, 1, 128, 5);
    t.insert(0x20010db8, 0, 0, 0, 32, 1);
    t.insert(0x20010db8, 0x12340000, 0, 0, 48, 2);
    t.insert(0x20010db8, 0x12345600, 0, 0, 56, 3);
    t.insert(0x20010db8, 0x12345678, 0, 0, 127, 4);
    expect(t.lookup(0x20010db8, 0x12345678, 0, 1)).toBe(5);
    expect(t.lookup(0x20010db8, 0x12345678, 0, 0)).toBe(4);
    expect(t.lookup(0x20010db8, 0x12345678, 0, 2)).toBe(3);
    expect(t.lookup(0x20010db8, 0x1234ffff, 0, 0)).toBe(2);
    expect(t.lookup(...doc)).toBe(1);
    expect(t.lookup(0x20010db9, 0, 0, 0)).toBe(9);
    expect(t.delete(0x20010db8, 0x12345600, 0, 0, 56)).toBe(true);
    expect(t.lookup(0x20010db8, 0x12345678, 0, 2)).toBe(2);
    expect(t.delete(0x20010db8, 0x12345678, 0, 1, 128)).toBe(true);
    expect(t.lookup(0x20010db8, 0x12345678, 0, 1)).toBe(4);
    expect(t.get(0x20010db8, 0xffffffff, 1, 1, 32)).toBe(1);
    expect(t.size).toBe(4);
  });

  it('rejects bad control-plane input with a RangeError; lookups never throw', () => {
    const t = new Lpm6Table();
    expect(() => t.insert(0, 0, 0, 0, 129, 1)).toThrow(new RangeError('Lpm6Table.insert: prefix length 129 is out of range 0..128'));
    expect(() => t.insert(0, 0, 0, 0, 64, MAX_VALUE + 1)).toThrow(RangeError);
    expect(() => t.insert(0, 2 ** 33, 0, 0, 64, 1)).toThrow(/address word/);
    expect(() => t.delete(0, 0, 0, 0, -1)).toThrow(RangeError);
    expect(() => Lpm6Table.build([[[0, 0, 0, 0], 200, 1]])).toThrow(/Lpm6Table.build: prefix length 200/);
    t.insert(0, 0, 0, 0, 0, 1);
    expect(() => t.lookup(Number.NaN, -1, 2 ** 40, Infinity)).not.toThrow();
    expect(() => t.lookupBytes(new Uint8Array(3), 0)).not.toThrow();
  });

  it('looks up like the reference trie on random tables, incrementally, in bulk and from bytes', () => {
    fc.assert(
      fc.property(prefixesArb(), fc.array(wordsArb, { maxLength: 20, size: 'max' }), (prefixes, randoms) => {
        const r = reference(prefixes);
        const inc = new Lpm6Table();
        for (const [w, l, v] of prefixes) inc.insert(...w, l, v);
        const bulk = Lpm6Table.build(prefixes);
        const addresses = probeAddresses(prefixes, randoms);
        expectSameLookups(inc, r, addresses);
        expectSameLookups(bulk, r, addresses);
        for (const w of addresses) expect(inc.lookupBytes(bytesOf(w), 3)).toBe(r.lookup(w));
        expect(sorted(inc.entries())).toEqual(sorted(r.entries()));
        expect(bulk.groupCount).toBe(inc.groupCount);
      }),
      { numRuns: 150 },
    );
  });

  it('after every insert and delete, agrees with the reference and with a fresh build of the same contents', () => {
    const op = fc.oneof(prefixesArb(1).map((p) => ({ kind: 'insert' as const, p })), fc.nat().map((i) => ({ kind: 'delete' as const, i })));
    fc.assert(
      fc.property(prefixesArb(12), fc.array(op, { maxLength: 40, size: 'max' }), (initial, ops) => {
        const t = Lpm6Table.build(initial);
        const r = reference(initial);
        const touched: Prefix6[] = [...initial];
        for (const o of ops) {
          if (o.kind === 'insert') {
            for (const [w, l, v] of o.p) {
              t.insert(...w, l, v);
              r.insert(w, l, v);
              touched.push([w, l, v]);
            }
          } else {
            const live = [...r.entries()];
            const victim = live[o.i % Math.max(1, live.length)];
            if (victim) expect(t.delete(...(victim[0] as Ipv6Words), victim[1])).toBe(r.delete(victim[0], victim[1]));
          }
          const rebuilt = Lpm6Table.build(t.entries());
          const addresses = probeAddresses(touched);
          expectSameLookups(t, r, addresses);
          expectSameLookups(rebuilt, t, addresses);
          expect(t.groupCount).toBe(rebuilt.groupCount);
          expect(t.size).toBe(r.size);
        }
      }),
      { numRuns: 60 },
    );
  });

  it('recycles every group: inserted then deleted until empty, memory and group count return to the baseline', () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(wordsArb, fc.integer({ min: 17, max: 128 })), { minLength: 1, maxLength: 100, size: 'max' }), (long) => {
        const t = new Lpm6Table({ initialGroups: 2 });
        const baseline = t.memoryBytes();
        const all: [Ipv6Words, number][] = [[[0, 0, 0, 0], 0], [[0x20010000, 0, 0, 0], 16], ...long];
        for (const [i, [w, l]] of all.entries()) t.insert(...w, l, i);
        for (const [w, l] of [...all].reverse()) t.delete(...w, l);
        for (const [w, l] of all) t.delete(...w, l);
        expect(t.size).toBe(0);
        expect(t.groupCount).toBe(0);
        expect(t.memoryBytes()).toBe(baseline);
      }),
      { numRuns: 60 },
    );
  });

  it('grows the pool by copying: generation moves, an old reader turns stale, a reader of the new shared() agrees', () => {
    const t = new Lpm6Table({ initialGroups: 1 });
    t.insert(0x20010db8, 0, 0, 0, 32, 1);
    const old = new Lpm6Reader(t.shared());
    const prefixes: Prefix6[] = [[[0x20010db8, 0, 0, 0], 32, 1]];
    for (let i = 0; i < 20; i++) {
      const p: Prefix6 = [[0x20010db8, i << 16, i, 0], 48 + i * 4, i + 2];
      t.insert(...p[0], p[1], p[2]);
      prefixes.push(p);
    }
    expect(old.stale).toBe(true);
    const fresh = new Lpm6Reader(structuredClone(t.shared()));
    expect(fresh.stale).toBe(false);
    expectSameLookups(fresh, reference(prefixes), probeAddresses(prefixes));
    for (const w of probeAddresses(prefixes)) expect(fresh.lookupBytes(bytesOf(w), 3)).toBe(t.lookup(...w));
  });

  it('never folds a uniform group whose entries are longer than the group (two /121 halves with one value)', () => {
    const t = new Lpm6Table();
    t.insert(0x20010db8, 0, 0, 0x100, 121, 3);
    t.insert(0x20010db8, 0, 0, 0x180, 121, 3);
    t.insert(0x20010db8, 0, 0, 0x105, 128, 4);
    const groups = t.groupCount;
    expect(t.delete(0x20010db8, 0, 0, 0x105, 128)).toBe(true);
    expect(t.groupCount).toBe(groups);
    expect(t.lookup(0x20010db8, 0, 0, 0x105)).toBe(3);
    expect(t.delete(0x20010db8, 0, 0, 0x100, 121)).toBe(true);
    expect(t.lookup(0x20010db8, 0, 0, 0x105)).toBe(NO_ROUTE);
    expect(t.lookup(0x20010db8, 0, 0, 0x185)).toBe(3);
    expect(t.delete(0x20010db8, 0, 0, 0x180, 121)).toBe(true);
    expect(t.groupCount).toBe(0);
  });

  it('answers NO_ROUTE for an empty table', () => {
    expect(new Lpm6Table().lookup(1, 2, 3, 4)).toBe(NO_ROUTE);
  });
});
