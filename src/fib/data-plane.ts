/**
 * The FIB as a packet worker sees it: table readers over shared memory, the
 * shared next-hop records, and the classifier. `decide` is the one decision
 * function of the data plane: workers call it per packet and `hdvpn fib
 * lookup` calls it too, so the CLI shows exactly what a packet gets.
 *
 * A snapshot (tables, classifier) is posted to workers when it changes, which
 * is rare (a session starts, a table is added); routes and next-hop states
 * change in shared memory without any message.
 */
import { Lpm4Reader, type Lpm4Shared, NO_ROUTE } from './lpm4';
import { Lpm6Reader, type Lpm6Shared } from './lpm6';
import type { TableRole } from './changes';
import type { NextHopShared } from './next-hop-table';
import type { TargetRulesShared } from './target-rules';
import type { TunnelCountersShared } from './tunnel-counters';
import { FLAG_DOWN, FLAG_FALLBACK, KIND_DROP, KIND_GROUP, KIND_PLAIN, RECORD_WORDS, recordWords, W_COUNT, W_FLAGS, W_ITEMS, W_KIND } from './next-hop-table';

export interface TableSnapshot {
  readonly id: number;
  readonly name: string;
  readonly role: TableRole;
  readonly v4: Lpm4Shared;
  readonly v6: Lpm6Shared;
}

/** Tunnel ingress type codes in snapshots. */
export const TUNNEL_GRE = 0;
export const TUNNEL_IPIP = 1;
/** "No GRE key" in snapshots and lookups. */
export const NO_KEY = -1;

export interface FibSnapshot {
  readonly version: number;
  readonly nextHops: NextHopShared;
  readonly tables: readonly TableSnapshot[];
  /** [port, table id, session] */
  readonly ports: readonly (readonly [number, number, string])[];
  /** [type, remote, key or NO_KEY, table id, session, tunnel id] */
  readonly tunnels: readonly (readonly [number, number, number, number, string, number])[];
  readonly tunnelCounters: TunnelCountersShared;
  /** [label, table id or -1, next-hop record or -1] */
  readonly labels: readonly (readonly [number, number, number])[];
  /** The table for unlabelled packets from the core; -1: none. */
  readonly coreTable: number;
  /** [table id, its per-target rules] for hub tables that have rules. */
  readonly targets: readonly (readonly [number, TargetRulesShared])[];
}

/** Outcomes of `decide`. */
export const D_FORWARD = 0;
/** The tunnel or core path is down and policy allows best effort: send the inner packet as plain IP. */
export const D_FALLBACK = 1;
/** The ingress is bound to no table: not ours to forward. */
export const D_UNCLASSIFIED = 2;
export const D_NO_ROUTE = 3;
/** The next hop is down and policy does not allow best effort, or it is a drop route. */
export const D_DROP = 4;

export const DECISION_NAMES = ['forward', 'fallback', 'unclassified', 'no-route', 'drop'] as const;

/** Reused per packet: `decide` writes here instead of allocating. */
export interface Decision {
  outcome: number;
  table: number;
  /** The record that forwards (an ECMP member when the route has several). */
  nextHop: number;
  /** The route's own record (the group, for ECMP). */
  routeNextHop: number;
}

export function newDecision(): Decision {
  return { outcome: D_UNCLASSIFIED, table: -1, nextHop: -1, routeNextHop: -1 };
}

interface TableReader {
  readonly snapshot: TableSnapshot;
  readonly v4: Lpm4Reader;
  readonly v6: Lpm6Reader;
}

export class DataPlane {
  readonly version: number;
  readonly tables: (TableReader | undefined)[] = [];
  private readonly ports = new Map<number, number>();
  /** remote → key → table: the GRE key (RFC 2890) tells tunnels from one router apart. */
  private readonly gre = new Map<number, Map<number, number>>();
  private readonly ipip = new Map<number, number>();
  /** Tunnel ids of client tunnel ingresses, keyed like the tables: remote → key → id. */
  private readonly greIds = new Map<number, Map<number, number>>();
  private readonly ipipIds = new Map<number, number>();
  private readonly labelTables = new Map<number, number>();
  private readonly labelNextHops = new Map<number, number>();
  readonly coreTable: number;
  private readonly recordBuffer: SharedArrayBuffer;
  /** A fixed-length view of the shared next-hop records, re-made by records() (see recordWords). */
  private recordView: Int32Array;
  /** Per-target rules by table id (hub tables only). */
  readonly targets: (TargetRulesShared | undefined)[] = [];

  constructor(readonly snapshot: FibSnapshot) {
    this.version = snapshot.version;
    this.recordBuffer = snapshot.nextHops.records;
    this.recordView = recordWords(this.recordBuffer);
    for (const t of snapshot.tables) this.tables[t.id] = { snapshot: t, v4: new Lpm4Reader(t.v4), v6: new Lpm6Reader(t.v6) };
    for (const [port, table] of snapshot.ports) this.ports.set(port, table);
    for (const [type, remote, key, table, , id] of snapshot.tunnels) {
      if (type === TUNNEL_IPIP) {
        this.ipip.set(remote, table);
        this.ipipIds.set(remote, id);
      } else {
        let byKey = this.gre.get(remote);
        if (!byKey) this.gre.set(remote, (byKey = new Map()));
        byKey.set(key, table);
        let ids = this.greIds.get(remote);
        if (!ids) this.greIds.set(remote, (ids = new Map()));
        ids.set(key, id);
      }
    }
    for (const [label, table, nh] of snapshot.labels) {
      if (table >= 0) this.labelTables.set(label, table);
      else this.labelNextHops.set(label, nh);
    }
    this.coreTable = snapshot.coreTable;
    for (const [table, rules] of snapshot.targets) this.targets[table] = rules;
  }

  /** The records' words, with record `record` inside them. */
  records(record: number): Int32Array {
    if ((record + 1) * RECORD_WORDS > this.recordView.length) this.recordView = recordWords(this.recordBuffer);
    return this.recordView;
  }

  /** The table of a session's own interface; -1 when the port is bound to none. */
  tableOfPort(port: number): number {
    return this.ports.get(port) ?? -1;
  }

  /** The table of a client tunnel; -1 when no session owns (remote, key). */
  tableOfGre(remote: number, key: number): number {
    return this.gre.get(remote)?.get(key) ?? -1;
  }

  tableOfIpip(remote: number): number {
    return this.ipip.get(remote) ?? -1;
  }

  /** The tunnel id of a client GRE ingress (for its counters); -1: none. */
  tunnelOfGre(remote: number, key: number): number {
    return this.greIds.get(remote)?.get(key) ?? -1;
  }

  tunnelOfIpip(remote: number): number {
    return this.ipipIds.get(remote) ?? -1;
  }

  tableOfLabel(label: number): number {
    return this.labelTables.get(label) ?? -1;
  }

  nextHopOfLabel(label: number): number {
    return this.labelNextHops.get(label) ?? -1;
  }

  /**
   * Longest-prefix match of an IPv4 destination in `table`, then the next
   * hop's state: forward, fall back to plain IP, or drop. `hash` picks the ECMP member.
   */
  decide4(table: number, dst: number, hash: number, out: Decision): number {
    out.table = table;
    out.nextHop = -1;
    out.routeNextHop = -1;
    const reader = table >= 0 ? this.tables[table] : undefined;
    if (!reader) return (out.outcome = D_UNCLASSIFIED);
    const nh = reader.v4.lookup(dst);
    if (nh === NO_ROUTE) return (out.outcome = D_NO_ROUTE);
    return this.resolve(nh, hash, out);
  }

  decide6(table: number, address: Uint8Array, offset: number, hash: number, out: Decision): number {
    out.table = table;
    out.nextHop = -1;
    out.routeNextHop = -1;
    const reader = table >= 0 ? this.tables[table] : undefined;
    if (!reader) return (out.outcome = D_UNCLASSIFIED);
    const nh = reader.v6.lookupBytes(address, offset);
    if (nh === NO_ROUTE) return (out.outcome = D_NO_ROUTE);
    return this.resolve(nh, hash, out);
  }

  /** A record (from a route or a per-prefix label) to the outcome, through ECMP and tunnel state. */
  resolve(record: number, hash: number, out: Decision): number {
    out.routeNextHop = record;
    let w = this.records(record);
    let base = record * RECORD_WORDS;
    let nh = record;
    if (w[base + W_KIND] === KIND_GROUP) {
      const count = w[base + W_COUNT] ?? 1;
      nh = w[base + W_ITEMS + ((hash >>> 0) % count)] ?? record;
      base = nh * RECORD_WORDS;
      w = this.records(nh);
    }
    out.nextHop = nh;
    const kind = w[base + W_KIND];
    if (kind === KIND_DROP) return (out.outcome = D_DROP);
    if (kind === KIND_PLAIN) return (out.outcome = D_FORWARD);
    const flags = Atomics.load(w, base + W_FLAGS);
    if ((flags & FLAG_DOWN) === 0) return (out.outcome = D_FORWARD);
    return (out.outcome = (flags & FLAG_FALLBACK) !== 0 ? D_FALLBACK : D_DROP);
  }
}
