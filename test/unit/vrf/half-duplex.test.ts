/**
 * Half-duplex VRF pairs and the hub (RFC 7024 virtual hub-and-spoke): three
 * PEs and a hub joined by a VPN network that hides no route from anyone. The
 * rule under test: a client route in the downstream VRF of a PE is never
 * visible in the upstream VRF of any PE, and reaches the hub, which answers
 * with its announcements into every upstream VRF.
 */
import fc from 'fast-check';
import { parseRouteTarget, type RouteTargetLike } from '../../../src/bgp/wire/values/ext-community';
import { formatPrefix, ipv4Prefix, parsePrefix, type Prefix } from '../../../src/bgp/wire/values/prefix';
import { formatRd, parseRd } from '../../../src/bgp/wire/values/rd';
import { VrfError, VrfManager } from '../../../src/vrf/manager';
import type { VrfDefinition } from '../../../src/vrf/types';
import { VpnNetwork } from './vpn-network';

const HUB_RT = '65000:1';
const SPOKE_RT = '65000:2';
const rt = (t: string): RouteTargetLike => parseRouteTarget(t) ?? fail(t);
const pfx = (t: string): Prefix => parsePrefix(t) ?? fail(t);
function fail(t: string): never {
  throw new Error(`bad value ${t}`);
}

function pairDefs(n: number, upstreamImports: string[] = [HUB_RT]): VrfDefinition[] {
  const base = { labelMode: 'per-vrf' as const, pair: 'red' };
  return [
    { ...base, name: 'red-up', rd: parseRd(`65000:${n}1`) ?? fail('rd'), import: upstreamImports.map(rt), export: [], role: 'upstream' },
    { ...base, name: 'red-down', rd: parseRd(`65000:${n}2`) ?? fail('rd'), import: [], export: [rt(SPOKE_RT)], role: 'downstream' },
  ];
}

const HUB: VrfDefinition = {
  name: 'hub',
  rd: parseRd('65000:100') ?? fail('rd'),
  import: [rt(SPOKE_RT)],
  export: [rt(HUB_RT)],
  labelMode: 'per-vrf',
  role: 'vrf',
  pair: null,
  hub: { announce: [pfx('0.0.0.0/0'), pfx('10.0.0.0/8')], rules: [] },
};

function topology(upstreamImports?: string[]) {
  const net = new VpnNetwork();
  const pes = [1, 2, 3].map((n) => {
    const m = new VrfManager(net.node(`192.0.2.${n}`), { localAs: 65000, routerId: `192.0.2.${n}` });
    m.configure(pairDefs(n, upstreamImports));
    return m;
  });
  const hub = new VrfManager(net.node('192.0.2.100'), { localAs: 65000, routerId: '192.0.2.100' });
  hub.configure([HUB]);
  return { pes, hub };
}

function table(m: VrfManager, name: string): Map<string, { origin: string; nextHop: string | null; labels: readonly number[]; rd: string }> {
  const out = new Map<string, { origin: string; nextHop: string | null; labels: readonly number[]; rd: string }>();
  for (const [best] of m.get(name)?.table.all() ?? []) if (best) out.set(formatPrefix(best.prefix), { origin: best.origin, nextHop: best.nextHop, labels: best.labels, rd: formatRd(best.rd) });
  return out;
}

/** Client i of PE n: 100.64.n.i/32. */
const client = (pe: number, i: number): Prefix => ipv4Prefix((100 << 24) | (64 << 16) | (pe << 8) | i, 32);

describe('half-duplex pairs with a hub', () => {
  it('puts each client route in its downstream VRF and the hub only; the hub announcements in every upstream VRF', () => {
    const { pes, hub } = topology();
    pes.forEach((m, k) => {
      for (let i = 1; i <= 20; i++) m.addClientRoute('red', client(k + 1, i), `192.0.2.${200 + i}`);
    });
    pes.forEach((m, k) => {
      const up = table(m, 'red-up');
      expect([...up.keys()].sort()).toEqual(['0.0.0.0/0', '10.0.0.0/8']);
      for (const e of up.values()) expect(e).toMatchObject({ origin: 'imported', nextHop: '192.0.2.100', labels: [hub.get('hub')?.label], rd: '65000:100' });
      const down = table(m, 'red-down');
      expect(down.size).toBe(20);
      for (const [p, e] of down) {
        expect(p.startsWith(`100.64.${k + 1}.`)).toBe(true);
        expect(e.origin).toBe('local');
      }
    });
    const h = table(hub, 'hub');
    expect(h.size).toBe(2 + 60);
    for (let pe = 1; pe <= 3; pe++) {
      const e = h.get(formatPrefix(client(pe, 7)));
      // The way back down: the client's PE, with its downstream VRF's label and RD.
      expect(e).toMatchObject({ origin: 'imported', nextHop: `192.0.2.${pe}`, labels: [pes[pe - 1]?.get('red-down')?.label], rd: `65000:${pe}2` });
    }
    expect(h.get('0.0.0.0/0')?.origin).toBe('local');
  });

  it('never shows a client route in any upstream VRF, whatever clients come and go (property)', () => {
    const op = fc.record({ pe: fc.integer({ min: 0, max: 2 }), i: fc.integer({ min: 1, max: 40 }), add: fc.boolean() });
    fc.assert(
      fc.property(fc.array(op, { maxLength: 60 }), (ops) => {
        const { pes, hub } = topology();
        const model = new Set<string>();
        for (const o of ops) {
          const p = client(o.pe + 1, o.i);
          if (o.add) pes[o.pe]?.addClientRoute('red', p);
          else pes[o.pe]?.removeClientRoute('red', p);
          if (o.add) model.add(formatPrefix(p));
          else model.delete(formatPrefix(p));
        }
        for (const m of pes) expect([...table(m, 'red-up').keys()].sort()).toEqual(['0.0.0.0/0', '10.0.0.0/8']);
        const atHub = [...table(hub, 'hub').keys()].filter((p) => p.startsWith('100.64.')).sort();
        expect(atHub).toEqual([...model].sort());
        const atPes = pes.flatMap((m) => [...table(m, 'red-down').keys()]).sort();
        expect(atPes).toEqual([...model].sort());
      }),
      { numRuns: 40 },
    );
  });

  it('keeps client routes out of the upstream VRF of their own PE even when its targets would import them', () => {
    // Misconfigured: the upstream also imports the spoke target (the config loader warns about this).
    const { pes } = topology([HUB_RT, SPOKE_RT]);
    pes[0]?.addClientRoute('red', client(1, 1));
    pes[1]?.addClientRoute('red', client(2, 1));
    const up1 = table(pes[0] ?? fail('pe'), 'red-up');
    // Its own client never; another PE's client arrives only because the route targets say so.
    expect(up1.has(formatPrefix(client(1, 1)))).toBe(false);
    expect(up1.has(formatPrefix(client(2, 1)))).toBe(true);
  });

  it('withdraws a client route everywhere when it is removed, and the hub default when the hub goes', () => {
    const { pes, hub } = topology();
    pes[0]?.addClientRoute('red', client(1, 1));
    expect(table(hub, 'hub').has(formatPrefix(client(1, 1)))).toBe(true);
    pes[0]?.removeClientRoute('red', client(1, 1));
    expect(table(hub, 'hub').has(formatPrefix(client(1, 1)))).toBe(false);
    expect(table(pes[0] ?? fail('pe'), 'red-down').size).toBe(0);
    hub.configure([]);
    for (const m of pes) expect(table(m, 'red-up').size).toBe(0);
  });

  it('binds sessions to both halves, and refuses a client route on a prefix a static route holds', () => {
    const { pes } = topology();
    const m = pes[0] ?? fail('pe');
    m.bindSession('red', 'client-7');
    expect([...(m.get('red-up')?.sessions ?? [])]).toEqual(['client-7']);
    expect([...(m.get('red-down')?.sessions ?? [])]).toEqual(['client-7']);
    m.unbindSession('red', 'client-7');
    expect(m.get('red-down')?.sessions.size).toBe(0);
    m.setStaticRoutes(new Map([['red-down', [{ kind: 'static', prefix: client(1, 9), nextHop: null, communities: [], largeCommunities: [], med: null, localPref: null }]]]));
    expect(() => m.addClientRoute('red', client(1, 9))).toThrow(VrfError);
    // removeClientRoute leaves a static route alone.
    m.removeClientRoute('red', client(1, 9));
    expect(table(m, 'red-down').has(formatPrefix(client(1, 9)))).toBe(true);
  });
});
