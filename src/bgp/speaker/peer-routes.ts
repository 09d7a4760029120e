/**
 * The routes of one neighbor as the speaker sees them: its Adj-RIB-In, our
 * Adj-RIB-Out toward it, and the destinations whose advertisement may have
 * changed. Those are pumped into the session as fast as its queue accepts
 * them (a slow peer only slows itself); what to send is decided at pump time
 * from the Loc-RIB, so a burst of changes to one prefix costs one UPDATE.
 */
import { FamilyCounts } from '../rib/family-counts';
import { EncodedChunks } from './encoded-chunks';
import type { CodecContext } from '../wire/context';
import type { NegotiatedSession } from '../session/negotiate-types';
import type { AdjRibIn } from '../rib/adj-rib-in';
import type { ExportedAttributes } from '../rib/export-rules';
import type { LocRib } from '../rib/loc-rib';
import type { DestTable } from '../rib/dest-table';
import { heldBy, heldLabels, unpackedIpv4Unicast, type Route, type RoutableNlri } from '../rib/route';
import type { AttributeInterner, AttributeSet } from '../rib/attribute-set';
import { buildAnnouncements, buildWithdrawals, encodeIpv4Announcements } from '../rib/update-builder';
import type { Ipv4Attributes } from '../rib/update-builder';
import { toOldSpeaker } from '../rib/as4';
import { ACCEPT_ALL, type PolicyChain } from '../policy/types';
import type { SessionPeer } from './types';
import { sameExport, type UpdateGroup } from './update-group';
import { SparseColumn } from '../rib/sparse-column';
import { SlotColumn, withRoom } from '../rib/int-column';

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
  const n = r.nlri;
  return n.pathId === undefined ? n : { ...n, pathId: undefined };
}

/** IPv4 unicast (afi 1, safi 1) as afi × 65536 + safi. */
const IPV4_UNICAST = 65537;

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
  /**
   * What we announced (RFC 4271 §3.2 Adj-RIB-Out), by destination id,
   * walked in id order (`show rib --out`, route refresh). Each announced
   * destination holds a reference on its id.
   */
  private readonly ribOut = new SparseColumn<Sent>();
  /**
   * Entries sent from a route its Adj-RIB-In holds as columns, with the
   * update group's shared attributes (a route server's whole table): the
   * set (its interner index + 1, 0 for none; the entry holds a reference on
   * it) and that table's number, so no object is kept per route
   * (`LocRib.heldRoute` makes it again).
   */
  private outSets = new Int32Array(0);
  private readonly outSlots = new SlotColumn();
  private readonly interner: AttributeInterner;
  /** The label stacks sent with VPN-IPv4 entries of `outSets` (RFC 8277: a new label is a new announcement). */
  private outLabels: (readonly number[] | undefined)[] = [];
  private readonly sentCounts = new FamilyCounts();
  /**
   * Destinations to look at again: a bit per id, taken in id order from
   * where the last pump step stopped, wrapping around, so each waits at most
   * one pass. What to send is read from the Loc-RIB when the destination is
   * pumped. Each marked destination holds a reference on its id. A FIFO of
   * ids besides the bits grew to a full table's worth (2 to 4 MB) whenever
   * the receiver read slower than the feeder sent; ids are handed out as
   * destinations arrive, so id order is close to that order anyway.
   */
  private pendingBits = new Uint32Array(0);
  private pendingN = 0;
  /** The word of `pendingBits` the next step starts its search at. */
  private pendingWord = 0;
  /** Destinations to send even if unchanged (route refresh). */
  private readonly forced = new Set<number>();
  private readonly dests: DestTable;
  /** Negotiated families, afi × 65536 + safi. */
  private families = new Set<number>();
  /** End-of-RIB follows the initial table (RFC 4724 §2). */
  private initialPending = false;
  /**
   * The session refused more (its queue is over the high watermark): nothing
   * is pumped until its 'writable'. Without this every socket read of another
   * neighbor pumped one more batch into the full queue, and a route server
   * fed faster than its receiver reads buffered most of a table (46k UPDATEs
   * seen queued in a bench:ingest run).
   */
  private blocked = false;
  staleTimer: { cancel(): void } | null = null;

  constructor(
    readonly peer: SessionPeer,
    readonly ribIn: AdjRibIn,
    readonly role: PeerRole,
    private readonly loc: LocRib,
    private readonly localAs: number,
  ) {
    this.dests = loc.dests;
    this.interner = ribIn.interner;
  }

  get routeServerClient(): boolean {
    return this.role.routeServerClient;
  }

  get established(): boolean {
    return this.session !== null && this.group !== null;
  }

  get pendingCount(): number {
    return this.pendingN;
  }

  hasFamily(afi: number, safi: number): boolean {
    return this.families.has(afi * 65536 + safi);
  }

  sentCount(afi: number, safi: number): number {
    return this.sentCounts.get(afi * 65536 + safi);
  }

  /** The session is Established: the whole Loc-RIB of its families is pending, End-of-RIB after it. */
  up(session: NegotiatedSession, group: UpdateGroup): void {
    this.session = session;
    this.group = group;
    this.families = new Set(session.families.map((f) => f.afi * 65536 + f.safi));
    this.clearTables();
    this.blocked = false;
    this.initialPending = true;
    for (const id of this.loc.ids()) this.touch(id);
  }

  down(): void {
    this.session = null;
    this.group = null;
    this.families = new Set();
    this.clearTables();
    this.blocked = false;
    this.initialPending = false;
  }

  /** Empties the Adj-RIB-Out and the pending queue, giving back their references. */
  private clearTables(): void {
    for (const id of this.sentIds()) this.dests.release(id);
    this.ribOut.clear();
    for (let id = 0; id < this.outSets.length; id++) this.releaseSentSet(id);
    this.outSets = new Int32Array(0);
    this.outSlots.clear();
    this.outLabels = [];
    this.sentCounts.clear();
    const bits = this.pendingBits;
    for (let w = 0; w < bits.length; w++) {
      for (let word = bits[w] ?? 0; word !== 0; word &= word - 1) this.dests.release(w * 32 + (31 - Math.clz32(word & -word)));
    }
    this.pendingBits = new Uint32Array(0);
    this.pendingN = 0;
    this.pendingWord = 0;
    this.forced.clear();
  }

  /** The advertisement of this destination (a Loc-RIB destination id) may have changed. */
  touch(id: number, force = false): void {
    if (!this.group || !this.families.has(this.dests.family(id))) return;
    if (force) this.forced.add(id);
    const word = id >>> 5;
    const bit = 1 << (id & 31);
    if (word >= this.pendingBits.length) {
      const bits = new Uint32Array(Math.max(64, this.pendingBits.length * 2, word + 1));
      bits.set(this.pendingBits);
      this.pendingBits = bits;
    }
    const w = this.pendingBits[word] ?? 0;
    if ((w & bit) !== 0) return;
    this.pendingBits[word] = w | bit;
    this.pendingN++;
    this.dests.retain(id);
  }

  /**
   * `touch` after a Loc-RIB change that left `paths` for the destination:
   * nothing to do when they are this neighbor's own route alone and it was
   * sent nothing for the destination (a route never goes back to its source,
   * so the pump would find no change). This is every route of a table a
   * neighbor sends, which otherwise went through its own queue for nothing.
   */
  touchChanged(id: number, paths: Route | readonly Route[] | number | undefined): void {
    // A number: the one path, held as columns by the Adj-RIB-In with that number in the Loc-RIB.
    const only = typeof paths === 'number' ? this.loc.sourceAt(paths).address : paths !== undefined && !isPathList(paths) ? paths.source.address : null;
    if (only === this.role.address && !this.hasSent(id)) return;
    this.touch(id);
  }

  /** The next marked destination, unmarked (its reference passes to the caller); call only while pendingN > 0. */
  private takePending(): number {
    const bits = this.pendingBits;
    let w = this.pendingWord;
    // One pass over every word at most (the count says a bit is set somewhere).
    for (let n = 0; n <= bits.length; n++, w++) {
      if (w >= bits.length) w = 0;
      const word = bits[w] ?? 0;
      if (word === 0) continue;
      const low = word & -word;
      bits[w] = word ^ low;
      this.pendingWord = w;
      this.pendingN--;
      return w * 32 + (31 - Math.clz32(low));
    }
    throw new Error(`pending count ${this.pendingN} with no destination marked`);
  }

  /** What we announced, in destination id order (`show rib --out`). */
  *sentRoutes(): IterableIterator<Sent> {
    for (const id of this.sentIds()) {
      const s = this.sentAt(id);
      if (s !== undefined) yield s;
    }
  }

  /** Destination ids in the Adj-RIB-Out, ascending. */
  private *sentIds(): IterableIterator<number> {
    const n = Math.max(this.ribOut.length, this.outSets.length);
    for (let id = 0; id < n; id++) if (this.hasSent(id)) yield id;
  }

  private hasSent(id: number): boolean {
    return (this.outSets[id] ?? 0) !== 0 || this.ribOut.get(id) !== undefined;
  }

  /** What the Adj-RIB-Out holds for a destination. */
  private sentAt(id: number): Sent | undefined {
    const attrs = this.sentSetAt(id);
    return attrs === undefined ? this.ribOut.get(id) : this.loc.heldRoute(this.outSlots.get(id), id, attrs, this.outLabels[id]);
  }

  /** The set of an entry sent from a route held as columns, undefined for any other entry. */
  private sentSetAt(id: number): AttributeSet | undefined {
    const i = this.outSets[id] ?? 0;
    return i === 0 ? undefined : this.interner.setAt(i - 1);
  }

  /** Empties an id's held entry, giving back its reference on the set. */
  private releaseSentSet(id: number): void {
    const i = this.outSets[id] ?? 0;
    if (i === 0) return;
    this.outSets[id] = 0;
    const set = this.interner.setAt(i - 1);
    if (set) this.interner.release(set);
  }

  /** Records what was sent for a destination (an empty entry or one to replace). */
  private setSent(id: number, choice: Choice): void {
    const r = choice.route;
    const slot = choice.shared ? heldBy(r, id) : -1;
    if (slot >= 0 && this.interner.holds(r.attrs)) {
      this.setHeldSent(id, r.attrs, slot, heldLabels(r));
      return;
    }
    this.releaseSentSet(id);
    this.ribOut.set(id, choice.shared ? r : new PolicySent(r, choice.exported));
  }

  /** `setSent` of the route numbered `slot` holds as columns, sent with the update group's shared attributes. */
  private setHeldSent(id: number, attrs: AttributeSet, slot: number, labels: readonly number[] | undefined): void {
    this.outSets = withRoom(this.outSets, id);
    const index = attrs.index + 1;
    if (this.outSets[id] !== index) {
      this.interner.retain(attrs);
      this.releaseSentSet(id);
      this.outSets[id] = index;
    }
    this.outSlots.set(id, slot);
    if (labels !== undefined) {
      const l = this.outLabels;
      while (l.length <= id) l.push(undefined);
      l[id] = labels;
    } else if (id < this.outLabels.length) this.outLabels[id] = undefined;
    this.ribOut.delete(id);
  }

  private clearSent(id: number): void {
    this.releaseSentSet(id);
    if (id < this.outLabels.length) this.outLabels[id] = undefined;
    this.ribOut.delete(id);
  }

  /** RFC 2918 §4: send the whole Adj-RIB-Out of the family again. */
  refresh(afi: number, safi: number): void {
    const fam = afi * 65536 + safi;
    for (const id of this.sentIds()) if (this.dests.family(id) === fam) this.touch(id, true);
  }

  /** Export policy changed: every destination is looked at again (RFC 4271 §9.1.3 re-run of the export step). */
  reexport(): void {
    for (const id of this.sentIds()) this.touch(id);
    for (const id of this.loc.ids()) this.touch(id);
  }

  /**
   * What this neighbor gets for a destination. An ordinary neighbor gets the
   * best path or nothing (RFC 4271 §9.1.3); a route-server client gets the
   * best path its own export policy accepts, from its per-client view of the
   * Loc-RIB (RFC 7947 §2.3.2.1), which keeps a filtered best path from
   * hiding the others.
   */
  choose(id: number): Choice | null {
    const group = this.group;
    if (!group) return null;
    const paths = this.loc.rawPathsOf(id);
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
    if (this.blocked) return false;
    while (this.pendingN > 0) {
      if (!this.sendBatch(session.encodeContext)) {
        this.blocked = true;
        return false;
      }
    }
    if (this.initialPending) {
      this.initialPending = false;
      this.peer.initialTableSent();
    }
    return true;
  }

  /** The session's queue drained below its low watermark: pump again. */
  writable(): boolean {
    this.blocked = false;
    return this.pump();
  }

  /**
   * `sendOne` of an IPv4 unicast destination whose one path an Adj-RIB-In
   * holds as columns, for a neighbor without export policy (a route server's
   * whole table): decided from the set and the table's number, with no route
   * object made. False when the case is not that simple: `sendOne` then
   * decides.
   */
  private sendHeld(id: number, batch: Batch): boolean {
    const group = this.group;
    const slot = this.loc.heldSlotOf(id);
    if (slot < 0 || group === null || this.exportPolicy !== ACCEPT_ALL || this.forced.size > 0 || this.dests.family(id) !== IPV4_UNICAST) return false;
    const src = this.loc.sourceAt(slot);
    const attrs = src.heldSetAt(id);
    // A route never goes back to its source; not exported at all: `sendOne` withdraws what was sent.
    if (attrs === undefined || src.address === this.role.address) return false;
    const exported = group.exportedHeld(attrs, src.routeSource);
    if (!exported) return false;
    const sentSet = this.sentSetAt(id);
    if (sentSet !== undefined) {
      const before = group.exportedHeld(sentSet, this.loc.sourceAt(this.outSlots.get(id)).routeSource);
      if (before !== null && sameExport(before, exported)) {
        // Same attributes from another path (or the same path again): nothing to send; remember the path.
        this.setHeldSent(id, attrs, slot, undefined);
        return true;
      }
    } else if (this.ribOut.get(id) !== undefined) return false;
    else {
      this.bumpSent(1, 1, 1);
      this.dests.retain(id);
    }
    this.setHeldSent(id, attrs, slot, undefined);
    entryFor(batch, IPV4_UNICAST, exported, 1, 1, attrs).ids.push(id);
    return true;
  }

  /** Decides what one pending destination needs (nothing, a withdrawal or an announcement) and records it. */
  private sendOne(id: number, batch: Batch): void {
    if (this.sendHeld(id, batch)) return;
    const force = this.forced.size > 0 && this.forced.delete(id);
    const sent = this.sentAt(id);
    const choice = this.choose(id);
    const fam = this.dests.family(id);
    if (!choice) {
      if (!sent) return;
      const was = sentRoute(sent);
      this.clearSent(id);
      this.dests.release(id);
      this.bumpSent(was.afi, was.safi, -1);
      const list = batch.withdraw.get(fam);
      if (list) list.push(was);
      else batch.withdraw.set(fam, [was]);
      return;
    }
    const r = choice.route;
    if (sent && !force && sameLabels(sentRoute(sent).nlri, r.nlri)) {
      const before = this.sentExport(sent);
      if (before && sameExport(before, choice.exported)) {
        // Same attributes from another path (or the same path again): nothing to send; remember the path.
        this.setSent(id, choice);
        return;
      }
    }
    if (!sent) {
      this.bumpSent(r.afi, r.safi, 1);
      this.dests.retain(id);
    }
    this.setSent(id, choice);
    const g = entryFor(batch, fam, choice.exported, r.afi, r.safi, r.attrs);
    // An IPv4 unicast destination's prefix is a number in the destination table: sent from there, without an NLRI object.
    if (fam === IPV4_UNICAST && this.dests.isPackedIpv4(id)) g.ids.push(id);
    else g.nlri.push(sentNlri(r));
  }

  private bumpSent(afi: number, safi: number, d: number): void {
    const k = afi * 65536 + safi;
    this.sentCounts.add(k, d);
  }

  private sendBatch(ctx: CodecContext): boolean {
    // Prefixes that share a family and exported attributes share UPDATEs.
    // The batch's maps are reused from one step to the next (one pump step per UPDATE received, in a table
    // transfer); taken out while in use, so a pump reentered from enqueueUpdate makes its own.
    const batch: Batch = this.spareBatch ?? { announce: new Map(), withdraw: new Map(), last: null };
    this.spareBatch = null;
    for (let n = 0; n < BATCH && this.pendingN > 0; n++) {
      const id = this.takePending();
      this.sendOne(id, batch);
      this.dests.release(id);
    }
    const ok = this.sendBatchContents(batch, ctx);
    batch.announce.clear();
    batch.withdraw.clear();
    batch.last = null;
    this.spareBatch = batch;
    return ok;
  }

  private spareBatch: Batch | null = null;

  /** Where `encodeIpv4Announcements` writes; each chunk goes to the session whole, and a refusal is noted. */
  private readonly chunks = new EncodedChunks((chunk) => {
    if (!this.peer.enqueueEncodedUpdates(chunk)) this.encodedRefused = true;
  });
  private encodedRefused = false;

  private sendBatchContents({ announce, withdraw }: Batch, ctx: CodecContext): boolean {
    if (announce.size === 0 && withdraw.size === 0) return true;
    let ok = true;
    this.encodedRefused = false;
    for (const list of withdraw.values()) {
      const first = list[0];
      if (!first) continue;
      for (const m of buildWithdrawals(first.afi, first.safi, list.map(sentNlri), ctx)) ok = this.peer.enqueueUpdate(m) && ok;
    }
    for (const byAttrs of announce.values()) {
      // Values, not entries: an entry is a [key, value] array made per group.
      for (const { exported, afi, safi, attrs, nlri, ids } of byAttrs.values()) {
        // RFC 6793 §4.2.2: an OLD speaker gets AS_TRANS in AS_PATH and the true path in AS4_PATH. A NEW speaker
        // gets the exported attributes as they are: when they are an interned set, its list is not decoded here.
        const group: Ipv4Attributes = ctx.fourOctetAs ? exported : { attributes: toOldSpeaker(exported.attributes), nextHop: exported.nextHop };
        if (ids.length > 0) {
          // The ids are live: each is in this neighbor's Adj-RIB-Out, which holds a reference on it.
          packedScratch = this.dests.packedInto(ids, packedScratch);
          if (!encodeIpv4Announcements(group, packedScratch, ids.length, ctx, this.chunks)) for (let i = 0; i < ids.length; i++) nlri.push(unpackedIpv4Unicast(packedScratch[i] ?? 0));
        }
        if (nlri.length === 0) continue;
        // What the chunks hold goes first: UPDATEs reach the session in the order they were made.
        this.chunks.flush();
        const attributes = group.attributes;
        // A route server sends the interned set itself, whose encoded length the interner knows.
        const attributesLength = group === attrs ? attrs.encodedLength : undefined;
        for (const m of buildAnnouncements({ afi, safi, attributes, nextHop: exported.nextHop, nlri, attributesLength }, ctx)) ok = this.peer.enqueueUpdate(m) && ok;
      }
    }
    this.chunks.flush();
    return ok && !this.encodedRefused;
  }
}

/** One pump step's UPDATE contents: per family, withdrawn routes and announced ones by exported attributes. */
interface Batch {
  /** Per family, per exported attributes: the NLRI, or for IPv4 unicast the prefixes as address × 64 + length. */
  readonly announce: Map<number, Map<ExportedAttributes, BatchEntry>>;
  readonly withdraw: Map<number, Route[]>;
  /** The entry `entryFor` gave last: destinations come in runs of one set (a table transfer's UPDATEs), so mostly the next one's too. */
  last: BatchEntry | null;
}

/** The prefixes of one family announced with one set of exported attributes (`attrs`: the set they came with). */
interface BatchEntry {
  readonly exported: ExportedAttributes;
  /** afi × 65536 + safi: the key of the map holding this entry. */
  readonly family: number;
  readonly afi: number;
  readonly safi: number;
  readonly attrs: AttributeSet;
  readonly nlri: RoutableNlri[];
  /** IPv4 unicast destinations whose prefix the destination table holds as a number: their ids (small integers, never boxed). */
  readonly ids: number[];
}

/** The prefixes of a batch entry's ids, as address × 64 + length, for the encoder: one array, grown as needed. */
let packedScratch = new Float64Array(1024);

function entryFor(batch: Batch, fam: number, exported: ExportedAttributes, afi: number, safi: number, attrs: AttributeSet): BatchEntry {
  const last = batch.last;
  if (last !== null && last.exported === exported && last.family === fam) return last;
  let byAttrs = batch.announce.get(fam);
  if (!byAttrs) {
    byAttrs = new Map();
    batch.announce.set(fam, byAttrs);
  }
  let g = byAttrs.get(exported);
  if (!g) {
    g = { exported, family: fam, afi, safi, attrs, nlri: [], ids: [] };
    byAttrs.set(exported, g);
  }
  batch.last = g;
  return g;
}

function isPathList(p: Route | readonly Route[]): p is readonly Route[] {
  return Array.isArray(p);
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
