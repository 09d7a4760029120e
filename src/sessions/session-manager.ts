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
import type { RemoteAddressServer } from './radius/address-server';
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
  /** The pair's VRF names, which a RADIUS answer may use to name the pair. */
  readonly upstream?: { readonly name: string };
  readonly downstream?: { readonly name: string };
}

export interface SessionManagerOptions {
  readonly now?: () => number;
  /** Told about sessions that could not be restored as they were. */
  readonly warn?: (message: string) => void;
  /** The address server of `radius` pairs; absent: their sessions are refused. */
  readonly addressServer?: RemoteAddressServer;
}

export class SessionManager {
  private readonly sessions = new Map<string, Session>();
  private readonly pools = new Map<string, AddressPool>();
  private pairs = new Map<string, PairAddressing>();
  private readonly now: () => number;
  private readonly warn: (message: string) => void;
  private addressServer: RemoteAddressServer | null;
  /** Clients whose start waits for the address server: a second start for them is a duplicate. */
  private readonly pending = new Set<string>();
  /** pair|prefix → the session whose route it is, set before the route enters the VRF (the FIB asks while it does). */
  private readonly owners = new Map<string, Session>();
  private readonly listeners: ((event: 'up' | 'down', session: Session) => void)[] = [];

  constructor(private readonly vrfs: ClientRouteTable, private readonly store: SessionStore, opts: SessionManagerOptions = {}) {
    this.now = opts.now ?? Date.now;
    this.warn = opts.warn ?? (() => undefined);
    this.addressServer = opts.addressServer ?? null;
  }

  /** A session came up (started or restored) or went down (stopped): the FIB binds or unbinds its ingress. */
  onChange(listener: (event: 'up' | 'down', session: Session) => void): void {
    this.listeners.push(listener);
  }

  /** The session whose route `prefix` (text form) is in `pair`'s downstream VRF. */
  owner(pair: string, prefix: string): Session | undefined {
    return this.owners.get(`${pair}|${prefix}`);
  }

  private emit(event: 'up' | 'down', s: Session): void {
    for (const l of this.listeners) l(event, s);
  }

  /** A new RADIUS client (a reload changed the `radius` section); the old one is closed. */
  setAddressServer(server: RemoteAddressServer | null): void {
    if (this.addressServer !== server) this.addressServer?.close();
    this.addressServer = server;
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

  /** A start with a built-in pool: synchronous. A pair whose address server is RADIUS needs open(). */
  start(req: SessionRequest): Session {
    if (this.sessions.has(req.client) || this.pending.has(req.client)) throw new SessionError('duplicate-client', `client ${req.client} already has a session`);
    const pair = this.choosePair(req.pair);
    const pool = this.pools.get(pair.name);
    if (!pool) throw new SessionError('unknown-pair', `no half-duplex pair ${pair.name}`);
    const address = pool.allocate(req.client);
    return this.commit(req, pair.name, address, [], pool);
  }

  /**
   * Any start: a pool pair as start() does; a `radius` pair (named, or the
   * one the RADIUS answer names when no pool pair could take the client)
   * with the address, framed routes and pair of the Access-Accept.
   */
  async open(req: SessionRequest): Promise<Session> {
    if (this.sessions.has(req.client) || this.pending.has(req.client)) throw new SessionError('duplicate-client', `client ${req.client} already has a session`);
    const named = req.pair !== undefined ? this.pairs.get(req.pair) : undefined;
    if (req.pair !== undefined && (!named || this.vrfs.pair(req.pair) === undefined)) throw new SessionError('unknown-pair', `no half-duplex pair ${req.pair}`);
    const radiusPairs = [...this.pairs.values()].filter((p) => p.addressServer === 'radius' && this.vrfs.pair(p.name) !== undefined);
    const poolPairs = [...this.pairs.values()].filter((p) => p.addressServer === 'pool');
    if (named?.addressServer === 'pool' || (named === undefined && (radiusPairs.length === 0 || poolPairs.length > 0))) return this.start(req);
    const server = this.addressServer;
    if (!server) throw new SessionError('unsupported', `pair ${named?.name ?? radiusPairs.map((p) => p.name).join(', ')} takes its addresses from RADIUS, but no radius section is configured`);
    this.pending.add(req.client);
    let assignment;
    try {
      assignment = await server.authorize(req.client, radiusPairs);
    } finally {
      this.pending.delete(req.client);
    }
    if (this.sessions.has(req.client)) throw new SessionError('duplicate-client', `client ${req.client} already has a session`);
    const pairName = this.radiusPair(assignment.pair, named, radiusPairs);
    const pool = this.pools.get(pairName);
    if (!pool) throw new SessionError('unknown-pair', `no half-duplex pair ${pairName}`);
    if (!pool.restore(req.client, assignment.address)) {
      throw new SessionError('address-in-use', `RADIUS assigned ${formatIpv4(assignment.address)} to ${req.client}, but another client of pair ${pairName} holds it`);
    }
    const session = this.commit(req, pairName, assignment.address, assignment.framedRoutes, pool);
    server.sessionStarted(session);
    return session;
  }

  stop(client: string): Session {
    const s = this.sessions.get(client);
    if (!s) throw new SessionError('no-session', `no session for client ${client}`);
    if (s.state === 'up') this.uninstall(s);
    this.store.deleteSession(client);
    this.pools.get(s.pair)?.release(client);
    this.sessions.delete(client);
    if (this.pairs.get(s.pair)?.addressServer === 'radius') this.addressServer?.sessionStopped(s);
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
    this.addressServer?.close();
    this.store.close();
  }

  /** The pair of a RADIUS session: the answer's, which must agree with --pair when both are given. */
  private radiusPair(assigned: string | null, named: PairAddressing | undefined, radiusPairs: readonly PairAddressing[]): string {
    if (assigned !== null) {
      if (named && named.name !== assigned) throw new SessionError('radius-answer', `RADIUS assigned pair ${assigned}, but pair ${named.name} was asked for`);
      if (!radiusPairs.some((p) => p.name === assigned)) throw new SessionError('radius-answer', `RADIUS assigned pair ${assigned}, whose address server is not radius`);
      return assigned;
    }
    if (named) return named.name;
    const only = radiusPairs[0];
    if (radiusPairs.length !== 1 || only === undefined) throw new SessionError('no-pair', `RADIUS named no pair and several pairs could take the client (${radiusPairs.map((p) => p.name).join(', ')}); give --pair`);
    return only.name;
  }

  /** Stores, installs and records a session whose address `pool` now holds for the client; undoes all of it on failure. */
  private commit(req: SessionRequest, pair: string, address: number, framedRoutes: readonly string[], pool: AddressPool): Session {
    const host = formatPrefix(ipv4Prefix(address, 32));
    const session: Session = {
      client: req.client,
      pair,
      address,
      routes: [host, ...framedRoutes.filter((r) => r !== host)],
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

  private choosePair(name: string | undefined): PairAddressing {
    if (name !== undefined) {
      const p = this.pairs.get(name);
      if (!p || this.vrfs.pair(name) === undefined) throw new SessionError('unknown-pair', `no half-duplex pair ${name}`);
      if (p.addressServer !== 'pool') throw new SessionError('unsupported', `pair ${name} takes its addresses from RADIUS: its sessions start through open()`);
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
    for (const r of s.routes) this.owners.set(`${s.pair}|${r}`, s);
    for (const r of s.routes) {
      const prefix = parsePrefix(r);
      if (prefix) this.vrfs.addClientRoute(s.pair, prefix, null);
    }
    this.vrfs.bindSession(s.pair, s.client);
    this.emit('up', s);
  }

  /** Undoes install(), also a partial one; routes that are not this session's are left alone by removeClientRoute. */
  private uninstall(s: Session): void {
    for (const r of s.routes) if (this.owners.get(`${s.pair}|${r}`) === s) this.owners.delete(`${s.pair}|${r}`);
    this.emit('down', s);
    if (this.vrfs.pair(s.pair) === undefined) return;
    for (const r of s.routes) {
      const prefix = parsePrefix(r);
      if (prefix) this.vrfs.removeClientRoute(s.pair, prefix);
    }
    this.vrfs.unbindSession(s.pair, s.client);
  }
}
