/**
 * The speaker end to end without sockets: routes from one neighbor reach the
 * others as RFC 4271 (transit), RFC 4456 (reflection) and RFC 7947 (route
 * server) say, under import and export policy, read back from encoded UPDATEs.
 */
import { Speaker } from '../../../../src/bgp/speaker/speaker';
import { ManualClock } from '../../../../src/bgp/session/clock';
import type { PathAttribute } from '../../../../src/bgp/wire/attributes/types';
import type { Nlri } from '../../../../src/bgp/wire/nlri/types';
import type { PolicyChain, PolicyInput, PolicyResult } from '../../../../src/bgp/policy/types';
import { ipv4Prefix, formatPrefix } from '../../../../src/bgp/wire/values/prefix';
import { FakePeer, LOCAL_AS, ROUTER_ID, attr, routeServerPair } from './fake-peer';

const p = (i: number): Nlri => ({ kind: 'unicast', safi: 1, prefix: ipv4Prefix((10 << 24) | (i << 8), 24) });
const P1 = '10.0.1.0/24';

function attrs(path: number[], nextHop: string, extra: PathAttribute[] = []): PathAttribute[] {
  return [{ type: 'origin', origin: 0 }, { type: 'as-path', segments: path.length ? [{ kind: 'sequence', asns: path }] : [] }, { type: 'next-hop', nextHop }, ...extra];
}

/** The test node sits on 192.0.2.0/24 (its neighbors' addresses) and nothing else. */
const CONNECTED = [ipv4Prefix(0xc0000200, 24)];

function speaker(opts: Partial<ConstructorParameters<typeof Speaker>[0]> = {}): Speaker {
  return new Speaker({ asn: LOCAL_AS, routerId: ROUTER_ID, clock: new ManualClock(), connected: () => CONNECTED, ...opts });
}

interface Reg {
  rs?: boolean;
  rr?: boolean;
  importPolicy?: PolicyChain;
  exportPolicy?: PolicyChain;
}

function join(s: Speaker, address: string, asn: number, reg: Reg = {}): FakePeer {
  const peer = new FakePeer(address, asn);
  s.addPeer(peer, {
    address,
    asn,
    routeServerClient: reg.rs ?? false,
    routeReflectorClient: reg.rr ?? false,
    ...(reg.importPolicy ? { importPolicy: reg.importPolicy } : {}),
    ...(reg.exportPolicy ? { exportPolicy: reg.exportPolicy } : {}),
  });
  peer.establish();
  return peer;
}

/** A hand-written policy chain (the engine has its own tests): `f` returns a result or null for accept-unchanged. */
function chain(name: string, f: (i: PolicyInput) => PolicyResult | null): PolicyChain {
  return { names: [name], evaluate: (i) => f(i) ?? { action: 'accept', policy: name, term: null, attributes: null, nextHop: null } };
}

describe('transit (RFC 4271 §9.1.3, §5.1)', () => {
  it('sends the best path to other eBGP neighbors with our AS prepended and next-hop-self, never back to its source', () => {
    const s = speaker();
    const a = join(s, '192.0.2.10', 65010);
    const b = join(s, '192.0.2.20', 65020);
    a.receive([p(1), p(2)], attrs([65010, 65100], '192.0.2.10', [{ type: 'med', med: 7 }]));
    const got = b.table().get(P1);
    expect(got).toBeDefined();
    expect(attr(got?.attributes, 'as-path')?.segments).toEqual([{ kind: 'sequence', asns: [LOCAL_AS, 65010, 65100] }]);
    expect(attr(got?.attributes, 'next-hop')?.nextHop).toBe('198.18.0.1');
    // RFC 4271 §5.1.4: a MED from a neighboring AS is not passed on.
    expect(attr(got?.attributes, 'med')).toBeUndefined();
    expect(b.table().size).toBe(2);
    expect(a.table().size).toBe(0);
    // Both prefixes share attributes: one UPDATE.
    expect(b.sent.filter((m) => m.nlri.length > 0)).toHaveLength(1);
  });

  it('follows the best path incrementally: a better path replaces, a withdrawal falls back, the last withdrawal withdraws', () => {
    const s = speaker();
    const a = join(s, '192.0.2.10', 65010);
    const c = join(s, '192.0.2.30', 65030);
    const b = join(s, '192.0.2.20', 65020);
    a.receive([p(1)], attrs([65010, 65100, 65101], '192.0.2.10'));
    expect(attr(b.table().get(P1)?.attributes, 'as-path')?.segments[0]?.asns).toEqual([LOCAL_AS, 65010, 65100, 65101]);
    c.receive([p(1)], attrs([65030, 65101], '192.0.2.30'));
    expect(attr(b.table().get(P1)?.attributes, 'as-path')?.segments[0]?.asns).toEqual([LOCAL_AS, 65030, 65101]);
    // A worse path arriving changes nothing for b: no UPDATE at all.
    const before = b.sent.length;
    a.receive([p(1)], attrs([65010, 65100, 65102, 65101], '192.0.2.10'));
    expect(b.sent.length).toBe(before);
    c.receive([], [], [p(1)]);
    expect(attr(b.table().get(P1)?.attributes, 'as-path')?.segments[0]?.asns).toEqual([LOCAL_AS, 65010, 65100, 65102, 65101]);
    // The source of the best path (a) now gets c's... no: c withdrew; a gets nothing (its own path is best).
    expect(a.table().has(P1)).toBe(false);
    a.receive([], [], [p(1)]);
    expect(b.table().has(P1)).toBe(false);
    expect(s.loc.size).toBe(0);
  });

  it('a neighbor that comes up later gets the whole table, then End-of-RIB', () => {
    const s = speaker();
    const a = join(s, '192.0.2.10', 65010);
    a.receive([p(1), p(2), p(3)], attrs([65010], '192.0.2.10'));
    const late = join(s, '192.0.2.40', 65040);
    expect(late.table().size).toBe(3);
    expect(late.eorSent).toBe(true);
  });

  it('a neighbor going down withdraws its routes from everyone', () => {
    const s = speaker();
    const a = join(s, '192.0.2.10', 65010);
    const b = join(s, '192.0.2.20', 65020);
    a.receive([p(1), p(2)], attrs([65010], '192.0.2.10'));
    expect(b.table().size).toBe(2);
    a.emit('down', { reason: 'test', graceful: null });
    expect(b.table().size).toBe(0);
  });

  it('does not re-advertise iBGP-learned routes to iBGP neighbors (RFC 4271 §9.2), but does to eBGP', () => {
    const s = speaker();
    const i1 = join(s, '192.0.2.11', LOCAL_AS);
    const i2 = join(s, '192.0.2.12', LOCAL_AS);
    const e = join(s, '192.0.2.20', 65020);
    i1.receive([p(1)], attrs([65100], '192.0.2.11', [{ type: 'local-pref', localPref: 150 }]));
    expect(i2.table().size).toBe(0);
    expect(e.table().size).toBe(1);
    expect(attr(e.table().get(P1)?.attributes, 'local-pref')).toBeUndefined();
  });

  it('toward iBGP keeps the eBGP next hop and adds LOCAL_PREF 100 (RFC 4271 §5.1.5)', () => {
    const s = speaker();
    const e = join(s, '192.0.2.20', 65020);
    const i = join(s, '192.0.2.11', LOCAL_AS);
    e.receive([p(1)], attrs([65020], '192.0.2.20'));
    const got = i.table().get(P1);
    expect(attr(got?.attributes, 'next-hop')?.nextHop).toBe('192.0.2.20');
    expect(attr(got?.attributes, 'local-pref')?.localPref).toBe(100);
    expect(attr(got?.attributes, 'as-path')?.segments[0]?.asns).toEqual([65020]);
  });

  it('honours NO_ADVERTISE, NO_EXPORT and NO_EXPORT_SUBCONFED (RFC 1997)', () => {
    const s = speaker();
    const src = join(s, '192.0.2.10', 65010);
    const e = join(s, '192.0.2.20', 65020);
    const i = join(s, '192.0.2.11', LOCAL_AS);
    src.receive([p(1)], attrs([65010], '192.0.2.10', [{ type: 'communities', communities: [0xffffff01] }]));
    src.receive([p(2)], attrs([65010], '192.0.2.10', [{ type: 'communities', communities: [0xffffff02] }]));
    src.receive([p(3)], attrs([65010], '192.0.2.10', [{ type: 'communities', communities: [0xffffff03] }]));
    expect([...e.table().keys()]).toEqual([]);
    expect([...i.table().keys()].sort()).toEqual(['10.0.1.0/24', '10.0.3.0/24']);
  });

  it('refuses routes with our own AS in the path (RFC 4271 §9.1.2): kept in Adj-RIB-In, never selected', () => {
    const s = speaker();
    const a = join(s, '192.0.2.10', 65010);
    const b = join(s, '192.0.2.20', 65020);
    a.receive([p(1)], attrs([65010, LOCAL_AS, 65100], '192.0.2.10'));
    expect(b.table().size).toBe(0);
    expect(s.peerRoutes('192.0.2.10')?.ribIn.count(1, 1)).toBe(1);
    expect(s.peerRoutes('192.0.2.10')?.ribIn.acceptedCount(1, 1)).toBe(0);
  });
});

describe('next-hop reachability (RFC 4271 §9.1.2.1)', () => {
  it('holds back an iBGP route whose next hop does not resolve, until a covering route arrives, and again when it goes', () => {
    const s = speaker();
    const i = join(s, '192.0.2.11', LOCAL_AS);
    const e = join(s, '192.0.2.20', 65020);
    const e2 = join(s, '192.0.2.21', 65021);
    i.receive([p(1)], attrs([65100], '203.0.113.9'));
    expect(s.loc.best('1/1||10.0.1.0/24')).toBeUndefined();
    expect(e.table().has(P1)).toBe(false);
    // A route toward the next hop (learned over eBGP, next hop on the connected network) makes it resolve.
    e2.receive([{ kind: 'unicast', safi: 1, prefix: ipv4Prefix(0xcb007100, 24) }], attrs([65021], '192.0.2.21'));
    expect(s.loc.best('1/1||10.0.1.0/24')?.source.address).toBe('192.0.2.11');
    expect(e.table().has(P1)).toBe(true);
    e2.receive([], [], [{ kind: 'unicast', safi: 1, prefix: ipv4Prefix(0xcb007100, 24) }]);
    expect(s.loc.best('1/1||10.0.1.0/24')).toBeUndefined();
    expect(e.table().has(P1)).toBe(false);
  });

  it("resolves a next hop that is an Established neighbor's address (iBGP between loopbacks, no IGP)", () => {
    const s = speaker();
    const i = join(s, '203.0.113.77', LOCAL_AS);
    i.receive([p(1)], attrs([], '203.0.113.77'));
    expect(s.loc.best('1/1||10.0.1.0/24')?.source.address).toBe('203.0.113.77');
  });

  it('resolves over the connected network, and never through the route itself', () => {
    const s = speaker();
    const i = join(s, '192.0.2.11', LOCAL_AS);
    i.receive([p(1)], attrs([], '192.0.2.11'));
    i.receive([{ kind: 'unicast', safi: 1, prefix: ipv4Prefix(0xc6336400, 24) }], attrs([], '198.51.100.1'));
    expect(s.loc.best('1/1||10.0.1.0/24')).toBeDefined();
    expect(s.loc.best('1/1||198.51.100.0/24')).toBeUndefined();
  });
});

describe('route reflector (RFC 4456)', () => {
  it("reflects a client's route to clients and non-clients with ORIGINATOR_ID and CLUSTER_LIST", () => {
    const s = speaker({ clusterId: '192.0.2.99' });
    const c1 = join(s, '192.0.2.11', LOCAL_AS, { rr: true });
    const c2 = join(s, '192.0.2.12', LOCAL_AS, { rr: true });
    const n1 = join(s, '192.0.2.13', LOCAL_AS);
    c1.receive([p(1)], attrs([65100], '192.0.2.11'));
    for (const peer of [c2, n1]) {
      const got = peer.table().get(P1);
      expect(attr(got?.attributes, 'originator-id')?.originatorId).toBe('192.0.2.11');
      expect(attr(got?.attributes, 'cluster-list')?.clusterIds).toEqual(['192.0.2.99']);
      expect(attr(got?.attributes, 'next-hop')?.nextHop).toBe('192.0.2.11');
    }
  });

  it("reflects a non-client's route to clients only, and prepends to an existing CLUSTER_LIST", () => {
    const s = speaker({ clusterId: '192.0.2.99' });
    const c1 = join(s, '192.0.2.11', LOCAL_AS, { rr: true });
    const n1 = join(s, '192.0.2.13', LOCAL_AS);
    const n2 = join(s, '192.0.2.14', LOCAL_AS);
    n1.receive([p(1)], attrs([], '192.0.2.13', [{ type: 'originator-id', originatorId: '192.0.2.50' }, { type: 'cluster-list', clusterIds: ['192.0.2.77'] }]));
    expect(n2.table().size).toBe(0);
    const got = c1.table().get(P1);
    expect(attr(got?.attributes, 'originator-id')?.originatorId).toBe('192.0.2.50');
    expect(attr(got?.attributes, 'cluster-list')?.clusterIds).toEqual(['192.0.2.99', '192.0.2.77']);
  });

  it('drops reflected routes that loop: our router id as ORIGINATOR_ID, our cluster id in CLUSTER_LIST (RFC 4456 §8)', () => {
    const s = speaker({ clusterId: '192.0.2.99' });
    const c1 = join(s, '192.0.2.11', LOCAL_AS, { rr: true });
    const c2 = join(s, '192.0.2.12', LOCAL_AS, { rr: true });
    c1.receive([p(1)], attrs([], '192.0.2.11', [{ type: 'originator-id', originatorId: ROUTER_ID }]));
    c1.receive([p(2)], attrs([], '192.0.2.11', [{ type: 'cluster-list', clusterIds: ['192.0.2.5', '192.0.2.99'] }]));
    expect(c2.table().size).toBe(0);
    const reasons = [...(s.peerRoutes('192.0.2.11')?.ribIn.all() ?? [])].map((r) => r.rejected);
    expect(reasons.sort()).toEqual(['CLUSTER_LIST holds our cluster id', 'ORIGINATOR_ID is our router id']);
  });

  it('prefers the shorter CLUSTER_LIST when all else is equal (RFC 4456 §9)', () => {
    const s = speaker();
    const c1 = join(s, '192.0.2.11', LOCAL_AS, { rr: true });
    const c2 = join(s, '192.0.2.12', LOCAL_AS, { rr: true });
    const e = join(s, '192.0.2.20', 65020);
    c1.receive([p(1)], attrs([65100], '192.0.2.11', [{ type: 'originator-id', originatorId: '192.0.2.50' }, { type: 'cluster-list', clusterIds: ['192.0.2.7', '192.0.2.8'] }]));
    c2.receive([p(1)], attrs([65100], '192.0.2.12', [{ type: 'originator-id', originatorId: '192.0.2.50' }, { type: 'cluster-list', clusterIds: ['192.0.2.7'] }]));
    expect(s.loc.best('1/1||10.0.1.0/24')?.source.address).toBe('192.0.2.12');
    expect(e.table().has(P1)).toBe(true);
  });
});

describe('route server (RFC 7947)', () => {
  it('is transparent: no AS prepended, next hop and MED left alone', () => {
    const s = speaker();
    const a = join(s, '192.0.2.10', 65010, { rs: true });
    const b = join(s, '192.0.2.20', 65020, { rs: true });
    a.receive([p(1)], attrs([65010], '192.0.2.10', [{ type: 'med', med: 42 }, { type: 'communities', communities: [0xfde80001] }]));
    const got = b.table().get(P1);
    expect(attr(got?.attributes, 'as-path')?.segments).toEqual([{ kind: 'sequence', asns: [65010] }]);
    expect(attr(got?.attributes, 'next-hop')?.nextHop).toBe('192.0.2.10');
    expect(attr(got?.attributes, 'med')?.med).toBe(42);
    expect(attr(got?.attributes, 'communities')?.communities).toEqual([0xfde80001]);
  });

  it("gives each client the best path its own export policy accepts (per-client Loc-RIB, §2.3.2.1); an ordinary neighbor gets nothing then", () => {
    const s = speaker();
    const a = join(s, '192.0.2.10', 65010, { rs: true });
    const c = join(s, '192.0.2.30', 65030, { rs: true });
    const noA = chain('no-65010', (i) => (i.attrs.asPath[0]?.asns[0] === 65010 ? { action: 'reject', policy: 'no-65010', term: 't' } : null));
    const b = join(s, '192.0.2.20', 65020, { rs: true, exportPolicy: noA });
    const plain = join(s, '192.0.2.21', 65021, { exportPolicy: noA });
    a.receive([p(1)], attrs([65010], '192.0.2.10'));
    c.receive([p(1)], attrs([65030, 65031], '192.0.2.30'));
    expect(s.loc.best('1/1||10.0.1.0/24')?.source.address).toBe('192.0.2.10');
    expect(attr(b.table().get(P1)?.attributes, 'next-hop')?.nextHop).toBe('192.0.2.30');
    expect(plain.table().has(P1)).toBe(false);
    // The client that sent the best path gets the next one (no path hiding toward it either).
    expect(attr(a.table().get(P1)?.attributes, 'next-hop')?.nextHop).toBe('192.0.2.30');
    c.receive([], [], [p(1)]);
    expect(b.table().has(P1)).toBe(false);
  });

  it('applies the central route-server import policy to every client, after its own', () => {
    const central = chain('central', (i) => (i.nlri.prefix.length > 24 ? { action: 'reject', policy: 'central', term: 'too-long' } : null));
    const s = speaker({ routeServerImport: central });
    const a = join(s, '192.0.2.10', 65010, { rs: true });
    const b = join(s, '192.0.2.20', 65020, { rs: true });
    a.receive([p(1), { kind: 'unicast', safi: 1, prefix: ipv4Prefix(0x0a000280, 25) }], attrs([65010], '192.0.2.10'));
    expect([...b.table().keys()]).toEqual([P1]);
    const refused = [...(s.peerRoutes('192.0.2.10')?.ribIn.all() ?? [])].find((r) => r.rejected !== undefined);
    expect(formatPrefix(refused?.nlri.prefix ?? ipv4Prefix(0, 0))).toBe('10.0.2.128/25');
    expect(refused?.rejected).toBe('import policy central term too-long');
  });
});

describe('policy without session reset', () => {
  it('a new import policy is applied to the kept Adj-RIB-In (soft reconfiguration) and changes the best path', () => {
    const s = speaker();
    const a = join(s, '192.0.2.10', 65010);
    const c = join(s, '192.0.2.30', 65030);
    const b = join(s, '192.0.2.20', 65020);
    a.receive([p(1)], attrs([65010], '192.0.2.10'));
    c.receive([p(1)], attrs([65030, 65031], '192.0.2.30'));
    expect(s.loc.best('1/1||10.0.1.0/24')?.source.address).toBe('192.0.2.10');
    const prefer = chain('prefer-c', (i) => ({ action: 'accept', policy: 'prefer-c', term: 'lp', attributes: [...i.attrs.attributes, { type: 'local-pref', localPref: 300 }], nextHop: null }));
    s.setPolicies('192.0.2.30', prefer, { names: [], evaluate: () => ({ action: 'accept', policy: null, term: null, attributes: null, nextHop: null }) });
    expect(s.loc.best('1/1||10.0.1.0/24')?.source.address).toBe('192.0.2.30');
    expect(attr(b.table().get(P1)?.attributes, 'as-path')?.segments[0]?.asns).toEqual([LOCAL_AS, 65030, 65031]);
    const kept = s.peerRoutes('192.0.2.30')?.ribIn.get('1/1||10.0.1.0/24');
    expect(kept?.received?.localPref).toBeUndefined();
    expect(kept?.attrs.localPref).toBe(300);
  });

  it('an export policy can rewrite what one neighbor gets, and a changed one takes effect at once', () => {
    const s = speaker();
    const a = join(s, '192.0.2.10', 65010);
    const b = join(s, '192.0.2.20', 65020);
    a.receive([p(1), p(2)], attrs([65010], '192.0.2.10'));
    const onlyP1 = chain('only-p1', (i) => (formatPrefix(i.nlri.prefix) === P1 ? { action: 'accept', policy: 'only-p1', term: 'med', attributes: [...i.attrs.attributes, { type: 'med', med: 99 }], nextHop: null } : { action: 'reject', policy: 'only-p1', term: null }));
    s.setPolicies('192.0.2.20', { names: [], evaluate: () => ({ action: 'accept', policy: null, term: null, attributes: null, nextHop: null }) }, onlyP1);
    expect([...b.table().keys()]).toEqual([P1]);
    expect(attr(b.table().get(P1)?.attributes, 'med')?.med).toBe(99);
  });
});

describe('update groups', () => {
  it('neighbors with the same export settings share one group and its computed attributes', () => {
    const s = speaker();
    const a = join(s, '192.0.2.10', 65010);
    join(s, '192.0.2.20', 65020);
    join(s, '192.0.2.21', 65021);
    const groups = [...s.updateGroups()];
    // a, and the two others: all eBGP with the same local address and no policy.
    expect(groups).toHaveLength(1);
    a.receive(Array.from({ length: 100 }, (_, i) => p(i)), attrs([65010], '192.0.2.10'));
    const g = groups[0];
    expect(g?.misses).toBe(1);
    expect(g?.hits).toBeGreaterThanOrEqual(199);
  });

  it('sends what the UPDATEs of one socket read changed once, after the read, the same as UPDATE by UPDATE', () => {
    const run = (bracket: boolean): { during: number; table: string[] } => {
      const s = speaker();
      const a = join(s, '192.0.2.10', 65010);
      const b = join(s, '192.0.2.20', 65020);
      if (bracket) a.emit('read-start');
      a.receive([p(1), p(2)], attrs([65010], '192.0.2.10'));
      a.receive([p(3)], attrs([65010, 65011], '192.0.2.10'));
      a.receive([p(4)], attrs([65010], '192.0.2.10'), [p(2)]);
      const during = b.sent.length;
      if (bracket) a.emit('read-end');
      return { during, table: [...b.table()].map(([k, v]) => `${k} ${JSON.stringify(attr(v.attributes, 'as-path'))}`).sort() };
    };
    const batched = run(true);
    const each = run(false);
    expect(batched.during).toBe(0);
    expect(each.during).toBeGreaterThan(0);
    expect(batched.table).toEqual(each.table);
    expect(batched.table).toHaveLength(3);
  });

  it('packs prefixes sharing attributes into as few UPDATEs as 4096 octets allow', () => {
    const s = speaker();
    const a = join(s, '192.0.2.10', 65010);
    const b = join(s, '192.0.2.20', 65020);
    // More than one UPDATE of ours could carry: given as decoded, not through the wire.
    a.receiveDecoded(Array.from({ length: 2000 }, (_, i) => ({ kind: 'unicast', safi: 1, prefix: ipv4Prefix((11 << 24) | (i << 8), 24) })), attrs([65010], '192.0.2.10'));
    const announcements = b.sent.filter((m) => m.nlri.length > 0);
    // 2000 × 4 octets of NLRI over ≈4050 octets per UPDATE.
    expect(announcements.length).toBe(2);
    expect(b.table().size).toBe(2000);
  });
});

describe('best-path events', () => {
  it('reports each change of a destination best path, and its removal, once', () => {
    const s = speaker();
    const seen: [string, string | undefined][] = [];
    s.onBestChange((k, best) => seen.push([k, best?.source.address]));
    const a = join(s, '192.0.2.10', 65010);
    const c = join(s, '192.0.2.30', 65030);
    a.receive([p(1)], attrs([65010, 65100], '192.0.2.10'));
    c.receive([p(1)], attrs([65030, 65100, 65101], '192.0.2.30'));
    c.receive([p(1)], attrs([65030], '192.0.2.30'));
    a.receive([], [], [p(1)]);
    c.receive([], [], [p(1)]);
    expect(seen).toEqual([
      ['1/1||10.0.1.0/24', '192.0.2.10'],
      ['1/1||10.0.1.0/24', '192.0.2.30'],
      // a's withdrawal does not change the best path (c's); c's does.
      ['1/1||10.0.1.0/24', undefined],
    ]);
  });

  it('calls a listener only for the families it names (afi × 65536 + safi)', () => {
    const s = speaker();
    const v4: string[] = [];
    const vpn: string[] = [];
    s.onBestChange((k) => v4.push(k), [65537]);
    s.onBestChange((k) => vpn.push(k), [65536 + 128]);
    const a = join(s, '192.0.2.10', 65010);
    a.receive([p(1), p(2)], attrs([65010], '192.0.2.10'));
    a.receive([], [], [p(1)]);
    expect(v4).toEqual(['1/1||10.0.1.0/24', '1/1||10.0.2.0/24', '1/1||10.0.1.0/24']);
    expect(vpn).toEqual([]);
  });
});

describe('graceful restart through the Loc-RIB (RFC 4724 §4.2)', () => {
  it("keeps a restarting neighbor's routes as stale for the others, lets fresh paths win, and sweeps what End-of-RIB does not renew", () => {
    const clock = new ManualClock();
    const s = speaker({ clock });
    const a = join(s, '192.0.2.10', 65010);
    const c = join(s, '192.0.2.30', 65030);
    const b = join(s, '192.0.2.20', 65020);
    a.receive([p(1), p(2)], attrs([65010], '192.0.2.10'));
    c.receive([p(2)], attrs([65030, 65031, 65032], '192.0.2.30'));
    expect(attr(b.table().get('10.0.2.0/24')?.attributes, 'as-path')?.segments[0]?.asns).toEqual([LOCAL_AS, 65010]);
    a.emit('down', { reason: { type: 'stopped', manual: false }, text: 'restart', graceful: { restartTime: 120, families: [{ afi: 1, safi: 1, forwardingPreserved: true }] } });
    // Stale paths stay (b keeps 10.0.1.0/24), but a fresh path beats a stale one whatever its AS path length.
    expect(b.table().has(P1)).toBe(true);
    expect(attr(b.table().get('10.0.2.0/24')?.attributes, 'as-path')?.segments[0]?.asns).toEqual([LOCAL_AS, 65030, 65031, 65032]);
    // The neighbor comes back, re-announces only 10.0.2.0/24 and sends End-of-RIB: 10.0.1.0/24 is swept.
    a.establish();
    a.receive([p(2)], attrs([65010], '192.0.2.10'));
    a.emit('end-of-rib', 1, 1);
    expect(b.table().has(P1)).toBe(false);
    expect(attr(b.table().get('10.0.2.0/24')?.attributes, 'as-path')?.segments[0]?.asns).toEqual([LOCAL_AS, 65010]);
  });

  it('sweeps stale routes when the restart timer runs out', () => {
    const clock = new ManualClock();
    const s = speaker({ clock });
    const a = join(s, '192.0.2.10', 65010);
    const b = join(s, '192.0.2.20', 65020);
    a.receive([p(1)], attrs([65010], '192.0.2.10'));
    a.emit('down', { reason: { type: 'stopped', manual: false }, text: 'restart', graceful: { restartTime: 30, families: [{ afi: 1, safi: 1, forwardingPreserved: true }] } });
    clock.advance(29_000);
    expect(b.table().has(P1)).toBe(true);
    clock.advance(2_000);
    expect(b.table().has(P1)).toBe(false);
  });
});

describe('other families', () => {
  const v6 = (i: number): Nlri => ({ kind: 'unicast', safi: 1, prefix: { afi: 2, length: 48, address: new Uint8Array([0x20, 0x01, 0x0d, 0xb8, 0, i, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]) } });
  const mpAttrs = (afi: number, safi: number, nlri: Nlri[], nextHop: string, path: number[], extra: PathAttribute[] = []): PathAttribute[] => [
    { type: 'origin', origin: 0 },
    { type: 'as-path', segments: [{ kind: 'sequence', asns: path }] },
    { type: 'mp-reach', afi, safi, nextHop: safi === 128 ? { address: nextHop, rd: { type: 0, admin: 0, assigned: 0 } } : { address: nextHop }, nlri },
    ...extra,
  ];
  it('IPv6 transit over IPv4 sessions: next-hop-self is the IPv4-mapped address', () => {
    const s = speaker();
    const a = new FakePeer('192.0.2.10', 65010);
    const b = new FakePeer('192.0.2.20', 65020);
    s.addPeer(a, { address: a.address, asn: 65010, routeServerClient: false });
    s.addPeer(b, { address: b.address, asn: 65020, routeServerClient: false });
    a.establish([{ afi: 2, safi: 1 }]);
    b.establish([{ afi: 2, safi: 1 }]);
    a.emit('update', { type: 'update', withdrawn: [], nlri: [], errors: [], attributes: mpAttrs(2, 1, [v6(1), v6(2)], '2001:db8::10', [65010]) });
    const got = b.table().get('2001:db8:1::/48');
    const mp = attr(got?.attributes, 'mp-reach');
    expect(mp?.nextHop.address).toBe('::ffff:198.18.0.1');
    expect(mp?.nlri).toHaveLength(2);
    expect(attr(got?.attributes, 'as-path')?.segments[0]?.asns).toEqual([LOCAL_AS, 65010]);
  });

  it('VPNv4 through a route server keeps RD, labels, route targets and next hop', () => {
    const s = speaker();
    const [a, b] = routeServerPair(s, [{ afi: 1, safi: 128 }]);
    const rd = { type: 0, admin: 65010, assigned: 7 };
    const rt = { kind: 'route-target' as const, form: 'as2' as const, transitive: true, admin: 65010, assigned: 7 };
    const vpn = (i: number, label: number): Nlri => ({ kind: 'vpn', rd, labels: [label], prefix: ipv4Prefix((10 << 24) | (i << 8), 24) });
    a.emit('update', { type: 'update', withdrawn: [], nlri: [], errors: [], attributes: mpAttrs(1, 128, [vpn(1, 100), vpn(2, 200)], '192.0.2.10', [65010], [{ type: 'extended-communities', communities: [rt] }]) });
    const sent = b.sent.flatMap((m) => m.attributes.flatMap((x) => (x.type === 'mp-reach' ? x.nlri.map((n) => ({ n, nh: x.nextHop.address, attrs: m.attributes })) : [])));
    expect(sent.map(({ n }) => (n.kind === 'vpn' ? [n.rd, n.labels] : null))).toEqual([
      [rd, [100]],
      [rd, [200]],
    ]);
    expect(sent[0]?.nh).toBe('192.0.2.10');
    expect(attr(sent[0]?.attrs, 'extended-communities')?.communities).toEqual([rt]);
    // A new label for the same RD and prefix is a change the neighbor must see.
    a.emit('update', { type: 'update', withdrawn: [], nlri: [], errors: [], attributes: mpAttrs(1, 128, [vpn(1, 101)], '192.0.2.10', [65010], [{ type: 'extended-communities', communities: [rt] }]) });
    const last = b.sent[b.sent.length - 1];
    const nlri = attr(last?.attributes, 'mp-reach')?.nlri[0];
    expect(nlri?.kind === 'vpn' ? nlri.labels : null).toEqual([101]);
  });
});

describe('next-hop resolution for IPv6', () => {
  it('resolves an IPv6 next hop through a covering IPv6 route, not through itself', () => {
    const s = speaker();
    const i = join(s, '192.0.2.11', LOCAL_AS);
    const e = join(s, '192.0.2.21', 65021);
    const fams = [{ afi: 2, safi: 1 }];
    i.establish(fams);
    e.establish(fams);
    const pfx = (b: number[], length: number): Nlri => ({ kind: 'unicast', safi: 1, prefix: { afi: 2, length, address: new Uint8Array([...b, ...new Array(16 - b.length).fill(0)]) } });
    const mp = (nlri: Nlri[], nh: string, path: number[]): PathAttribute[] => [
      { type: 'origin', origin: 0 },
      { type: 'as-path', segments: path.length ? [{ kind: 'sequence', asns: path }] : [] },
      { type: 'mp-reach', afi: 2, safi: 1, nextHop: { address: nh }, nlri },
    ];
    i.emit('update', { type: 'update', withdrawn: [], nlri: [], errors: [], attributes: mp([pfx([0x20, 0x01, 0x0d, 0xb8, 0, 1], 48)], '2001:db8:ff::9', []) });
    expect(s.loc.best('2/1||2001:db8:1::/48')).toBeUndefined();
    e.emit('update', { type: 'update', withdrawn: [], nlri: [], errors: [], attributes: mp([pfx([0x20, 0x01, 0x0d, 0xb8, 0, 0xff], 48)], '2001:db8:ff::21', [65021]) });
    expect(s.loc.best('2/1||2001:db8:1::/48')?.source.address).toBe('192.0.2.11');
  });
});
