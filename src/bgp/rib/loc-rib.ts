/**
 * The Loc-RIB (RFC 4271 §3.2, §9.1): per destination, every eligible path
 * from every neighbor and from this node, kept in decision order so the best
 * path is the first and a route-server client's own choice (RFC 7947 §2.3.2,
 * the per-client Loc-RIB) is the first path its export policy accepts.
 */
import { compareRoutes, DEFAULT_DECISION, type DecisionOptions } from './decision';
import { routePathId, type Route } from './route';
import { familyKey } from '../wire/context';
import { DestTable } from './dest-table';

export interface DestChange {
  readonly destKey: string;
  /** Best path before and after; the same object when only a non-best path changed. */
  readonly before: Route | undefined;
  readonly after: Route | undefined;
}

/** One path is the common case (a full table from one feed): stored bare, without an array. */
type Paths = Route | Route[];

function asList(p: Route | readonly Route[] | undefined): readonly Route[] {
  return p === undefined ? [] : isList(p) ? p : [p];
}

function first(p: Route | readonly Route[] | undefined): Route | undefined {
  return p === undefined ? undefined : isList(p) ? p[0] : p;
}

function isList(p: Route | readonly Route[]): p is readonly Route[] {
  return Array.isArray(p);
}

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
  /** Paths per destination id; the Loc-RIB holds one reference on every id it has paths for. */
  private readonly table: (Paths | undefined)[] = [];
  /** Destinations with paths; they are walked in id order (ids are handed out as destinations appear). */
  private live = 0;
  /** Destinations per family, keyed afi × 65536 + safi. */
  private readonly familyCounts = new Map<number, number>();

  constructor(private decision: DecisionOptions = DEFAULT_DECISION) {}

  get size(): number {
    return this.live;
  }

  get decisionOptions(): DecisionOptions {
    return this.decision;
  }

  /** Destinations per family ("afi/safi" → count), for `show rib summary`. */
  counts(): ReadonlyMap<string, number> {
    const out = new Map<string, number>();
    for (const [f, n] of this.familyCounts) out.set(familyKey(Math.floor(f / 65536), f % 65536), n);
    return out;
  }

  /** The ranked paths without allocating: a bare Route when there is one, else the list. */
  rawPaths(destKey: string): Route | readonly Route[] | undefined {
    return this.rawPathsOf(this.dests.find(destKey));
  }

  /** `rawPaths` by destination id (-1: none). */
  rawPathsOf(id: number): Route | readonly Route[] | undefined {
    return id < 0 ? undefined : this.table[id];
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
    const t = this.table;
    for (let id = 0; id < t.length; id++) if (t[id] !== undefined) yield id;
  }

  *entries(): IterableIterator<[string, Route | readonly Route[]]> {
    for (const id of this.ids()) {
      const p = this.table[id];
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

  /** `update` by destination id; the caller holds a reference to `id` for the duration of the call. */
  updateOf(id: number, source: string, pathId: number | undefined, route: Route | null): DestUpdate {
    const cur = this.table[id];
    // Fast paths for the common case of one path per destination (a full table from one feed).
    this.last = cur;
    if (cur === undefined) {
      if (!route) return DestUpdate.None;
      this.set(id, route);
      this.last = route;
      this.bump(route, 1);
      return DestUpdate.Best;
    }
    if (!Array.isArray(cur)) {
      const same = cur.source.address === source && routePathId(cur) === pathId;
      if (same && route) {
        this.table[id] = route;
        this.last = route;
        return DestUpdate.Best;
      }
      if (same) {
        this.unset(id);
        this.last = undefined;
        this.bump(cur, -1);
        return DestUpdate.Best;
      }
      if (!route) return DestUpdate.None;
    }
    const list: Route[] = Array.isArray(cur) ? cur : [cur];
    const before = list[0];
    const i = list.findIndex((p) => p.source.address === source && routePathId(p) === pathId);
    if (i >= 0) list.splice(i, 1);
    else if (!route) return DestUpdate.None;
    if (route) this.insert(list, route);
    const after = list[0];
    if (after === undefined) {
      this.unset(id);
      this.last = undefined;
      if (before) this.bump(before, -1);
      return DestUpdate.Best;
    }
    const now: Paths = list.length === 1 ? after : list;
    this.table[id] = now;
    this.last = now;
    return before === after ? DestUpdate.Other : DestUpdate.Best;
  }

  /** A path's rank changed in place (graceful-restart stale marking): sort its destination again. */
  resort(destKey: string): DestChange {
    const id = this.dests.find(destKey);
    const list = id < 0 ? undefined : this.table[id];
    const before = first(list);
    if (Array.isArray(list)) list.sort((a, b) => compareRoutes(a, b, this.decision).order);
    return { destKey, before, after: first(list) };
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
  private set(id: number, paths: Paths): void {
    const t = this.table;
    while (t.length <= id) t.push(undefined);
    t[id] = paths;
    this.live++;
    this.dests.retain(id);
  }

  private unset(id: number): void {
    this.table[id] = undefined;
    this.live--;
    this.dests.release(id);
  }

  private insert(list: Route[], route: Route): void {
    // Paths per destination are few (one per neighbor); linear insertion keeps the list ranked.
    let i = 0;
    while (i < list.length && compareRoutes(list[i] as Route, route, this.decision).order <= 0) i++;
    list.splice(i, 0, route);
  }

  private bump(r: Route, d: number): void {
    const f = r.afi * 65536 + r.safi;
    this.familyCounts.set(f, (this.familyCounts.get(f) ?? 0) + d);
  }
}
