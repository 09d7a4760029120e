/**
 * The Loc-RIB (RFC 4271 §3.2, §9.1): per destination, every eligible path
 * from every neighbor and from this node, kept in decision order so the best
 * path is the first and a route-server client's own choice (RFC 7947 §2.3.2,
 * the per-client Loc-RIB) is the first path its export policy accepts.
 */
import { compareRoutes, DEFAULT_DECISION, type DecisionOptions } from './decision';
import type { Route } from './route';

export interface DestChange {
  readonly destKey: string;
  /** Best path before and after; the same object when only a non-best path changed. */
  readonly before: Route | undefined;
  readonly after: Route | undefined;
}

export class LocRib {
  private readonly dests = new Map<string, Route[]>();
  private readonly familyCounts = new Map<string, number>();

  constructor(private decision: DecisionOptions = DEFAULT_DECISION) {}

  get size(): number {
    return this.dests.size;
  }

  get decisionOptions(): DecisionOptions {
    return this.decision;
  }

  /** Destinations per family ("afi/safi" → count), for `show rib summary`. */
  counts(): ReadonlyMap<string, number> {
    return this.familyCounts;
  }

  paths(destKey: string): readonly Route[] {
    return this.dests.get(destKey) ?? [];
  }

  best(destKey: string): Route | undefined {
    return this.dests.get(destKey)?.[0];
  }

  keys(): IterableIterator<string> {
    return this.dests.keys();
  }

  /**
   * Puts `route` in place of the path that `source` sent with `pathId`
   * (RFC 7911; undefined without ADD-PATH), or removes that path when `route`
   * is null. Routes refused at import are never passed here.
   */
  update(destKey: string, source: string, pathId: number | undefined, route: Route | null): DestChange {
    let list = this.dests.get(destKey);
    const before = list?.[0];
    if (list) {
      const i = list.findIndex((p) => p.source.address === source && p.nlri.pathId === pathId);
      if (i >= 0) list.splice(i, 1);
    }
    if (route) {
      if (!list) {
        list = [];
        this.dests.set(destKey, list);
        this.bump(destKey, 1);
      }
      this.insert(list, route);
    }
    if (list && list.length === 0) {
      this.dests.delete(destKey);
      this.bump(destKey, -1);
    }
    return { destKey, before, after: list?.[0] };
  }

  /** A path's rank changed in place (graceful-restart stale marking): sort its destination again. */
  resort(destKey: string): DestChange {
    const list = this.dests.get(destKey);
    const before = list?.[0];
    if (list) list.sort((a, b) => compareRoutes(a, b, this.decision).order);
    return { destKey, before, after: list?.[0] };
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

  private bump(destKey: string, d: number): void {
    const f = destKey.slice(0, destKey.indexOf('|'));
    this.familyCounts.set(f, (this.familyCounts.get(f) ?? 0) + d);
  }
}
