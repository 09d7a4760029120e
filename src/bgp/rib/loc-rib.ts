/**
 * The Loc-RIB (RFC 4271 §3.2, §9.1): per destination, every eligible path
 * from every neighbor and from this node, kept in decision order so the best
 * path is the first and a route-server client's own choice (RFC 7947 §2.3.2,
 * the per-client Loc-RIB) is the first path its export policy accepts.
 */
import { compareRoutes, DEFAULT_DECISION, type DecisionOptions } from './decision';
import type { Route } from './route';
import { familyKey } from '../wire/context';

export interface DestChange {
  readonly destKey: string;
  /** Best path before and after; the same object when only a non-best path changed. */
  readonly before: Route | undefined;
  readonly after: Route | undefined;
}

/** One path is the common case (a full table from one feed): stored bare, without an array. */
type Paths = Route | Route[];

function asList(p: Paths | undefined): readonly Route[] {
  return p === undefined ? [] : Array.isArray(p) ? p : [p];
}

function first(p: Paths | undefined): Route | undefined {
  return p === undefined ? undefined : Array.isArray(p) ? p[0] : p;
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
  private readonly dests = new Map<string, Paths>();
  /** Destinations per family, keyed afi × 65536 + safi. */
  private readonly familyCounts = new Map<number, number>();

  constructor(private decision: DecisionOptions = DEFAULT_DECISION) {}

  get size(): number {
    return this.dests.size;
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
    return this.dests.get(destKey);
  }

  paths(destKey: string): readonly Route[] {
    return asList(this.dests.get(destKey));
  }

  best(destKey: string): Route | undefined {
    return first(this.dests.get(destKey));
  }

  keys(): IterableIterator<string> {
    return this.dests.keys();
  }

  entries(): IterableIterator<[string, Route | readonly Route[]]> {
    return this.dests.entries();
  }

  /**
   * Puts `route` in place of the path that `source` sent with `pathId`
   * (RFC 7911; undefined without ADD-PATH), or removes that path when `route`
   * is null. Routes refused at import are never passed here.
   */
  update(destKey: string, source: string, pathId: number | undefined, route: Route | null): DestUpdate {
    return this.apply(destKey, source, pathId, route);
  }

  /**
   * The destination's paths right after the last `update`, as `rawPaths`
   * would return them: the speaker hands them to the neighbors it marks, so
   * the pump need not look the destination up again.
   */
  last: Route | readonly Route[] | undefined = undefined;

  private apply(destKey: string, source: string, pathId: number | undefined, route: Route | null): DestUpdate {
    const cur = this.dests.get(destKey);
    // Fast paths for the common case of one path per destination (a full table from one feed).
    this.last = cur;
    if (cur === undefined) {
      if (!route) return DestUpdate.None;
      this.dests.set(destKey, route);
      this.last = route;
      this.bump(route, 1);
      return DestUpdate.Best;
    }
    if (!Array.isArray(cur)) {
      const same = cur.source.address === source && cur.nlri.pathId === pathId;
      if (same && route) {
        this.dests.set(destKey, route);
        this.last = route;
        return DestUpdate.Best;
      }
      if (same) {
        this.dests.delete(destKey);
        this.last = undefined;
        this.bump(cur, -1);
        return DestUpdate.Best;
      }
      if (!route) return DestUpdate.None;
    }
    const list: Route[] = Array.isArray(cur) ? cur : [cur];
    const before = list[0];
    const i = list.findIndex((p) => p.source.address === source && p.nlri.pathId === pathId);
    if (i >= 0) list.splice(i, 1);
    else if (!route) return DestUpdate.None;
    if (route) this.insert(list, route);
    const after = list[0];
    if (after === undefined) {
      this.dests.delete(destKey);
      this.last = undefined;
      if (before) this.bump(before, -1);
      return DestUpdate.Best;
    }
    const now: Paths = list.length === 1 ? after : list;
    this.dests.set(destKey, now);
    this.last = now;
    return before === after ? DestUpdate.Other : DestUpdate.Best;
  }

  /** A path's rank changed in place (graceful-restart stale marking): sort its destination again. */
  resort(destKey: string): DestChange {
    const list = this.dests.get(destKey);
    const before = first(list);
    if (Array.isArray(list)) list.sort((a, b) => compareRoutes(a, b, this.decision).order);
    return { destKey, before, after: first(list) };
  }

  /** A new decision option (always-compare-med): every destination is ranked again. */
  setDecision(decision: DecisionOptions): DestChange[] {
    this.decision = decision;
    const out: DestChange[] = [];
    for (const key of this.dests.keys()) {
      const c = this.resort(key);
      if (c.before !== c.after) out.push(c);
    }
    return out;
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
