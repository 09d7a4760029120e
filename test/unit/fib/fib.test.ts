/**
 * The FIB as a data structure: shared next hops (one state change for any
 * number of routes), the classifier's half-duplex guarantee, labels from the
 * core, ECMP, and reference counting as routes come and go.
 */
import fc from 'fast-check';
import type { FibChange, FibPrefix } from '../../../src/fib/changes';
import { D_DROP, D_FALLBACK, D_FORWARD, D_NO_ROUTE, D_UNCLASSIFIED, DataPlane, newDecision, NO_KEY } from '../../../src/fib/data-plane';
import { Fib, FibError } from '../../../src/fib/fib';
import type { NextHop } from '../../../src/fib/next-hop';

const ip = (s: string): number => s.split('.').reduce((a, o) => ((a << 8) | Number(o)) >>> 0, 0);
const p4 = (s: string): FibPrefix => {
  const [a, l] = s.split('/');
  return { afi: 1, address: ip(a ?? ''), length: Number(l) };
};
const gre = (remote: string, fallback = true, key: number | null = 7): NextHop => ({ kind: 'gre', tunnel: `gre-${remote}`, local: ip('192.0.2.1'), remote: ip(remote), key, fallback });
const toHub: NextHop = { kind: 'mpls', tunnel: 'core-192.0.2.100', labels: [16], local: ip('192.0.2.1'), remote: ip('192.0.2.100'), fallback: false };

function pairFib(): Fib {
  const fib = new Fib();
  fib.apply([
    { type: 'table', table: 'red-up', role: 'upstream' },
    { type: 'table', table: 'red-down', role: 'downstream' },
    { type: 'route', table: 'red-up', prefix: p4('0.0.0.0/0'), nextHops: [toHub] },
  ]);
  return fib;
}

describe('Fib', () => {
  it('shares one next-hop record among many routes, and a tunnel going down is one change for all of them', () => {
    const fib = pairFib();
    const changes: FibChange[] = [];
    for (let i = 0; i < 1000; i++) changes.push({ type: 'route', table: 'red-down', prefix: { afi: 1, address: (ip('100.64.0.0') + i) >>> 0, length: 32 }, nextHops: [gre('198.18.0.10')] });
    fib.apply(changes);
    expect(fib.nextHops.size).toBe(2); // the hub path and the one tunnel
    const plane = fib.dataPlane();
    const down = plane.snapshot.tables.find((t) => t.name === 'red-down')?.id ?? -1;
    const d = newDecision();
    expect(plane.decide4(down, ip('100.64.1.200'), 0, d)).toBe(D_FORWARD);
    expect(fib.nextHops.setTunnelState('gre-198.18.0.10', false)).toBe(1);
    // The plane was not rebuilt: it reads the same shared record.
    for (let i = 0; i < 1000; i += 97) expect(plane.decide4(down, (ip('100.64.0.0') + i) >>> 0, 0, d)).toBe(D_FALLBACK);
    fib.apply([{ type: 'tunnel-state', tunnel: 'gre-198.18.0.10', up: true }]);
    expect(plane.decide4(down, ip('100.64.0.5'), 0, d)).toBe(D_FORWARD);
  });

  it('a plane made before the shared records grew reads records added after (its view is re-made, not length-tracking)', () => {
    const fib = pairFib();
    const plane = new DataPlane(fib.snapshot());
    const down = plane.snapshot.tables.find((t) => t.name === 'red-down')?.id ?? -1;
    // Far more distinct next hops than the records' first allocation (1024): the growable buffer grows under the plane.
    const changes: FibChange[] = [];
    for (let i = 0; i < 3000; i++) {
      changes.push({ type: 'route', table: 'red-down', prefix: { afi: 1, address: (ip('100.64.0.0') + i) >>> 0, length: 32 }, nextHops: [gre(`198.18.${i >> 8}.${i & 255}`, i % 2 === 0)] });
    }
    fib.apply(changes);
    const d = newDecision();
    expect(plane.decide4(down, ip('100.64.11.183'), 0, d)).toBe(D_FORWARD); // route 2999
    const last = d.nextHop;
    expect(last).toBeGreaterThan(1024);
    fib.apply([{ type: 'tunnel-state', tunnel: 'gre-198.18.11.183', up: false }]);
    expect(plane.decide4(down, ip('100.64.11.183'), 0, d)).toBe(D_DROP); // odd: no fallback
    fib.apply([{ type: 'tunnel-state', tunnel: 'gre-198.18.11.182', up: false }]);
    expect(plane.decide4(down, ip('100.64.11.182'), 0, d)).toBe(D_FALLBACK);
    expect(d.nextHop).toBe(last - 1);
  });

  it('drops instead of falling back when policy does not allow best effort', () => {
    const fib = pairFib();
    fib.apply([{ type: 'tunnel-state', tunnel: 'core-192.0.2.100', up: false }]);
    const plane = fib.dataPlane();
    const d = newDecision();
    expect(plane.decide4(plane.snapshot.tables.find((t) => t.name === 'red-up')?.id ?? -1, ip('8.8.8.8'), 0, d)).toBe(D_DROP);
  });

  it('never binds a client ingress to a downstream table', () => {
    const fib = pairFib();
    expect(() => fib.apply([{ type: 'ingress', ingress: { kind: 'port', port: 3, session: 'alice' }, table: 'red-down' }])).toThrow(FibError);
    expect(() =>
      fib.apply([{ type: 'ingress', ingress: { kind: 'tunnel', type: 'gre', remote: ip('198.18.0.10'), key: 7, session: 'alice', tunnel: 't-alice' }, table: 'red-down' }]),
    ).toThrow(/cannot be bound to downstream table red-down/);
    // Property: whatever sequence of bindings is tried, no client ingress of the published plane reaches a downstream table.
    fc.assert(
      fc.property(fc.array(fc.record({ port: fc.integer({ min: 0, max: 5 }), table: fc.constantFrom('red-up', 'red-down', null) }), { maxLength: 30 }), (binds) => {
        const f = pairFib();
        for (const b of binds) {
          try {
            f.apply([{ type: 'ingress', ingress: { kind: 'port', port: b.port, session: `s${b.port}` }, table: b.table }]);
          } catch (e) {
            if (!(e instanceof FibError)) throw e;
          }
        }
        const plane = f.dataPlane();
        for (let port = 0; port <= 5; port++) {
          const t = plane.tableOfPort(port);
          if (t >= 0) expect(plane.snapshot.tables.find((x) => x.id === t)?.role).toBe('upstream');
        }
      }),
    );
  });

  it('classifies client tunnels by remote and GRE key, and core packets by label', () => {
    const fib = pairFib();
    fib.apply([
      { type: 'ingress', ingress: { kind: 'tunnel', type: 'gre', remote: ip('198.18.0.10'), key: 7, session: 'alice', tunnel: 't-alice' }, table: 'red-up' },
      { type: 'ingress', ingress: { kind: 'tunnel', type: 'ipip', remote: ip('198.18.0.11'), key: null, session: 'bob', tunnel: 't-bob' }, table: 'red-up' },
      { type: 'route', table: 'red-down', prefix: p4('100.64.0.1/32'), nextHops: [gre('198.18.0.10')] },
      { type: 'label', label: 17, target: { table: 'red-down' } },
      { type: 'label', label: 18, target: { nextHops: [gre('198.18.0.99', false, null)] } },
    ]);
    const plane = fib.dataPlane();
    const up = plane.snapshot.tables.find((t) => t.name === 'red-up')?.id;
    const down = plane.snapshot.tables.find((t) => t.name === 'red-down')?.id;
    expect(plane.tableOfGre(ip('198.18.0.10'), 7)).toBe(up);
    expect(plane.tableOfGre(ip('198.18.0.10'), 8)).toBe(-1);
    expect(plane.tableOfGre(ip('198.18.0.10'), NO_KEY)).toBe(-1);
    expect(plane.tableOfIpip(ip('198.18.0.11'))).toBe(up);
    expect(plane.tableOfLabel(17)).toBe(down);
    const d = newDecision();
    expect(plane.resolve(plane.nextHopOfLabel(18), 0, d)).toBe(D_FORWARD);
    expect(fib.nextHops.get(d.nextHop)).toMatchObject({ kind: 'gre', remote: ip('198.18.0.99') });
    expect(plane.decide4(down ?? -1, ip('100.64.0.2'), 0, d)).toBe(D_NO_ROUTE);
    expect(plane.decide4(-1, ip('100.64.0.1'), 0, d)).toBe(D_UNCLASSIFIED);
  });

  it('spreads flows over ECMP members by hash, the same flow always on the same member', () => {
    const fib = pairFib();
    const a = gre('198.18.0.1');
    const b = gre('198.18.0.2');
    fib.apply([{ type: 'route', table: 'red-up', prefix: p4('10.0.0.0/8'), nextHops: [a, b] }]);
    const plane = fib.dataPlane();
    const up = plane.snapshot.tables.find((t) => t.name === 'red-up')?.id ?? -1;
    const d = newDecision();
    const seen = new Map<number, number>();
    for (let h = 0; h < 1000; h++) {
      plane.decide4(up, ip('10.1.2.3'), (h * 2654435761) >>> 0, d);
      seen.set(d.nextHop, (seen.get(d.nextHop) ?? 0) + 1);
      const first = d.nextHop;
      plane.decide4(up, ip('10.1.2.3'), (h * 2654435761) >>> 0, d);
      expect(d.nextHop).toBe(first);
    }
    expect(seen.size).toBe(2);
    for (const n of seen.values()) expect(n).toBeGreaterThan(400);
    expect(fib.nextHops.size).toBe(4); // hub path, two members, the group
  });

  it('releases next hops as routes are replaced and tables removed', () => {
    const fib = pairFib();
    fib.apply([{ type: 'route', table: 'red-down', prefix: p4('100.64.0.1/32'), nextHops: [gre('198.18.0.10')] }]);
    fib.apply([{ type: 'route', table: 'red-down', prefix: p4('100.64.0.1/32'), nextHops: [gre('198.18.0.11')] }]);
    expect(fib.nextHops.size).toBe(2);
    fib.apply([{ type: 'route-remove', table: 'red-down', prefix: p4('100.64.0.1/32') }]);
    expect(fib.nextHops.size).toBe(1);
    fib.apply([{ type: 'table-remove', table: 'red-up' }]);
    expect(fib.nextHops.size).toBe(0);
    expect(fib.tableNames().map((t) => t.name)).toEqual(['red-down']);
  });

  it('publishes a snapshot that a DataPlane rebuilt from structured-clone data agrees with', () => {
    const fib = pairFib();
    const seen: number[] = [];
    fib.onSnapshot((s) => seen.push(s.version));
    fib.apply([{ type: 'ingress', ingress: { kind: 'port', port: 1, session: 'carol' }, table: 'red-up' }]);
    expect(seen.length).toBe(1);
    // A route change alone publishes nothing: workers read routes from shared memory.
    fib.apply([{ type: 'route', table: 'red-up', prefix: p4('10.0.0.0/8'), nextHops: [{ kind: 'plain' }] }]);
    expect(seen.length).toBe(1);
    const copy = new DataPlane(structuredClone(fib.snapshot()));
    const d = newDecision();
    expect(copy.decide4(copy.tableOfPort(1), ip('10.9.9.9'), 0, d)).toBe(D_FORWARD);
    expect(fib.nextHops.get(d.nextHop)).toEqual({ kind: 'plain' });
  });
});
