/**
 * One BGP instance: its neighbors, their RIBs, the Loc-RIB and the routes
 * this node originates. A route's journey (DESIGN.md): UPDATE → Adj-RIB-In
 * (import checks and policy) → Loc-RIB (decision) → each neighbor's choice
 * and export policy → Adj-RIB-Out → UPDATE. Route-server (RFC 7947) and
 * route-reflector (RFC 4456) behaviour are roles of the neighbors.
 */
import type { Clock } from '../session/clock';
import type { NegotiatedSession } from '../session/negotiate-types';
import type { PeerDown } from '../session/peer-types';
import type { RouteRefreshMessage, UpdateMessage } from '../wire/messages/types';
import { withAttributes } from '../wire/messages/field-update';
import { AdjRibIn, type RibChange } from '../rib/adj-rib-in';
import { AttributeInterner, type AttributeSet } from '../rib/attribute-set';
import { DEFAULT_DECISION, type DecisionOptions } from '../rib/decision';
import { DestUpdate, LocRib, type DestChange } from '../rib/loc-rib';
import { localRoute, localSource, NEXT_HOP_SELF, type LocalRouteSpec } from '../rib/local-routes';
import { NextHopResolver } from '../rib/next-hop';
import { NlriInterner } from '../rib/nlri-intern';
import type { Prefix } from '../wire/values/prefix';
import { destKeyOf, familyCodeOfKey, pathIdOfKey, routeKey, withRoute, type Route, type RouteSource } from '../rib/route';
import type { ExportPeer } from '../rib/export-rules';
import { ACCEPT_ALL, type PolicyChain } from '../policy/types';
import { PeerRoutes } from './peer-routes';
import type { SessionPeer } from './types';
import { UpdateGroup, updateGroupKey } from './update-group';
import { fromOldSpeaker } from '../rib/as4';

export interface SpeakerOptions {
  readonly asn: number;
  readonly routerId: string;
  readonly clock: Clock;
  /** RFC 4456 §7: the cluster id when reflecting; the router id by default. */
  readonly clusterId?: string;
  readonly decision?: DecisionOptions;
  /** RFC 7947: the route server's central policy, applied to every route-server client after its own. */
  readonly routeServerImport?: PolicyChain;
  readonly routeServerExport?: PolicyChain;
  /** This node's connected networks for next-hop resolution (default: its interfaces; tests give their own). */
  readonly connected?: () => readonly Prefix[];
}

export interface NeighborRegistration {
  readonly address: string;
  readonly asn: number;
  readonly routeServerClient: boolean;
  readonly routeReflectorClient?: boolean;
  readonly importPolicy?: PolicyChain;
  readonly exportPolicy?: PolicyChain;
  /** Seconds to keep a gracefully-restarting peer's routes if its restart time says more (FRR's stale-path time). */
  readonly staleRoutesTime?: number;
}

export type RibListener = (peerAddress: string, changes: readonly RibChange[]) => void;
/** The most often local originations are pumped during a burst (schedulePump). */
const LOCAL_PUMP_SPACING_MS = 5;

export type BestListener = (destKey: string, best: Route | undefined) => void;
/** A family as afi × 65536 + safi (`DestTable.family`). */
export type FamilyCode = number;

/**
 * Two chains as one: the neighbor's own policy, then the route server's
 * central one, which sees the route as the first left it.
 */
function chainBoth(first: PolicyChain, second: PolicyChain, interner: AttributeInterner): PolicyChain {
  if (second === ACCEPT_ALL) return first;
  if (first === ACCEPT_ALL) return second;
  return {
    names: [...first.names, ...second.names],
    evaluate: (input) => {
      const a = first.evaluate(input);
      if (a.action === 'reject') return a;
      if (a.attributes === null && a.nextHop === null) return second.evaluate(input);
      const attrs = interner.intern(a.attributes ?? input.attrs.attributes, a.nextHop ?? input.attrs.nextHop);
      try {
        const b = second.evaluate({ ...input, attrs });
        if (b.action === 'reject' || b.attributes !== null || b.nextHop !== null) return b.action === 'reject' ? b : { ...b, attributes: b.attributes ?? attrs.attributes, nextHop: b.nextHop ?? attrs.nextHop };
        return a;
      } finally {
        interner.release(attrs);
      }
    },
  };
}

export class Speaker {
  readonly interner = new AttributeInterner();
  /** RDs and labels shared by all neighbors' VPN routes. */
  private readonly nlris = new NlriInterner();
  readonly loc: LocRib;
  private readonly peers = new Map<string, PeerRoutes>();
  private readonly local = new Map<string, Route>();
  private readonly localSrc: RouteSource;
  private readonly listeners: RibListener[] = [];
  private readonly groups = new Map<string, UpdateGroup>();
  private readonly clusterId: string;
  private routeServerImport: PolicyChain;
  private readonly resolver: NextHopResolver;
  /** Routes held back because their next hop does not resolve: "peer\0routeKey" → neighbor. */
  private readonly unresolved = new Map<string, PeerRoutes>();
  /** Routes whose next hop resolves through a Loc-RIB destination: destKey → "peer\0routeKey" → neighbor. */
  private readonly dependents = new Map<string, Map<string, PeerRoutes>>();
  private routeServerExport: PolicyChain;

  constructor(private readonly opts: SpeakerOptions) {
    this.localSrc = localSource(opts.asn, opts.routerId);
    this.loc = new LocRib(opts.decision ?? DEFAULT_DECISION);
    this.clusterId = opts.clusterId ?? opts.routerId;
    this.routeServerImport = opts.routeServerImport ?? ACCEPT_ALL;
    this.routeServerExport = opts.routeServerExport ?? ACCEPT_ALL;
    this.resolver = new NextHopResolver(
      (k) => this.loc.best(k) !== undefined,
      opts.connected,
      Date.now,
      5000,
      (a) => this.peers.get(a)?.established ?? false,
    );
  }

  /**
   * The whole node is stopping: sessions going down from now on need not
   * withdraw their routes from the others (which are going down too).
   */
  close(): void {
    this.closing = true;
  }

  private closing = false;

  onRibChange(l: RibListener): void {
    this.listeners.push(l);
  }

  /** Hooks a session driver into the RIBs. */
  addPeer(peer: SessionPeer, reg: NeighborRegistration): PeerRoutes {
    const role = { address: reg.address, asn: reg.asn, routeServerClient: reg.routeServerClient, routeReflectorClient: reg.routeReflectorClient ?? false };
    const source: RouteSource = { address: reg.address, asn: reg.asn, bgpId: '0.0.0.0', ibgp: reg.asn === this.opts.asn, reflectorClient: role.routeReflectorClient };
    const ribIn = new AdjRibIn(source, this.interner, this.nlris, this.loc.dests);
    // Registered, its routes may be held as columns and the Loc-RIB refer to them by number.
    ribIn.slot = this.loc.register(ribIn);
    const pr = new PeerRoutes(peer, ribIn, role, this.loc, this.opts.asn);
    this.setPolicyChains(pr, reg.importPolicy ?? ACCEPT_ALL, reg.exportPolicy ?? ACCEPT_ALL);
    ribIn.importFilter = (r) => this.importFilter(pr, r);
    ribIn.importsUnchanged = (attrs) => pr.importPolicy === ACCEPT_ALL && this.loopCheck(attrs) === null;
    this.peers.set(reg.address, pr);
    peer.on('established', (s) => this.onEstablished(pr, s));
    peer.on('down', (d) => this.onDown(pr, d, reg));
    peer.on('update', (m) => this.onUpdate(pr, m));
    peer.on('end-of-rib', (afi, safi) => {
      this.applyChanges(pr, pr.ribIn.sweepStale(afi, safi));
      this.pumpAll();
    });
    peer.on('route-refresh', (m) => this.onRouteRefresh(pr, m));
    peer.on('writable', () => pr.writable());
    peer.on('read-start', () => this.readsOpen++);
    peer.on('read-end', () => {
      this.readsOpen--;
      if (this.readsOpen === 0 && this.pumpWanted) {
        this.pumpWanted = false;
        this.pumpAll();
      }
    });
    return pr;
  }

  removePeer(address: string): void {
    const pr = this.peers.get(address);
    if (!pr) return;
    pr.staleTimer?.cancel();
    this.leaveGroup(pr);
    pr.down();
    this.applyChanges(pr, pr.ribIn.clear());
    this.loc.unregister(pr.ribIn.slot);
    this.peers.delete(address);
    this.pumpAll();
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

  updateGroups(): IterableIterator<UpdateGroup> {
    return this.groups.values();
  }

  /**
   * New import and export policies for a neighbor, applied without touching
   * the session: the kept Adj-RIB-In is filtered again (soft reconfiguration
   * inbound) and the Adj-RIB-Out recomputed.
   */
  setPolicies(address: string, importPolicy: PolicyChain, exportPolicy: PolicyChain): void {
    const pr = this.peers.get(address);
    if (!pr) return;
    this.setPolicyChains(pr, importPolicy, exportPolicy);
    this.applyChanges(pr, pr.ribIn.reimport());
    if (pr.session) this.joinGroup(pr, pr.session);
    pr.reexport();
    this.pumpAll();
  }

  /**
   * The route server's central policy changed. With `apply`, every client is
   * filtered again with its own chains; without, the caller is about to give
   * each client new chains with setPolicies (a reload), which then include it.
   */
  setRouteServerPolicies(importPolicy: PolicyChain, exportPolicy: PolicyChain, apply = true): void {
    this.routeServerImport = importPolicy;
    this.routeServerExport = exportPolicy;
    if (!apply) return;
    for (const pr of this.peers.values()) {
      if (pr.routeServerClient) this.setPolicies(pr.role.address, pr.ownImport, pr.ownExport);
    }
  }

  setDecision(decision: DecisionOptions): void {
    this.afterLocChanges(this.loc.setDecision(decision));
    this.pumpAll();
  }

  /** Originates a route (config, VRF export, client session); announced to every session that has its family. */
  originate(spec: LocalRouteSpec): string {
    const { key, route } = localRoute(spec, this.localSrc, this.interner);
    const old = this.local.get(key);
    this.local.set(key, route);
    this.changeDest(destKeyOf(key), 'local', undefined, route);
    if (old) this.interner.release(old.attrs);
    this.emit('local', [{ key, route, family: familyCodeOfKey(key) }]);
    this.schedulePump();
    return key;
  }

  withdrawLocal(key: string): void {
    const old = this.local.get(key);
    if (!old) return;
    this.local.delete(key);
    this.changeDest(destKeyOf(key), 'local', undefined, null);
    this.interner.release(old.attrs);
    this.emit('local', [{ key, route: null, family: familyCodeOfKey(key) }]);
    this.schedulePump();
  }

  private pumpScheduled = false;
  private lastLocalPump = 0;

  /**
   * Local originations (client sessions starting and ending, VRF exports) are
   * sent after the current I/O phase, and under a burst at most every
   * LOCAL_PUMP_SPACING_MS: many sessions started together leave in few
   * UPDATEs, each packed with every client that shares the attributes, while
   * a lone session still leaves at once.
   */
  private schedulePump(): void {
    if (this.pumpScheduled) return;
    this.pumpScheduled = true;
    const run = (): void => {
      this.pumpScheduled = false;
      this.lastLocalPump = Date.now();
      this.pumpAll();
    };
    const wait = this.lastLocalPump + LOCAL_PUMP_SPACING_MS - Date.now();
    if (wait <= 0) setImmediate(run);
    else setTimeout(run, wait);
  }

  private setPolicyChains(pr: PeerRoutes, importPolicy: PolicyChain, exportPolicy: PolicyChain): void {
    pr.ownImport = importPolicy;
    pr.ownExport = exportPolicy;
    pr.importPolicy = pr.routeServerClient ? chainBoth(importPolicy, this.routeServerImport, this.interner) : importPolicy;
    pr.exportPolicy = pr.routeServerClient ? chainBoth(exportPolicy, this.routeServerExport, this.interner) : exportPolicy;
  }

  /**
   * The loop checks depend on the attributes alone, and the prefixes of one
   * UPDATE share one set: the last verdict is reused.
   */
  private loopCheck(a: AttributeSet): string | null {
    if (a === this.lastChecked) return this.lastVerdict;
    const asn = this.opts.asn;
    let verdict: string | null = null;
    // RFC 4271 §9.1.2: a route whose AS_PATH holds our own AS is a loop; it is kept for `show rib` but never used.
    if (a.asPathContains(asn)) verdict = `AS path loop (contains our AS ${asn})`;
    // RFC 4456 §8: a reflected route that comes back is dropped.
    else if (a.originatorId === this.opts.routerId) verdict = 'ORIGINATOR_ID is our router id';
    else if (a.clusterList.includes(this.clusterId)) verdict = 'CLUSTER_LIST holds our cluster id';
    this.lastChecked = a;
    this.lastVerdict = verdict;
    return verdict;
  }

  private lastChecked: AttributeSet | null = null;
  private lastVerdict: string | null = null;

  /** RFC 4271 §9.1.1 import: loop checks, then the import policy. A string is the reason for refusing. */
  private importFilter(pr: PeerRoutes, r: Route): Route | string {
    const loop = this.loopCheck(r.attrs);
    if (loop !== null) return loop;
    const policy = pr.importPolicy;
    if (policy === ACCEPT_ALL) return r;
    const res = policy.evaluate({ afi: r.afi, safi: r.safi, nlri: r.nlri, attrs: r.attrs, neighbor: { address: r.source.address, asn: r.source.asn }, direction: 'import', localAs: this.opts.asn });
    if (res.action === 'reject') return `import policy ${res.policy ?? ''}${res.term ? ` term ${res.term}` : ''}`.trim();
    if (res.attributes === null && res.nextHop === null) return r;
    const attrs = this.interner.intern(res.attributes ?? r.attrs.attributes, res.nextHop ?? r.attrs.nextHop);
    return withRoute(r, { attrs, received: r.attrs });
  }

  private emit(address: string, changes: readonly RibChange[]): void {
    if (changes.length === 0) return;
    for (const l of this.listeners) l(address, changes);
  }

  /**
   * Adj-RIB-In changes of one neighbor into the Loc-RIB: each replaces the
   * path of the same source and path id.
   */
  private applyChanges(pr: PeerRoutes, changes: readonly RibChange[], destIds?: readonly number[]): void {
    if (changes.length === 0) return;
    const source = pr.role.address;
    let unicastGone: string[] | null = null;
    let unicastNew = false;
    let i = 0;
    for (const c of changes) {
      const known = destIds?.[i++] ?? -1;
      const heldSlot = c.heldSlot;
      if (known >= 0 && heldSlot !== undefined && c.heldAttrs !== undefined && this.heldEligible(pr, c.heldAttrs) && this.addHeldPath(known, source, heldSlot)) {
        if (isUnicastFamily(c.family)) unicastNew = true;
        continue;
      }
      if (known >= 0 && c.route) {
        // An announcement stored under its destination's own id (no path id): no key text is needed, unless the
        // next hop must be resolved (the key names the dependency) or the destination leaves the table.
        const r = c.route;
        const fresh = r.rejected === undefined && this.eligible(pr, c, r) ? r : null;
        const u = this.changeDest('', source, undefined, fresh, known);
        if (u === DestUpdate.None) continue;
        if (isUnicastFamily(c.family)) {
          if (this.changedPaths === undefined) (unicastGone ??= []).push(destKeyOf(c.key));
          else unicastNew = true;
        }
        continue;
      }
      const destKey = destKeyOf(c.key);
      const fresh = c.route && c.route.rejected === undefined && this.eligible(pr, c, c.route) ? c.route : null;
      const u = this.changeDest(destKey, source, pathIdOfKey(c.key), fresh, known);
      if (u === DestUpdate.None) continue;
      if (isUnicastDest(destKey)) {
        if (this.changedPaths === undefined) (unicastGone ??= []).push(destKey);
        else unicastNew = true;
      }
    }
    this.emit(pr.role.address, changes);
    this.resolveAgain(unicastGone, unicastNew);
  }

  /**
   * The new destinations the last UPDATE stored as columns (`AdjRibIn.heldIds`):
   * each becomes the Loc-RIB's path by number, with no object made, unless
   * it is not `heldEligible` or the destination has paths already; those go
   * the general way, as change objects.
   */
  private applyHeld(pr: PeerRoutes): void {
    const rib = pr.ribIn;
    const source = pr.role.address;
    const slot = rib.slot;
    const n = rib.heldCount;
    // Listeners get the change objects, made only when someone listens; `applyChanges` tells them of the others.
    const told: RibChange[] | null = this.listeners.length > 0 ? [] : null;
    let others: RibChange[] | null = null;
    let ids: number[] | null = null;
    let added = false;
    for (let i = 0; i < n; i++) {
      const id = rib.heldIds[i] ?? -1;
      const attrs = rib.heldSets[i];
      if (attrs !== undefined && this.heldEligible(pr, attrs) && this.addHeldPath(id, source, slot)) {
        added = true;
        told?.push(rib.heldChange(i));
        continue;
      }
      (others ??= []).push(rib.heldChange(i));
      (ids ??= []).push(id);
    }
    if (told !== null) this.emit(source, told);
    if (others !== null) this.applyChanges(pr, others, ids ?? []);
    if (added) this.resolveAgain(null, true);
  }

  /**
   * `eligible` of a route held as columns, from its set: true when it needs
   * no next-hop resolution (eBGP, or next-hop-self) and nothing waits on one.
   * False sends the change the general way.
   */
  private heldEligible(pr: PeerRoutes, attrs: AttributeSet): boolean {
    return this.unresolved.size === 0 && (!pr.ribIn.routeSource.ibgp || attrs.nextHop === NEXT_HOP_SELF);
  }

  /**
   * `changeDest` for the first path of a destination, held as columns by the
   * Adj-RIB-In numbered `slot` (a full table's load): no route is made. False
   * when the destination has paths already (`changeDest` then decides).
   */
  private addHeldPath(id: number, source: string, slot: number): boolean {
    if (!this.loc.addHeld(id, slot, source)) return false;
    for (const p of this.establishedPeers()) p.touchChanged(id, slot);
    this.bestChanged(id);
    return true;
  }

  /**
   * RFC 4271 §9.1.2.1 for routes learned over iBGP in the unicast families:
   * their next hop must resolve. eBGP next hops are the neighbor's side of a
   * shared network; VPN next hops resolve through the core (labels and
   * tunnels), which the BGP speaker does not see.
   */
  private eligible(pr: PeerRoutes, keyed: string | { readonly key: string }, r: Route): boolean {
    const simple = !r.source.ibgp || r.safi !== 1 || r.attrs.nextHop === NEXT_HOP_SELF;
    // The common case (eBGP, nothing unresolved) builds no id string, nor even the key: one per route would cost a
    // full-table's worth.
    if (simple && this.unresolved.size === 0) return true;
    const key = typeof keyed === 'string' ? keyed : keyed.key;
    const id = `${pr.role.address}\u0000${key}`;
    this.unresolved.delete(id);
    if (simple) return true;
    const res = this.resolver.resolve(r.attrs.nextHop);
    if (res && res.kind === 'connected') return true;
    if (res && res.destKey !== destKeyOf(key)) {
      let deps = this.dependents.get(res.destKey);
      if (!deps) {
        deps = new Map();
        this.dependents.set(res.destKey, deps);
      }
      deps.set(id, pr);
      return true;
    }
    this.unresolved.set(id, pr);
    return false;
  }

  /** A unicast destination came or went: routes whose next hop depends on that are evaluated again. */
  private resolveAgain(gone: string[] | null, added: boolean): void {
    // The usual UPDATE (nothing waits on a next hop): no work, and no scratch Map per UPDATE.
    if (this.dependents.size === 0 && this.unresolved.size === 0) return;
    for (let round = 0; round < 8; round++) {
      const again = new Map<string, PeerRoutes>();
      for (const d of gone ?? []) {
        const deps = this.dependents.get(d);
        if (!deps) continue;
        this.dependents.delete(d);
        for (const [id, pr] of deps) again.set(id, pr);
      }
      if (added) for (const [id, pr] of this.unresolved) again.set(id, pr);
      if (again.size === 0) return;
      gone = null;
      added = false;
      for (const [id, pr] of again) {
        const key = id.slice(id.indexOf('\u0000') + 1);
        const r = pr.ribIn.get(key);
        if (!r) {
          this.unresolved.delete(id);
          continue;
        }
        const destKey = destKeyOf(key);
        const hadBest = this.loc.best(destKey) !== undefined;
        const fresh = r.rejected === undefined && this.eligible(pr, key, r) ? r : null;
        const u = this.changeDest(destKey, pr.role.address, pathIdOfKey(key), fresh);
        if (u === DestUpdate.None) continue;
        if (isUnicastDest(destKey)) {
          if (this.loc.best(destKey) === undefined) (gone ??= []).push(destKey);
          else if (!hadBest) added = true;
        }
      }
    }
  }

  private establishedPeers(): readonly PeerRoutes[] {
    // Rebuilt only when a session comes or goes (per UPDATE it would be an allocation for nothing).
    if (this.upCache === null) {
      const out: PeerRoutes[] = [];
      for (const p of this.peers.values()) if (p.established) out.push(p);
      this.upCache = out;
    }
    return this.upCache;
  }

  private upCache: PeerRoutes[] | null = null;

  /**
   * Replaces (or with null removes) the path `source` sent with `pathId` for
   * `destKey` in the Loc-RIB (`known`: its id, when the caller holds one),
   * then marks the neighbors whose choice may have changed (every change of
   * the best path; any change at all for a route-server client). The
   * destination id is held across the whole step, so a destination that
   * loses its last path keeps its id until the neighbors that must withdraw
   * it have queued it.
   */
  private changeDest(destKey: string, source: string, pathId: number | undefined, route: Route | null, known = -1): DestUpdate {
    const dests = this.loc.dests;
    const id = known >= 0 ? known : route ? dests.acquire(destKey) : dests.find(destKey);
    if (id < 0) {
      this.changedPaths = undefined;
      return DestUpdate.None;
    }
    if (known >= 0 || !route) dests.retain(id);
    const u = this.loc.updateOf(id, source, pathId, route);
    this.changedPaths = this.loc.last;
    if (u !== DestUpdate.None) {
      const paths = this.changedPaths;
      for (const p of this.establishedPeers()) if (u === DestUpdate.Best || p.routeServerClient) p.touchChanged(id, paths);
      if (u === DestUpdate.Best) this.bestChanged(id);
    }
    dests.release(id);
    return u;
  }

  /** The destination's paths right after the last `changeDest`. */
  private changedPaths: Route | readonly Route[] | undefined = undefined;

  /** Marks the destinations whose advertisement may have changed for the neighbors they concern. */
  private afterLocChanges(changes: readonly DestChange[]): void {
    const dests = this.loc.dests;
    const ids = changes.map((c) => dests.find(c.destKey));
    for (const pr of this.establishedPeers()) {
      // A route-server client's choice may change whenever any path changes; others follow the best path.
      const everyPath = pr.routeServerClient;
      changes.forEach((c, i) => {
        const id = ids[i] ?? -1;
        // No id: no table holds the destination, so no neighbor was sent it either.
        if (id >= 0 && (everyPath || c.before !== c.after)) pr.touch(id);
      });
    }
    changes.forEach((c, i) => {
      if (c.before === c.after) return;
      const id = ids[i] ?? -1;
      if (id >= 0) this.bestChanged(id);
      else {
        const family = familyCodeOfKey(c.destKey);
        this.bestListeners.forEach((l, k) => {
          if (this.wantsFamily(k, family)) l(c.destKey, undefined);
        });
      }
    });
  }

  /**
   * Subscribes to Loc-RIB best-path changes: the VRFs import from here
   * (RFC 4364 §4.3.1), the FIB follows the global table. `best` is undefined
   * when the destination is gone.
   */
  onBestChange(l: BestListener, families?: readonly FamilyCode[]): void {
    this.bestListeners.push(l);
    this.bestFamilies.push(families === undefined ? null : new Set(families));
  }

  private readonly bestListeners: BestListener[] = [];
  /** Per listener, the families (afi × 65536 + safi) it asked for; null for all. */
  private readonly bestFamilies: (ReadonlySet<number> | null)[] = [];

  /** Whether best-path listener `i` asked for this family (afi × 65536 + safi). */
  private wantsFamily(i: number, family: number): boolean {
    const only = this.bestFamilies[i];
    return !only || only.has(family);
  }

  private bestChanged(id: number): void {
    const n = this.bestListeners.length;
    if (n === 0) return;
    // The key text is made only when a listener wants the family: a route server's full IPv4 table goes by the
    // VRF manager (VPN families only) without one string per route.
    const family = this.loc.dests.family(id);
    let destKey: string | undefined;
    let best: Route | undefined;
    for (let i = 0; i < n; i++) {
      if (!this.wantsFamily(i, family)) continue;
      if (destKey === undefined) {
        destKey = this.loc.dests.key(id);
        best = this.loc.bestOf(id);
      }
      this.bestListeners[i]?.(destKey, best);
    }
  }

  private pumpAll(): void {
    for (const pr of this.peers.values()) pr.pump();
  }

  private exportPeer(pr: PeerRoutes, s: NegotiatedSession): ExportPeer {
    const info = pr.peer.info();
    // RFC 4271 §5.1.3: next-hop-self is our address on this session, not the router id (which need not be one).
    const localAddress = pr.peer.sessionLocalAddress ?? info.localAddress ?? this.opts.routerId;
    return {
      address: pr.role.address,
      ibgp: s.ibgp,
      localAs: this.opts.asn,
      localAddress,
      routeServerClient: pr.routeServerClient,
      routeReflectorClient: pr.role.routeReflectorClient,
      clusterId: this.clusterId,
    };
  }

  private joinGroup(pr: PeerRoutes, s: NegotiatedSession): void {
    this.leaveGroup(pr);
    this.upCache = null;
    const ep = this.exportPeer(pr, s);
    const key = updateGroupKey(ep, pr.exportPolicy);
    let g = this.groups.get(key);
    if (!g) {
      g = new UpdateGroup(key, ep, pr.exportPolicy);
      this.groups.set(key, g);
    }
    g.members.add(pr.role.address);
    pr.group = g;
  }

  private leaveGroup(pr: PeerRoutes): void {
    this.upCache = null;
    const g = pr.group;
    if (!g) return;
    g.members.delete(pr.role.address);
    if (g.members.size === 0) this.groups.delete(g.key);
  }

  private onEstablished(pr: PeerRoutes, s: NegotiatedSession): void {
    pr.staleTimer?.cancel();
    pr.staleTimer = null;
    const info = pr.peer.info();
    // The source must carry the negotiated identity for the decision process (RFC 4271 §9.1.2.2 f).
    pr.ribIn.setSource({ address: info.address, asn: s.peerAs, bgpId: s.peerBgpId, ibgp: s.ibgp, reflectorClient: pr.role.routeReflectorClient });
    this.joinGroup(pr, s);
    const group = pr.group;
    if (group) pr.up(s, group);
    pr.pump();
  }

  private onDown(pr: PeerRoutes, d: PeerDown, reg: NeighborRegistration): void {
    this.leaveGroup(pr);
    pr.down();
    if (this.closing) return;
    if (!d.graceful) {
      this.applyChanges(pr, pr.ribIn.clear());
      this.pumpAll();
      return;
    }
    // RFC 4724 §4.2: keep routes of families the peer preserved as stale; flush the others now.
    const kept = new Set(d.graceful.families.map((f) => `${f.afi}/${f.safi}`));
    for (const [k] of [...pr.ribIn.countsByFamily()]) {
      const [afi, safi] = k.split('/').map(Number);
      if (kept.has(k)) {
        pr.ribIn.markStale(afi, safi);
        this.afterLocChanges(this.resortFamily(pr, k));
      } else this.applyChanges(pr, pr.ribIn.sweepAll(afi ?? 0, safi ?? 0));
    }
    this.pumpAll();
    const seconds = Math.min(d.graceful.restartTime, reg.staleRoutesTime ?? Infinity);
    pr.staleTimer?.cancel();
    const clock = this.opts.clock;
    const handle = clock.setTimer(seconds * 1000, () => {
      pr.staleTimer = null;
      this.applyChanges(pr, pr.ribIn.sweepStale());
      this.pumpAll();
    });
    pr.staleTimer = { cancel: () => clock.clearTimer(handle) };
  }

  /** Stale paths rank lower (decision step 0): their destinations are sorted again. */
  private resortFamily(pr: PeerRoutes, family: string): DestChange[] {
    const out: DestChange[] = [];
    for (const r of pr.ribIn.all()) {
      if (`${r.afi}/${r.safi}` !== family || r.rejected !== undefined) continue;
      out.push(this.loc.resort(destKeyOf(routeKey(r.afi, r.safi, r.nlri))));
    }
    return out;
  }

  private onUpdate(pr: PeerRoutes, m: UpdateMessage): void {
    // RFC 6793 §4.2.3: a peer without 4-octet AS sends the true path in AS4_PATH; merge it before anything else.
    const msg = pr.session && !pr.session.fourOctetAs ? withAttributes(m, fromOldSpeaker(m.attributes)) : m;
    const rib = pr.ribIn;
    const changes = rib.apply(msg);
    // Maximum-prefix counts, once per family the UPDATE touched (usually one).
    let last = -1;
    if (rib.heldCount > 0) {
      last = 65537;
      pr.peer.setPrefixCount(1, 1, rib.acceptedCount(1, 1));
    }
    for (const c of changes) {
      const f = c.family;
      if (f === last) continue;
      last = f;
      const afi = Math.floor(f / 65536);
      pr.peer.setPrefixCount(afi, f % 65536, pr.ribIn.acceptedCount(afi, f % 65536));
    }
    if (rib.heldCount > 0) this.applyHeld(pr);
    this.applyChanges(pr, changes, rib.changeDests);
    // Inside a socket read, the pump waits for its end: a table transfer then pumps hundreds of destinations per
    // step instead of about seven (one UPDATE's), which took about a tenth off bench:ingest; what is sent is the same.
    if (this.readsOpen > 0) this.pumpWanted = true;
    else this.pumpAll();
  }

  /** Socket reads being delivered (read-start without its read-end yet), and whether UPDATEs in them await the pump. */
  private readsOpen = 0;
  private pumpWanted = false;

  private onRouteRefresh(pr: PeerRoutes, m: RouteRefreshMessage): void {
    if (m.subtype !== 'request') return; // BoRR/EoRR from the peer concern its routes to us (RFC 7313 §4)
    const enhanced = pr.session?.enhancedRouteRefresh ?? false;
    if (enhanced) pr.peer.sendRouteRefresh(m.afi, m.safi, 'borr');
    pr.refresh(m.afi, m.safi);
    pr.pump();
    if (enhanced) pr.peer.sendRouteRefresh(m.afi, m.safi, 'eorr');
  }
}

/** IPv4 or IPv6 unicast (afi × 65536 + safi): the families next hops resolve through. */
function isUnicastFamily(family: number): boolean {
  return family === 65537 || family === 2 * 65536 + 1;
}

/** IPv4 or IPv6 unicast: the destinations next hops resolve through. */
function isUnicastDest(destKey: string): boolean {
  return destKey.startsWith('1/1|') || destKey.startsWith('2/1|');
}
