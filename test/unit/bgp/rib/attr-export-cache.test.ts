import { AttributeInterner, type AttributeSet } from '../../../../src/bgp/rib/attribute-set';
import type { ExportPeer } from '../../../../src/bgp/rib/export-rules';
import type { Route, RouteSource } from '../../../../src/bgp/rib/route';
import { ACCEPT_ALL } from '../../../../src/bgp/policy/types';
import { sameExport, UpdateGroup } from '../../../../src/bgp/speaker/update-group';
import type { PathAttribute } from '../../../../src/bgp/wire/attributes/types';
import { ipv4Prefix } from '../../../../src/bgp/wire/values/prefix';

const ebgpSource: RouteSource = { address: '192.0.2.2', asn: 65002, bgpId: '192.0.2.2', ibgp: false };
const ibgpSource: RouteSource = { address: '10.0.0.5', asn: 65000, bgpId: '10.0.0.5', ibgp: true };

function peer(over: Partial<ExportPeer>): ExportPeer {
  return { address: '192.0.2.9', ibgp: false, localAs: 65000, localAddress: '10.0.0.1', routeServerClient: false, routeReflectorClient: false, clusterId: '10.0.0.1', ...over };
}

function route(attrs: AttributeSet, source: RouteSource = ebgpSource, n = 1): Route {
  return { afi: 1, safi: 1, nlri: { kind: 'unicast', safi: 1, prefix: ipv4Prefix((10 << 24) | (n << 8), 24) }, attrs, source, stale: false };
}

function list(asn: number, extra: PathAttribute[] = []): PathAttribute[] {
  return [{ type: 'origin', origin: 0 }, { type: 'as-path', segments: [{ kind: 'sequence', asns: [65002, asn] }] }, ...extra];
}

describe('UpdateGroup export cache', () => {
  it('exports a set a route server passes unchanged as the set itself, with no object per set', () => {
    const interner = new AttributeInterner();
    const group = new UpdateGroup('rs', peer({ routeServerClient: true }), ACCEPT_ALL);
    group.members.add('192.0.2.9');
    const a = interner.intern(list(1), '192.0.2.2');
    const b = interner.intern(list(2), '192.0.2.2');
    expect(group.exported(route(a))).toBe(a);
    expect(group.exported(route(b))).toBe(b);
    // Both sets hold the same shared slot.
    expect(a.memo).not.toBeNull();
    expect(b.memo).toBe(a.memo);
    expect(group.exported(route(a, ebgpSource, 2))).toBe(a);
    expect(group.misses).toBe(2);
    expect(group.hits).toBe(1);
  });

  it('caches a route that must not be exported, and rewritten results per set', () => {
    const interner = new AttributeInterner();
    const group = new UpdateGroup('e', peer({}), ACCEPT_ALL);
    group.members.add('192.0.2.9');
    const blocked = interner.intern(list(1, [{ type: 'communities', communities: [0xffffff02] }]), '192.0.2.2');
    const plain = interner.intern(list(2), '192.0.2.2');
    expect(group.exported(route(blocked))).toBeNull();
    const out = group.exported(route(plain));
    expect(out).not.toBe(plain);
    expect(out?.nextHop).toBe('10.0.0.1');
    expect(out?.attributes[1]).toEqual({ type: 'as-path', segments: [{ kind: 'sequence', asns: [65000, 65002, 2] }] });
    expect(group.exported(route(blocked))).toBeNull();
    expect(group.exported(route(plain))).toBe(out);
    expect(group.misses).toBe(2);
  });

  it('keeps a result per source kind when one set comes from several', () => {
    const interner = new AttributeInterner();
    // An iBGP group of non-clients: eBGP-learned routes go out as they are (LOCAL_PREF already set), iBGP-learned ones not at all.
    const group = new UpdateGroup('i', peer({ ibgp: true }), ACCEPT_ALL);
    group.members.add('10.0.0.9');
    const s = interner.intern(list(1, [{ type: 'local-pref', localPref: 100 }]), '192.0.2.2');
    const fromE = route(s, ebgpSource);
    const fromI = route(s, ibgpSource);
    expect(group.exported(fromE)).toBe(s);
    expect(group.exported(fromI)).toBeNull();
    expect(group.exported(fromE)).toBe(s);
    expect(group.exported(fromI)).toBeNull();
    expect(group.misses).toBe(2);
    expect(group.hits).toBe(2);
  });

  it('gives each group its own results when several groups ask about one set', () => {
    const interner = new AttributeInterner();
    const rs = new UpdateGroup('rs', peer({ routeServerClient: true }), ACCEPT_ALL);
    const e = new UpdateGroup('e', peer({}), ACCEPT_ALL);
    rs.members.add('192.0.2.9');
    e.members.add('192.0.2.10');
    const s = interner.intern(list(1), '192.0.2.2');
    const t = interner.intern(list(2), '192.0.2.2');
    for (let i = 0; i < 2; i++) {
      expect(rs.exported(route(s))).toBe(s);
      expect(e.exported(route(s))?.nextHop).toBe('10.0.0.1');
      expect(rs.exported(route(t))).toBe(t);
      expect(e.exported(route(t))?.nextHop).toBe('10.0.0.1');
    }
    expect(rs.misses).toBe(2);
    expect(e.misses).toBe(2);
    // A group whose members are all gone gives the memo slot up to the next group that asks.
    rs.members.clear();
    const u = interner.intern(list(3), '192.0.2.2');
    rs.exported(route(u));
    e.exported(route(u));
    expect(e.exported(route(s))?.nextHop).toBe('10.0.0.1');
    expect(e.exported(route(u))?.nextHop).toBe('10.0.0.1');
    expect(rs.exported(route(u))).toBe(u);
  });

  it('compares a set used as its own export with an equal export by content', () => {
    const interner = new AttributeInterner();
    const s = interner.intern(list(1), '192.0.2.2');
    expect(sameExport(s, { attributes: [...s.attributes], nextHop: '192.0.2.2' })).toBe(true);
    expect(sameExport(s, { attributes: [...s.attributes], nextHop: '192.0.2.3' })).toBe(false);
  });
});
