/**
 * One BGP neighbor, configured or dynamic: the I/O driver around the pure FSM.
 * It opens or accepts TCP connections, runs one FSM per connection (two while
 * a collision is undecided, RFC 4271 §6.8), performs the FSM's actions, and
 * tells its owner (the speaker) what happened through typed events. It never
 * logs and never decides about routes: UPDATEs go out as the speaker
 * enqueues them and come in as events.
 */
import { CeaseSubcode } from '../wire/errors';
import type { OpenMessage, RouteRefreshMessage, UpdateMessage } from '../wire/messages/types';
import { endOfRib, isEndOfRib } from '../wire/messages/update';
import { RealClock, type Clock, type TimerHandle } from './clock';
import { Connection, type ConnectionHandler } from './connection';
import { downText, sentNotification } from './down-text';
import type { CeaseInfo, DownReason, FsmAction, FsmConfig, FsmEvent, SessionState, StateName } from './fsm-types';
import { gracefulDown } from './graceful';
import { PrefixLimiter } from './max-prefix';
import { newCounters } from './message-counters';
import type { NegotiatedSession, NeighborConfig } from './negotiate-types';
import { adminCease, collisionFsmConfig, connectOptions, hardResetIfGraceful, mainFsmConfig, withoutRestartingBit } from './peer-config';
import { collisionDecision, retire } from './peer-collision';
import { peerInfo } from './peer-info';
import type { Connector, PeerDependencies, PeerEvents, PeerInfo, PeerOptions } from './peer-types';
import { SessionSlot } from './session-slot';
import { normalizeAddress, type BgpSocket } from './socket';
import { openConnection } from './transport/connect';
import { TypedEmitter } from './typed-emitter';

export class Peer extends TypedEmitter<PeerEvents> {
  readonly options: PeerOptions;
  private readonly clock: Clock;
  private readonly connector: Connector;
  private neighbor: NeighborConfig;
  private config: FsmConfig;
  private main: SessionSlot;
  /** The second connection of an undecided collision (RFC 4271 §6.8). */
  private other: SessionSlot | null = null;
  private readonly pending: { readonly slot: SessionSlot; readonly event: FsmEvent }[] = [];
  private processing = false;
  private enabled = false;
  private readonly counters = newCounters();
  private readonly connections = new Set<Connection>();
  private session: NegotiatedSession | null = null;
  private reportedState: StateName = 'Idle';
  private lastChangeAt: number;
  private establishedAt: number | null = null;
  private establishedTransitions = 0;
  private lastError: string | null = null;
  private lastDownAt: number | null = null;
  private readonly prefixLimiter: PrefixLimiter;
  private restartTimer: TimerHandle | null = null;
  private readonly handler: ConnectionHandler;
  /** The connection whose read is being delivered ('read-start' sent, 'read-end' owed), if any. */
  private readingFrom: Connection | null = null;

  constructor(options: PeerOptions, deps: PeerDependencies = {}) {
    super();
    this.options = options;
    this.clock = deps.clock ?? new RealClock();
    this.connector = deps.connector ?? openConnection;
    this.neighbor = options.neighbor;
    this.config = mainFsmConfig(options, this.neighbor, deps.random ?? Math.random);
    this.main = this.newSlot('main');
    this.prefixLimiter = new PrefixLimiter(options.maxPrefix);
    this.lastChangeAt = this.clock.now();
    this.handler = {
      event: (conn, event) => {
        const slot = this.slotOf(conn);
        if (slot !== null) this.dispatch(slot, event);
      },
      updatesSent: (conn) => {
        const slot = this.slotOf(conn);
        // RFC 4271 §8.2.2: each UPDATE sent restarts the KeepaliveTimer.
        if (slot !== null && slot.state.name === 'Established') this.dispatch(slot, { type: 'UpdateMsgSent' });
      },
      reading: (conn, reading) => {
        // Every read-start gets its read-end, even if the main connection changed in between (collision).
        if (reading && conn === this.main.connection && this.readingFrom === null) {
          this.readingFrom = conn;
          this.emit('read-start');
        } else if (!reading && conn === this.readingFrom) {
          this.readingFrom = null;
          this.emit('read-end');
        }
      },
      writable: (conn) => {
        if (conn === this.main.connection && this.main.state.name === 'Established') this.emit('writable');
      },
    };
  }

  get address(): string {
    return this.options.remoteAddress;
  }

  get state(): StateName {
    return this.main.state.name;
  }

  get isEstablished(): boolean {
    return this.main.state.name === 'Established';
  }

  /** The negotiated session while Established. */
  get negotiated(): NegotiatedSession | null {
    return this.session;
  }

  /** Our address on the Established connection (the interface the session runs over), null otherwise. */
  get sessionLocalAddress(): string | null {
    const a = this.isEstablished ? this.main.connection?.localAddress : undefined;
    return a === undefined ? null : normalizeAddress(a);
  }

  /** False while the UPDATE queue is over its high watermark (wait for 'writable'). */
  get isWritable(): boolean {
    const conn = this.main.connection;
    return this.isEstablished && conn !== null && !conn.isFull;
  }

  // --- administrative events (RFC 4271 §8.1.2) ---

  /** ManualStart (1), or ManualStart_with_PassiveTcpEstablishment (4) for a passive neighbor. */
  start(): void {
    this.enabled = true;
    this.cancelRestart();
    // After shutdown() the slot is gone; a restart begins from a fresh Idle FSM.
    if (this.main.isDisposed) this.main = this.newSlot('main');
    this.dispatch(this.main, { type: this.config.passive ? 'ManualStart_with_PassiveTcpEstablishment' : 'ManualStart' });
  }

  /** Administrative shutdown: ManualStop (2) with Cease 6/2 and the RFC 9003 message; stays down until start/enable. */
  stop(message?: string): void {
    this.enabled = false;
    this.cancelRestart();
    this.stopAll(this.hard(adminCease(CeaseSubcode.AdministrativeShutdown, message)));
  }

  /** Administrative reset: Cease 6/4 with the RFC 9003 message, then start again. */
  reset(message?: string): void {
    this.cancelRestart();
    this.stopAll(this.hard(adminCease(CeaseSubcode.AdministrativeReset, message)));
    this.start();
  }

  enable(): void {
    this.start();
  }

  disable(message?: string): void {
    this.stop(message);
  }

  /** stop(), then resolves once every connection of this peer is closed (SIGTERM path). */
  async shutdown(message?: string): Promise<void> {
    this.stop(message);
    this.other?.dispose();
    this.other = null;
    this.main.dispose();
    await Promise.all([...this.connections].map((c) => c.closed));
  }

  /**
   * A connection the listener accepted from this neighbor's address.
   * False: refused (RFC 4271 §8.2.2: Idle refuses connections; a third one
   * while a collision is undecided is refused too); the caller closes it.
   */
  acceptIncoming(socket: BgpSocket): boolean {
    if (!this.enabled || this.main.state.name === 'Idle') return false;
    if (this.main.connection === null) {
      this.main.connection = this.connection(socket, 'remote');
      this.dispatch(this.main, { type: 'TcpConnectionConfirmed' });
      return true;
    }
    if (this.other !== null) return false;
    // A second connection: it gets its own FSM until the OPENs decide (RFC 4271 §6.8).
    const slot = this.newSlot('collision');
    this.other = slot;
    slot.connection = this.connection(socket, 'remote');
    this.dispatch(slot, { type: 'ManualStart_with_PassiveTcpEstablishment' });
    this.dispatch(slot, { type: 'TcpConnectionConfirmed' });
    return true;
  }

  // --- what the speaker sends ---

  /** Queues an UPDATE. False: not Established, or the queue is full; wait for 'writable' (or 'established'). */
  enqueueUpdate(message: UpdateMessage): boolean {
    const conn = this.main.connection;
    if (!this.isEstablished || conn === null) return false;
    return conn.send(message);
  }

  /** `enqueueUpdate` of UPDATEs the speaker encoded itself (for this session's codec context), whole messages back to back. */
  enqueueEncodedUpdates(updates: Buffer): boolean {
    const conn = this.main.connection;
    if (!this.isEstablished || conn === null) return false;
    return conn.sendEncoded(updates);
  }

  /** RFC 4724 §2 End-of-RIB for one family. */
  sendEndOfRib(afi: number, safi: number): boolean {
    return this.enqueueUpdate(endOfRib(afi, safi));
  }

  /**
   * The initial table has been enqueued: End-of-RIB for every negotiated family
   * (RFC 4724 §4.1, sent even without graceful restart as the RFC recommends),
   * and from now on our OPEN no longer carries the R bit.
   */
  initialTableSent(): void {
    const session = this.session;
    if (session === null) return;
    for (const f of session.families) this.sendEndOfRib(f.afi, f.safi);
    this.neighbor = withoutRestartingBit(this.neighbor);
    this.config = { ...this.config, neighbor: this.neighbor };
  }

  /** ROUTE-REFRESH (RFC 2918) or BoRR/EoRR (RFC 7313); false when not negotiated for this session and family. */
  sendRouteRefresh(afi: number, safi: number, subtype: 'request' | 'borr' | 'eorr' = 'request'): boolean {
    const session = this.session;
    const conn = this.main.connection;
    if (session === null || conn === null || !session.routeRefresh) return false;
    if (subtype !== 'request' && !session.enhancedRouteRefresh) return false;
    if (!session.families.some((f) => f.afi === afi && f.safi === safi)) return false;
    const message: RouteRefreshMessage = { type: 'route-refresh', afi, safi, subtype };
    return conn.send(message);
  }

  /**
   * The speaker reports how many prefixes of a family it accepted from this
   * peer (Adj-RIB-In after import policy; the peer does not count routes
   * itself, as only the RIB knows replacements and withdrawals). Checks the
   * RFC 4486 maximum-prefix limit.
   */
  setPrefixCount(afi: number, safi: number, count: number): void {
    const outcome = this.prefixLimiter.report(afi, safi, count, this.isEstablished);
    if (outcome.event !== null) this.emit('max-prefix', outcome.event);
    if (outcome.teardown === null) return;
    // RFC 4486 §4: Cease 6/1 with AFI, SAFI and the limit; AutomaticStop (8) does not restart by itself.
    this.dispatch(this.main, { type: 'AutomaticStop', cease: this.hard(outcome.teardown) });
    const restartSeconds = this.options.maxPrefix?.restartSeconds ?? 0;
    if (restartSeconds <= 0) return;
    this.cancelRestart();
    this.restartTimer = this.clock.setTimer(restartSeconds * 1000, () => {
      this.restartTimer = null;
      if (this.enabled) this.dispatch(this.main, { type: this.config.passive ? 'AutomaticStart_with_PassiveTcpEstablishment' : 'AutomaticStart' });
    });
  }

  info(): PeerInfo {
    return peerInfo({
      options: this.options,
      neighbor: this.neighbor,
      state: this.main.state.name,
      enabled: this.enabled,
      session: this.session,
      establishedAt: this.establishedAt,
      lastChangeAt: this.lastChangeAt,
      now: this.clock.now(),
      counters: this.counters,
      prefixes: this.prefixLimiter.snapshot,
      lastError: this.lastError,
      lastDownAt: this.lastDownAt,
      establishedTransitions: this.establishedTransitions,
      connectRetryCounter: this.main.state.connectRetryCounter,
      queuedBytes: this.main.connection?.queuedBytes ?? 0,
      initiator: this.main.connection?.initiator ?? null,
    });
  }

  // --- the driver ---

  private newSlot(label: string): SessionSlot {
    return new SessionSlot(label, this.clock, (slot, event) => this.dispatch(slot, event));
  }

  private slotOf(conn: Connection): SessionSlot | null {
    if (this.main.connection === conn) return this.main;
    if (this.other !== null && this.other.connection === conn) return this.other;
    return null;
  }

  private connection(socket: BgpSocket, initiator: 'local' | 'remote'): Connection {
    const conn = new Connection(socket, this.handler, {
      initiator,
      clock: this.clock,
      counters: this.counters,
      ...(this.options.watermarks !== undefined ? { watermarks: this.options.watermarks } : {}),
      ...(this.options.lingerMs !== undefined ? { lingerMs: this.options.lingerMs } : {}),
    });
    this.connections.add(conn);
    void conn.closed.then(() => this.connections.delete(conn));
    return conn;
  }

  /** Events are handled one at a time, in order, even when an action or a listener raises another. */
  private dispatch(slot: SessionSlot, event: FsmEvent): void {
    this.pending.push({ slot, event });
    if (this.processing) return;
    this.processing = true;
    try {
      for (let next = this.pending.shift(); next !== undefined; next = this.pending.shift()) {
        if (!next.slot.isDisposed) this.handle(next.slot, next.event);
      }
    } finally {
      this.processing = false;
    }
  }

  private configFor(slot: SessionSlot): FsmConfig {
    return slot === this.main ? this.config : collisionFsmConfig(this.config);
  }

  private handle(slot: SessionSlot, event: FsmEvent): void {
    if (event.type === 'BGPOpen' && !this.settleCollision(slot, event.open)) return;
    if (slot.isDisposed) return;
    const before = slot.state;
    const failure = slot.connection?.failure ?? slot.connectError;
    const result = slot.step(event, this.configFor(slot));
    if (result.state.name === 'OpenConfirm' && before.name !== 'OpenConfirm') slot.connection?.setSession(result.state.session);
    let text: string | null = null;
    if (result.state.name === 'Idle' && before.name !== 'Idle' && result.state.lastError !== null) {
      text = downText(result.state.lastError, sentNotification(result.actions), failure);
      // A collision loss is housekeeping, not an error worth showing.
      if (slot === this.main || result.state.lastError.type !== 'collision-lost') this.lastError = text;
    }
    this.noteState();
    this.perform(slot, result.actions, before, text ?? 'session down');
    this.afterStep(slot);
  }

  private perform(slot: SessionSlot, actions: readonly FsmAction[], before: SessionState, text: string): void {
    let notified = false;
    for (const a of actions) {
      switch (a.type) {
        case 'connect':
          this.connect(slot);
          break;
        case 'drop-connection':
          // RFC 4271 §6: a NOTIFICATION is flushed before the connection closes.
          slot.connection?.close(notified);
          slot.connection = null;
          break;
        case 'send':
          slot.connection?.send(a.message);
          if (a.message.type === 'notification') notified = true;
          break;
        case 'start-timer':
        case 'stop-timer':
        case 'release-resources':
          // Timers were armed by the slot; the connection's buffers went with drop-connection.
          break;
        case 'session-up':
          this.sessionUp(slot, a.session);
          break;
        case 'session-down':
          this.sessionDown(a.reason, before, text);
          break;
        case 'deliver':
          this.deliver(a.message);
          break;
        default: {
          const never: never = a;
          throw new Error(`unhandled FSM action ${String(never)}`);
        }
      }
    }
  }

  private connect(slot: SessionSlot): void {
    slot.connectError = null;
    try {
      const socket = this.connector(connectOptions(this.options));
      slot.connection = this.connection(socket, 'local');
    } catch (e) {
      // A local failure (bind, socket option); its text never includes the key.
      slot.connectError = e instanceof Error ? e.message : String(e);
      this.dispatch(slot, { type: 'TcpConnectionFails' });
    }
  }

  private sessionUp(slot: SessionSlot, session: NegotiatedSession): void {
    if (slot !== this.main) {
      // The collision connection got there first: it becomes the peer; the other one is closed with 6/7.
      const old = this.main;
      this.main = slot;
      this.other = null;
      retire(old);
    }
    this.session = session;
    this.establishedAt = this.clock.now();
    this.establishedTransitions++;
    this.prefixLimiter.reset();
    this.noteState();
    this.emit('established', session);
  }

  private sessionDown(reason: DownReason, before: SessionState, text: string): void {
    const session = before.name === 'Established' ? before.session : this.session;
    this.session = null;
    this.establishedAt = null;
    this.lastDownAt = this.clock.wallClock();
    const graceful = session === null ? null : gracefulDown(session, this.neighbor.gracefulRestart, reason);
    this.emit('down', { reason, text, graceful });
  }

  private deliver(message: UpdateMessage | RouteRefreshMessage): void {
    if (message.type === 'update') {
      const eor = isEndOfRib(message);
      if (eor !== null) this.emit('end-of-rib', eor.afi, eor.safi);
      else this.emit('update', message);
      return;
    }
    const session = this.session;
    // RFC 2918 §4: a family we did not negotiate is ignored; RFC 7313 §3: so is an unknown subtype.
    if (session === null || message.subtype === 'unknown') return;
    if (!session.families.some((f) => f.afi === message.afi && f.safi === message.safi)) return;
    this.emit('route-refresh', message);
  }

  /** A slot that went Idle: the collision slot is dropped; a failed main slot hands over to a live collision slot. */
  private afterStep(slot: SessionSlot): void {
    if (slot.state.name !== 'Idle') return;
    if (slot === this.other) {
      slot.dispose();
      this.other = null;
    } else if (slot === this.main && this.other !== null) {
      const next = this.other;
      this.other = null;
      slot.dispose();
      this.main = next;
      this.noteState();
    }
  }

  /**
   * An OPEN arrived on `slot` while another connection of this peer exists:
   * RFC 4271 §6.8 collision detection (RFC 4724 §4.2 for an Established
   * session whose peer restarted). False: the OPEN's connection was closed.
   */
  private settleCollision(slot: SessionSlot, open: OpenMessage): boolean {
    const existing = slot === this.main ? this.other : this.main;
    if (existing === null || existing.isDisposed || existing === slot) return true;
    const decision = collisionDecision(this.config, existing, slot, open, { collisionDetectEstablished: this.options.collisionDetectEstablished ?? false });
    switch (decision) {
      case 'none':
        return true;
      case 'abandon-existing':
        this.drop(existing);
        return true;
      case 'replace-established':
        // RFC 4724 §4.2: the peer restarted; the old session ends as if TCP had failed, its routes go stale.
        existing.connection?.close(false);
        existing.connection = null;
        existing.connectError = 'the peer opened a new connection (graceful restart, RFC 4724 §4.2)';
        this.handle(existing, { type: 'TcpConnectionFails' });
        return true;
      case 'existing':
        this.handle(existing, { type: 'OpenCollisionDump' });
        return true;
      case 'new':
        this.handle(slot, { type: 'OpenCollisionDump' });
        return false;
      default: {
        const never: never = decision;
        return never;
      }
    }
  }

  /** Forgets a slot silently (no OPEN was exchanged on it). */
  private drop(slot: SessionSlot): void {
    slot.dispose();
    if (slot === this.other) {
      this.other = null;
      return;
    }
    this.main = this.other ?? this.newSlot('main');
    this.other = null;
    this.noteState();
  }

  /** Our own teardowns must flush the peer's copy of our routes even under RFC 8538. */
  private hard(cease: CeaseInfo): CeaseInfo {
    return hardResetIfGraceful(cease, this.session?.gracefulRestart?.notification ?? false);
  }

  private stopAll(cease: CeaseInfo): void {
    if (this.other !== null) this.dispatch(this.other, { type: 'ManualStop', cease });
    this.dispatch(this.main, { type: 'ManualStop', cease });
  }

  private cancelRestart(): void {
    if (this.restartTimer !== null) this.clock.clearTimer(this.restartTimer);
    this.restartTimer = null;
  }

  private noteState(): void {
    const now = this.main.state.name;
    if (now === this.reportedState) return;
    const from = this.reportedState;
    this.reportedState = now;
    this.lastChangeAt = this.clock.now();
    this.emit('state', from, now);
  }
}
