/**
 * The routes of one neighbor as the speaker sees them: its Adj-RIB-In, our
 * Adj-RIB-Out toward it, and the destinations whose advertisement may have
 * changed. Those are pumped into the session as fast as its queue accepts
 * them (a slow peer only slows itself); what to send is decided at pump time
 * from the Loc-RIB, so a burst of changes to one prefix costs one UPDATE.
 */
import type { CodecContext } from '../wire/context';
import type { NegotiatedSession } from '../session/negotiate-types';
import type { AdjRibIn } from '../rib/adj-rib-in';
import type { ExportedAttributes } from '../rib/export-rules';
import type { LocRib } from '../rib/loc-rib';
import { familyCodeOfKey, type Route, type RoutableNlri } from '../rib/route';
import { buildAnnouncements, buildWithdrawals } from '../rib/update-builder';
import { toOldSpeaker } from '../rib/as4';
import { ACCEPT_ALL, type PolicyChain } from '../policy/types';
import type { SessionPeer } from './types';
import { sameExport, type UpdateGroup } from './update-group';

/** A destination's Loc-RIB paths as `LocRib.rawPaths` gives them, or NO_HINT. */
export type PathsHint = Route | readonly Route[] | undefined | typeof NO_HINT;
export const NO_HINT: unique symbol = Symbol('no hint');

/** How many pending destinations one pump step turns into UPDATEs before checking the queue again. */
const BATCH = 4096;

/**
 * An advertisement whose attributes an export policy made for this neighbor
 * alone. Everything else in the Adj-RIB-Out is the Loc-RIB route itself: its
 * attributes are the update group's shared result, found again in its cache,
 * so an advertised route costs one map entry and no object.
 */
export class PolicySent {
  constructor(
    readonly route: Route,
    readonly exported: ExportedAttributes,
  ) {}
}

export type Sent = Route | PolicySent;

export function sentRoute(s: Sent): Route {
  return s instanceof PolicySent ? s.route : s;
}

/** The NLRI as sent: the sender's ADD-PATH id is not ours (RFC 7911). */
export function sentNlri(r: Route): RoutableNlri {
  return r.nlri.pathId === undefined ? r.nlri : { ...r.nlri, pathId: undefined };
}

export interface PeerRole {
  readonly address: string;
  readonly asn: number;
  readonly routeServerClient: boolean;
  readonly routeReflectorClient: boolean;
}

/** What a neighbor is sent for one destination, and from which path. */
export interface Choice {
  readonly route: Route;
  readonly exported: ExportedAttributes;
  /** The update group's shared result (no export policy change). */
  readonly shared: boolean;
}

export class PeerRoutes {
  session: NegotiatedSession | null = null;
  group: UpdateGroup | null = null;
  /** The chains in force (a route-server client's include the central policy). */
  importPolicy: PolicyChain = ACCEPT_ALL;
  exportPolicy: PolicyChain = ACCEPT_ALL;
  /** The neighbor's own chains, as configured. */
  ownImport: PolicyChain = ACCEPT_ALL;
  ownExport: PolicyChain = ACCEPT_ALL;
  /** Destination key → what we announced (RFC 4271 §3.2 Adj-RIB-Out). */
  readonly ribOut = new Map<string, Sent>();
  private readonly sentCounts = new Map<number, number>();
  /**
   * Destinations to look at again, with the Loc-RIB paths as they were when
   * marked (NO_HINT: look them up). The hint stays valid: the speaker marks a
   * neighbor again whenever what it may choose changes (every change of the
   * best path; every change at all for a route-server client).
   */
  private readonly pending = new Map<string, PathsHint>();
  /** Destinations to send even if unchanged (route refresh). */
  private readonly forced = new Set<string>();
  /** Negotiated families, afi × 65536 + safi. */
  private families = new Set<number>();
  /** End-of-RIB follows the initial table (RFC 4724 §2). */
  private initialPending = false;
  staleTimer: { cancel(): void } | null = null;

  constructor(
    readonly peer: SessionPeer,
    readonly ribIn: AdjRibIn,
    readonly role: PeerRole,
    private readonly loc: LocRib,
    private readonly localAs: number,
  ) {}

  get routeServerClient(): boolean {
    return this.role.routeServerClient;
  }

  get established(): boolean {
    return this.session !== null && this.group !== null;
  }

  get pendingCount(): number {
    return this.pending.size;
  }

  hasFamily(afi: number, safi: number): boolean {
    return this.families.has(afi * 65536 + safi);
  }

  sentCount(afi: number, safi: number): number {
    return this.sentCounts.get(afi * 65536 + safi) ?? 0;
  }

  /** The session is Established: the whole Loc-RIB of its families is pending, End-of-RIB after it. */
  up(session: NegotiatedSession, group: UpdateGroup): void {
    this.session = session;
    this.group = group;
    this.families = new Set(session.families.map((f) => f.afi * 65536 + f.safi));
    this.ribOut.clear();
    this.sentCounts.clear();
    this.pending.clear();
    this.forced.clear();
    this.initialPending = true;
    for (const [key, paths] of this.loc.entries()) this.touch(key, paths);
  }

  down(): void {
    this.session = null;
    this.group = null;
    this.families = new Set();
    this.ribOut.clear();
    this.sentCounts.clear();
    this.pending.clear();
    this.forced.clear();
    this.initialPending = false;
  }

  /** The advertisement of this destination may have changed. */
  touch(destKey: string, hint: PathsHint = NO_HINT, force = false): void {
    if (!this.group || !this.families.has(familyCodeOfKey(destKey))) return;
    this.pending.set(destKey, hint);
    if (force) this.forced.add(destKey);
  }

  /** RFC 2918 §4: send the whole Adj-RIB-Out of the family again. */
  refresh(afi: number, safi: number): void {
    const fam = afi * 65536 + safi;
    for (const key of this.ribOut.keys()) if (familyCodeOfKey(key) === fam) this.touch(key, NO_HINT, true);
  }

  /** Export policy changed: every destination is looked at again (RFC 4271 §9.1.3 re-run of the export step). */
  reexport(): void {
    for (const key of this.ribOut.keys()) this.touch(key);
    for (const key of this.loc.keys()) this.touch(key);
  }

  /**
   * What this neighbor gets for a destination. An ordinary neighbor gets the
   * best path or nothing (RFC 4271 §9.1.3); a route-server client gets the
   * best path its own export policy accepts, from its per-client view of the
   * Loc-RIB (RFC 7947 §2.3.2.1), which keeps a filtered best path from
   * hiding the others.
   */
  choose(destKey: string, hint: PathsHint = NO_HINT): Choice | null {
    const group = this.group;
    if (!group) return null;
    const paths = hint === NO_HINT ? this.loc.rawPaths(destKey) : hint;
    if (paths === undefined) return null;
    if (!Array.isArray(paths)) {
      const route = paths as Route;
      const exported = this.exportOne(route, group);
      return exported ? { route, exported, shared: this.lastShared } : null;
    }
    for (const route of paths as readonly Route[]) {
      const exported = this.exportOne(route, group);
      if (exported) return { route, exported, shared: this.lastShared };
      if (!this.role.routeServerClient) return null;
    }
    return null;
  }

  /** The attributes this neighbor was sent for a destination. */
  sentExport(s: Sent): ExportedAttributes | null {
    if (s instanceof PolicySent) return s.exported;
    return this.group?.exported(s) ?? null;
  }

  private lastShared = true;

  private exportOne(route: Route, group: UpdateGroup): ExportedAttributes | null {
    if (route.source.address === this.role.address) return null;
    this.lastShared = true;
    if (this.exportPolicy === ACCEPT_ALL) return group.exported(route);
    const res = this.exportPolicy.evaluate({
      afi: route.afi,
      safi: route.safi,
      nlri: route.nlri,
      attrs: route.attrs,
      neighbor: { address: this.role.address, asn: this.role.asn },
      direction: 'export',
      localAs: this.localAs,
    });
    if (res.action === 'reject') return null;
    if (res.attributes === null && res.nextHop === null) return group.exported(route);
    this.lastShared = false;
    return group.exportedWith(route, res);
  }

  /** Moves pending work into the session until its queue is full; returns true when everything was sent. */
  pump(): boolean {
    const session = this.session;
    if (!session || !this.group) return true;
    while (this.pending.size > 0) {
      if (!this.sendBatch(session.encodeContext)) return false;
    }
    if (this.initialPending) {
      this.initialPending = false;
      this.peer.initialTableSent();
    }
    return true;
  }

  private bumpSent(afi: number, safi: number, d: number): void {
    const k = afi * 65536 + safi;
    this.sentCounts.set(k, (this.sentCounts.get(k) ?? 0) + d);
  }

  private sendBatch(ctx: CodecContext): boolean {
    // Prefixes that share a family and exported attributes share UPDATEs.
    const announce = new Map<number, Map<ExportedAttributes, { route: Route; nlri: RoutableNlri[] }>>();
    const withdraw = new Map<number, Route[]>();
    let n = 0;
    for (const [destKey, hint] of this.pending) {
      if (++n > BATCH) break;
      this.pending.delete(destKey);
      const force = this.forced.size > 0 && this.forced.delete(destKey);
      const sent = this.ribOut.get(destKey);
      const choice = this.choose(destKey, hint);
      const fam = familyCodeOfKey(destKey);
      if (!choice) {
        if (!sent) continue;
        const was = sentRoute(sent);
        this.ribOut.delete(destKey);
        this.bumpSent(was.afi, was.safi, -1);
        const list = withdraw.get(fam);
        if (list) list.push(was);
        else withdraw.set(fam, [was]);
        continue;
      }
      const r = choice.route;
      if (sent && !force && sameLabels(sentRoute(sent).nlri, r.nlri)) {
        const before = this.sentExport(sent);
        if (before && sameExport(before, choice.exported)) {
          // Same attributes from another path (or the same path again): nothing to send; remember the path.
          if (sentRoute(sent) !== r) this.ribOut.set(destKey, choice.shared ? r : new PolicySent(r, choice.exported));
          continue;
        }
      }
      if (!sent) this.bumpSent(r.afi, r.safi, 1);
      this.ribOut.set(destKey, choice.shared ? r : new PolicySent(r, choice.exported));
      let byAttrs = announce.get(fam);
      if (!byAttrs) {
        byAttrs = new Map();
        announce.set(fam, byAttrs);
      }
      const g = byAttrs.get(choice.exported);
      if (g) g.nlri.push(sentNlri(r));
      else byAttrs.set(choice.exported, { route: r, nlri: [sentNlri(r)] });
    }
    let ok = true;
    for (const list of withdraw.values()) {
      const first = list[0];
      if (!first) continue;
      for (const m of buildWithdrawals(first.afi, first.safi, list.map(sentNlri), ctx)) ok = this.peer.enqueueUpdate(m) && ok;
    }
    for (const byAttrs of announce.values()) {
      for (const [exported, { route, nlri }] of byAttrs) {
        // RFC 6793 §4.2.2: an OLD speaker gets AS_TRANS in AS_PATH and the true path in AS4_PATH.
        const attributes = ctx.fourOctetAs ? exported.attributes : toOldSpeaker(exported.attributes);
        for (const m of buildAnnouncements({ afi: route.afi, safi: route.safi, attributes, nextHop: exported.nextHop, nlri }, ctx)) ok = this.peer.enqueueUpdate(m) && ok;
      }
    }
    return ok;
  }
}

/** VPN and labeled routes for one destination differ by their label stack (RFC 8277). */
function sameLabels(a: RoutableNlri, b: RoutableNlri): boolean {
  if (a.kind === 'unicast' || b.kind === 'unicast') return a.kind === b.kind;
  const x = a.labels;
  const y = b.labels;
  if (x.length !== y.length) return false;
  for (let i = 0; i < x.length; i++) if (x[i] !== y[i]) return false;
  return true;
}
