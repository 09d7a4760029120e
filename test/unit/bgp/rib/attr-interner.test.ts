import fc from 'fast-check';
import { AttributeInterner } from '../../../../src/bgp/rib/attribute-set';
import { writeAttribute } from '../../../../src/bgp/wire/attributes';
import { Writer } from '../../../../src/bgp/wire/cursor';
import { withContext } from '../../../../src/bgp/wire/context';
import type { PathAttribute } from '../../../../src/bgp/wire/attributes/types';

/** A fresh list each call, as each decoded UPDATE gives one. */
function attrs(asns: number[], extra: PathAttribute[] = []): PathAttribute[] {
  return [
    { type: 'origin', origin: 0 },
    { type: 'as-path', segments: [{ kind: 'sequence', asns: [...asns] }] },
    { type: 'next-hop', nextHop: '192.0.2.1' },
    ...extra,
  ];
}

function encodedBytes(list: readonly PathAttribute[]): Buffer {
  const w = new Writer();
  for (const a of list) writeAttribute(w, a, withContext({ fourOctetAs: true }), false);
  return w.finish();
}

function encodedLength(list: readonly PathAttribute[]): number {
  return encodedBytes(list).length;
}

describe('AttributeInterner', () => {
  it('gives equal attribute lists the same set, and different ones different sets', () => {
    const interner = new AttributeInterner();
    const a = interner.intern(attrs([65001, 65002]), '192.0.2.1');
    const b = interner.intern(attrs([65001, 65002]), '192.0.2.1');
    expect(b).toBe(a);
    expect(interner.intern(attrs([65001, 65003]), '192.0.2.1')).not.toBe(a);
    expect(interner.intern(attrs([65001, 65002]), '192.0.2.9')).not.toBe(a);
    expect(interner.intern(attrs([65001, 65002], [{ type: 'med', med: 5 }]), '192.0.2.1')).not.toBe(a);
    // Received flags are part of the key (they are sent as received).
    expect(interner.intern([{ type: 'origin', origin: 0, flags: 0x50 }, ...attrs([65001, 65002]).slice(1)], '192.0.2.1')).not.toBe(a);
    expect(interner.size).toBe(5);
  });

  it('gives one set exactly when the next hops and the wire forms are equal (random lists of every kind the hash reads)', () => {
    const attr: fc.Arbitrary<PathAttribute> = fc.oneof(
      fc.constantFrom(0, 1, 2).map((origin): PathAttribute => ({ type: 'origin', origin: origin as 0 | 1 | 2 })),
      fc
        .array(fc.tuple(fc.constantFrom('sequence', 'set', 'confed-sequence', 'confed-set' as const), fc.array(fc.constantFrom(1, 2, 70000), { minLength: 1, maxLength: 3 })), { maxLength: 2 })
        .map((segs): PathAttribute => ({ type: 'as-path', segments: segs.map(([kind, asns]) => ({ kind, asns })) })),
      fc.constantFrom(0, 7, 0xffffffff).map((med): PathAttribute => ({ type: 'med', med })),
      fc.constantFrom(100, 200).map((localPref): PathAttribute => ({ type: 'local-pref', localPref })),
      fc.array(fc.constantFrom(1, 0xffff0001), { maxLength: 2 }).map((communities): PathAttribute => ({ type: 'communities', communities })),
      fc.constantFrom('10.0.0.1', '10.0.0.2').map((address): PathAttribute => ({ type: 'aggregator', asn: 65001, address })),
      fc.constant<PathAttribute>({ type: 'atomic-aggregate' }),
      fc.constantFrom(1, 2).map((l): PathAttribute => ({ type: 'large-communities', communities: [{ globalAdmin: 65001, localData1: l, localData2: 0 }] })),
    );
    const list = fc.array(attr, { maxLength: 4 });
    const wire = (l: readonly PathAttribute[]): string => {
      const w = new Writer();
      for (const a of l) writeAttribute(w, a, withContext({ fourOctetAs: true }), false);
      return w.finish().toString('hex');
    };
    fc.assert(
      fc.property(list, list, fc.constantFrom('192.0.2.1', '192.0.2.2'), fc.constantFrom('192.0.2.1', '192.0.2.2'), fc.nat(4), (x, y, hx, hy, at) => {
        const interner = new AttributeInterner();
        const a = interner.intern(x, hx);
        const b = interner.intern(y, hy);
        expect(a === b).toBe(hx === hy && wire(x) === wire(y));
        // NEXT_HOP (and MP_REACH) anywhere in a received list are not part of the set: the same set is found.
        const received = [...x];
        received.splice(Math.min(at, received.length), 0, { type: 'next-hop', nextHop: hx });
        expect(interner.intern(received, hx)).toBe(a);
      }),
      { numRuns: 2000 },
    );
  });

  it('gives back every set exactly as interned, kept as its wire form or decoded (random lists, flags and duplicates)', () => {
    const flags = fc.option(fc.constantFrom(0x40, 0x50, 0x80, 0x90, 0xc0, 0xd0, 0xe0, 0x48), { nil: undefined });
    const withFlags = (a: PathAttribute, f: number | undefined): PathAttribute => (f === undefined ? a : ({ ...a, flags: f } as PathAttribute));
    const asn = fc.oneof(fc.constantFrom(1, 65001, 70000, 0xffffffff), fc.integer({ min: 0, max: 0xffffffff }));
    const attr: fc.Arbitrary<PathAttribute> = fc.tuple(
      fc.oneof(
        fc.constantFrom(0, 1, 2).map((origin): PathAttribute => ({ type: 'origin', origin: origin as 0 | 1 | 2 })),
        fc
          .array(fc.tuple(fc.constantFrom('sequence', 'set', 'confed-sequence', 'confed-set' as const), fc.oneof(fc.array(asn, { minLength: 1, maxLength: 4 }), fc.array(asn, { minLength: 0, maxLength: 300 }))), { maxLength: 3 })
          .map((segs): PathAttribute => ({ type: 'as-path', segments: segs.map(([kind, asns]) => ({ kind, asns })) })),
        fc.integer({ min: 0, max: 0xffffffff }).map((med): PathAttribute => ({ type: 'med', med })),
        fc.integer({ min: 0, max: 0xffffffff }).map((localPref): PathAttribute => ({ type: 'local-pref', localPref })),
        fc.array(fc.integer({ min: 0, max: 0xffffffff }), { maxLength: 70 }).map((communities): PathAttribute => ({ type: 'communities', communities })),
        fc.tuple(asn, fc.constantFrom('10.0.0.1', '192.0.2.255')).map(([n, address]): PathAttribute => ({ type: 'aggregator', asn: n, address })),
        fc.constant<PathAttribute>({ type: 'atomic-aggregate' }),
        fc.constantFrom('10.0.0.1', '1.2.3.4').map((originatorId): PathAttribute => ({ type: 'originator-id', originatorId })),
        fc.array(fc.constantFrom('10.0.0.1', '1.2.3.4'), { maxLength: 3 }).map((clusterIds): PathAttribute => ({ type: 'cluster-list', clusterIds })),
        fc.constantFrom(1, 2).map((l): PathAttribute => ({ type: 'large-communities', communities: [{ globalAdmin: 65001, localData1: l, localData2: 0 }] })),
        fc.constantFrom(200, 250).map((code): PathAttribute => ({ type: 'unknown', code, flags: 0xc0, value: Uint8Array.of(1, 2) })),
      ),
      flags,
    ).map(([a, f]) => (a.type === 'unknown' ? a : withFlags(a, f)));
    const list = fc.array(attr, { maxLength: 6 });
    const code = (a: PathAttribute): number => ({ origin: 1, 'as-path': 2, med: 4, 'local-pref': 5, 'atomic-aggregate': 6, aggregator: 7, communities: 8, 'originator-id': 9, 'cluster-list': 10, 'large-communities': 32 })[a.type as string] ?? (a.type === 'unknown' ? a.code : -1);
    fc.assert(
      fc.property(list, list, (x, y) => {
        const interner = new AttributeInterner();
        const a = interner.intern(x, '192.0.2.1');
        const b = interner.intern(y, '192.0.2.2');
        // Read after another set was interned, so the list comes from the wire form when the set has one.
        for (const [set, l] of [
          [a, x],
          [b, y],
          [a, x],
        ] as const) {
          expect(set.attributes).toEqual(l);
          const last = <T,>(type: string, get: (p: PathAttribute) => T): T | undefined => {
            const found = [...l].reverse().find((p) => p.type === type);
            return found === undefined ? undefined : get(found);
          };
          const segments = last('as-path', (p) => (p.type === 'as-path' ? p.segments : [])) ?? [];
          expect(set.asPath).toEqual(segments);
          expect(set.asPathLength).toBe(segments.reduce((n, sg) => n + (sg.kind === 'sequence' ? sg.asns.length : sg.kind === 'set' ? 1 : 0), 0));
          expect(set.neighborAs).toBe(segments[0]?.kind === 'sequence' ? segments[0].asns[0] : undefined);
          expect(set.med).toBe(last('med', (p) => (p.type === 'med' ? p.med : undefined)));
          expect(set.localPref).toBe(last('local-pref', (p) => (p.type === 'local-pref' ? p.localPref : undefined)));
          expect(set.communities).toEqual(last('communities', (p) => (p.type === 'communities' ? p.communities : [])) ?? []);
          expect(set.origin).toBe(last('origin', (p) => (p.type === 'origin' ? p.origin : 2)) ?? 2);
          expect(set.originatorId).toBe(last('originator-id', (p) => (p.type === 'originator-id' ? p.originatorId : undefined)));
          expect(set.clusterList).toEqual(last('cluster-list', (p) => (p.type === 'cluster-list' ? p.clusterIds : [])) ?? []);
          expect(set.atomicAggregate).toBe(l.some((p) => p.type === 'atomic-aggregate'));
          for (const c of [1, 2, 4, 5, 6, 7, 8, 9, 10, 32, 200, 250]) expect(set.has(c)).toBe(l.some((p) => code(p) === c));
          expect(set.encodedLength).toBe(encodedLength(l));
          if (set.wire !== null) expect(Buffer.from(set.wire, 'latin1').toString('hex')).toBe(Buffer.from(encodedBytes(l)).toString('hex'));
        }
      }),
      { numRuns: 3000 },
    );
  });

  it('keeps a full-table set as its wire form, and lists it cannot give back exactly decoded', () => {
    const interner = new AttributeInterner();
    const plain = interner.intern(attrs([65001, 65002], [{ type: 'med', med: 5 }, { type: 'communities', communities: [0xffff0001] }]), '192.0.2.1');
    expect(plain.wire).not.toBeNull();
    // A segment of 300 ASNs is sent as two (RFC 4271 §4.3: one count octet), so it would not decode to the same list.
    const long = interner.intern(attrs(Array.from({ length: 300 }, (_, i) => i + 1)), '192.0.2.1');
    expect(long.wire).toBeNull();
    expect(long.asPathLength).toBe(300);
    // RFC 7606 §3(g): a repeated attribute would be dropped when decoding.
    const twice = interner.intern(attrs([65001], [{ type: 'med', med: 1 }, { type: 'med', med: 2 }]), '192.0.2.1');
    expect(twice.wire).toBeNull();
    expect(twice.med).toBe(2);
    const unknown = interner.intern(attrs([65001], [{ type: 'unknown', code: 200, flags: 0xc0, value: Uint8Array.of(1) }]), '192.0.2.1');
    expect(unknown.wire).toBeNull();
    expect(unknown.has(200)).toBe(true);
  });

  it('finds a set again when the field comparison does not know an attribute type (by the encoded form)', () => {
    const interner = new AttributeInterner();
    const extra = (): PathAttribute[] => [{ type: 'large-communities', communities: [{ globalAdmin: 65001, localData1: 1, localData2: 2 }] }];
    const a = interner.intern(attrs([65001], extra()), '192.0.2.1');
    expect(interner.intern(attrs([65001], extra()), '192.0.2.1')).toBe(a);
    expect(interner.size).toBe(1);
  });

  it('frees a set when its last reference is released, and counts retains', () => {
    const interner = new AttributeInterner();
    const a = interner.intern(attrs([65001]), '192.0.2.1');
    interner.retain(a);
    interner.release(a);
    expect(interner.size).toBe(1);
    interner.release(a);
    expect(interner.size).toBe(0);
    // Released sets are not touched again; interning the same attributes makes a new one.
    interner.release(a);
    const again = interner.intern(attrs([65001]), '192.0.2.1');
    expect(again).not.toBe(a);
    // The freed set's number is handed out again, and names the new set only.
    expect(again.index).toBe(a.index);
    expect(interner.setAt(a.index)).toBe(again);
    expect(interner.size).toBe(1);
  });

  it('keeps sets apart through many interns and releases (hash table growth and deletion)', () => {
    const interner = new AttributeInterner();
    const sets = [];
    for (let i = 0; i < 5000; i++) sets.push(interner.intern(attrs([65000, i]), '192.0.2.1'));
    expect(new Set(sets).size).toBe(5000);
    for (let i = 0; i < 5000; i += 2) interner.release(sets[i]!);
    expect(interner.size).toBe(2500);
    for (let i = 1; i < 5000; i += 2) expect(interner.intern(attrs([65000, i]), '192.0.2.1')).toBe(sets[i]);
    for (let i = 0; i < 5000; i += 2) expect(interner.intern(attrs([65000, i]), '192.0.2.1')).not.toBe(sets[i]);
    expect(interner.size).toBe(5000);
  });

  it('reads every derived field from the attributes', () => {
    const interner = new AttributeInterner();
    const list: PathAttribute[] = [
      { type: 'origin', origin: 1 },
      { type: 'as-path', segments: [{ kind: 'sequence', asns: [65001, 65002] }, { kind: 'set', asns: [65003, 65004] }] },
      { type: 'next-hop', nextHop: '192.0.2.1' },
      { type: 'med', med: 50 },
      { type: 'local-pref', localPref: 200 },
      { type: 'atomic-aggregate' },
      { type: 'communities', communities: [0xfde80001] },
      { type: 'large-communities', communities: [{ globalAdmin: 65001, localData1: 1, localData2: 2 }] },
      { type: 'originator-id', originatorId: '10.0.0.9' },
      { type: 'cluster-list', clusterIds: ['10.0.0.1', '10.0.0.2'] },
    ];
    const s = interner.intern(list, '192.0.2.1');
    expect(s.origin).toBe(1);
    expect(s.asPath).toEqual([{ kind: 'sequence', asns: [65001, 65002] }, { kind: 'set', asns: [65003, 65004] }]);
    expect(s.asPathText).toBe('65001 65002 {65003,65004}');
    expect(s.med).toBe(50);
    expect(s.localPref).toBe(200);
    expect(s.communities).toEqual([0xfde80001]);
    expect(s.largeCommunities).toEqual([{ globalAdmin: 65001, localData1: 1, localData2: 2 }]);
    expect(s.extendedCommunities).toEqual([]);
    expect(s.originatorId).toBe('10.0.0.9');
    expect(s.clusterList).toEqual(['10.0.0.1', '10.0.0.2']);
    expect(s.atomicAggregate).toBe(true);
    expect(s.nextHop).toBe('192.0.2.1');
    expect(s.attributes.map((a) => a.type)).toEqual(list.filter((a) => a.type !== 'next-hop').map((a) => a.type));
    expect(s.encodedLength).toBe(encodedLength(s.attributes));

    const bare = interner.intern([{ type: 'as-path', segments: [] }], '192.0.2.1');
    expect(bare.origin).toBe(2);
    expect(bare.med).toBeUndefined();
    expect(bare.localPref).toBeUndefined();
    expect(bare.communities).toEqual([]);
    expect(bare.originatorId).toBeUndefined();
    expect(bare.clusterList).toEqual([]);
    expect(bare.atomicAggregate).toBe(false);
    expect(bare.encodedLength).toBe(encodedLength(bare.attributes));
  });

  it('keeps attribute lists too long for the wire form decoded, and measures them (extended messages)', () => {
    const interner = new AttributeInterner();
    const big: PathAttribute = { type: 'unknown', code: 250, flags: 0xd0, value: new Uint8Array(40000) };
    const s = interner.intern(attrs([65001], [big]), '192.0.2.1');
    expect(s.wire).toBeNull();
    expect(s.encodedLength).toBe(encodedLength(s.attributes));
    expect(s.asPath).toEqual([{ kind: 'sequence', asns: [65001] }]);
    expect(interner.intern(attrs([65001], [{ ...big, value: new Uint8Array(40000) }]), '192.0.2.1')).toBe(s);
  });

  it('finds hot attributes placed late in a long list', () => {
    const interner = new AttributeInterner();
    const filler: PathAttribute[] = [];
    for (let i = 0; i < 9; i++) filler.push({ type: 'unknown', code: 200 + i, flags: 0xc0, value: Uint8Array.of(i) });
    const s = interner.intern([...filler, { type: 'as-path', segments: [{ kind: 'sequence', asns: [65009] }] }, { type: 'med', med: 7 }, { type: 'local-pref', localPref: 9 }, { type: 'communities', communities: [1, 2] }, { type: 'origin', origin: 0 }], '192.0.2.1');
    expect(s.asPath).toEqual([{ kind: 'sequence', asns: [65009] }]);
    expect(s.med).toBe(7);
    expect(s.localPref).toBe(9);
    expect(s.communities).toEqual([1, 2]);
    expect(s.origin).toBe(0);
  });

  it('shares one next hop string between sets', () => {
    const interner = new AttributeInterner();
    const a = interner.intern(attrs([1]), ['192.0.2', '1'].join('.'));
    const b = interner.intern(attrs([2]), ['192.0.2', '1'].join('.'));
    expect(a.nextHop).toBe('192.0.2.1');
    expect(b.nextHop).toBe(a.nextHop);
  });
});
