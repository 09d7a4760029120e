/**
 * Feeds the FIB (DESIGN.md: the FIB never reaches back): VRF table changes
 * become routes with next hops, a VRF's label becomes a core label binding,
 * and a client session's attachment becomes its ingress binding to the
 * upstream table of its pair. This file is the only place that knows both
 * vrf/ and fib/ shapes.
 */
import type { FibChange, Ingress, TableRole } from '../fib/changes';
import type { Fib } from '../fib/fib';
import type { NextHop } from '../fib/next-hop';
import { formatPrefix, parsePrefix, type Prefix } from '../bgp/wire/values/prefix';
import { formatIpv4, parseIpv4 } from '../bgp/wire/values/ip';
import type { Session } from '../sessions/types';
import type { VrfManager } from '../vrf/manager';
import type { VrfEntry, VrfDefinition } from '../vrf/types';

export interface FibFeedOptions {
  /** Outer source address of every encapsulation (the node's tunnel source, by default its router id). */
  readonly tunnelSource: number;
  /** Best-effort plain IP allowed while a tunnel or the core path is down. */
  readonly fallback: boolean;
  /** The session that owns a client route, if any. */
  readonly owner: (pair: string, prefix: string) => Session | undefined;
  /** The local interface (TUN port) of a pair's sessions without a tunnel; null when the backend has none. */
  readonly pairPort: (pair: string) => number | null;
  /** The central policy's marks (config fib.no-fallback-community / no-tunnel-community); null: unused. */
  readonly noFallbackCommunity?: number | null;
  readonly noTunnelCommunity?: number | null;
}

/**
 * What the route server's central policy says about a route (issue 8): its
 * communities may forbid falling back to best effort, or forbid the tunnel.
 */
export function policyMarks(communities: readonly number[], noFallback: number | null | undefined, noTunnel: number | null | undefined): { fallback: boolean | null; tunnel: boolean } {
  return {
    fallback: noFallback !== null && noFallback !== undefined && communities.includes(noFallback) ? false : null,
    tunnel: !(noTunnel !== null && noTunnel !== undefined && communities.includes(noTunnel)),
  };
}

/** The FIB's name for the tunnel of a session, as `show tunnels` lists it. */
export function sessionTunnelName(s: Session): string {
  return `${s.tunnel?.type ?? 'tun'}-${s.client}`;
}

/** The core path toward an egress PE (MPLS in GRE, RFC 4023): one name per PE, so its state is one switch. */
export function coreTunnelName(pe: number): string {
  return `core-${formatIpv4(pe)}`;
}

export function tableRole(def: VrfDefinition): TableRole {
  if (def.hub) return 'hub';
  return def.role;
}

export class FibFeed {
  private readonly tables = new Map<string, TableRole>();
  private pending: FibChange[] = [];
  private readonly bound = new Map<string, Ingress>();
  /** The per-target rules last given to the FIB, per hub table. */
  private readonly targetText = new Map<string, string>();

  constructor(private readonly fib: Fib, private readonly vrfs: VrfManager, private readonly opts: FibFeedOptions) {
    vrfs.onTableChange((vrf, prefix, best) => this.tableChanged(vrf, prefix, best));
  }

  /** Tables for every configured VRF, none for VRFs that went away, and the VRFs' labels. Call after (re)configuring VRFs. */
  syncTables(): void {
    const wanted = new Map<string, TableRole>();
    for (const v of this.vrfs.all()) wanted.set(v.name, tableRole(v.def));
    for (const [name, role] of this.tables) {
      if (wanted.get(name) === role) continue;
      this.pending.push({ type: 'table-remove', table: name });
      this.tables.delete(name);
    }
    for (const [name, role] of wanted) this.ensureTable(name, role);
    // RFC 7024 §3: a hub's per-target rules run in the data plane after its lookups.
    // Pushed only when they change: a reload must not reset the counters of unchanged rules.
    for (const v of this.vrfs.all()) {
      const rules = v.def.hub?.rules ?? [];
      const text = JSON.stringify(rules.map((r) => ({ ...r, destination: r.destination.map(formatPrefix), client: r.client.map(formatPrefix) })));
      if (this.targetText.get(v.name) === text) continue;
      this.targetText.set(v.name, text);
      this.pending.push({ type: 'targets', table: v.name, rules });
    }
    for (const name of this.targetText.keys()) if (!wanted.has(name)) this.targetText.delete(name);
    // RFC 4364 §5 per-VRF label: a packet from the core with it is looked up in the VRF's table.
    for (const v of this.vrfs.all()) if (v.label !== null) this.pending.push({ type: 'label', label: v.label, target: { table: v.name } });
    this.flush();
  }

  private ensureTable(name: string, role: TableRole): void {
    if (this.tables.get(name) === role) return;
    this.tables.set(name, role);
    this.pending.push({ type: 'table', table: name, role });
  }

  private tableChanged(vrfName: string, prefix: Prefix, best: VrfEntry | undefined): void {
    const vrf = this.vrfs.get(vrfName);
    if (!vrf) return;
    this.ensureTable(vrfName, tableRole(vrf.def));
    if (!best) this.pending.push({ type: 'route-remove', table: vrfName, prefix });
    else {
      const nh = this.nextHop(vrf.def, best);
      this.pending.push({ type: 'route', table: vrfName, prefix, nextHops: [nh] });
      const label = best.origin === 'local' ? best.labels[0] : undefined;
      if (label !== undefined) {
        // Per-VRF label: the table decides; per-prefix label: straight to this route's next hop (RFC 4364 §4.3.2).
        const target = vrf.def.labelMode === 'per-vrf' ? { table: vrfName } : { nextHops: [nh] };
        this.pending.push({ type: 'label', label, target });
      }
    }
    this.flush();
  }

  /** What a VRF entry means for a packet. */
  nextHop(def: VrfDefinition, e: VrfEntry): NextHop {
    const { tunnelSource: local, fallback } = this.opts;
    if (e.origin === 'imported') {
      const pe = e.nextHop === null ? null : parseIpv4(e.nextHop);
      const marks = policyMarks(e.attributes?.communities ?? [], this.opts.noFallbackCommunity, this.opts.noTunnelCommunity);
      if (pe === null || e.labels.length === 0 || !marks.tunnel) return { kind: 'plain' };
      return { kind: 'mpls', tunnel: coreTunnelName(pe), labels: e.labels.slice(0, 4), local, remote: pe, fallback: marks.fallback ?? fallback };
    }
    const l = e.local;
    if (!l) return { kind: 'drop' };
    switch (l.kind) {
      case 'client': {
        const s = def.pair === null ? undefined : this.opts.owner(def.pair, formatPrefix(e.prefix));
        if (!s) return { kind: 'drop' };
        return this.sessionNextHop(s);
      }
      case 'connected': {
        const port = def.pair === null ? null : this.opts.pairPort(def.pair);
        return port === null ? { kind: 'plain' } : { kind: 'local', session: def.pair ?? def.name, port };
      }
      case 'static':
      case 'hub':
        // A hub's own announcement (RFC 7024 §3) and static routes leave the VPN: best-effort IP.
        return { kind: 'plain' };
      default: {
        const never: never = l.kind;
        return never;
      }
    }
  }

  /** Down a session's tunnel toward its client router, or onto the pair's local interface. */
  sessionNextHop(s: Session): NextHop {
    const local = this.opts.tunnelSource;
    const t = s.tunnel;
    const remote = t ? parseIpv4(t.remote) : null;
    if (t && remote !== null) {
      const tunnel = sessionTunnelName(s);
      if (t.type === 'gre') return { kind: 'gre', tunnel, local, remote, key: t.key, fallback: this.opts.fallback };
      return { kind: 'ipip', tunnel, local, remote, fallback: this.opts.fallback };
    }
    const port = this.opts.pairPort(s.pair);
    return port === null ? { kind: 'drop' } : { kind: 'local', session: s.client, port };
  }

  /**
   * A session started (or was restored): its routes get their real next hop
   * (the VRF event came before the session was known), and its ingress is
   * bound to the upstream table of its pair.
   */
  sessionStarted(s: Session): void {
    const pair = this.vrfs.pair(s.pair);
    if (!pair) return;
    this.ensureTable(pair.upstream.name, tableRole(pair.upstream.def));
    this.ensureTable(pair.downstream.name, tableRole(pair.downstream.def));
    for (const r of s.routes) {
      const prefix = parsePrefix(r);
      const entry = prefix ? pair.downstream.table.best(prefix) : undefined;
      if (prefix && entry) this.tableChanged(pair.downstream.name, prefix, entry);
    }
    const ingress = this.ingressOf(s);
    if (ingress) {
      this.bound.set(s.client, ingress);
      this.pending.push({ type: 'ingress', ingress, table: pair.upstream.name });
    }
    this.flush();
  }

  sessionStopped(s: Session): void {
    const ingress = this.bound.get(s.client);
    if (ingress) {
      this.bound.delete(s.client);
      this.pending.push({ type: 'ingress', ingress, table: null });
    }
    this.flush();
  }

  /**
   * A pair's TUN port carries its local sessions' packets: bound to the
   * pair's upstream table once, for all of them (a session ending must not
   * unbind the others).
   */
  bindPairPorts(pairs: readonly string[]): void {
    for (const name of pairs) {
      const port = this.opts.pairPort(name);
      const pair = this.vrfs.pair(name);
      if (port === null || !pair) continue;
      this.ensureTable(pair.upstream.name, tableRole(pair.upstream.def));
      this.pending.push({ type: 'ingress', ingress: { kind: 'port', port, session: `pair ${name}` }, table: pair.upstream.name });
    }
    this.flush();
  }

  private ingressOf(s: Session): Ingress | null {
    const t = s.tunnel;
    if (t) {
      const remote = parseIpv4(t.remote);
      if (remote === null) return null;
      return { kind: 'tunnel', type: t.type, remote, key: t.type === 'gre' ? t.key : null, session: s.client, tunnel: sessionTunnelName(s) };
    }
    // Sessions on the pair's TUN share its binding (bindPairPorts).
    return null;
  }

  private flush(): void {
    if (this.pending.length === 0) return;
    const batch = this.pending;
    this.pending = [];
    this.fib.apply(batch);
  }
}
