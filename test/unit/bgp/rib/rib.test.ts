import fc from 'fast-check';
import { AttributeInterner } from '../../../../src/bgp/rib/attribute-set';
import { AdjRibIn } from '../../../../src/bgp/rib/adj-rib-in';
import { buildAnnouncements, buildWithdrawals } from '../../../../src/bgp/rib/update-builder';
import { makeRoute, routePathId, withRoute, type RoutableNlri } from '../../../../src/bgp/rib/route';
import { decodeMessage, encodeMessage } from '../../../../src/bgp/wire/message';
import { withContext } from '../../../../src/bgp/wire/context';
import type { PathAttribute } from '../../../../src/bgp/wire/attributes/types';
import type { UpdateMessage } from '../../../../src/bgp/wire/messages/types';
import { ipv4Prefix } from '../../../../src/bgp/wire/values/prefix';
import { parseRd } from '../../../../src/bgp/wire/values/rd';

const ctx = withContext({ fourOctetAs: true });
const source = { address: '192.0.2.2', asn: 65002, bgpId: '192.0.2.2', ibgp: false };
const base: PathAttribute[] = [
  { type: 'origin', origin: 0 },
  { type: 'as-path', segments: [{ kind: 'sequence', asns: [65002] }] },
];
const v4 = (i: number): RoutableNlri => ({ kind: 'unicast', safi: 1, prefix: ipv4Prefix((10 << 24) | (i << 8), 24) });

function update(nlri: RoutableNlri[], withdrawn: RoutableNlri[] = [], attrs: PathAttribute[] = [...base, { type: 'next-hop', nextHop: '192.0.2.2' }]): UpdateMessage {
  return { type: 'update', withdrawn, attributes: nlri.length ? attrs : [], nlri, errors: [] };
}

describe('Adj-RIB-In', () => {
  it('stores announcements with one shared attribute set, and removes withdrawals', () => {
    const interner = new AttributeInterner();
    const rib = new AdjRibIn(source, interner);
    const ch = rib.apply(update([v4(1), v4(2), v4(3)]));
    expect(ch).toHaveLength(3);
    expect(rib.count(1, 1)).toBe(3);
    expect(interner.size).toBe(1);
    const routes = [...rib.all()];
    expect(routes[0]?.attrs).toBe(routes[2]?.attrs);
    expect(routes[0]?.attrs.asPathText).toBe('65002');
    expect(routes[0]?.attrs.nextHop).toBe('192.0.2.2');
    rib.apply(update([], [v4(1), v4(9)]));
    expect(rib.count(1, 1)).toBe(2);
    rib.apply(update([], [v4(2), v4(3)]));
    expect(rib.size).toBe(0);
    expect(interner.size).toBe(0);
  });

  it('treat-as-withdraw (RFC 7606 §2) removes the announced prefixes instead of storing them', () => {
    const rib = new AdjRibIn(source, new AttributeInterner());
    rib.apply(update([v4(1), v4(2)]));
    const bad: UpdateMessage = { ...update([v4(1)]), errors: [{ attributeType: 1, action: 'treat-as-withdraw', code: 3, subcode: 6, reason: 'bad origin' }] };
    const ch = rib.apply(bad);
    expect(ch).toEqual([{ key: '1/1||10.0.1.0/24', route: null, family: 65537 }]);
    expect(rib.count(1, 1)).toBe(1);
  });

  it('reports each announced route with its key text and family, IPv4 unicast included (whose text is made when read)', () => {
    const rib = new AdjRibIn(source, new AttributeInterner());
    const ch = rib.apply(update([v4(1), v4(2)]));
    expect(ch.map((c) => [c.key, c.family])).toEqual([
      ['1/1||10.0.1.0/24', 65537],
      ['1/1||10.0.2.0/24', 65537],
    ]);
    expect(ch.map((c) => c.route)).toEqual([rib.get('1/1||10.0.1.0/24'), rib.get('1/1||10.0.2.0/24')]);
    // The key is the prefix's, even once the route is gone and its destination id reused by another.
    rib.apply(update([], [v4(1)]));
    rib.apply(update([v4(3)]));
    expect(ch[0]?.key).toBe('1/1||10.0.1.0/24');
  });

  it('a prefix withdrawn and announced in one UPDATE stays announced (RFC 4271 §4.3)', () => {
    const rib = new AdjRibIn(source, new AttributeInterner());
    rib.apply(update([v4(1)], [v4(1)]));
    expect(rib.count(1, 1)).toBe(1);
  });

  it('graceful restart: stale routes survive until swept, re-announced ones are fresh (RFC 4724 §4.2)', () => {
    const rib = new AdjRibIn(source, new AttributeInterner());
    rib.apply(update([v4(1), v4(2)]));
    expect(rib.markStale(1, 1)).toBe(2);
    rib.apply(update([v4(2)]));
    const swept = rib.sweepStale(1, 1);
    expect(swept.map((c) => c.key)).toEqual(['1/1||10.0.1.0/24']);
    expect(rib.count(1, 1)).toBe(1);
  });

  it('VPNv4 routes are keyed by RD as well as prefix', () => {
    const rib = new AdjRibIn(source, new AttributeInterner());
    const rd1 = parseRd('65000:1');
    const rd2 = parseRd('65000:2');
    if (!rd1 || !rd2) throw new Error('rd');
    const p = ipv4Prefix(0x0a000000, 24);
    const msg: UpdateMessage = {
      type: 'update',
      withdrawn: [],
      nlri: [],
      errors: [],
      attributes: [
        { type: 'mp-reach', afi: 1, safi: 128, nextHop: { address: '192.0.2.2' }, nlri: [{ kind: 'vpn', rd: rd1, labels: [16], prefix: p }, { kind: 'vpn', rd: rd2, labels: [17], prefix: p }] },
        ...base,
      ],
    };
    rib.apply(msg);
    expect(rib.count(1, 128)).toBe(2);
    expect([...rib.all()].map((r) => r.attrs.nextHop)).toEqual(['192.0.2.2', '192.0.2.2']);
  });
});

describe('stored routes', () => {
  const attrs = new AttributeInterner().intern(base, '192.0.2.2');
  it('give back the NLRI they were made from, IPv4 prefixes packed into the route included (high addresses too)', () => {
    const rd = parseRd('65000:1');
    if (!rd) throw new Error('bad RD');
    const cases: RoutableNlri[] = [
      { kind: 'unicast', safi: 1, prefix: ipv4Prefix(0, 0) },
      { kind: 'unicast', safi: 1, prefix: ipv4Prefix(0x0a000100, 24) },
      { kind: 'unicast', safi: 1, prefix: ipv4Prefix(0xc0000200, 24) },
      { kind: 'unicast', safi: 1, prefix: ipv4Prefix(0xffffffff, 32) },
      { kind: 'unicast', safi: 1, prefix: ipv4Prefix(0x80000000, 1), pathId: 7 },
      { kind: 'vpn', prefix: ipv4Prefix(0xfe000000, 8), rd, labels: [16] },
      { kind: 'vpn', prefix: ipv4Prefix(0x0a000000, 8), rd, labels: [17], pathId: 3 },
    ];
    for (const nlri of cases) {
      const safi = nlri.kind === 'vpn' ? 128 : 1;
      const r = makeRoute({ afi: 1, safi, nlri, attrs, source, stale: false });
      expect(r.nlri).toEqual(nlri);
      expect(routePathId(r)).toBe(nlri.pathId);
      // A copy keeps the NLRI (spread syntax would lose it: the packed form is a getter).
      const c = withRoute(r, { rejected: 'policy' });
      expect(c.nlri).toEqual(nlri);
      expect(c.rejected).toBe('policy');
      expect(withRoute(c, { rejected: undefined }).rejected).toBeUndefined();
      expect(c.attrs).toBe(attrs);
    }
  });
});

describe('update packing', () => {
  it('packs 3000 IPv4 prefixes into few UPDATEs of at most 4096 octets that decode back', () => {
    const nlri = Array.from({ length: 3000 }, (_, i) => v4(i));
    const msgs = buildAnnouncements({ afi: 1, safi: 1, attributes: base, nextHop: '192.0.2.1', nlri }, ctx);
    const bytes = msgs.map((m) => encodeMessage(m, ctx));
    for (const b of bytes) expect(b.length).toBeLessThanOrEqual(4096);
    // 4 octets per /24: about 1000 per message.
    expect(msgs.length).toBeLessThanOrEqual(4);
    const back = bytes.flatMap((b) => {
      const m = decodeMessage(b, ctx);
      return m.type === 'update' ? m.nlri : [];
    });
    expect(back).toEqual(nlri);
  });

  it('uses MP_REACH for VPNv4 and extended messages when negotiated', () => {
    const rd = parseRd('65000:1');
    if (!rd) throw new Error('rd');
    const nlri: RoutableNlri[] = Array.from({ length: 2000 }, (_, i) => ({ kind: 'vpn', rd, labels: [100], prefix: ipv4Prefix((10 << 24) | (i << 8), 24) }));
    const small = buildAnnouncements({ afi: 1, safi: 128, attributes: base, nextHop: '192.0.2.1', nlri }, ctx);
    const big = buildAnnouncements({ afi: 1, safi: 128, attributes: base, nextHop: '192.0.2.1', nlri }, withContext({ extendedMessage: true }));
    expect(big.length).toBeLessThan(small.length);
    for (const m of small) expect(encodeMessage(m, ctx).length).toBeLessThanOrEqual(4096);
    const first = small[0];
    expect(first?.attributes[0]?.type).toBe('mp-reach');
  });

  it('fills every UPDATE to within one route of the limit, for each NLRI kind, with and without ADD-PATH (sizes are computed, not encoded)', () => {
    const rd = parseRd('65000:1');
    if (!rd) throw new Error('rd');
    const kinds: [number, number, (i: number) => RoutableNlri][] = [
      [1, 1, (i) => ({ kind: 'unicast', safi: 1, prefix: ipv4Prefix((10 << 24) | (i << 4), 17 + (i % 12)) })],
      [1, 128, (i) => ({ kind: 'vpn', rd, labels: i % 3 === 0 ? [100, 200] : [100], prefix: ipv4Prefix((10 << 24) | (i << 8), 8 + (i % 17)) })],
      [2, 1, (i) => ({ kind: 'unicast', safi: 1, prefix: { afi: 2, length: 33 + (i % 90), address: new Uint8Array([0x20, 0x01, 0x0d, 0xb8, i >> 8, i & 255, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]) } })],
    ];
    for (const addPath of [false, true]) {
      for (const [afi, safi, make] of kinds) {
        const c = withContext({ fourOctetAs: true, addPath: addPath ? new Set([`${afi}/${safi}`]) : new Set(), multipleLabels: new Map([[`${afi}/${safi}`, 2]]) });
        const nlri = Array.from({ length: 3000 }, (_, i) => make(i));
        for (const [msgs, withdrawal] of [[buildAnnouncements({ afi, safi, attributes: base, nextHop: afi === 1 ? '192.0.2.1' : '2001:db8::1', nlri }, c), false], [buildWithdrawals(afi, safi, nlri, c), true]] as const) {
          const lengths = msgs.map((m) => encodeMessage(m, c).length);
          for (const l of lengths) expect(l).toBeLessThanOrEqual(4096);
          // All but the last message are full: no room left for the largest route of this kind.
          for (const l of lengths.slice(0, -1)) expect(l).toBeGreaterThan(4096 - (withdrawal ? 30 : 40));
        }
      }
    }
  });

  it('withdrawals: classic field for IPv4 unicast, MP_UNREACH otherwise', () => {
    const w = buildWithdrawals(1, 1, [v4(1)], ctx);
    expect(w[0]?.withdrawn).toHaveLength(1);
    const w2 = buildWithdrawals(2, 1, [{ kind: 'unicast', safi: 1, prefix: { afi: 2, length: 32, address: new Uint8Array(16) } }], ctx);
    expect(w2[0]?.attributes[0]?.type).toBe('mp-unreach');
    expect(decodeMessage(encodeMessage(w2[0] as UpdateMessage, ctx), ctx)).toEqual(w2[0]);
  });
});

import { exportAttributes } from '../../../../src/bgp/rib/export-rules';
import { localRoute, localSource } from '../../../../src/bgp/rib/local-routes';

describe('export rules (RFC 4271 §5.1)', () => {
  const interner = new AttributeInterner();
  const { route } = localRoute(
    { prefix: ipv4Prefix(0xcb007100, 24), nextHop: null, communities: [0xfde90001], largeCommunities: [], med: 10, localPref: 200 },
    localSource(65001, '192.0.2.1'),
    interner,
  );
  it('eBGP: prepend our AS, next-hop-self, no LOCAL_PREF, keep our own MED', () => {
    const out = exportAttributes(route, { ibgp: false, localAs: 65001, localAddress: '198.18.0.10', routeServerClient: false, routeReflectorClient: false, address: '198.18.0.1', clusterId: '192.0.2.1' });
    expect(out?.nextHop).toBe('198.18.0.10');
    expect(out?.attributes.find((a) => a.type === 'as-path')).toEqual({ type: 'as-path', segments: [{ kind: 'sequence', asns: [65001] }] });
    expect(out?.attributes.some((a) => a.type === 'local-pref')).toBe(false);
    expect(out?.attributes.find((a) => a.type === 'med')).toEqual({ type: 'med', med: 10 });
  });
  it('iBGP: AS path unchanged, LOCAL_PREF kept', () => {
    const out = exportAttributes(route, { ibgp: true, localAs: 65001, localAddress: '198.18.0.10', routeServerClient: false, routeReflectorClient: false, address: '198.18.0.1', clusterId: '192.0.2.1' });
    expect(out?.attributes.find((a) => a.type === 'as-path')).toEqual({ type: 'as-path', segments: [] });
    expect(out?.attributes.find((a) => a.type === 'local-pref')).toEqual({ type: 'local-pref', localPref: 200 });
  });
  it('a route learned over eBGP loses its MED toward another AS, and iBGP routes are not re-sent to iBGP', () => {
    const rib = new AdjRibIn({ address: '192.0.2.2', asn: 65002, bgpId: '192.0.2.2', ibgp: false }, interner);
    rib.apply(update([v4(1)], [], [...base, { type: 'next-hop', nextHop: '192.0.2.2' }, { type: 'med', med: 5 }]));
    const learned = [...rib.all()][0];
    if (!learned) throw new Error('no route');
    const out = exportAttributes(learned, { ibgp: false, localAs: 65001, localAddress: '198.18.0.10', routeServerClient: false, routeReflectorClient: false, address: '198.18.0.1', clusterId: '192.0.2.1' });
    expect(out?.attributes.some((a) => a.type === 'med')).toBe(false);
    expect(out?.attributes.find((a) => a.type === 'as-path')).toEqual({ type: 'as-path', segments: [{ kind: 'sequence', asns: [65001, 65002] }] });
    const ibgpRib = new AdjRibIn({ address: '192.0.2.3', asn: 65001, bgpId: '192.0.2.3', ibgp: true }, interner);
    ibgpRib.apply(update([v4(2)]));
    const ibgpRoute = [...ibgpRib.all()][0];
    if (!ibgpRoute) throw new Error('no route');
    expect(exportAttributes(ibgpRoute, { ibgp: true, localAs: 65001, localAddress: '198.18.0.10', routeServerClient: false, routeReflectorClient: false, address: '198.18.0.1', clusterId: '192.0.2.1' })).toBeNull();
  });
});

describe('export rules: a set the rules leave alone', () => {
  it('is found so from its type codes alone: the same result as walking its attributes (random sets, sources and peers)', () => {
    const attr: fc.Arbitrary<PathAttribute> = fc.oneof(
      fc.constant<PathAttribute>({ type: 'as-path', segments: [{ kind: 'sequence', asns: [65002] }] }),
      fc.constant<PathAttribute>({ type: 'med', med: 5 }),
      fc.constant<PathAttribute>({ type: 'local-pref', localPref: 150 }),
      fc.constant<PathAttribute>({ type: 'originator-id', originatorId: '10.0.0.9' }),
      fc.constant<PathAttribute>({ type: 'cluster-list', clusterIds: ['10.0.0.8'] }),
      fc.constant<PathAttribute>({ type: 'communities', communities: [0xfde90001] }),
      fc.constant<PathAttribute>({ type: 'atomic-aggregate' }),
    );
    const source = fc.record({ address: fc.constantFrom('local', '192.0.2.2'), asn: fc.constant(65002), bgpId: fc.constant('192.0.2.2'), ibgp: fc.boolean(), reflectorClient: fc.boolean() });
    const peer = fc.record({ address: fc.constant('198.18.0.1'), ibgp: fc.boolean(), localAs: fc.constant(65001), localAddress: fc.constant('198.18.0.10'), routeServerClient: fc.boolean(), routeReflectorClient: fc.boolean(), clusterId: fc.constant('192.0.2.1') });
    fc.assert(
      fc.property(fc.uniqueArray(attr, { selector: (a) => a.type, maxLength: 6 }), source, peer, fc.constantFrom('192.0.2.2', 'self'), (list, src, p, hop) => {
        const attrs = new AttributeInterner().intern([{ type: 'origin', origin: 0 }, ...list], hop);
        const route = makeRoute({ afi: 1, safi: 1, nlri: v4(1), attrs, source: src, stale: false });
        const fast = exportAttributes(route, p);
        // The same attributes given as a policy result take the walk through every attribute.
        const walked = exportAttributes(route, p, { attributes: attrs.attributes, nextHop: null });
        expect(fast === null ? null : { attributes: fast.attributes, nextHop: fast.nextHop }).toEqual(walked === null ? null : { attributes: walked.attributes, nextHop: walked.nextHop });
        // Left alone and with its own next hop, the set itself is the result.
        if (fast !== null && fast.nextHop === attrs.nextHop && JSON.stringify(fast.attributes) === JSON.stringify(attrs.attributes)) expect(fast).toBe(attrs);
      }),
      { numRuns: 1000 },
    );
  });
});

import { compareRoutes, selectBest } from '../../../../src/bgp/rib/decision';
import type { Route } from '../../../../src/bgp/rib/route';

describe('decision process (RFC 4271 §9.1.2.2)', () => {
  const interner = new AttributeInterner();
  const mk = (src: { address: string; asn: number; ibgp: boolean; bgpId?: string }, extra: PathAttribute[], path: number[] = [src.asn]): Route => {
    const rib = new AdjRibIn({ address: src.address, asn: src.asn, bgpId: src.bgpId ?? src.address, ibgp: src.ibgp }, interner);
    rib.apply(update([v4(1)], [], [{ type: 'origin', origin: 0 }, { type: 'as-path', segments: path.length ? [{ kind: 'sequence', asns: path }] : [] }, { type: 'next-hop', nextHop: src.address }, ...extra]));
    const r = [...rib.all()][0];
    if (!r) throw new Error('no route');
    return r;
  };
  const mkOrigin = (src: { address: string; asn: number; ibgp: boolean }, origin: 0 | 1 | 2): Route => {
    const rib = new AdjRibIn({ ...src, bgpId: src.address }, interner);
    rib.apply(update([v4(1)], [], [{ type: 'origin', origin }, { type: 'as-path', segments: [{ kind: 'sequence', asns: [src.asn] }] }, { type: 'next-hop', nextHop: src.address }]));
    const r = [...rib.all()][0];
    if (!r) throw new Error('no route');
    return r;
  };
  const A = { address: '192.0.2.2', asn: 65002, ibgp: false };
  const B = { address: '192.0.2.3', asn: 65003, ibgp: false };
  it.each<[string, Route, Route, string]>([
    ['local preference', mk(A, [{ type: 'local-pref', localPref: 200 }]), mk(B, []), 'higher local preference'],
    ['AS path length', mk(A, [], [65002]), mk(B, [], [65003, 65009]), 'shorter AS path'],
    ['origin', mk(A, []), mkOrigin(B, 2), 'lower origin'],
    ['router id', mk(A, []), mk(B, []), 'lower router id'],
    ['MED from the same AS', mk(A, [{ type: 'med', med: 5 }], [65002]), mk({ ...B, asn: 65002 }, [{ type: 'med', med: 10 }], [65002]), 'lower MED'],
    ['eBGP over iBGP', mk(A, [], [65009]), mk({ address: '192.0.2.1', asn: 65001, ibgp: true }, [], [65009]), 'eBGP over iBGP'],
  ])('%s', (_name, winner, loser, reason) => {
    const c = compareRoutes(winner, loser);
    expect(c.order).toBeLessThan(0);
    expect(c.reason).toBe(reason);
    expect(compareRoutes(loser, winner).order).toBeGreaterThan(0);
  });
  it('MED is ignored between different neighbor ASes unless always-compare is on', () => {
    const a = mk(A, [{ type: 'med', med: 50 }], [65002]);
    const b = mk(B, [{ type: 'med', med: 10 }], [65003]);
    expect(compareRoutes(a, b).reason).toBe('lower router id');
    expect(compareRoutes(b, a, { alwaysCompareMed: true, defaultLocalPref: 100 }).reason).toBe('lower MED');
  });
  it('selectBest explains each loser', () => {
    const a = mk(A, [{ type: 'local-pref', localPref: 50 }]);
    const b = mk(B, []);
    const best = selectBest([a, b]);
    expect(best?.best).toBe(b);
    expect(best?.reasons).toEqual([{ loser: a, reason: 'higher local preference' }]);
  });
});

describe('import checks', () => {
  it('an AS path holding our own AS is received but not accepted (RFC 4271 §9.1.2)', () => {
    const rib = new AdjRibIn(source, new AttributeInterner());
    rib.importFilter = (r) => (r.attrs.asPath.some((s) => s.asns.includes(65001)) ? 'loop' : r);
    rib.apply(update([v4(1)], [], [{ type: 'origin', origin: 0 }, { type: 'as-path', segments: [{ kind: 'sequence', asns: [65002, 65001] }] }, { type: 'next-hop', nextHop: '192.0.2.2' }]));
    rib.apply(update([v4(2)]));
    expect(rib.count(1, 1)).toBe(2);
    expect(rib.acceptedCount(1, 1)).toBe(1);
    expect([...rib.all()].find((r) => r.rejected !== undefined)?.rejected).toBe('loop');
    // A replacement without the loop is accepted again, and counts stay consistent.
    rib.apply(update([v4(1)]));
    expect(rib.acceptedCount(1, 1)).toBe(2);
    rib.apply(update([], [v4(1), v4(2)]));
    expect([rib.count(1, 1), rib.acceptedCount(1, 1)]).toEqual([0, 0]);
  });
});

import { NlriInterner } from '../../../../src/bgp/rib/nlri-intern';

describe('VPN route parts are shared (RDs, single labels)', () => {
  it('gives equal RDs and labels one object, keeps distinct ones apart, and leaves unicast routes alone', () => {
    const n = new NlriInterner();
    const mk = (rd: string, label: number): RoutableNlri => ({ kind: 'vpn', rd: parseRd(rd) ?? { type: 0, admin: 0, assigned: 0 }, labels: [label], prefix: ipv4Prefix(0x0a000000, 24) });
    const a = n.compact(mk('65000:1', 100));
    const b = n.compact(mk('65000:1', 100));
    const c = n.compact(mk('65000:2', 101));
    const d = n.compact(mk('1.2.3.4:1', 100));
    if (a.kind !== 'vpn' || b.kind !== 'vpn' || c.kind !== 'vpn' || d.kind !== 'vpn') throw new Error('kind');
    expect(b.rd).toBe(a.rd);
    expect(b.labels).toBe(a.labels);
    expect(c.rd).not.toBe(a.rd);
    expect(c.rd).toEqual(parseRd('65000:2'));
    expect(c.labels).toEqual([101]);
    // 1.2.3.4:1 (type 1) must not collide with any type 0 value.
    expect(d.rd).toEqual(parseRd('1.2.3.4:1'));
    expect(d.labels).toBe(a.labels);
    const u = v4(1);
    expect(n.compact(u)).toBe(u);
  });
});
