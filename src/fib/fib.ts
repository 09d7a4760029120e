/**
 * The FIB: one longest-prefix-match table per VRF (and the global table),
 * shared next hops, and the classifier that binds each ingress to a table.
 * It is fed batches of FibChange by the daemon and publishes snapshots to the
 * packet workers; it never imports bgp/ or vrf/ (DESIGN.md).
 *
 * The half-duplex rule is enforced here, not left to configuration: a client
 * ingress (a session's interface or tunnel) can never be bound to a
 * downstream table, so no client packet is ever looked up in one (RFC 7024 §3).
 */
import type { FibChange, FibIpv4Prefix, FibPrefix, Ingress, LabelTarget, TableRole } from './changes';
import { DataPlane, type FibSnapshot, NO_KEY, TUNNEL_GRE, TUNNEL_IPIP } from './data-plane';
import { Lpm4Table, NO_ROUTE } from './lpm4';
import { Lpm6Table } from './lpm6';
import type { NextHop } from './next-hop';
import { NextHopTable } from './next-hop-table';
import { createTunnelCounters, ensureTunnelCapacity, readTunnelTraffic, type TunnelTraffic } from './tunnel-counters';
import { compileTargetRules, readTargetCounters, type TargetCounters, type TargetRule, type TargetRulesShared } from './target-rules';

export class FibError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'FibError';
  }
}

/** Tables past this many IPv4 routes use a 2^24 first level (DIR-24-8); smaller ones 2^16 (64 MB vs 256 KB). */
export const LARGE_TABLE_ROUTES = 50_000;

interface Table {
  readonly id: number;
  readonly name: string;
  readonly role: TableRole;
  v4: Lpm4Table;
  readonly v6: Lpm6Table;
  /** The generations last published, to notice buffers that were replaced. */
  published4: number;
  published6: number;
}

function ipv6Words(a: Uint8Array): [number, number, number, number] {
  const w = (i: number): number => (((a[i] ?? 0) << 24) | ((a[i + 1] ?? 0) << 16) | ((a[i + 2] ?? 0) << 8) | (a[i + 3] ?? 0)) >>> 0;
  return [w(0), w(4), w(8), w(12)];
}

export interface FibRoute {
  readonly table: string;
  readonly prefix: FibPrefix;
  /** The route's record: one next hop, or an ECMP group (see `members`). */
  readonly record: number;
}

export class Fib {
  private readonly tunnelCounters = createTunnelCounters();
  readonly nextHops = new NextHopTable((count) => ensureTunnelCapacity(this.tunnelCounters, count));
  private readonly tables = new Map<string, Table>();
  private readonly tableIds: (Table | undefined)[] = [];
  private readonly ports = new Map<number, { table: string; session: string }>();
  private readonly tunnels = new Map<string, { ingress: Extract<Ingress, { kind: 'tunnel' }>; table: string }>();
  private readonly labels = new Map<number, { table: string | null; record: number }>();
  private coreTable: string | null = null;
  private readonly targets = new Map<string, TargetRulesShared>();
  private readonly targetRules = new Map<string, readonly TargetRule[]>();
  private readonly changeListeners: ((changes: readonly FibChange[]) => void)[] = [];
  private version = 0;
  private plane: DataPlane | null = null;
  private readonly listeners: ((snapshot: FibSnapshot) => void)[] = [];
  private dirty = true;

  /** Called after a batch that changed what workers must know (not for plain route changes). */
  onSnapshot(listener: (snapshot: FibSnapshot) => void): void {
    this.listeners.push(listener);
  }

  /** Every batch applied, after it was: a kernel backend mirrors the FIB from these. */
  onChanges(listener: (changes: readonly FibChange[]) => void): void {
    this.changeListeners.push(listener);
  }

  apply(changes: readonly FibChange[]): void {
    for (const c of changes) this.applyOne(c);
    for (const l of this.changeListeners) l(changes);
    for (const t of this.tables.values()) {
      if (t.v4.generation !== t.published4 || t.v6.generation !== t.published6) this.dirty = true;
    }
    if (this.dirty) this.publish();
  }

  private applyOne(c: FibChange): void {
    switch (c.type) {
      case 'table':
        return this.addTable(c.table, c.role);
      case 'table-remove':
        return this.removeTable(c.table);
      case 'route':
        return this.setRoute(c.table, c.prefix, c.nextHops);
      case 'route-remove':
        return this.removeRoute(c.table, c.prefix);
      case 'ingress':
        return this.bind(c.ingress, c.table);
      case 'label':
        return this.setLabel(c.label, c.target);
      case 'tunnel-state':
        this.nextHops.setTunnelState(c.tunnel, c.up);
        return;
      case 'targets':
        this.table(c.table);
        if (c.rules.length === 0) {
          this.targets.delete(c.table);
          this.targetRules.delete(c.table);
        } else {
          this.targets.set(c.table, compileTargetRules(c.rules));
          this.targetRules.set(c.table, c.rules);
        }
        this.dirty = true;
        return;
      default: {
        const never: never = c;
        throw new FibError(`unknown FIB change ${JSON.stringify(never)}`);
      }
    }
  }

  private table(name: string): Table {
    const t = this.tables.get(name);
    if (!t) throw new FibError(`no FIB table ${name}`);
    return t;
  }

  private addTable(name: string, role: TableRole): void {
    const existing = this.tables.get(name);
    if (existing) {
      if (existing.role !== role) throw new FibError(`FIB table ${name} exists as ${existing.role}, not ${role}`);
      return;
    }
    let id = this.tableIds.indexOf(undefined);
    if (id < 0) id = this.tableIds.length;
    const t: Table = { id, name, role, v4: new Lpm4Table({ stride: role === 'global' ? 24 : 16 }), v6: new Lpm6Table(), published4: -1, published6: -1 };
    this.tables.set(name, t);
    this.tableIds[id] = t;
    if (role === 'global' && this.coreTable === null) this.coreTable = name;
    this.dirty = true;
  }

  private removeTable(name: string): void {
    const t = this.tables.get(name);
    if (!t) return;
    for (const [, , record] of t.v4.entries()) this.nextHops.release(record);
    for (const [, , record] of t.v6.entries()) this.nextHops.release(record);
    this.tables.delete(name);
    this.tableIds[t.id] = undefined;
    for (const [port, b] of this.ports) if (b.table === name) this.ports.delete(port);
    for (const [key, b] of this.tunnels) if (b.table === name) this.tunnels.delete(key);
    for (const [label, b] of this.labels) if (b.table === name) this.labels.delete(label);
    if (this.coreTable === name) this.coreTable = null;
    this.targets.delete(name);
    this.targetRules.delete(name);
    this.dirty = true;
  }

  private setRoute(tableName: string, prefix: FibPrefix, nextHops: readonly NextHop[]): void {
    const t = this.table(tableName);
    const record = this.nextHops.acquireGroup(nextHops);
    let previous: number;
    if (prefix.afi === 1) {
      previous = t.v4.get(prefix.address, prefix.length);
      t.v4.insert(prefix.address, prefix.length, record);
      this.promoteIfLarge(t);
    } else {
      const [a, b, c, d] = ipv6Words(prefix.address);
      previous = t.v6.get(a, b, c, d, prefix.length);
      t.v6.insert(a, b, c, d, prefix.length, record);
    }
    // Release after the new entry is in place, so no worker ever reads a freed record through this route.
    if (previous !== NO_ROUTE) this.nextHops.release(previous);
  }

  private removeRoute(tableName: string, prefix: FibPrefix): void {
    const t = this.tables.get(tableName);
    if (!t) return;
    let previous: number;
    if (prefix.afi === 1) {
      previous = t.v4.get(prefix.address, prefix.length);
      t.v4.delete(prefix.address, prefix.length);
    } else {
      const [a, b, c, d] = ipv6Words(prefix.address);
      previous = t.v6.get(a, b, c, d, prefix.length);
      t.v6.delete(a, b, c, d, prefix.length);
    }
    if (previous !== NO_ROUTE) this.nextHops.release(previous);
  }

  /** A VRF table that grew into a full table moves to DIR-24-8 (new buffers, published to workers). */
  private promoteIfLarge(t: Table): void {
    if (t.role === 'global' || t.v4.size !== LARGE_TABLE_ROUTES) return;
    t.v4 = Lpm4Table.build(t.v4.entries(), { stride: 24 });
    this.dirty = true;
  }

  private bind(ingress: Ingress, tableName: string | null): void {
    if (tableName !== null) {
      const t = this.table(tableName);
      // RFC 7024 §3 and DESIGN.md: client traffic never meets a downstream table.
      if (t.role === 'downstream') throw new FibError(`session ${ingress.session}: a client ingress cannot be bound to downstream table ${tableName}`);
    }
    if (ingress.kind === 'port') {
      if (tableName === null) this.ports.delete(ingress.port);
      else this.ports.set(ingress.port, { table: tableName, session: ingress.session });
    } else {
      const key = `${ingress.type}|${ingress.remote}|${ingress.key ?? NO_KEY}`;
      if (tableName === null) this.tunnels.delete(key);
      else this.tunnels.set(key, { ingress, table: tableName });
    }
    this.dirty = true;
  }

  private setLabel(label: number, target: LabelTarget | null): void {
    const previous = this.labels.get(label);
    if (target === null) this.labels.delete(label);
    else if ('table' in target) {
      this.table(target.table);
      this.labels.set(label, { table: target.table, record: -1 });
    } else this.labels.set(label, { table: null, record: this.nextHops.acquireGroup(target.nextHops) });
    if (previous && previous.record >= 0) this.nextHops.release(previous.record);
    this.dirty = true;
  }

  /** The table unlabelled packets from the core are looked up in (the global table by default). */
  setCoreTable(name: string | null): void {
    if (name !== null) this.table(name);
    this.coreTable = name;
    this.dirty = true;
    this.publish();
  }

  /** The whole FIB as one batch of changes, for a backend that starts after it was filled. */
  asChanges(): FibChange[] {
    const out: FibChange[] = [];
    const hops = (record: number): NextHop[] => {
      const members = this.nextHops.members(record);
      const list = members.length > 0 ? members.map((m) => this.nextHops.get(m)) : [this.nextHops.get(record)];
      return list.filter((nh): nh is NextHop => nh !== null);
    };
    for (const t of this.tables.values()) out.push({ type: 'table', table: t.name, role: t.role });
    for (const r of this.routes()) out.push({ type: 'route', table: r.table, prefix: r.prefix, nextHops: hops(r.record) });
    for (const [port, b] of this.ports) out.push({ type: 'ingress', ingress: { kind: 'port', port, session: b.session }, table: b.table });
    for (const b of this.tunnels.values()) out.push({ type: 'ingress', ingress: b.ingress, table: b.table });
    for (const [label, b] of this.labels) out.push({ type: 'label', label, target: b.table !== null ? { table: b.table } : { nextHops: hops(b.record) } });
    for (const name of this.nextHops.tunnels().keys()) if (this.nextHops.isDown(name)) out.push({ type: 'tunnel-state', tunnel: name, up: false });
    for (const [table, rules] of this.targetRules) out.push({ type: 'targets', table, rules });
    return out;
  }

  snapshot(): FibSnapshot {
    const id = (name: string | null): number => (name === null ? -1 : (this.tables.get(name)?.id ?? -1));
    return {
      version: this.version,
      nextHops: this.nextHops.shared(),
      tables: [...this.tables.values()].map((t) => ({ id: t.id, name: t.name, role: t.role, v4: t.v4.shared(), v6: t.v6.shared() })),
      ports: [...this.ports].map(([port, b]) => [port, id(b.table), b.session] as const),
      tunnels: [...this.tunnels.values()].map(
        ({ ingress: i, table }) => [i.type === 'gre' ? TUNNEL_GRE : TUNNEL_IPIP, i.remote, i.key ?? NO_KEY, id(table), i.session, this.nextHops.tunnelId(i.tunnel)] as const,
      ),
      tunnelCounters: this.tunnelCounters,
      labels: [...this.labels].map(([label, b]) => [label, id(b.table), b.record] as const),
      coreTable: id(this.coreTable),
      targets: [...this.targets].map(([name, rules]) => [id(name), rules] as const),
    };
  }

  private publish(): void {
    this.version++;
    this.dirty = false;
    for (const t of this.tables.values()) {
      t.published4 = t.v4.generation;
      t.published6 = t.v6.generation;
    }
    this.plane = null;
    if (this.listeners.length === 0) return;
    const snap = this.snapshot();
    for (const l of this.listeners) l(snap);
  }

  /** The data plane over the same shared memory the workers read: what `fib lookup` asks. */
  dataPlane(): DataPlane {
    if (!this.plane || this.dirty) {
      if (this.dirty) this.publish();
      this.plane = new DataPlane(this.snapshot());
    }
    return this.plane;
  }

  tableNames(): { name: string; role: TableRole; id: number; routes: number }[] {
    return [...this.tables.values()].map((t) => ({ name: t.name, role: t.role, id: t.id, routes: t.v4.size + t.v6.size }));
  }

  tableName(id: number): string | null {
    return this.tableIds[id]?.name ?? null;
  }

  tableRole(name: string): TableRole | null {
    return this.tables.get(name)?.role ?? null;
  }

  /** Every route of one table or all tables, IPv4 then IPv6, for `show fib`. */
  *routes(tableName?: string): IterableIterator<FibRoute> {
    const tables = tableName === undefined ? [...this.tables.values()] : [this.table(tableName)];
    for (const t of tables) {
      for (const [address, length, record] of t.v4.entries()) yield { table: t.name, prefix: { afi: 1, address, length }, record };
      for (const [words, length, record] of t.v6.entries()) {
        const address = new Uint8Array(16);
        const view = new DataView(address.buffer);
        words.forEach((w, i) => view.setUint32(i * 4, w));
        yield { table: t.name, prefix: { afi: 2, address, length }, record };
      }
    }
  }

  /**
   * The prefix an IPv4 lookup in `tableName` matched (for explanations, not
   * the packet path): the longest length whose exact entry exists.
   */
  matchedPrefix4(tableName: string, address: number): FibIpv4Prefix | null {
    const t = this.tables.get(tableName);
    if (!t) return null;
    for (let length = 32; length >= 0; length--) {
      const net = length === 0 ? 0 : (address & (0xffffffff << (32 - length))) >>> 0;
      if (t.v4.get(net, length) !== NO_ROUTE) return { afi: 1, address: net, length };
    }
    return null;
  }

  /** The session and table a port is bound to, for explanations. */
  portBinding(port: number): { table: string; session: string } | null {
    return this.ports.get(port) ?? null;
  }

  /** The binding of a session's ingress (port or tunnel), by session name. */
  sessionBinding(session: string): { ingress: Ingress; table: string } | null {
    for (const [port, b] of this.ports) if (b.session === session) return { ingress: { kind: 'port', port, session }, table: b.table };
    for (const b of this.tunnels.values()) if (b.ingress.session === session) return b;
    return null;
  }

  labelBinding(label: number): { table: string | null; record: number } | null {
    return this.labels.get(label) ?? null;
  }

  /** A tunnel's packets and bytes each way, all packet workers added up; null: the FIB never saw it. */
  tunnelTraffic(name: string): TunnelTraffic | null {
    const id = this.nextHops.tunnels().get(name);
    return id === undefined ? null : readTunnelTraffic(this.tunnelCounters, id);
  }

  /** What the per-target rules of a hub table did, all packet workers added up; null: the table has none. */
  targetCounters(table: string): TargetCounters | null {
    const t = this.targets.get(table);
    return t ? readTargetCounters(t) : null;
  }

  get coreTableName(): string | null {
    return this.coreTable;
  }
}
