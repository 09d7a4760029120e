/**
 * One BGP instance: its neighbors, their RIBs, and the routes this node
 * originates. Sessions come in as SessionPeers; the speaker decides what goes
 * into each Adj-RIB-Out and pumps it out respecting each session's queue.
 */
import type { Clock } from '../session/clock';
import type { NegotiatedSession } from '../session/negotiate-types';
import type { PeerDown } from '../session/peer-types';
import type { RouteRefreshMessage, UpdateMessage } from '../wire/messages/types';
import { AdjRibIn, type RibChange } from '../rib/adj-rib-in';
import { AttributeInterner } from '../rib/attribute-set';
import { localRoute, localSource, type LocalRouteSpec } from '../rib/local-routes';
import type { Route, RouteSource } from '../rib/route';
import { PeerRoutes } from './peer-routes';
import type { SessionPeer } from './types';
import { asPathContains } from '../wire/values/as-path';
import { fromOldSpeaker } from '../rib/as4';

export interface SpeakerOptions {
  readonly asn: number;
  readonly routerId: string;
  readonly clock: Clock;
}

export interface NeighborRegistration {
  readonly address: string;
  readonly asn: number;
  readonly routeServerClient: boolean;
  /** Seconds to keep a gracefully-restarting peer's routes if its restart time says more (FRR's stale-path time). */
  readonly staleRoutesTime?: number;
}

export type RibListener = (peerAddress: string, changes: readonly RibChange[]) => void;

export class Speaker {
  readonly interner = new AttributeInterner();
  private readonly peers = new Map<string, PeerRoutes>();
  private readonly local = new Map<string, Route>();
  private readonly localSrc: RouteSource;
  private readonly listeners: RibListener[] = [];

  constructor(private readonly opts: SpeakerOptions) {
    this.localSrc = localSource(opts.asn, opts.routerId);
  }

  onRibChange(l: RibListener): void {
    this.listeners.push(l);
  }

  /** Hooks a session driver into the RIBs. */
  addPeer(peer: SessionPeer, reg: NeighborRegistration): PeerRoutes {
    const ribIn = new AdjRibIn({ address: reg.address, asn: reg.asn, bgpId: '0.0.0.0', ibgp: reg.asn === this.opts.asn }, this.interner, () => this.opts.clock.now());
    const asn = this.opts.asn;
    // RFC 4271 §9.1.2: a route whose AS_PATH holds our own AS is a loop; it is kept for `show rib` but never used.
    ribIn.importCheck = (r) => (asPathContains(r.attrs.asPath, asn) ? `AS path loop (contains our AS ${asn})` : null);
    const pr = new PeerRoutes(peer, ribIn, reg.routeServerClient);
    this.peers.set(reg.address, pr);
    peer.on('established', (s) => this.onEstablished(pr, s));
    peer.on('down', (d) => this.onDown(pr, d, reg));
    peer.on('update', (m) => this.onUpdate(reg.address, pr, m));
    peer.on('end-of-rib', (afi, safi) => this.emit(reg.address, pr.ribIn.sweepStale(afi, safi)));
    peer.on('route-refresh', (m) => this.onRouteRefresh(pr, m));
    peer.on('writable', () => pr.pump());
    return pr;
  }

  removePeer(address: string): void {
    const pr = this.peers.get(address);
    if (!pr) return;
    pr.staleTimer?.cancel();
    this.emit(address, pr.ribIn.clear());
    this.peers.delete(address);
  }

  peerRoutes(address: string): PeerRoutes | undefined {
    return this.peers.get(address);
  }

  allPeers(): IterableIterator<[string, PeerRoutes]> {
    return this.peers.entries();
  }

  localRoutes(): IterableIterator<[string, Route]> {
    return this.local.entries();
  }

  /** Originates a route (config, VRF export, client session); announced to every session that has its family. */
  originate(spec: LocalRouteSpec): string {
    const { key, route } = localRoute(spec, this.localSrc, this.interner, this.opts.clock.now());
    const old = this.local.get(key);
    if (old) this.interner.release(old.attrs);
    this.local.set(key, route);
    this.emit('local', [{ key, route }]);
    for (const pr of this.peers.values()) {
      pr.announce(key, route);
      pr.pump();
    }
    return key;
  }

  withdrawLocal(key: string): void {
    const old = this.local.get(key);
    if (!old) return;
    this.local.delete(key);
    this.interner.release(old.attrs);
    this.emit('local', [{ key, route: null }]);
    for (const pr of this.peers.values()) {
      pr.withdraw(key);
      pr.pump();
    }
  }

  private emit(address: string, changes: readonly RibChange[]): void {
    if (changes.length === 0) return;
    for (const l of this.listeners) l(address, changes);
  }

  private onEstablished(pr: PeerRoutes, s: NegotiatedSession): void {
    pr.staleTimer?.cancel();
    pr.staleTimer = null;
    const info = pr.peer.info();
    // The source must carry the negotiated identity for the decision process (RFC 4271 §9.1.2.2 f).
    pr.ribIn.setSource({ address: info.address, asn: s.peerAs, bgpId: s.peerBgpId, ibgp: s.ibgp });
    // RFC 4271 §5.1.3: next-hop-self is our address on this session, not the router id (which need not be one).
    pr.up(s, pr.peer.sessionLocalAddress ?? info.localAddress ?? this.opts.routerId, this.opts.asn, this.local.entries());
    pr.pump();
  }

  private onDown(pr: PeerRoutes, d: PeerDown, reg: NeighborRegistration): void {
    pr.down();
    if (!d.graceful) {
      this.emit(reg.address, pr.ribIn.clear());
      return;
    }
    // RFC 4724 §4.2: keep routes of families the peer preserved as stale; flush the others now.
    const kept = new Set(d.graceful.families.map((f) => `${f.afi}/${f.safi}`));
    for (const [k] of pr.ribIn.countsByFamily()) {
      const [afi, safi] = k.split('/').map(Number);
      if (kept.has(k)) pr.ribIn.markStale(afi, safi);
      else this.emit(reg.address, pr.ribIn.sweepAll(afi ?? 0, safi ?? 0));
    }
    const seconds = Math.min(d.graceful.restartTime, reg.staleRoutesTime ?? Infinity);
    pr.staleTimer?.cancel();
    const clock = this.opts.clock;
    const handle = clock.setTimer(seconds * 1000, () => {
      pr.staleTimer = null;
      this.emit(reg.address, pr.ribIn.sweepStale());
    });
    pr.staleTimer = { cancel: () => clock.clearTimer(handle) };
  }

  private onUpdate(address: string, pr: PeerRoutes, m: UpdateMessage): void {
    // RFC 6793 §4.2.3: a peer without 4-octet AS sends the true path in AS4_PATH; merge it before anything else.
    const msg = pr.session && !pr.session.fourOctetAs ? { ...m, attributes: fromOldSpeaker(m.attributes) } : m;
    const changes = pr.ribIn.apply(msg);
    const families = new Set<string>();
    for (const c of changes) families.add(c.key.slice(0, c.key.indexOf('|')));
    for (const f of families) {
      const [afi, safi] = f.split('/').map(Number);
      pr.peer.setPrefixCount(afi ?? 0, safi ?? 0, pr.ribIn.acceptedCount(afi ?? 0, safi ?? 0));
    }
    this.emit(address, changes);
  }

  private onRouteRefresh(pr: PeerRoutes, m: RouteRefreshMessage): void {
    if (m.subtype !== 'request') return; // BoRR/EoRR from the peer concern its routes to us (RFC 7313 §4)
    const enhanced = pr.session?.enhancedRouteRefresh ?? false;
    if (enhanced) pr.peer.sendRouteRefresh(m.afi, m.safi, 'borr');
    pr.refresh(m.afi, m.safi, (key) => this.local.get(key));
    pr.pump();
    if (enhanced) pr.peer.sendRouteRefresh(m.afi, m.safi, 'eorr');
  }
}
