/**
 * One peer's Adj-RIB-In (RFC 4271 §3.2): the routes it sent us, keyed by
 * family + RD + prefix + path id, with per-family counts for the maximum-prefix
 * limit and `show neighbors`, and stale marking for graceful restart (RFC 4724 §4.2).
 */
import type { UpdateMessage } from '../wire/messages/types';
import { familyKey, type FamilyKey } from '../wire/context';
import type { AttributeInterner, AttributeSet } from './attribute-set';
import type { Route, RouteSource } from './route';
import { updateRoutes } from './update-routes';
import { NlriInterner } from './nlri-intern';

export interface RibChange {
  readonly key: string;
  /** The route now present, or null when it was removed. */
  readonly route: Route | null;
}

export class AdjRibIn {
  private readonly routes = new Map<string, Route>();
  /** Per family (afi × 65536 + safi): routes received, and those the import filter accepted. */
  private readonly counters = new Map<number, { received: number; accepted: number }>();
  /**
   * Import: the route to use (the same object, or one whose `attrs` the import
   * policy changed, with `received` the original), or a reason to refuse it
   * (RFC 4271 §9.1.2 AS loop, RFC 4456 §8 reflection loop, policy). Refused
   * routes stay for `show rib` and soft reconfiguration but are never selected.
   */
  importFilter: (r: Route) => Route | string = (r) => r;

  constructor(
    private source: RouteSource,
    private readonly interner: AttributeInterner,
    private readonly nlris: NlriInterner = new NlriInterner(),
  ) {}

  /** The peer's identity as the OPEN exchange settled it (routes received later carry it). */
  setSource(source: RouteSource): void {
    this.source = source;
  }

  get size(): number {
    return this.routes.size;
  }

  /** Routes received (RFC 4271 Adj-RIB-In before import checks). */
  count(afi: number, safi: number): number {
    return this.counters.get(afi * 65536 + safi)?.received ?? 0;
  }

  /** Routes that passed the import checks: what the decision process sees and what max-prefix counts. */
  acceptedCount(afi: number, safi: number): number {
    return this.counters.get(afi * 65536 + safi)?.accepted ?? 0;
  }

  /** Routes received per family ("afi/safi"). */
  countsByFamily(): ReadonlyMap<FamilyKey, number> {
    const out = new Map<FamilyKey, number>();
    for (const [f, c] of this.counters) if (c.received > 0) out.set(familyKey(Math.floor(f / 65536), f % 65536), c.received);
    return out;
  }

  get(key: string): Route | undefined {
    return this.routes.get(key);
  }

  all(): IterableIterator<Route> {
    return this.routes.values();
  }

  /** Routes still marked stale: End-of-RIB costs nothing when there are none (the usual case). */
  private staleCount = 0;

  private bump(afi: number, safi: number, d: number, accepted: boolean): void {
    const k = afi * 65536 + safi;
    let c = this.counters.get(k);
    if (!c) {
      c = { received: 0, accepted: 0 };
      this.counters.set(k, c);
    }
    c.received += d;
    if (accepted) c.accepted += d;
  }

  private remove(key: string, changes: RibChange[]): void {
    const old = this.routes.get(key);
    if (!old) return; // RFC 7911 §5 / RFC 4271: withdrawing an unknown route is not an error
    this.routes.delete(key);
    if (old.stale) this.staleCount--;
    this.releaseRoute(old);
    this.bump(old.afi, old.safi, -1, old.rejected === undefined);
    changes.push({ key, route: null });
  }

  private releaseRoute(r: Route): void {
    this.interner.release(r.attrs);
    if (r.received) this.interner.release(r.received);
  }

  /** Runs the import filter on a route as received; the filter interns what it changes. */
  private filter(fresh: Route): Route {
    const out = this.importFilter(fresh);
    return typeof out === 'string' ? { ...fresh, rejected: out } : out;
  }

  /** Applies one UPDATE (RFC 7606 outcomes included) and returns what changed. */
  apply(msg: UpdateMessage): RibChange[] {
    const r = updateRoutes(msg);
    const changes: RibChange[] = [];
    for (const w of r.withdrawn) this.remove(w.key, changes);
    if (r.announced.length === 0) return changes;
    // Decode-once, intern-once: every prefix of the UPDATE with the same next hop shares one set.
    const sets = new Map<string, AttributeSet>();
    for (const a of r.announced) {
      let attrs = sets.get(a.nextHop);
      if (attrs) this.interner.retain(attrs);
      else {
        attrs = this.interner.intern(msg.attributes, a.nextHop);
        sets.set(a.nextHop, attrs);
      }
      const old = this.routes.get(a.key);
      if (old) {
        if (old.stale) this.staleCount--;
        this.releaseRoute(old);
        this.bump(old.afi, old.safi, -1, old.rejected === undefined);
      }
      const route = this.filter({ afi: a.afi, safi: a.safi, nlri: this.nlris.compact(a.nlri), attrs, source: this.source, stale: false });
      this.bump(a.afi, a.safi, 1, route.rejected === undefined);
      this.routes.set(a.key, route);
      changes.push({ key: a.key, route });
    }
    return changes;
  }

  /**
   * Soft reconfiguration inbound (RFC 4271 §9.1.1): the import filter changed;
   * run it again over every route as received and report the routes whose
   * outcome differs. No route refresh is needed: the pre-policy table is kept.
   */
  reimport(): RibChange[] {
    const changes: RibChange[] = [];
    for (const [key, old] of this.routes) {
      const received = old.received ?? old.attrs;
      this.interner.retain(received);
      const { rejected: _r, received: _rc, ...base } = old;
      const route = this.filter({ ...base, attrs: received });
      if (route.attrs === old.attrs && route.rejected === old.rejected) {
        // Same outcome: keep the old object, so the Loc-RIB sees no change.
        this.releaseRoute(route);
        continue;
      }
      this.releaseRoute(old);
      this.bump(old.afi, old.safi, -1, old.rejected === undefined);
      this.bump(route.afi, route.safi, 1, route.rejected === undefined);
      this.routes.set(key, route);
      changes.push({ key, route });
    }
    return changes;
  }

  /** RFC 4724 §4.2: the peer restarted; keep its routes but mark them stale. */
  markStale(afi?: number, safi?: number): number {
    let n = 0;
    for (const r of this.routes.values()) {
      if ((afi === undefined || (r.afi === afi && r.safi === safi)) && !r.stale) {
        r.stale = true;
        this.staleCount++;
        n++;
      }
    }
    return n;
  }

  /** End-of-RIB (or the stale timer): drop what is still stale. */
  sweepStale(afi?: number, safi?: number): RibChange[] {
    const changes: RibChange[] = [];
    if (this.staleCount === 0) return changes;
    for (const [key, r] of [...this.routes]) {
      if (r.stale && (afi === undefined || (r.afi === afi && r.safi === safi))) this.remove(key, changes);
    }
    return changes;
  }

  /** Removes every route of one family (a family the restarting peer did not preserve). */
  sweepAll(afi: number, safi: number): RibChange[] {
    const changes: RibChange[] = [];
    for (const [key, r] of [...this.routes]) if (r.afi === afi && r.safi === safi) this.remove(key, changes);
    return changes;
  }

  clear(): RibChange[] {
    const changes: RibChange[] = [];
    for (const key of [...this.routes.keys()]) this.remove(key, changes);
    return changes;
  }
}
