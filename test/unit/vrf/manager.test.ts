/**
 * VRF import and export by route target (RFC 4364 §4.3), labels, leaking
 * between VRFs of one node, import policy, through a real Speaker and
 * through a network of VPN RIBs (vpn-network.ts).
 */
import { Speaker } from '../../../src/bgp/speaker/speaker';
import { ManualClock } from '../../../src/bgp/session/clock';
import type { PolicyChain } from '../../../src/bgp/policy/types';
import { parseRouteTarget, type RouteTargetLike } from '../../../src/bgp/wire/values/ext-community';
import { formatPrefix, parsePrefix, type Prefix } from '../../../src/bgp/wire/values/prefix';
import { formatRd, parseRd } from '../../../src/bgp/wire/values/rd';
import { VrfError, VrfManager } from '../../../src/vrf/manager';
import type { LocalRoute, VrfDefinition } from '../../../src/vrf/types';
import { routeTargetsOf } from '../../../src/vrf/route-targets';
import { VpnNetwork } from './vpn-network';
import { FakePeer, LOCAL_AS, ROUTER_ID } from '../bgp/speaker/fake-peer';

const rt = (t: string): RouteTargetLike => parseRouteTarget(t) ?? fail(t);
const pfx = (t: string): Prefix => parsePrefix(t) ?? fail(t);
function fail(t: string): never {
  throw new Error(`bad value ${t}`);
}

function vrf(name: string, rd: string, imp: string[], exp: string[], extra: Partial<VrfDefinition> = {}): VrfDefinition {
  return { name, rd: parseRd(rd) ?? fail(rd), import: imp.map(rt), export: exp.map(rt), labelMode: 'per-vrf', role: 'vrf', pair: null, ...extra };
}

function staticRoute(prefix: string, nextHop: string | null = '192.0.2.9'): LocalRoute {
  return { kind: 'static', prefix: pfx(prefix), nextHop, communities: [], largeCommunities: [], med: null, localPref: null };
}

function speaker(): Speaker {
  return new Speaker({ asn: LOCAL_AS, routerId: ROUTER_ID, clock: new ManualClock(), connected: () => [] });
}

/** A VPNv4 route from an iBGP neighbor. */
function vpnUpdate(peer: FakePeer, prefix: string, rd: string, label: number, targets: string[], nextHop = '192.0.2.50'): void {
  peer.emit('update', {
    type: 'update',
    withdrawn: [],
    nlri: [],
    errors: [],
    attributes: [
      { type: 'origin', origin: 0 },
      { type: 'as-path', segments: [] },
      { type: 'local-pref', localPref: 100 },
      { type: 'extended-communities', communities: targets.map(rt) },
      { type: 'mp-reach', afi: 1, safi: 128, nextHop: { address: nextHop }, nlri: [{ kind: 'vpn', rd: parseRd(rd) ?? fail(rd), labels: [label], prefix: pfx(prefix) }] },
    ],
  });
}

function vpnWithdraw(peer: FakePeer, prefix: string, rd: string): void {
  peer.emit('update', { type: 'update', withdrawn: [], nlri: [], errors: [], attributes: [{ type: 'mp-unreach', afi: 1, safi: 128, nlri: [{ kind: 'vpn', rd: parseRd(rd) ?? fail(rd), labels: [], prefix: pfx(prefix) }] }] });
}

function vpnPeer(s: Speaker): FakePeer {
  const peer = new FakePeer('192.0.2.50', LOCAL_AS);
  s.addPeer(peer, { address: peer.address, asn: LOCAL_AS, routeServerClient: false });
  peer.establish([{ afi: 1, safi: 128 }]);
  return peer;
}

const prefixes = (m: VrfManager, name: string): string[] => [...(m.get(name)?.table.all() ?? [])].map((c) => formatPrefix((c[0] ?? fail('empty')).prefix)).sort();

describe('export (RFC 4364 §4.3.2)', () => {
  it('turns a static route into a VPN route with the VRF RD, export targets, label and next-hop-self; withdrawal follows', () => {
    const s = speaker();
    const m = new VrfManager(s, { localAs: LOCAL_AS, routerId: ROUTER_ID });
    m.configure([vrf('red', '65000:1', [], ['65000:10', '65000:11'])]);
    m.setStaticRoutes(new Map([['red', [staticRoute('10.1.0.0/24')]]]));
    const label = m.get('red')?.label;
    expect(label).toBe(16);
    const local = [...s.localRoutes()];
    expect(local).toHaveLength(1);
    const [key, route] = local[0] ?? fail('no route');
    expect(key).toBe('1/128|65000:1|10.1.0.0/24');
    expect(route.nlri).toMatchObject({ kind: 'vpn', labels: [16] });
    expect(routeTargetsOf(route.attrs)).toEqual(['65000:10', '65000:11']);
    expect(route.attrs.nextHop).toBe('self');
    // The VRF keeps the CE next hop; the VPN route points at this PE.
    expect(m.get('red')?.table.best(pfx('10.1.0.0/24'))).toMatchObject({ origin: 'local', nextHop: '192.0.2.9', labels: [16] });
    m.setStaticRoutes(new Map());
    expect([...s.localRoutes()]).toHaveLength(0);
    expect(m.get('red')?.table.size).toBe(0);
  });

  it('exports nothing from a VRF without export targets (an upstream VRF): the route stays local', () => {
    const s = speaker();
    const m = new VrfManager(s, { localAs: LOCAL_AS, routerId: ROUTER_ID });
    m.configure([vrf('red', '65000:1', ['65000:10'], [])]);
    m.setStaticRoutes(new Map([['red', [staticRoute('10.1.0.0/24')]]]));
    expect([...s.localRoutes()]).toHaveLength(0);
    expect(m.get('red')?.label).toBeNull();
    expect(prefixes(m, 'red')).toEqual(['10.1.0.0/24']);
  });

  it('applies the export policy: a refused route is not exported, a changed one carries the change', () => {
    const s = speaker();
    const m = new VrfManager(s, { localAs: LOCAL_AS, routerId: ROUTER_ID });
    const policy: PolicyChain = {
      names: ['out'],
      evaluate: (i) =>
        formatPrefix(i.nlri.prefix) === '10.9.0.0/24'
          ? { action: 'reject', policy: 'out', term: 'no-9' }
          : { action: 'accept', policy: 'out', term: 'med', attributes: [...i.attrs.attributes, { type: 'med', med: 5 }], nextHop: null },
    };
    m.configure([vrf('red', '65000:1', [], ['65000:10'], { exportPolicy: policy })]);
    m.setStaticRoutes(new Map([['red', [staticRoute('10.1.0.0/24'), staticRoute('10.9.0.0/24')]]]));
    const routes = [...s.localRoutes()].map(([, r]) => r);
    expect(routes.map((r) => formatPrefix(r.nlri.prefix))).toEqual(['10.1.0.0/24']);
    expect(routes[0]?.attrs.med).toBe(5);
    expect(routeTargetsOf(routes[0]?.attrs ?? fail('x'))).toEqual(['65000:10']);
  });
});

describe('labels', () => {
  it('per-prefix mode: one label per exported prefix, released when the prefix goes, never shared while in use', () => {
    const s = speaker();
    const m = new VrfManager(s, { localAs: LOCAL_AS, routerId: ROUTER_ID });
    m.configure([vrf('red', '65000:1', [], ['65000:10'], { labelMode: 'per-prefix' }), vrf('blue', '65000:2', [], ['65000:20'])]);
    expect(m.get('blue')?.label).toBe(16);
    m.setStaticRoutes(new Map([['red', [staticRoute('10.1.0.0/24'), staticRoute('10.2.0.0/24')]]]));
    const labels = () => [...(m.get('red')?.exported.values() ?? [])].map((e) => e.label);
    expect(labels()).toEqual([17, 18]);
    expect(m.labels.inUse).toBe(3);
    m.setStaticRoutes(new Map([['red', [staticRoute('10.2.0.0/24')]]]));
    expect(labels()).toEqual([18]);
    expect(m.labels.inUse).toBe(2);
    // Re-exporting the same prefix keeps its label.
    m.setStaticRoutes(new Map([['red', [{ ...staticRoute('10.2.0.0/24'), med: 9 }]]]));
    expect(labels()).toEqual([18]);
    // Removing a VRF releases its label.
    m.configure([vrf('red', '65000:1', [], ['65000:10'], { labelMode: 'per-prefix' })]);
    expect(m.get('blue')).toBeUndefined();
    expect(m.labels.isUsed(16)).toBe(false);
  });
});

describe('import (RFC 4364 §4.3.1)', () => {
  it('imports a VPN best path whose targets match, remembering RD, label and next hop; withdrawal follows', () => {
    const s = speaker();
    const m = new VrfManager(s, { localAs: LOCAL_AS, routerId: ROUTER_ID });
    const changes: string[] = [];
    m.onTableChange((v, p, best) => changes.push(`${v} ${formatPrefix(p)} ${best ? best.origin : 'gone'}`));
    m.configure([vrf('red', '65000:1', ['65000:10'], []), vrf('blue', '65000:2', ['65000:20'], [])]);
    const peer = vpnPeer(s);
    vpnUpdate(peer, '10.7.0.0/16', '65001:7', 3001, ['65000:10']);
    const e = m.get('red')?.table.best(pfx('10.7.0.0/16'));
    expect(e).toMatchObject({ origin: 'imported', nextHop: '192.0.2.50', labels: [3001] });
    expect(formatRd(e?.rd ?? fail('rd'))).toBe('65001:7');
    expect(prefixes(m, 'blue')).toEqual([]);
    // New targets move the route: out of red, into blue.
    vpnUpdate(peer, '10.7.0.0/16', '65001:7', 3002, ['65000:20']);
    expect(prefixes(m, 'red')).toEqual([]);
    expect(m.get('blue')?.table.best(pfx('10.7.0.0/16'))?.labels).toEqual([3002]);
    vpnWithdraw(peer, '10.7.0.0/16', '65001:7');
    expect(prefixes(m, 'blue')).toEqual([]);
    // Make before break: the new table gets the route before the old one loses it.
    expect(changes).toEqual(['red 10.7.0.0/16 imported', 'blue 10.7.0.0/16 imported', 'red 10.7.0.0/16 gone', 'blue 10.7.0.0/16 gone']);
  });

  it('a VRF added later picks up the routes already in the Loc-RIB', () => {
    const s = speaker();
    const m = new VrfManager(s, { localAs: LOCAL_AS, routerId: ROUTER_ID });
    const peer = vpnPeer(s);
    vpnUpdate(peer, '10.7.0.0/16', '65001:7', 3001, ['65000:10']);
    m.configure([vrf('red', '65000:1', ['65000:10'], [])]);
    expect(prefixes(m, 'red')).toEqual(['10.7.0.0/16']);
  });

  it('runs the import policy: refused paths stay out, changed attributes are kept', () => {
    const s = speaker();
    const m = new VrfManager(s, { localAs: LOCAL_AS, routerId: ROUTER_ID });
    const policy: PolicyChain = {
      names: ['in'],
      evaluate: (i) =>
        formatPrefix(i.nlri.prefix).startsWith('10.8.') ? { action: 'reject', policy: 'in', term: 't' } : { action: 'accept', policy: 'in', term: 't', attributes: i.attrs.attributes.map((a) => (a.type === 'local-pref' ? { ...a, localPref: 250 } : a)), nextHop: null },
    };
    m.configure([vrf('red', '65000:1', ['65000:10'], [], { importPolicy: policy })]);
    const peer = vpnPeer(s);
    vpnUpdate(peer, '10.7.0.0/16', '65001:7', 3001, ['65000:10']);
    vpnUpdate(peer, '10.8.0.0/16', '65001:7', 3001, ['65000:10']);
    expect(prefixes(m, 'red')).toEqual(['10.7.0.0/16']);
    expect(m.get('red')?.table.best(pfx('10.7.0.0/16'))?.attributes?.localPref).toBe(250);
  });

  it('leaks between VRFs of this node through the Loc-RIB, never back into the exporting VRF', () => {
    const s = speaker();
    const m = new VrfManager(s, { localAs: LOCAL_AS, routerId: ROUTER_ID });
    // red imports and exports the same target, as a full-mesh VPN does.
    m.configure([vrf('red', '65000:1', ['65000:10'], ['65000:10']), vrf('blue', '65000:2', ['65000:10'], [])]);
    m.setStaticRoutes(new Map([['red', [staticRoute('10.1.0.0/24')]]]));
    const red = m.get('red')?.table.candidates(pfx('10.1.0.0/24')) ?? [];
    expect(red.map((e) => e.origin)).toEqual(['local']);
    const blue = m.get('blue')?.table.best(pfx('10.1.0.0/24'));
    expect(blue).toMatchObject({ origin: 'imported', fromVrf: 'red', nextHop: null, labels: [16] });
    m.setStaticRoutes(new Map());
    expect(prefixes(m, 'blue')).toEqual([]);
  });

  it('prefers a local route over an imported one for the same prefix, and falls back when it goes', () => {
    const s = speaker();
    const m = new VrfManager(s, { localAs: LOCAL_AS, routerId: ROUTER_ID });
    m.configure([vrf('red', '65000:1', ['65000:10'], [])]);
    const peer = vpnPeer(s);
    vpnUpdate(peer, '10.1.0.0/24', '65001:7', 3001, ['65000:10']);
    m.setStaticRoutes(new Map([['red', [staticRoute('10.1.0.0/24')]]]));
    expect(m.get('red')?.table.best(pfx('10.1.0.0/24'))?.origin).toBe('local');
    m.setStaticRoutes(new Map());
    expect(m.get('red')?.table.best(pfx('10.1.0.0/24'))?.origin).toBe('imported');
  });

  it('refuses unknown VRFs and pairs with a VrfError', () => {
    const m = new VrfManager(speaker(), { localAs: LOCAL_AS, routerId: ROUTER_ID });
    expect(() => m.setStaticRoutes(new Map([['nope', []]]))).toThrow(VrfError);
    expect(() => m.addClientRoute('nope', pfx('10.0.0.1/32'))).toThrow(VrfError);
  });
});

describe('several hubs by best path', () => {
  it('the upstream VRF follows the better hub default and falls back to the other', () => {
    const net = new VpnNetwork();
    const pe = net.node('192.0.2.1');
    const hub1 = net.node('192.0.2.101');
    const hub2 = net.node('192.0.2.102');
    const mPe = new VrfManager(pe, { localAs: 65000, routerId: '192.0.2.1' });
    mPe.configure([vrf('up', '65000:11', ['65000:1'], [], { role: 'upstream', pair: 'p' }), vrf('down', '65000:12', [], ['65000:2'], { role: 'downstream', pair: 'p' })]);
    const hub = (rd: string) => vrf('hub', rd, ['65000:2'], ['65000:1'], { hub: { announce: [pfx('0.0.0.0/0')], rules: [] } });
    const m1 = new VrfManager(hub1, { localAs: 65000, routerId: '192.0.2.101' });
    const m2 = new VrfManager(hub2, { localAs: 65000, routerId: '192.0.2.102' });
    m1.configure([hub('65000:101')]);
    m2.configure([hub('65000:102')]);
    const up = () => mPe.get('up')?.table.best(pfx('0.0.0.0/0'));
    // Equal paths: the lower router id wins (RFC 4271 §9.1.2.2 (f)).
    expect(up()?.nextHop).toBe('192.0.2.101');
    expect(mPe.get('up')?.table.candidates(pfx('0.0.0.0/0'))).toHaveLength(2);
    m1.configure([]);
    expect(up()?.nextHop).toBe('192.0.2.102');
  });
});

describe('connected networks', () => {
  it('are exported like static routes with next-hop-self, and go when the config drops them', () => {
    const s = speaker();
    const m = new VrfManager(s, { localAs: LOCAL_AS, routerId: ROUTER_ID });
    m.configure([vrf('red', '65000:1', [], ['65000:10'])]);
    const connected = { ...staticRoute('10.7.0.0/24'), kind: 'connected' as const, nextHop: null };
    m.setStaticRoutes(new Map([['red', [connected]]]));
    const local = [...s.localRoutes()];
    expect(local.map(([k]) => k)).toEqual(['1/128|65000:1|10.7.0.0/24']);
    expect(local[0]?.[1].attrs.nextHop).toBe('self');
    expect(m.get('red')?.table.best(pfx('10.7.0.0/24'))).toMatchObject({ origin: 'local', nextHop: null });
    m.setStaticRoutes(new Map());
    expect([...s.localRoutes()]).toHaveLength(0);
  });
});
