/**
 * The Loc-RIB (RFC 4271 §3.2, §9.1): per destination, every eligible path
 * from every neighbor and from this node, kept in decision order so the best
 * path is the first and a route-server client's own choice (RFC 7947 §2.3.2,
 * the per-client Loc-RIB) is the first path its export policy accepts.
 */
import { FamilyCounts } from './family-counts';
import { compareRoutes, DEFAULT_DECISION, type DecisionOptions } from './decision';
import { heldBy, routePathId, type Route, type RouteSource } from './route';
import type { AttributeSet } from './attribute-set';
import { familyKey } from '../wire/context';
import { DestTable } from './dest-table';
import { SparseColumn } from './sparse-column';
import { SlotColumn } from './int-column';

export interface DestChange {
  readonly destKey: string;
  /** Best path before and after; the same object when only a non-best path changed. */
  readonly before: Route | undefined;
  readonly after: Route | undefined;
}

/**
 * A neighbor's Adj-RIB-In as the Loc-RIB reads the paths it holds by
 * number: the route stored under a destination's id.
 */
export interface PathSource {
  readonly address: string;
  /** What its routes carry as their source. */
  readonly routeSource: RouteSource;
  routeAt(id: number): Route | undefined;
  /** The attribute set of the route held as columns under `id`; undefined when it is an object (or absent). */
  heldSetAt(id: number): AttributeSet | undefined;
}

/**
 * One path: a route object, or the number of the Adj-RIB-In that holds it
 * as columns under this destination's id (`heldBy`), which is then read
 * from there; a full table from one feed is then stored without an object
 * per route.
 */
type Path = Route | number;

/** One path is the common case (a full table from one feed): stored bare, without an array. */
type Paths = Path | Path[];

function asList(p: Route | readonly Route[] | undefined): readonly Route[] {
  return p === undefined ? [] : isList(p) ? p : [p];
}

function first(p: Route | readonly Route[] | undefined): Route | undefined {
  return p === undefined ? undefined : isList(p) ? p[0] : p;
}

function isList(p: Route | readonly Route[]): p is readonly Route[] {
  return Array.isArray(p);
}

/** A source that went away: the paths it held are being withdrawn. */
const GONE: PathSource = { address: '', routeSource: { address: '', asn: 0, bgpId: '0.0.0.0', ibgp: false }, routeAt: () => undefined, heldSetAt: () => undefined };

/** What one path change did to its destination. */
export enum DestUpdate {
  None = 0,
  /** A path other than the best changed (a route-server client may still choose differently). */
  Other = 1,
  /** The best path changed (or appeared, or went away). */
  Best = 2,
}

export class LocRib {
  /** Destination ids, shared with the neighbors' Adj-RIBs-Out (the speaker's one lookup per route). */
  readonly dests = new DestTable();
  /**
   * Paths per destination id; the Loc-RIB holds one reference on every id
   * it has paths for. A destination whose one path an Adj-RIB-In holds as
   * columns (a route server's whole table) is that table's number + 1 in
   * `held` (0: none); route objects and lists of paths are in `objects`.
   * A JS array of paths cost 8 bytes per id and a slower append.
   */
  private readonly held = new SlotColumn();
  private readonly objects = new SparseColumn<Route | Path[]>();
  /** The Adj-RIBs-In that hold paths as columns, by their number (`register`). */
  private readonly sources: PathSource[] = [];
  /** Destinations with paths; they are walked in id order (ids are handed out as destinations appear). */
  private live = 0;
  /** Destinations per family, keyed afi × 65536 + safi. */
  private readonly familyCounts = new FamilyCounts();

  constructor(private decision: DecisionOptions = DEFAULT_DECISION) {}

  get size(): number {
    return this.live;
  }

  /** Numbers an Adj-RIB-In whose routes the Loc-RIB may hold by that number (`heldBy`). */
  register(source: PathSource): number {
    this.sources.push(source);
    return this.sources.length - 1;
  }

  /** The Adj-RIB-In numbered `slot` is gone (its paths were all withdrawn first). */
  unregister(slot: number): void {
    if (slot >= 0 && slot < this.sources.length) this.sources[slot] = GONE;
  }

  /**
   * The IPv4 unicast or VPN-IPv4 route (with `labels`) with attributes
   * `attrs` from the Adj-RIB-In numbered `slot`, for destination `id`, as
   * that table would hold it: how an Adj-RIB-Out keeps what it sent without
   * an object per route.
   */
  heldRoute(slot: number, id: number, attrs: AttributeSet, labels: readonly number[] | undefined): Route {
    return this.dests.heldRoute(id, attrs, (this.sources[slot] ?? GONE).routeSource, labels, slot);
  }

  /**
   * The number of the Adj-RIB-In holding a destination's one path as
   * columns, or -1 (several paths, an object, none): with `sourceAt`, what
   * the pump reads for a route server's table without making a route.
   */
  heldSlotOf(id: number): number {
    return this.held.get(id) - 1;
  }

  private pathsAt(id: number): Paths | undefined {
    const h = this.held.get(id);
    return h !== 0 ? h - 1 : this.objects.get(id);
  }

  private putPaths(id: number, p: Paths): void {
    if (typeof p === 'number') {
      this.held.set(id, p + 1);
      if (id < this.objects.length) this.objects.delete(id);
      return;
    }
    if (id < this.held.length) this.held.set(id, 0);
    this.objects.set(id, p);
  }

  private dropPaths(id: number): void {
    if (id < this.held.length) this.held.set(id, 0);
    if (id < this.objects.length) this.objects.delete(id);
  }

  /** The Adj-RIB-In numbered `slot` (an empty one once it is gone). */
  sourceAt(slot: number): PathSource {
    return this.sources[slot] ?? GONE;
  }

  /** The route a path stands for. */
  private routeOf(p: Path, id: number): Route | undefined {
    return typeof p === 'number' ? (this.sources[p] ?? GONE).routeAt(id) : p;
  }

  private addressOf(p: Path): string {
    return typeof p === 'number' ? (this.sources[p] ?? GONE).address : p.source.address;
  }

  /** Whether a path is the one `source` sent with `pathId` (a path held as columns has none). */
  private isPathOf(p: Path, source: string, pathId: number | undefined): boolean {
    return this.addressOf(p) === source && (typeof p === 'number' ? undefined : routePathId(p)) === pathId;
  }

  /** Paths as routes (those held by number are read from their Adj-RIB-In). */
  private routesOf(p: Paths | undefined, id: number): Route | readonly Route[] | undefined {
    if (p === undefined) return undefined;
    if (!Array.isArray(p)) return this.routeOf(p, id);
    const out: Route[] = [];
    for (const x of p) {
      const r = this.routeOf(x, id);
      if (r) out.push(r);
    }
    return out;
  }

  get decisionOptions(): DecisionOptions {
    return this.decision;
  }

  /** Destinations per family ("afi/safi" → count), for `show rib summary`. */
  counts(): ReadonlyMap<string, number> {
    const out = new Map<string, number>();
    for (const [f, n] of this.familyCounts.entries()) out.set(familyKey(Math.floor(f / 65536), f % 65536), n);
    return out;
  }

  /** The ranked paths without allocating: a bare Route when there is one, else the list. */
  rawPaths(destKey: string): Route | readonly Route[] | undefined {
    return this.rawPathsOf(this.dests.find(destKey));
  }

  /** `rawPaths` by destination id (-1: none). */
  rawPathsOf(id: number): Route | readonly Route[] | undefined {
    return id < 0 ? undefined : this.routesOf(this.pathsAt(id), id);
  }

  paths(destKey: string): readonly Route[] {
    return asList(this.rawPaths(destKey));
  }

  best(destKey: string): Route | undefined {
    return first(this.rawPaths(destKey));
  }

  /** `best` by destination id. */
  bestOf(id: number): Route | undefined {
    return first(this.rawPathsOf(id));
  }

  *keys(): IterableIterator<string> {
    for (const id of this.ids()) yield this.dests.key(id);
  }

  /** Destination ids with paths, ascending (the order `keys` gives); removing the one just yielded is allowed. */
  *ids(): IterableIterator<number> {
    const n = Math.max(this.held.length, this.objects.length);
    for (let id = 0; id < n; id++) if (this.pathsAt(id) !== undefined) yield id;
  }

  *entries(): IterableIterator<[string, Route | readonly Route[]]> {
    for (const id of this.ids()) {
      const p = this.routesOf(this.pathsAt(id), id);
      if (p !== undefined) yield [this.dests.key(id), p];
    }
  }

  /**
   * Puts `route` in place of the path that `source` sent with `pathId`
   * (RFC 7911; undefined without ADD-PATH), or removes that path when `route`
   * is null. Routes refused at import are never passed here.
   */
  update(destKey: string, source: string, pathId: number | undefined, route: Route | null): DestUpdate {
    if (!route) {
      const id = this.dests.find(destKey);
      if (id < 0) {
        this.last = undefined;
        return DestUpdate.None;
      }
      return this.updateOf(id, source, pathId, null);
    }
    const id = this.dests.acquire(destKey);
    try {
      return this.updateOf(id, source, pathId, route);
    } finally {
      this.dests.release(id);
    }
  }

  /**
   * The destination's paths right after the last `update`, as `rawPaths`
   * would return them: the speaker hands them to the neighbors it marks, so
   * the pump need not look the destination up again.
   */
  last: Route | readonly Route[] | undefined = undefined;

  /**
   * `updateOf` of a destination without paths getting its first, held as
   * columns by the Adj-RIB-In numbered `slot` that `source` is: stored as
   * that number, with no route needed. False when the destination has paths
   * already, or the slot is not that source's here (use `updateOf`).
   */
  addHeld(id: number, slot: number, source: string): boolean {
    if (this.pathsAt(id) !== undefined) return false;
    const s = this.sources[slot];
    if (s === undefined || s === GONE || s.address !== source) return false;
    this.set(id, slot);
    this.bump(id, 1);
    this.last = undefined;
    return true;
  }

  /**
   * `update` by destination id; the caller holds a reference to `id` for the
   * duration of the call. A route its Adj-RIB-In holds as columns for this
   * destination (`heldBy`) is stored as that table's number.
   */
  updateOf(id: number, source: string, pathId: number | undefined, route: Route | null): DestUpdate {
    const cur = this.pathsAt(id);
    // Held by number only when the slot is one of this Loc-RIB's own Adj-RIBs-In (numbers are per Loc-RIB).
    const slot = route ? heldBy(route, id) : -1;
    const mine = slot >= 0 && route !== null && this.sources[slot]?.address === route.source.address;
    const entry: Path | null = route === null ? null : mine ? slot : route;
    // Fast paths for the common case of one path per destination (a full table from one feed).
    if (cur === undefined) {
      this.last = undefined;
      if (!route || entry === null) return DestUpdate.None;
      this.set(id, entry);
      this.last = route;
      this.bump(id, 1);
      return DestUpdate.Best;
    }
    if (!Array.isArray(cur)) {
      const same = this.isPathOf(cur, source, pathId);
      if (same && route && entry !== null) {
        this.putPaths(id, entry);
        this.last = route;
        return DestUpdate.Best;
      }
      if (same) {
        this.unset(id);
        this.last = undefined;
        this.bump(id, -1);
        return DestUpdate.Best;
      }
      if (!route || entry === null) {
        this.last = this.routeOf(cur, id);
        return DestUpdate.None;
      }
    }
    const list: Path[] = Array.isArray(cur) ? cur : [cur];
    const i = list.findIndex((p) => this.isPathOf(p, source, pathId));
    if (i >= 0) list.splice(i, 1);
    else if (!route) {
      this.last = this.routesOf(cur, id);
      return DestUpdate.None;
    }
    const at = route && entry !== null ? this.insert(list, entry, route, id) : -1;
    if (list.length === 0) {
      this.unset(id);
      this.last = undefined;
      this.bump(id, -1);
      return DestUpdate.Best;
    }
    const now: Paths = list.length === 1 ? (list[0] as Path) : list;
    this.putPaths(id, now);
    this.last = this.routesOf(now, id);
    // The best path changed when the path replaced or removed was first, or the new one is.
    return i === 0 || at === 0 ? DestUpdate.Best : DestUpdate.Other;
  }

  /** A path's rank changed in place (graceful-restart stale marking): sort its destination again. */
  resort(destKey: string): DestChange {
    const id = this.dests.find(destKey);
    const cur = id < 0 ? undefined : this.pathsAt(id);
    if (!Array.isArray(cur)) {
      const only = cur === undefined ? undefined : this.routeOf(cur, id);
      return { destKey, before: only, after: only };
    }
    // Each path is read once; the change's two routes are one object when the best path stayed.
    const ranked = cur.map((p) => ({ p, r: this.routeOf(p, id) }));
    const head = ranked[0];
    ranked.sort((a, b) => (a.r && b.r ? compareRoutes(a.r, b.r, this.decision).order : a.r ? -1 : b.r ? 1 : 0));
    ranked.forEach((x, i) => (cur[i] = x.p));
    const top = ranked[0];
    return { destKey, before: head?.r, after: top === head ? head?.r : top?.r };
  }

  /** A new decision option (always-compare-med): every destination is ranked again. */
  setDecision(decision: DecisionOptions): DestChange[] {
    this.decision = decision;
    const out: DestChange[] = [];
    for (const key of this.keys()) {
      const c = this.resort(key);
      if (c.before !== c.after) out.push(c);
    }
    return out;
  }

  /** A destination gets its first path: the Loc-RIB takes a reference on its id. */
  private set(id: number, paths: Path): void {
    this.putPaths(id, paths);
    this.live++;
    this.dests.retain(id);
  }

  private unset(id: number): void {
    this.dropPaths(id);
    this.live--;
    this.dests.release(id);
  }

  /** Puts `entry` (standing for `route`) in its rank; returns where. */
  private insert(list: Path[], entry: Path, route: Route, id: number): number {
    // Paths per destination are few (one per neighbor); linear insertion keeps the list ranked.
    let i = 0;
    for (; i < list.length; i++) {
      const other = this.routeOf(list[i] as Path, id);
      if (other && compareRoutes(other, route, this.decision).order > 0) break;
    }
    list.splice(i, 0, entry);
    return i;
  }

  private bump(id: number, d: number): void {
    const f = this.dests.family(id);
    this.familyCounts.add(f, d);
  }
}
