/**
 * Client sessions of this node (DESIGN.md, "A client arrives"): an address
 * from the pair's address server, the host route into the pair's downstream
 * VRF (which exports it as the VPNv4 new-client notification), the session
 * bound to both halves. A start either completes or leaves nothing behind;
 * a stop undoes all of it and the address goes back to the pool, remembered
 * for the client. Every change is written to the store before the route
 * leaves, so a restart finds every session that was announced.
 */
import { formatIpv4 } from '../bgp/wire/values/ip';
import { formatPrefix, ipv4Prefix, parsePrefix, type Prefix } from '../bgp/wire/values/prefix';
import type { Json } from '../bgp/wire/json';
import { AddressPool } from './address-pool';
import { SessionError } from './session-error';
import type { SessionStore } from './session-store';
import { sessionView, type Session, type SessionRequest } from './types';

/** What sessions need of the VRFs (src/vrf/manager.ts has it). */
export interface ClientRouteTable {
  pair(name: string): unknown;
  addClientRoute(pair: string, prefix: Prefix, nextHop?: string | null): void;
  removeClientRoute(pair: string, prefix: Prefix): void;
  bindSession(pair: string, session: string): void;
  unbindSession(pair: string, session: string): void;
}

/** What sessions need of a half-duplex pair's config. */
export interface PairAddressing {
  readonly name: string;
  readonly pool: readonly Prefix[];
  readonly poolExclude: readonly Prefix[];
  readonly addressServer: 'pool' | 'radius';
}

export interface SessionManagerOptions {
  readonly now?: () => number;
  /** Told about sessions that could not be restored as they were. */
  readonly warn?: (message: string) => void;
}

export class SessionManager {
  private readonly sessions = new Map<string, Session>();
  private readonly pools = new Map<string, AddressPool>();
  private pairs = new Map<string, PairAddressing>();
  private readonly now: () => number;
  private readonly warn: (message: string) => void;

  constructor(private readonly vrfs: ClientRouteTable, private readonly store: SessionStore, opts: SessionManagerOptions = {}) {
    this.now = opts.now ?? Date.now;
    this.warn = opts.warn ?? (() => undefined);
  }

  /** The pairs of the config in force; pools keep their leases across a reload. */
  configure(pairs: readonly PairAddressing[]): void {
    this.pairs = new Map(pairs.map((p) => [p.name, p]));
    for (const p of pairs) {
      const pool = this.pools.get(p.name);
      if (pool) pool.setPrefixes(p.pool, p.poolExclude);
      else this.pools.set(p.name, new AddressPool(p.name, p.pool, p.poolExclude));
    }
  }

  /**
   * After a restart: leases back into the pools first (so nothing can be
   * handed out twice), then every stored session installed again. A session
   * whose pair is gone from the config is kept, down, until it is deleted.
   */
  restore(): number {
    const { sessions, leases } = this.store.load();
    for (const l of leases) {
      const pool = this.pools.get(l.pair);
      if (!pool) continue;
      if (l.held) pool.restore(l.client, l.address);
      else pool.remember(l.client, l.address);
    }
    let up = 0;
    for (const s of sessions) {
      this.sessions.set(s.client, s);
      const pool = this.pools.get(s.pair);
      if (!pool || this.vrfs.pair(s.pair) === undefined) {
        s.state = 'down';
        this.warn(`session ${s.client}: pair ${s.pair} is not configured; kept down until it is deleted or the pair returns`);
        continue;
      }
      if (!pool.restore(s.client, s.address)) {
        s.state = 'down';
        this.warn(`session ${s.client}: address ${formatIpv4(s.address)} is held by another client; kept down`);
        continue;
      }
      try {
        this.install(s);
        s.state = 'up';
        up++;
      } catch (e) {
        s.state = 'down';
        this.warn(`session ${s.client}: ${e instanceof Error ? e.message : String(e)}; kept down`);
      }
    }
    return up;
  }

  start(req: SessionRequest): Session {
    if (this.sessions.has(req.client)) throw new SessionError('duplicate-client', `client ${req.client} already has a session`);
    const pair = this.choosePair(req.pair);
    const pool = this.pools.get(pair.name);
    if (!pool) throw new SessionError('unknown-pair', `no half-duplex pair ${pair.name}`);
    const address = pool.allocate(req.client);
    const session: Session = {
      client: req.client,
      pair: pair.name,
      address,
      routes: [formatPrefix(ipv4Prefix(address, 32))],
      tunnel: req.tunnel ?? null,
      state: 'up',
      since: this.now(),
    };
    try {
      // Stored before announced: a crash after this line brings the session back; before it, nothing was announced.
      this.store.saveSession(session);
    } catch (e) {
      pool.release(req.client);
      throw e;
    }
    try {
      this.install(session);
    } catch (e) {
      this.uninstall(session);
      this.store.deleteSession(session.client);
      pool.release(req.client);
      if (e instanceof Error && e.name === 'VrfError') throw new SessionError('route-conflict', e.message);
      throw e;
    }
    this.sessions.set(session.client, session);
    return session;
  }

  stop(client: string): Session {
    const s = this.sessions.get(client);
    if (!s) throw new SessionError('no-session', `no session for client ${client}`);
    if (s.state === 'up') this.uninstall(s);
    this.store.deleteSession(client);
    this.pools.get(s.pair)?.release(client);
    this.sessions.delete(client);
    return s;
  }

  get(client: string): Session | undefined {
    return this.sessions.get(client);
  }

  all(): IterableIterator<Session> {
    return this.sessions.values();
  }

  view(s: Session): Json {
    return sessionView(s, formatIpv4);
  }

  close(): void {
    this.store.close();
  }

  private choosePair(name: string | undefined): PairAddressing {
    if (name !== undefined) {
      const p = this.pairs.get(name);
      if (!p || this.vrfs.pair(name) === undefined) throw new SessionError('unknown-pair', `no half-duplex pair ${name}`);
      if (p.addressServer !== 'pool') throw new SessionError('unsupported', `pair ${name} takes its addresses from RADIUS, which this hdvpnd does not speak yet`);
      return p;
    }
    const candidates = [...this.pairs.values()].filter((p) => p.addressServer === 'pool');
    const only = candidates[0];
    if (candidates.length !== 1 || only === undefined) {
      throw new SessionError('no-pair', candidates.length === 0 ? 'no half-duplex pair with a built-in pool is configured' : `several pairs could take the client (${candidates.map((p) => p.name).join(', ')}); give --pair`);
    }
    return only;
  }

  private install(s: Session): void {
    for (const r of s.routes) {
      const prefix = parsePrefix(r);
      if (prefix) this.vrfs.addClientRoute(s.pair, prefix, null);
    }
    this.vrfs.bindSession(s.pair, s.client);
  }

  /** Undoes install(), also a partial one; routes that are not this session's are left alone by removeClientRoute. */
  private uninstall(s: Session): void {
    if (this.vrfs.pair(s.pair) === undefined) return;
    for (const r of s.routes) {
      const prefix = parsePrefix(r);
      if (prefix) this.vrfs.removeClientRoute(s.pair, prefix);
    }
    this.vrfs.unbindSession(s.pair, s.client);
  }
}
