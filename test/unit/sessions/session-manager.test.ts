import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { formatPrefix, parsePrefix, type Prefix } from '../../../src/bgp/wire/values/prefix';
import { SessionManager, type ClientRouteTable, type PairAddressing } from '../../../src/sessions/session-manager';
import { MemorySessionStore, type SessionStore } from '../../../src/sessions/session-store';
import { SqliteSessionStore } from '../../../src/sessions/sqlite-session-store';
import type { RemoteAddressServer } from '../../../src/sessions/radius/address-server';
import type { PairNames, RadiusAssignment } from '../../../src/sessions/radius/assignment';
import { SessionError } from '../../../src/sessions/session-error';
import type { Session } from '../../../src/sessions/types';

const p = (t: string): Prefix => parsePrefix(t) ?? ((): never => { throw new Error(t); })();

/** The VRF side as a recorder: client routes per pair and bound sessions; `conflict` makes a prefix refuse like a static route would. */
class FakeVrfs implements ClientRouteTable {
  readonly routes = new Map<string, Set<string>>();
  readonly bound = new Map<string, Set<string>>();
  conflict = new Set<string>();
  constructor(private readonly pairs: string[]) {
    for (const n of pairs) {
      this.routes.set(n, new Set());
      this.bound.set(n, new Set());
    }
  }
  pair(name: string): unknown {
    return this.pairs.includes(name) ? {} : undefined;
  }
  addClientRoute(pair: string, prefix: Prefix): void {
    if (this.conflict.has(formatPrefix(prefix))) {
      const e = new Error(`${formatPrefix(prefix)} in VRF ${pair}-down is already a static route`);
      e.name = 'VrfError';
      throw e;
    }
    this.routes.get(pair)?.add(formatPrefix(prefix));
  }
  removeClientRoute(pair: string, prefix: Prefix): void {
    this.routes.get(pair)?.delete(formatPrefix(prefix));
  }
  bindSession(pair: string, s: string): void {
    this.bound.get(pair)?.add(s);
  }
  unbindSession(pair: string, s: string): void {
    this.bound.get(pair)?.delete(s);
  }
}

const red: PairAddressing = { name: 'red', pool: [p('100.64.0.0/30')], poolExclude: [], addressServer: 'pool' };
const blue: PairAddressing = { name: 'blue', pool: [p('100.65.0.0/24')], poolExclude: [], addressServer: 'radius' };

function manager(vrfs: FakeVrfs, store: SessionStore = new MemorySessionStore(), pairs = [red]): SessionManager {
  const m = new SessionManager(vrfs, store, { now: () => Date.UTC(2026, 0, 2, 3, 4, 5) });
  m.configure(pairs);
  return m;
}

describe('SessionManager', () => {
  it('starts a session: address, host route in the pair, bound; shows the INTERFACE.md fields', () => {
    const vrfs = new FakeVrfs(['red']);
    const m = manager(vrfs);
    const s = m.start({ client: 'alice', tunnel: { type: 'gre', remote: '198.51.100.7', key: 42 } });
    expect(m.view(s)).toEqual({ client: 'alice', pair: 'red', address: '100.64.0.1', routes: ['100.64.0.1/32'], tunnel: { type: 'gre', remote: '198.51.100.7', key: 42 }, state: 'up', since: '2026-01-02T03:04:05.000Z' });
    expect([...(vrfs.routes.get('red') ?? [])]).toEqual(['100.64.0.1/32']);
    expect([...(vrfs.bound.get('red') ?? [])]).toEqual(['alice']);
  });

  it('stops a session: route withdrawn, unbound, address back to the pool for the same client', () => {
    const vrfs = new FakeVrfs(['red']);
    const m = manager(vrfs);
    m.start({ client: 'alice' });
    m.stop('alice');
    expect(vrfs.routes.get('red')?.size).toBe(0);
    expect(vrfs.bound.get('red')?.size).toBe(0);
    expect([...m.all()]).toEqual([]);
    expect(m.view(m.start({ client: 'alice' }))).toMatchObject({ address: '100.64.0.1' });
    expect(() => m.stop('nobody')).toThrow(/no session for client nobody/);
  });

  it('refuses a duplicate client, an unknown pair, a RADIUS pair and an exhausted pool, leaving nothing behind', () => {
    const vrfs = new FakeVrfs(['red', 'blue']);
    const store = new MemorySessionStore();
    const m = manager(vrfs, store, [red, blue]);
    m.start({ client: 'a', pair: 'red' });
    m.start({ client: 'b', pair: 'red' });
    expect(() => m.start({ client: 'a', pair: 'red' })).toThrow(/client a already has a session/);
    expect(() => m.start({ client: 'c', pair: 'green' })).toThrow(/no half-duplex pair green/);
    expect(() => m.start({ client: 'c', pair: 'blue' })).toThrow(/RADIUS/);
    expect(() => m.start({ client: 'c', pair: 'red' })).toThrow(/address pool of pair red is exhausted/);
    expect([...m.all()].map((s) => s.client)).toEqual(['a', 'b']);
    expect([...(vrfs.routes.get('red') ?? [])]).toEqual(['100.64.0.1/32', '100.64.0.2/32']);
    expect(store.load().sessions.map((s) => s.client)).toEqual(['a', 'b']);
  });

  it('asks for --pair when several pairs have a pool', () => {
    const m = manager(new FakeVrfs(['red', 'green']), new MemorySessionStore(), [red, { ...red, name: 'green' }]);
    expect(() => m.start({ client: 'a' })).toThrow(/several pairs could take the client \(red, green\); give --pair/);
  });

  it('a route the VRF refuses undoes the start: no session, no lease, address free again', () => {
    const vrfs = new FakeVrfs(['red']);
    vrfs.conflict.add('100.64.0.1/32');
    const store = new MemorySessionStore();
    const m = manager(vrfs, store);
    expect(() => m.start({ client: 'a' })).toThrow(/already a static route/);
    expect([...m.all()]).toEqual([]);
    expect(store.load().sessions).toEqual([]);
    expect(vrfs.bound.get('red')?.size).toBe(0);
    vrfs.conflict.clear();
    expect(m.view(m.start({ client: 'b' }))).toMatchObject({ address: '100.64.0.2' });
  });

  describe('with SQLite', () => {
    let dir = '';
    beforeEach(() => {
      dir = mkdtempSync(join(tmpdir(), 'hdvpn-sessions-'));
    });
    afterEach(() => rmSync(dir, { recursive: true, force: true }));

    it('restores sessions and leases after the process is gone: same addresses, routes installed, none handed out twice', () => {
      const path = join(dir, 's.db');
      const before = manager(new FakeVrfs(['red']), new SqliteSessionStore(path));
      before.start({ client: 'a', tunnel: { type: 'ipip', remote: '198.51.100.9', key: null } });
      before.start({ client: 'b' });
      before.stop('a');
      before.start({ client: 'c' });
      // No close(): as after kill -9, only what was committed counts.
      const vrfs = new FakeVrfs(['red']);
      const after = manager(vrfs, new SqliteSessionStore(path));
      expect(after.restore()).toBe(2);
      expect([...after.all()].map((s) => [s.client, after.view(s)])).toEqual([
        ['b', expect.objectContaining({ address: '100.64.0.2', state: 'up', since: '2026-01-02T03:04:05.000Z' })],
        ['c', expect.objectContaining({ address: '100.64.0.1', state: 'up' })],
      ]);
      expect([...(vrfs.routes.get('red') ?? [])].sort()).toEqual(['100.64.0.1/32', '100.64.0.2/32']);
      expect(() => after.start({ client: 'a' })).toThrow(/exhausted/);
      after.stop('c');
      expect(after.view(after.start({ client: 'c' }))).toMatchObject({ address: '100.64.0.1' });
      after.close();
    });

    it('keeps a session whose pair left the config, down', () => {
      const path = join(dir, 's.db');
      manager(new FakeVrfs(['red']), new SqliteSessionStore(path)).start({ client: 'a' });
      const warnings: string[] = [];
      const m = new SessionManager(new FakeVrfs([]), new SqliteSessionStore(path), { warn: (w) => warnings.push(w) });
      m.configure([]);
      expect(m.restore()).toBe(0);
      expect([...m.all()].map((s) => [s.client, s.state])).toEqual([['a', 'down']]);
      expect(warnings).toEqual([expect.stringMatching(/pair red is not configured/)]);
      m.stop('a');
      expect([...m.all()]).toEqual([]);
    });
  });

  describe('with RADIUS as the address server', () => {
    /** Answers from a table: an assignment, or a reject message. */
    class FakeRadius implements RemoteAddressServer {
      readonly started: string[] = [];
      readonly stopped: string[] = [];
      constructor(private readonly answers: Record<string, RadiusAssignment | string>) {}
      async authorize(client: string, pairs: readonly PairNames[]): Promise<RadiusAssignment> {
        await Promise.resolve();
        expect(pairs.map((x) => x.name)).toEqual(['blue']);
        const a = this.answers[client];
        if (a === undefined || typeof a === 'string') throw new SessionError('radius-reject', `RADIUS rejected client ${client}${a ? `: ${a}` : ''}`);
        return a;
      }
      sessionStarted(x: Session): void {
        this.started.push(x.client);
      }
      sessionStopped(x: Session): void {
        this.stopped.push(x.client);
      }
      close(): void {
        return;
      }
    }
    const ADDR = 0x64400909; // 100.64.9.9
    const assign = (pair: string | null, framedRoutes: string[] = []): RadiusAssignment => ({ address: ADDR, netmaskLength: null, framedRoutes, pair });
    const radiusManager = (radius: FakeRadius, vrfs: FakeVrfs, store: SessionStore = new MemorySessionStore()): SessionManager => {
      const m = new SessionManager(vrfs, store, { now: () => 1000, addressServer: radius });
      m.configure([blue]);
      return m;
    };

    it('starts with the assigned address and framed routes, sends accounting Start and Stop', async () => {
      const radius = new FakeRadius({ alice: assign('blue', ['10.99.0.0/24', '100.64.9.9/32']) });
      const vrfs = new FakeVrfs(['blue']);
      const m = radiusManager(radius, vrfs);
      const s = await m.open({ client: 'alice' });
      expect(m.view(s)).toMatchObject({ pair: 'blue', address: '100.64.9.9', routes: ['100.64.9.9/32', '10.99.0.0/24'] });
      expect([...(vrfs.routes.get('blue') ?? [])]).toEqual(['100.64.9.9/32', '10.99.0.0/24']);
      expect(radius.started).toEqual(['alice']);
      m.stop('alice');
      expect(radius.stopped).toEqual(['alice']);
      expect(vrfs.routes.get('blue')?.size).toBe(0);
    });

    it('refuses a reject, a held address, a pair that disagrees with --pair and a concurrent duplicate, leaving nothing', async () => {
      const radius = new FakeRadius({ alice: assign(null), carol: assign('blue'), dave: assign('red'), bob: 'account suspended' });
      const vrfs = new FakeVrfs(['blue']);
      const store = new MemorySessionStore();
      const m = radiusManager(radius, vrfs, store);
      const first = m.open({ client: 'alice' });
      await expect(m.open({ client: 'alice' })).rejects.toThrow(/client alice already has a session/);
      await first;
      await expect(m.open({ client: 'bob' })).rejects.toThrow('RADIUS rejected client bob: account suspended');
      await expect(m.open({ client: 'carol' })).rejects.toThrow('RADIUS assigned 100.64.9.9 to carol, but another client of pair blue holds it');
      await expect(m.open({ client: 'dave', pair: 'blue' })).rejects.toThrow('RADIUS assigned pair red, but pair blue was asked for');
      expect([...m.all()].map((x) => x.client)).toEqual(['alice']);
      expect(store.load().sessions.map((x) => x.client)).toEqual(['alice']);
      expect(radius.started).toEqual(['alice']);
    });

    it('a RADIUS session comes back after a restart, and its address stays unique', async () => {
      const dir = mkdtempSync(join(tmpdir(), 'hdvpn-radius-store-'));
      try {
        const path = join(dir, 's.db');
        const m1 = radiusManager(new FakeRadius({ alice: assign('blue') }), new FakeVrfs(['blue']), new SqliteSessionStore(path));
        await m1.open({ client: 'alice' });
        m1.close();
        const vrfs = new FakeVrfs(['blue']);
        const m2 = radiusManager(new FakeRadius({ carol: assign('blue') }), vrfs, new SqliteSessionStore(path));
        expect(m2.restore()).toBe(1);
        expect([...(vrfs.routes.get('blue') ?? [])]).toEqual(['100.64.9.9/32']);
        await expect(m2.open({ client: 'carol' })).rejects.toThrow(/another client of pair blue holds it/);
        m2.close();
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    });

    it('refuses a radius pair when no radius section is configured', async () => {
      const m = manager(new FakeVrfs(['blue']), new MemorySessionStore(), [blue]);
      await expect(m.open({ client: 'alice' })).rejects.toThrow('pair blue takes its addresses from RADIUS, but no radius section is configured');
    });
  });
});
