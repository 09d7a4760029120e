/**
 * The VRFs of one node and the road between them and the VPN RIB (DESIGN.md,
 * journey 1a and 2): local routes out as VPN routes (vpn-export.ts), VPN best
 * paths in by route target (vpn-import.ts). Leaking between VRFs of this node
 * needs nothing more: an exported route enters the Loc-RIB like any other and
 * comes back through the same import, with no round trip through a peer.
 *
 * Half-duplex pairs (RFC 7024 V-spoke) are two VRFs whose roles the import
 * guard knows; client routes (issue 6 calls addClientRoute) only ever go into
 * the downstream half.
 */
import { AttributeInterner, type AttributeSet } from '../bgp/rib/attribute-set';
import type { LocalRouteSpec } from '../bgp/rib/local-routes';
import type { Route } from '../bgp/rib/route';
import { formatPrefix, type Prefix } from '../bgp/wire/values/prefix';
import { formatRd } from '../bgp/wire/values/rd';
import { formatRouteTarget } from '../bgp/wire/values/ext-community';
import { LabelPool } from './label-pool';
import { routeTargetsOf } from './route-targets';
import type { LocalRoute, VrfDefinition, VrfEntry } from './types';
import { Vrf } from './vrf';
import { applyExportPolicy, exportSpec } from './vpn-export';
import { importEntry, importRefusal, type ImportContext } from './vpn-import';

/** What the manager needs of the BGP speaker (src/bgp/speaker/speaker.ts has it). */
/** afi × 65536 + safi of VPNv4 (1/128) and VPNv6 (2/128), RFC 4364 and RFC 4659. */
const VPNV4_FAMILY = 1 * 65536 + 128;
const VPNV6_FAMILY = 2 * 65536 + 128;

export interface VpnRib {
  originate(spec: LocalRouteSpec): string;
  withdrawLocal(key: string): void;
  /** `families`: afi × 65536 + safi codes the listener is called for (all when absent). */
  onBestChange(listener: (destKey: string, best: Route | undefined) => void, families?: readonly number[]): void;
  readonly loc: { keys(): IterableIterator<string>; best(destKey: string): Route | undefined };
}

export interface VrfManagerOptions {
  readonly localAs: number;
  readonly routerId: string;
  readonly labels?: LabelPool;
}

export type VrfChangeListener = (vrf: string, prefix: Prefix, best: VrfEntry | undefined) => void;

/** A request the VRFs cannot carry out (unknown VRF or pair, a prefix already taken): the caller's mistake. */
export class VrfError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'VrfError';
  }
}

interface Imported {
  readonly prefix: Prefix;
  /** VRF → the attribute set its import policy made for this route (released when the entry goes). */
  readonly into: Map<Vrf, AttributeSet | null>;
}

/** The VPN families (SAFI 128, RFC 4364 and RFC 4659) in destination keys. */
function isVpnKey(destKey: string): boolean {
  return destKey.startsWith('1/128|') || destKey.startsWith('2/128|');
}

/** The parts of a definition whose change needs the VRF rebuilt. Policies are compared by name; `force` covers a changed definition. */
function definitionText(d: VrfDefinition): string {
  return JSON.stringify({
    name: d.name,
    rd: formatRd(d.rd),
    import: d.import.map(formatRouteTarget),
    export: d.export.map(formatRouteTarget),
    labelMode: d.labelMode,
    role: d.role,
    pair: d.pair,
    importPolicy: d.importPolicy?.names ?? [],
    exportPolicy: d.exportPolicy?.names ?? [],
    hub: d.hub ? { announce: d.hub.announce.map(formatPrefix), rules: d.hub.rules.map((r) => ({ ...r, destination: r.destination.map(formatPrefix), client: r.client.map(formatPrefix) })) } : null,
  });
}

export class VrfManager {
  readonly labels: LabelPool;
  private readonly vrfs = new Map<string, Vrf>();
  private readonly byTarget = new Map<string, Vrf[]>();
  private readonly localRds = new Map<string, Vrf>();
  private readonly imported = new Map<string, Imported>();
  private readonly interner = new AttributeInterner();
  private readonly scratch = new AttributeInterner();
  private readonly listeners: VrfChangeListener[] = [];
  private readonly ctx: ImportContext;

  constructor(private readonly rib: VpnRib, private readonly opts: VrfManagerOptions) {
    this.labels = opts.labels ?? new LabelPool();
    this.ctx = { localAs: opts.localAs, localRds: this.localRds, interner: this.interner };
    // Only VPN routes are imported (RFC 4364 §4.3.1): VPNv4 and VPNv6.
    rib.onBestChange((destKey, best) => this.onBest(destKey, best), [VPNV4_FAMILY, VPNV6_FAMILY]);
  }

  /** Table changes, for the FIB (issue 7): the selected entry of a prefix, or undefined when it left. */
  onTableChange(listener: VrfChangeListener): void {
    this.listeners.push(listener);
  }

  get(name: string): Vrf | undefined {
    return this.vrfs.get(name);
  }

  all(): IterableIterator<Vrf> {
    return this.vrfs.values();
  }

  /** The two halves of a pair. */
  pair(name: string): { upstream: Vrf; downstream: Vrf } | undefined {
    let upstream: Vrf | undefined;
    let downstream: Vrf | undefined;
    for (const v of this.vrfs.values()) {
      if (v.def.pair !== name) continue;
      if (v.def.role === 'upstream') upstream = v;
      else if (v.def.role === 'downstream') downstream = v;
    }
    return upstream && downstream ? { upstream, downstream } : undefined;
  }

  /**
   * Brings the VRFs to `defs` by difference: a VRF that went away is removed
   * (its VPN routes withdrawn, its table emptied, its labels released); a
   * changed one is rebuilt with its local routes kept; others stay untouched.
   * `rebuild` names VRFs to rebuild anyway (their policies' definitions changed).
   */
  configure(defs: readonly VrfDefinition[], rebuild: ReadonlySet<string> = new Set()): void {
    const wanted = new Map(defs.map((d) => [d.name, d]));
    const carried = new Map<string, LocalRoute[]>();
    for (const [name, vrf] of [...this.vrfs]) {
      const next = wanted.get(name);
      if (next && !rebuild.has(name) && definitionText(next) === definitionText(vrf.def)) continue;
      carried.set(name, [...vrf.locals.values()].filter((l) => l.kind !== 'hub'));
      this.removeVrf(vrf);
    }
    for (const d of defs) {
      if (this.vrfs.has(d.name)) continue;
      this.addVrf(d, carried.get(d.name) ?? []);
    }
  }

  /** The static routes of every VRF (from config), by difference; VRFs not named lose theirs. */
  setStaticRoutes(routes: ReadonlyMap<string, readonly LocalRoute[]>): void {
    for (const name of routes.keys()) if (!this.vrfs.has(name)) throw new VrfError(`no VRF ${name}`);
    for (const vrf of this.vrfs.values()) {
      const want = new Map((routes.get(vrf.name) ?? []).map((r) => [formatPrefix(r.prefix), r]));
      for (const [key, l] of [...vrf.locals]) {
        if ((l.kind === 'static' || l.kind === 'connected') && !want.has(key)) this.removeLocal(vrf, l.prefix);
      }
      for (const [key, r] of want) {
        const cur = vrf.locals.get(key);
        if (cur && cur.kind === r.kind && JSON.stringify(localText(cur)) === JSON.stringify(localText(r))) continue;
        this.putLocal(vrf, { ...r, kind: r.kind === 'connected' ? 'connected' : 'static' });
      }
    }
  }

  /**
   * A client route (the host route of a session, or its framed routes) into
   * the downstream VRF of `pair`: exported with the spoke route target toward
   * the hub. Never into the upstream VRF (RFC 7024 §3.2).
   */
  addClientRoute(pair: string, prefix: Prefix, nextHop: string | null = null): void {
    const p = this.pair(pair);
    if (!p) throw new VrfError(`no half-duplex pair ${pair}`);
    this.putLocal(p.downstream, { kind: 'client', prefix, nextHop, communities: [], largeCommunities: [], med: null, localPref: null });
  }

  removeClientRoute(pair: string, prefix: Prefix): void {
    const p = this.pair(pair);
    if (!p) throw new VrfError(`no half-duplex pair ${pair}`);
    if (p.downstream.local(prefix)?.kind === 'client') this.removeLocal(p.downstream, prefix);
  }

  /** A client session is bound to both halves of its pair (shown by `show vrf`). */
  bindSession(pair: string, session: string): void {
    const p = this.pair(pair);
    if (!p) throw new VrfError(`no half-duplex pair ${pair}`);
    p.upstream.sessions.add(session);
    p.downstream.sessions.add(session);
  }

  unbindSession(pair: string, session: string): void {
    const p = this.pair(pair);
    p?.upstream.sessions.delete(session);
    p?.downstream.sessions.delete(session);
  }

  private addVrf(def: VrfDefinition, locals: readonly LocalRoute[]): void {
    if (this.localRds.has(formatRd(def.rd))) throw new VrfError(`route distinguisher ${formatRd(def.rd)} of VRF ${def.name} is already used by VRF ${this.localRds.get(formatRd(def.rd))?.name ?? ''}`);
    const vrf = new Vrf(def, (prefix, best) => this.tableChanged(def.name, prefix, best));
    this.vrfs.set(def.name, vrf);
    this.localRds.set(formatRd(def.rd), vrf);
    for (const t of vrf.importTargets) {
      const list = this.byTarget.get(t) ?? [];
      list.push(vrf);
      this.byTarget.set(t, list);
    }
    if (vrf.exports && def.labelMode === 'per-vrf') vrf.label = this.labels.allocate();
    if (vrf.importTargets.size > 0) {
      for (const destKey of this.rib.loc.keys()) {
        if (!isVpnKey(destKey)) continue;
        const best = this.rib.loc.best(destKey);
        if (best && best.nlri.kind === 'vpn' && vrf.importsAny(routeTargetsOf(best.attrs))) this.importOne(vrf, destKey, best);
      }
    }
    for (const l of locals) this.putLocal(vrf, l);
    for (const prefix of def.hub?.announce ?? []) {
      this.putLocal(vrf, { kind: 'hub', prefix, nextHop: null, communities: [], largeCommunities: [], med: null, localPref: null });
    }
  }

  private removeVrf(vrf: Vrf): void {
    for (const l of [...vrf.locals.values()]) this.removeLocal(vrf, l.prefix);
    for (const t of vrf.importTargets) {
      const list = (this.byTarget.get(t) ?? []).filter((v) => v !== vrf);
      if (list.length) this.byTarget.set(t, list);
      else this.byTarget.delete(t);
    }
    for (const [destKey, imp] of [...this.imported]) {
      if (!imp.into.has(vrf)) continue;
      const owned = imp.into.get(vrf);
      if (owned) this.interner.release(owned);
      imp.into.delete(vrf);
      if (imp.into.size === 0) this.imported.delete(destKey);
    }
    if (vrf.label !== null) this.labels.release(vrf.label);
    vrf.label = null;
    this.vrfs.delete(vrf.name);
    this.localRds.delete(formatRd(vrf.def.rd));
    vrf.table.clear();
  }

  private putLocal(vrf: Vrf, local: LocalRoute): void {
    const key = formatPrefix(local.prefix);
    const existing = vrf.locals.get(key);
    if (existing && existing.kind !== local.kind) throw new VrfError(`${key} in VRF ${vrf.name} is already a ${existing.kind} route`);
    vrf.locals.set(key, local);
    const prev = vrf.exported.get(key);
    let label: number | null = null;
    let spec: LocalRouteSpec | null = null;
    if (vrf.exports) {
      label = vrf.def.labelMode === 'per-vrf' ? vrf.label : prev?.label ?? this.labels.allocate();
      if (label !== null) {
        spec = exportSpec(vrf.def, local, label);
        const policy = vrf.def.exportPolicy;
        if (policy) spec = applyExportPolicy(spec, policy, this.opts.localAs, this.opts.routerId, this.scratch);
      }
    }
    vrf.table.setLocal({ prefix: local.prefix, origin: 'local', nextHop: local.nextHop, rd: vrf.def.rd, labels: spec && label !== null ? [label] : [], attributes: null, route: null, sourceKey: null, fromVrf: null, local });
    if (spec && label !== null) {
      // The same RD and prefix give the same key: originating again replaces the route in place.
      const routeKey = this.rib.originate(spec);
      vrf.exported.set(key, { key: routeKey, label });
      if (prev && prev.key !== routeKey) this.rib.withdrawLocal(prev.key);
      return;
    }
    if (prev) this.unexport(vrf, key, prev.key, prev.label);
    else if (label !== null && vrf.def.labelMode === 'per-prefix') this.labels.release(label);
  }

  private removeLocal(vrf: Vrf, prefix: Prefix): void {
    const key = formatPrefix(prefix);
    if (!vrf.locals.delete(key)) return;
    vrf.table.removeLocal(prefix);
    const prev = vrf.exported.get(key);
    if (prev) this.unexport(vrf, key, prev.key, prev.label);
  }

  private unexport(vrf: Vrf, prefixKey: string, routeKey: string, label: number): void {
    vrf.exported.delete(prefixKey);
    this.rib.withdrawLocal(routeKey);
    if (vrf.def.labelMode === 'per-prefix') this.labels.release(label);
  }

  /** Every Loc-RIB best-path change: the VPN ones are matched against the VRFs' import targets. */
  private onBest(destKey: string, best: Route | undefined): void {
    // The hot path: any change on a node without importing VRFs, or a global-table change.
    if (this.byTarget.size === 0 && this.imported.size === 0) return;
    const had = this.imported.get(destKey);
    if (had === undefined && (best === undefined || best.nlri.kind !== 'vpn')) return;
    const into = new Map<Vrf, AttributeSet | null>();
    if (best !== undefined && best.nlri.kind === 'vpn') {
      const seen = new Set<Vrf>();
      for (const t of routeTargetsOf(best.attrs)) {
        for (const vrf of this.byTarget.get(t) ?? []) {
          if (seen.has(vrf)) continue;
          seen.add(vrf);
          const r = this.tryImport(vrf, destKey, best);
          if (r !== undefined) into.set(vrf, r);
        }
      }
    }
    if (had) {
      for (const [vrf, owned] of had.into) {
        if (!into.has(vrf)) vrf.table.removeImported(destKey, had.prefix);
        if (owned) this.interner.release(owned);
      }
    }
    if (into.size > 0 && best !== undefined) this.imported.set(destKey, { prefix: best.nlri.prefix, into });
    else this.imported.delete(destKey);
  }

  /** Puts the path into `vrf` if nothing refuses it; the attribute set its policy made (null: none), or undefined when refused. */
  private tryImport(vrf: Vrf, destKey: string, best: Route): AttributeSet | null | undefined {
    if (best.nlri.kind !== 'vpn' || importRefusal(vrf, best, best.nlri, this.ctx) !== null) return undefined;
    const r = importEntry(vrf, destKey, best, best.nlri, this.ctx);
    if (!r) return undefined;
    vrf.table.setImported(destKey, r.entry);
    return r.owned;
  }

  /** Initial import of one path into a VRF that was just added. */
  private importOne(vrf: Vrf, destKey: string, best: Route): void {
    const owned = this.tryImport(vrf, destKey, best);
    if (owned === undefined || best.nlri.kind !== 'vpn') return;
    const imp = this.imported.get(destKey) ?? { prefix: best.nlri.prefix, into: new Map<Vrf, AttributeSet | null>() };
    imp.into.set(vrf, owned);
    this.imported.set(destKey, imp);
  }

  private tableChanged(vrf: string, prefix: Prefix, best: VrfEntry | undefined): void {
    for (const l of this.listeners) l(vrf, prefix, best);
  }
}

function localText(l: LocalRoute): unknown {
  return { ...l, prefix: formatPrefix(l.prefix) };
}
