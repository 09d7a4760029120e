/**
 * One peer's Adj-RIB-In (RFC 4271 §3.2): the routes it sent us, keyed by
 * family + RD + prefix + path id, with per-family counts for the maximum-prefix
 * limit and `show neighbors`, and stale marking for graceful restart (RFC 4724 §4.2).
 * Keys are ids of the speaker's key table (shared with the Loc-RIB, where a
 * key without path id is the destination's own), so storing a route is an
 * array write, not a hash-map entry of its own.
 */
import type { UpdateMessage } from '../wire/messages/types';
import type { VpnNlri } from '../wire/nlri/types';
import { rdEquals } from '../wire/values/rd';
import { readIpv4Field } from '../wire/nlri/unicast';
import { familyKey, type FamilyKey } from '../wire/context';
import type { AttributeInterner, AttributeSet } from './attribute-set';
import { heldBy, heldLabels, ipv4UnicastKey, isRoutable, makeHeldRoute, makeHeldVpnRoute, makeRoute, packedIpv4Unicast, routeKey, routePathId, unpackedIpv4Unicast, withRoute, type RoutableNlri, type Route, type RouteSource } from './route';
import { updateRoutes } from './update-routes';
import { SparseColumn } from './sparse-column';
import { FamilyCounts } from './family-counts';
import { withRoom } from './int-column';
import { NlriInterner } from './nlri-intern';
import { DestTable } from './dest-table';
import type { PathSource } from './loc-rib';

export interface RibChange {
  readonly key: string;
  /** The route now present, or null when it was removed. */
  readonly route: Route | null;
  /** The route's family as afi × 65536 + safi. */
  readonly family: number;
  /**
   * Set when the route is held as columns under its destination's id and
   * import accepted it unchanged: the Adj-RIB-In's number and the set,
   * which is all the Loc-RIB keeps of it (reading `route` makes an object).
   */
  readonly heldSlot?: number;
  readonly heldAttrs?: AttributeSet;
}

/**
 * An IPv4 unicast route announced without path id, the bulk of any table:
 * its key text is made only if someone reads it (a full table's worth of
 * strings was a tenth of a table load). It keeps the prefix as a number, not
 * the destination id, so the key stays right whatever happens to the id later.
 */
class Ipv4Announced implements RibChange {
  private text: string | undefined = undefined;
  constructor(
    private readonly packed: number,
    readonly route: Route,
  ) {}

  get family(): number {
    return 65537;
  }

  get key(): string {
    return (this.text ??= ipv4UnicastKey(Math.floor(this.packed / 64), this.packed % 64));
  }
}

/**
 * `Ipv4Announced` of a route stored as columns without an object (import
 * accepted its set unchanged): the route is made only if someone reads it,
 * which the speaker does not for a new destination (a full table's load).
 * The prefix is kept as two small integers, not one double, which V8 would
 * box: 16 bytes a route.
 */
class HeldIpv4Announced implements RibChange {
  private made: Route | undefined = undefined;
  private text: string | undefined = undefined;
  constructor(
    private readonly address: number,
    private readonly length: number,
    readonly heldAttrs: AttributeSet,
    private readonly table: AdjRibIn,
    private readonly destId: number,
  ) {}

  get family(): number {
    return 65537;
  }

  get key(): string {
    return (this.text ??= ipv4UnicastKey(this.address >>> 0, this.length));
  }

  get heldSlot(): number {
    return this.table.slot;
  }

  get route(): Route {
    return (this.made ??= makeHeldRoute(this.heldAttrs, this.table.routeSource, this.address >>> 0, this.length, this.table.slot, this.destId));
  }
}

/** A VPN-IPv4 route announced without path id: `Ipv4Announced` for the VPN bulk of a route server. */
class VpnAnnounced implements RibChange {
  private text: string | undefined = undefined;
  constructor(
    private readonly nlri: VpnNlri,
    readonly route: Route,
  ) {}

  get family(): number {
    return 65536 + 128;
  }

  get key(): string {
    return (this.text ??= routeKey(1, 128, this.nlri));
  }
}

/** No withdrawals and no treat-as-withdraw (RFC 7606 §2): what a table transfer is made of. */
function onlyAnnounces(msg: UpdateMessage): boolean {
  if (msg.withdrawn.length > 0) return false;
  for (const e of msg.errors) if (e.action === 'treat-as-withdraw') return false;
  // A clean block has no MP attribute, and is not decoded to find out.
  if (msg.cleanAttributes !== undefined) return true;
  for (const a of msg.attributes) if (a.type === 'mp-unreach') return false;
  return true;
}

const NO_LABELS: readonly number[] = [];

export class AdjRibIn implements PathSource {
  /** Routes kept as objects, by key id; each holds a reference on its id. */
  private readonly routes = new SparseColumn<Route>();
  /**
   * IPv4 unicast and VPN-IPv4 routes as received (no path id, accepted
   * unchanged, not stale: nearly all of a full table) are kept as columns
   * instead: their attribute set, as its interner index + 1 (0: none), and
   * label stack at the destination's id (a JS array of sets cost twice the
   * memory and a GC write barrier per route),
   * the prefix and RD being the destination table's. `routeAt` makes the
   * object when someone reads it. Only once the Loc-RIB has numbered this
   * table (`slot`), which is how it refers to them.
   */
  private sets = new Int32Array(0);
  /** The label stack of each VPN-IPv4 route held as columns (its RD and prefix are the destination's). */
  private labelsOf: (readonly number[] | undefined)[] = [];
  /** This table's number in the Loc-RIB (`LocRib.register`), -1 before. */
  slot = -1;
  /**
   * Routes stored. They are walked in id order: ids are handed out in
   * arrival order (a freed id is reused), and a list kept in arrival order
   * cost 8 bytes per id (bench:ingest).
   */
  private stored = 0;
  /**
   * After `apply`: per returned change, the id of its destination when the
   * route is stored under it and still holds it (an announcement without
   * path id), else -1. The speaker then needs no second lookup.
   */
  readonly changeDests: number[] = [];
  /**
   * After `apply`: new IPv4 unicast destinations stored as columns (import
   * accepted their set unchanged) by an UPDATE of announcements only, as
   * destination ids and their sets, `heldCount` of them. They are not in
   * the returned changes: one change object per route was a sixth of what a
   * table load allocated. The speaker takes them from here, in this order
   * and before the returned changes (an UPDATE that only announces can
   * replace such a route later in itself, never before); `heldChange` makes
   * the object for whoever needs one.
   */
  heldIds = new Int32Array(0);
  readonly heldSets: AttributeSet[] = [];
  heldCount = 0;
  /** Whether `announceAt` lists held routes in `heldIds` (an UPDATE of announcements only) or returns change objects. */
  private listHeld = false;
  /** Per family (afi × 65536 + safi): routes received, and those the import filter accepted. */
  private readonly received = new FamilyCounts();
  private readonly accepted = new FamilyCounts();
  /**
   * Import: the route to use (the same object, or one whose `attrs` the import
   * policy changed, with `received` the original), or a reason to refuse it
   * (RFC 4271 §9.1.2 AS loop, RFC 4456 §8 reflection loop, policy). Refused
   * routes stay for `show rib` and soft reconfiguration but are never selected.
   */
  importFilter: (r: Route) => Route | string = (r) => r;
  /**
   * Whether `importFilter` returns every route with these attributes as it
   * is (no policy change, no loop): such a route of a new destination is
   * stored as columns without being made as an object first.
   */
  importsUnchanged: (attrs: AttributeSet) => boolean = () => true;

  constructor(
    private source: RouteSource,
    readonly interner: AttributeInterner,
    private readonly nlris: NlriInterner = new NlriInterner(),
    private readonly keys: DestTable = new DestTable(),
  ) {}

  /** The peer's identity as the OPEN exchange settled it (routes received later carry it). */
  setSource(source: RouteSource): void {
    this.source = source;
  }

  get size(): number {
    return this.stored;
  }

  /** Routes received (RFC 4271 Adj-RIB-In before import checks). */
  count(afi: number, safi: number): number {
    return this.received.get(afi * 65536 + safi);
  }

  /** Routes that passed the import checks: what the decision process sees and what max-prefix counts. */
  acceptedCount(afi: number, safi: number): number {
    return this.accepted.get(afi * 65536 + safi);
  }

  /** Routes received per family ("afi/safi"). */
  countsByFamily(): ReadonlyMap<FamilyKey, number> {
    const out = new Map<FamilyKey, number>();
    for (const [f, n] of this.received.entries()) if (n > 0) out.set(familyKey(Math.floor(f / 65536), f % 65536), n);
    return out;
  }

  get address(): string {
    return this.source.address;
  }

  get routeSource(): RouteSource {
    return this.source;
  }

  get(key: string): Route | undefined {
    const id = this.keys.find(key);
    return id < 0 ? undefined : this.routeAt(id);
  }

  /** The route stored under a key id (a new object each time for one kept as columns). */
  routeAt(id: number): Route | undefined {
    const attrs = this.heldSetAt(id);
    if (attrs === undefined) return this.routes.get(id);
    return this.keys.heldRoute(id, attrs, this.source, this.labelsOf[id], this.slot);
  }

  heldSetAt(id: number): AttributeSet | undefined {
    const i = this.sets[id] ?? 0;
    // The route holds a reference on its set, so the index names that set for as long as it is stored.
    return i === 0 ? undefined : this.interner.setAt(i - 1);
  }

  *all(): IterableIterator<Route> {
    for (const id of this.ids()) {
      const r = this.routeAt(id);
      if (r) yield r;
    }
  }

  /** Ids with a route, ascending; removing the one just yielded is allowed. */
  private *ids(): IterableIterator<number> {
    const n = Math.max(this.routes.length, this.sets.length);
    for (let id = 0; id < n; id++) if ((this.sets[id] ?? 0) !== 0 || this.routes.get(id) !== undefined) yield id;
  }

  /** Routes still marked stale: End-of-RIB costs nothing when there are none (the usual case). */
  private staleCount = 0;

  private bump(afi: number, safi: number, d: number, accepted: boolean): void {
    const k = afi * 65536 + safi;
    this.received.add(k, d);
    if (accepted) this.accepted.add(k, d);
  }

  private remove(key: string, changes: RibChange[]): void {
    const id = this.keys.find(key);
    const old = id < 0 ? undefined : this.routeAt(id);
    if (!old) return; // RFC 7911 §5 / RFC 4271: withdrawing an unknown route is not an error
    this.removeId(id, key, old, changes);
  }

  private removeId(id: number, key: string, old: Route, changes: RibChange[]): void {
    this.clearAt(id);
    if (old.stale) this.staleCount--;
    this.releaseRoute(old);
    this.bump(old.afi, old.safi, -1, old.rejected === undefined);
    // The id may be handed out again from here on: the change carries the key alone.
    this.keys.release(id);
    changes.push({ key, route: null, family: old.afi * 65536 + old.safi });
    this.changeDests.push(-1);
  }

  /** Empties a key id's entry (the caller deals with the route's references). */
  private clearAt(id: number): void {
    this.routes.delete(id);
    if (id < this.sets.length) this.sets[id] = 0;
    if (id < this.labelsOf.length) this.labelsOf[id] = undefined;
    this.stored--;
  }

  /**
   * Stores a route under an empty key id the caller holds a reference to
   * (which passes to the stored route): as columns when it is the held route
   * `makeHeldRoute` made for this table and id and import left it as it was.
   */
  private store(id: number, route: Route): void {
    this.stored++;
    // Held only with a set of this table's interner: the column keeps its index.
    if (this.slot >= 0 && heldBy(route, id) === this.slot && route.rejected === undefined && route.received === undefined && !route.stale && this.interner.holds(route.attrs)) {
      this.putSet(id, route.attrs);
      const labels = heldLabels(route);
      if (labels !== undefined) {
        const l = this.labelsOf;
        while (l.length <= id) l.push(undefined);
        l[id] = labels;
      }
      return;
    }
    this.routes.set(id, route);
  }

  private putSet(id: number, attrs: AttributeSet): void {
    this.sets = withRoom(this.sets, id);
    this.sets[id] = attrs.index + 1;
  }

  /** No route stored under `id`. */
  private isEmptyAt(id: number): boolean {
    return (this.sets[id] ?? 0) === 0 && (id >= this.routes.length || this.routes.get(id) === undefined);
  }

  /** A route of this table as received, before import (a held route when it may be kept as columns). */
  private fresh(afi: number, safi: number, nlri: RoutableNlri, packed: number, id: number, attrs: AttributeSet, stale: boolean): Route {
    if (this.slot >= 0 && !stale) {
      if (packed >= 0) return makeHeldRoute(attrs, this.source, Math.floor(packed / 64), packed % 64, this.slot, id);
      // VPN-IPv4 under its destination's packed id, with the RD the table keeps (type 0 and 2 share a key).
      if (nlri.kind === 'vpn' && nlri.pathId === undefined && nlri.prefix.afi === 1 && safi === 128) {
        const rd = this.keys.rdAt(id);
        if (rd !== undefined && rdEquals(rd, nlri.rd)) {
          const shared = this.nlris.compact(nlri);
          const labels = shared.kind === 'vpn' ? shared.labels : NO_LABELS;
          return makeHeldVpnRoute(attrs, this.source, rd, labels, nlri.prefix.address, nlri.prefix.length, this.slot, id);
        }
      }
    }
    return makeRoute({ afi, safi, nlri: this.nlris.compact(nlri), attrs, source: this.source, stale });
  }

  private releaseRoute(r: Route): void {
    this.interner.release(r.attrs);
    if (r.received) this.interner.release(r.received);
  }

  /** Runs the import filter on a route as received; the filter interns what it changes. */
  private filter(fresh: Route): Route {
    const out = this.importFilter(fresh);
    return typeof out === 'string' ? withRoute(fresh, { rejected: out }) : out;
  }

  /** Applies one UPDATE (RFC 7606 outcomes included) and returns what changed. */
  apply(msg: UpdateMessage): RibChange[] {
    const changes: RibChange[] = [];
    this.changeDests.length = 0;
    this.heldCount = 0;
    try {
      this.applyTo(msg, changes);
    } finally {
      // The next UPDATE starts with no next hops: the entries left in the scratch lists are overwritten, never read.
      this.hopCount = 0;
      this.listHeld = false;
    }
    return changes;
  }

  /** The change for `heldIds[i]` of the last `apply`, as an object. */
  heldChange(i: number): RibChange & { readonly heldAttrs: AttributeSet } {
    const id = this.heldIds[i] ?? -1;
    const attrs = this.heldSets[i];
    if (i >= this.heldCount || attrs === undefined) throw new RangeError(`no held route ${i} (${this.heldCount})`);
    const packed = this.keys.packedAt(id);
    return new HeldIpv4Announced(Math.floor(packed / 64) | 0, packed % 64, attrs, this, id);
  }

  private applyTo(msg: UpdateMessage, changes: RibChange[]): void {
    if (onlyAnnounces(msg)) {
      // The common UPDATE (announcements only): walked in place, without a list of announcements first.
      this.listHeld = true;
      let nextHop = msg.cleanAttributes?.nextHop ?? '';
      if (msg.cleanAttributes === undefined) {
        for (const a of msg.attributes) {
          if (a.type === 'next-hop') nextHop = a.nextHop;
          else if (a.type === 'mp-reach') for (const n of a.nlri) if (isRoutable(n)) this.announceNew(msg, a.afi, a.safi, n, a.nextHop.address, changes);
        }
      }
      const field = msg.ipv4Field;
      if (field === undefined) {
        for (const n of msg.nlri) if (isRoutable(n)) this.announceNew(msg, 1, 1, n, nextHop, changes);
        return;
      }
      // The NLRI field as received: no object per prefix unless the route needs one (announceAt).
      for (let p = 0; p < field.length; p += 1 + (((field[p] ?? 0) + 7) >> 3)) {
        const packed = readIpv4Field(field, p);
        this.announceAt(this.keys.acquirePacked(packed), msg, 1, 1, null, null, packed, nextHop, changes);
      }
      return;
    }
    const r = updateRoutes(msg);
    for (const w of r.withdrawn) this.remove(w.key, changes);
    for (const a of r.announced) {
      const packed = packedIpv4Unicast(a.afi, a.safi, a.nlri);
      this.announceAt(this.keys.acquire(a.key, packed), msg, a.afi, a.safi, a.nlri, a.key, packed, a.nextHop, changes);
    }
  }

  /**
   * Next hops seen in the UPDATE being applied, and their interned sets
   * (usually one of each): the first `hopCount` entries. Counted rather than
   * emptied, since an emptied array gives up its storage and took it again
   * for every UPDATE.
   */
  private readonly hops: string[] = [];
  private readonly hopSets: AttributeSet[] = [];
  private hopCount = 0;

  /** Decode-once, intern-once: every prefix of the UPDATE with the same next hop shares one set. */
  private setFor(msg: UpdateMessage, nextHop: string): AttributeSet {
    let hit: AttributeSet | undefined = undefined;
    for (let i = 0; i < this.hopCount && hit === undefined; i++) if (this.hops[i] === nextHop) hit = this.hopSets[i];
    if (hit) {
      this.interner.retain(hit);
      return hit;
    }
    const clean = msg.cleanAttributes;
    // A clean block (a table transfer's UPDATE) is interned from its octets: its attributes are never decoded.
    const attrs = (clean !== undefined && clean.nextHop === nextHop ? this.interner.internWire(clean.key, nextHop) : null) ?? this.interner.intern(msg.attributes, nextHop);
    this.hops[this.hopCount] = nextHop;
    this.hopSets[this.hopCount++] = attrs;
    return attrs;
  }

  /** `announce` without a key text when the route is IPv4 unicast or VPN-IPv4 without path id. */
  private announceNew(msg: UpdateMessage, afi: number, safi: number, nlri: RoutableNlri, nextHop: string, changes: RibChange[]): void {
    const packed = packedIpv4Unicast(afi, safi, nlri);
    if (packed >= 0) {
      this.announceAt(this.keys.acquirePacked(packed), msg, afi, safi, nlri, null, packed, nextHop, changes);
      return;
    }
    if (nlri.kind === 'vpn' && afi === 1 && safi === 128 && nlri.pathId === undefined && nlri.prefix.afi === 1) {
      const shared = this.nlris.compact(nlri);
      if (shared.kind === 'vpn') {
        const id = this.keys.acquireVpn(shared.rd, nlri.prefix.address, nlri.prefix.length);
        if (id >= 0) {
          this.announceAt(id, msg, afi, safi, shared, null, -1, nextHop, changes);
          return;
        }
      }
    }
    const key = routeKey(afi, safi, nlri);
    this.announceAt(this.keys.acquire(key, -1), msg, afi, safi, nlri, key, -1, nextHop, changes);
  }

  /**
   * Stores a route under `id` (acquired by the caller, whose reference passes
   * to the route). `key` null: the change makes its key text only if read,
   * from `packed` (`packedIpv4Unicast`) or else from the VPN-IPv4 NLRI.
   */
  private announceAt(id: number, msg: UpdateMessage, afi: number, safi: number, given: RoutableNlri | null, key: string | null, packed: number, nextHop: string, changes: RibChange[]): void {
    const attrs = this.setFor(msg, nextHop);
    if (packed >= 0 && given?.pathId === undefined && this.slot >= 0 && this.isEmptyAt(id) && this.importsUnchanged(attrs) && this.interner.holds(attrs)) {
      // A new IPv4 unicast destination of this table, accepted as it came (a full table's load): columns only.
      this.stored++;
      this.bump(1, 1, 1, true);
      this.putSet(id, attrs);
      if (this.listHeld) {
        const n = this.heldCount++;
        this.heldIds = withRoom(this.heldIds, n);
        this.heldIds[n] = id;
        this.heldSets[n] = attrs;
      } else {
        changes.push(new HeldIpv4Announced(Math.floor(packed / 64) | 0, packed % 64, attrs, this, id));
        this.changeDests.push(id);
      }
      return;
    }
    // Null: an IPv4 unicast prefix read from the NLRI field's octets (no path id), made an object only now.
    const nlri = given ?? unpackedIpv4Unicast(packed);
    // The route replaced, an object or one held as columns (made here to read its family and references).
    const old = this.routeAt(id);
    if (old) {
      if (old.stale) this.staleCount--;
      this.releaseRoute(old);
      this.bump(old.afi, old.safi, -1, old.rejected === undefined);
      // The old route's reference on the id passes to the new one.
      this.keys.release(id);
      this.clearAt(id);
    }
    // Only a route without path id is stored under its destination's id (and may be held as columns).
    const route = this.filter(this.fresh(afi, safi, nlri, nlri.pathId === undefined ? packed : -1, id, attrs, false));
    this.bump(afi, safi, 1, route.rejected === undefined);
    this.store(id, route);
    changes.push(key !== null ? { key, route, family: afi * 65536 + safi } : packed >= 0 ? new Ipv4Announced(packed, route) : new VpnAnnounced(nlri as VpnNlri, route));
    this.changeDests.push(nlri.pathId === undefined ? id : -1);
  }

  /**
   * Soft reconfiguration inbound (RFC 4271 §9.1.1): the import filter changed;
   * run it again over every route as received and report the routes whose
   * outcome differs. No route refresh is needed: the pre-policy table is kept.
   */
  reimport(): RibChange[] {
    const changes: RibChange[] = [];
    for (const id of this.ids()) {
      const old = this.routeAt(id);
      if (!old) continue;
      const key = this.keys.key(id);
      const received = old.received ?? old.attrs;
      this.interner.retain(received);
      // As received again: held as columns if it may be (an IPv4 unicast or VPN-IPv4 route under its destination's id).
      const own = routePathId(old) === undefined && !old.stale;
      const packed = own && old.afi === 1 && old.safi === 1 ? this.keys.packedAt(id) : -1;
      const again = own ? this.fresh(old.afi, old.safi, old.nlri, packed, id, received, false) : withRoute(old, { attrs: received, rejected: undefined, received: undefined });
      const route = this.filter(again);
      if (route.attrs === old.attrs && route.rejected === old.rejected) {
        // Same outcome: keep the old object, so the Loc-RIB sees no change.
        this.releaseRoute(route);
        continue;
      }
      this.releaseRoute(old);
      this.bump(old.afi, old.safi, -1, old.rejected === undefined);
      this.bump(route.afi, route.safi, 1, route.rejected === undefined);
      this.clearAt(id);
      this.store(id, route);
      changes.push({ key, route, family: route.afi * 65536 + route.safi });
    }
    return changes;
  }

  /** RFC 4724 §4.2: the peer restarted; keep its routes but mark them stale. */
  markStale(afi?: number, safi?: number): number {
    let n = 0;
    for (const id of this.ids()) {
      const r = this.routeAt(id);
      if (!r || r.stale || (afi !== undefined && (r.afi !== afi || r.safi !== safi))) continue;
      if ((this.sets[id] ?? 0) !== 0) {
        // Kept as columns, which hold no stale flag: an object from now on (the Loc-RIB reads it by the same slot).
        this.clearAt(id);
        this.store(id, withRoute(r, { stale: true }));
      } else r.stale = true;
      this.staleCount++;
      n++;
    }
    return n;
  }

  /** End-of-RIB (or the stale timer): drop what is still stale. */
  sweepStale(afi?: number, safi?: number): RibChange[] {
    const changes: RibChange[] = [];
    if (this.staleCount === 0) return changes;
    return this.removeWhere((r) => r.stale && (afi === undefined || (r.afi === afi && r.safi === safi)));
  }

  /** Removes every route of one family (a family the restarting peer did not preserve). */
  sweepAll(afi: number, safi: number): RibChange[] {
    return this.removeWhere((r) => r.afi === afi && r.safi === safi);
  }

  clear(): RibChange[] {
    return this.removeWhere(() => true);
  }

  private removeWhere(match: (r: Route) => boolean): RibChange[] {
    const changes: RibChange[] = [];
    this.changeDests.length = 0;
    for (const id of this.ids()) {
      const r = this.routeAt(id);
      if (r && match(r)) this.removeId(id, this.keys.key(id), r, changes);
    }
    if (this.stored === 0) {
      this.routes.clear();
      this.sets = new Int32Array(0);
      this.labelsOf = [];
    }
    return changes;
  }
}
