/**
 * The routes of one neighbor as the speaker sees them: its Adj-RIB-In, our
 * Adj-RIB-Out toward it, and the pending changes that are pumped into the
 * session as fast as its queue accepts them (a slow peer only slows itself).
 */
import type { CodecContext } from '../wire/context';
import type { NegotiatedSession } from '../session/negotiate-types';
import type { AdjRibIn } from '../rib/adj-rib-in';
import { exportAttributes, type ExportedAttributes, type ExportPeer } from '../rib/export-rules';
import type { Route, RoutableNlri } from '../rib/route';
import { buildAnnouncements, buildWithdrawals } from '../rib/update-builder';
import { toOldSpeaker } from '../rib/as4';
import type { SessionPeer } from './types';

/** How many pending routes one pump step turns into UPDATEs before checking the queue again. */
const BATCH = 4096;

interface SentRoute {
  readonly afi: number;
  readonly safi: number;
  readonly nlri: RoutableNlri;
}

export class PeerRoutes {
  session: NegotiatedSession | null = null;
  exportPeer: ExportPeer | null = null;
  /** Key → what we announced (RFC 4271 §3.2 Adj-RIB-Out). */
  readonly ribOut = new Map<string, SentRoute>();
  private readonly pendingAnnounce = new Map<string, Route>();
  private readonly pendingWithdraw = new Map<string, SentRoute>();
  /** End-of-RIB follows the initial table (RFC 4724 §2). */
  private initialPending = false;
  staleTimer: { cancel(): void } | null = null;

  constructor(readonly peer: SessionPeer, readonly ribIn: AdjRibIn, readonly routeServerClient: boolean) {}

  hasFamily(afi: number, safi: number): boolean {
    return this.session?.families.some((f) => f.afi === afi && f.safi === safi) ?? false;
  }

  sentCount(afi: number, safi: number): number {
    let n = 0;
    for (const r of this.ribOut.values()) if (r.afi === afi && r.safi === safi) n++;
    return n;
  }

  up(session: NegotiatedSession, localAddress: string, localAs: number, initial: Iterable<[string, Route]>): void {
    this.session = session;
    this.exportPeer = { ibgp: session.ibgp, localAs, localAddress, routeServerClient: this.routeServerClient };
    this.ribOut.clear();
    this.pendingAnnounce.clear();
    this.pendingWithdraw.clear();
    this.initialPending = true;
    for (const [key, route] of initial) this.announce(key, route);
  }

  down(): void {
    this.session = null;
    this.exportPeer = null;
    this.ribOut.clear();
    this.pendingAnnounce.clear();
    this.pendingWithdraw.clear();
    this.initialPending = false;
  }

  announce(key: string, route: Route): void {
    if (!this.hasFamily(route.afi, route.safi)) return;
    this.pendingWithdraw.delete(key);
    this.pendingAnnounce.set(key, route);
  }

  withdraw(key: string): void {
    this.pendingAnnounce.delete(key);
    const sent = this.ribOut.get(key);
    if (sent) this.pendingWithdraw.set(key, sent);
  }

  /** RFC 2918 §4: send the whole Adj-RIB-Out of the family again. */
  refresh(afi: number, safi: number, current: (key: string) => Route | undefined): void {
    for (const [key, sent] of this.ribOut) {
      if (sent.afi !== afi || sent.safi !== safi) continue;
      const r = current(key);
      if (r) this.pendingAnnounce.set(key, r);
    }
  }

  /** Moves pending work into the session until its queue is full; returns true when everything was sent. */
  pump(): boolean {
    const session = this.session;
    const exportPeer = this.exportPeer;
    if (!session || !exportPeer) return true;
    while (this.pendingWithdraw.size > 0) {
      if (!this.sendWithdrawBatch(session.encodeContext)) return false;
    }
    while (this.pendingAnnounce.size > 0) {
      if (!this.sendAnnounceBatch(session.encodeContext, exportPeer)) return false;
    }
    if (this.initialPending) {
      this.initialPending = false;
      this.peer.initialTableSent();
    }
    return true;
  }

  private take<T>(m: Map<string, T>): [string, T][] {
    const out: [string, T][] = [];
    for (const e of m) {
      out.push(e);
      m.delete(e[0]);
      if (out.length >= BATCH) break;
    }
    return out;
  }

  private sendWithdrawBatch(ctx: CodecContext): boolean {
    const byFamily = new Map<string, SentRoute[]>();
    for (const [key, s] of this.take(this.pendingWithdraw)) {
      this.ribOut.delete(key);
      const k = `${s.afi}/${s.safi}`;
      const list = byFamily.get(k) ?? [];
      list.push(s);
      byFamily.set(k, list);
    }
    let ok = true;
    for (const list of byFamily.values()) {
      const first = list[0];
      if (!first) continue;
      for (const m of buildWithdrawals(first.afi, first.safi, list.map((s) => s.nlri), ctx)) ok = this.peer.enqueueUpdate(m) && ok;
    }
    return ok;
  }

  private sendAnnounceBatch(ctx: CodecContext, exportPeer: ExportPeer): boolean {
    // Group by (family, attribute set): prefixes that share attributes share UPDATEs.
    // Export attributes depend only on the attribute set and the kind of source, both in the group key,
    // so the first route's result serves the whole group.
    const groups = new Map<string, { route: Route; exported: ExportedAttributes; nlri: RoutableNlri[] }>();
    const withdrawNow: SentRoute[] = [];
    for (const [key, route] of this.take(this.pendingAnnounce)) {
      const exported = exportAttributes(route, exportPeer);
      if (!exported) {
        const sent = this.ribOut.get(key);
        if (sent) {
          withdrawNow.push(sent);
          this.ribOut.delete(key);
        }
        continue;
      }
      this.ribOut.set(key, { afi: route.afi, safi: route.safi, nlri: route.nlri });
      const gk = `${route.afi}/${route.safi}/${route.attrs.id}/${route.source.address === 'local' ? 'l' : route.source.ibgp ? 'i' : 'e'}`;
      const g = groups.get(gk);
      if (g) g.nlri.push(route.nlri);
      else groups.set(gk, { route, exported, nlri: [route.nlri] });
    }
    let ok = true;
    for (const s of withdrawNow) for (const m of buildWithdrawals(s.afi, s.safi, [s.nlri], ctx)) ok = this.peer.enqueueUpdate(m) && ok;
    for (const { route, exported, nlri } of groups.values()) {
      // RFC 6793 §4.2.2: an OLD speaker gets AS_TRANS in AS_PATH and the true path in AS4_PATH.
      const attributes = ctx.fourOctetAs ? exported.attributes : toOldSpeaker(exported.attributes);
      const msgs = buildAnnouncements({ afi: route.afi, safi: route.safi, attributes, nextHop: exported.nextHop, nlri }, ctx);
      for (const m of msgs) ok = this.peer.enqueueUpdate(m) && ok;
    }
    return ok;
  }
}
