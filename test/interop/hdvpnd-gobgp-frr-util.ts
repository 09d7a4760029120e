/**
 * Helpers of the hdvpnd-vs-GoBGP and hdvpnd-vs-FRR interop tests: the DUT's YAML
 * (docs/config.md, with graceful restart and next hops, which the other peers' tests
 * do not need), typed reads of `show neighbors` / `show rib` JSON
 * (src/bgp/speaker/views.ts), and waits on hdvpnd's counters.
 */
import type { Dut, Obj } from './dut';
import type { Lab, LabNode } from './lab';
import { waitFor } from './lab';

export const isRoot = process.getuid?.() === 0;

/** Adds nodes in parallel and returns them typed (array destructuring would give `| undefined`). */
export async function nodes<N extends string>(lab: Lab, ...names: N[]): Promise<Record<N, LabNode>> {
  const made = await Promise.all(names.map((n) => lab.addNode(n)));
  const out = {} as Record<N, LabNode>;
  names.forEach((n, i) => {
    const node = made[i];
    if (!node) throw new Error(`node ${n} missing`);
    out[n] = node;
  });
  return out;
}

export interface DutNeighbor {
  address: string;
  asn: number;
  families: ('ipv4-unicast' | 'vpnv4-unicast')[];
  holdTime?: number;
  connectRetry?: number;
  /** false: no GR capability; a number: GR with that restart time. Default: hdvpnd's default (on, 120 s). */
  gracefulRestart?: false | number;
}

export interface DutRoute {
  prefix: string;
  nextHop?: string;
  med?: number;
  localPref?: number;
  communities?: string[];
  largeCommunities?: string[];
  rd?: string;
  routeTargets?: string[];
  label?: number;
}

const q = (s: string): string => JSON.stringify(s);
const list = (xs: string[]): string => `[${xs.map(q).join(', ')}]`;

/** hdvpnd's YAML; Dut adds `control` and `logging`. */
export function dutYaml(node: LabNode, asn: number, neighbors: DutNeighbor[], routes: DutRoute[], routerId = node.address): string {
  const l = [`asn: ${asn}`, `router-id: ${routerId}`, `listen: { address: ${node.address}, port: 179 }`, 'neighbors:'];
  for (const n of neighbors) {
    l.push(`  - address: ${n.address}`, `    asn: ${n.asn}`, `    families: [${n.families.join(', ')}]`);
    if (n.holdTime !== undefined) l.push(`    hold-time: ${n.holdTime}`);
    if (n.connectRetry !== undefined) l.push(`    connect-retry: ${n.connectRetry}`);
    if (n.gracefulRestart === false) l.push('    graceful-restart: false');
    else if (n.gracefulRestart !== undefined) l.push(`    graceful-restart: { restart-time: ${n.gracefulRestart} }`);
  }
  l.push(routes.length > 0 ? 'routes:' : 'routes: []');
  for (const r of routes) {
    const f = [`prefix: ${r.prefix}`];
    if (r.nextHop !== undefined) f.push(`next-hop: ${r.nextHop}`);
    if (r.med !== undefined) f.push(`med: ${r.med}`);
    if (r.localPref !== undefined) f.push(`local-pref: ${r.localPref}`);
    if (r.communities) f.push(`communities: ${list(r.communities)}`);
    if (r.largeCommunities) f.push(`large-communities: ${list(r.largeCommunities)}`);
    if (r.rd !== undefined) f.push(`rd: ${q(r.rd)}`);
    if (r.routeTargets) f.push(`route-targets: ${list(r.routeTargets)}`);
    if (r.label !== undefined) f.push(`label: ${r.label}`);
    l.push(`  - { ${f.join(', ')} }`);
  }
  return `${l.join('\n')}\n`;
}

export function rec(v: unknown): Obj {
  return typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Obj) : {};
}

export function arr(v: unknown): unknown[] {
  return Array.isArray(v) ? v : [];
}

export function numOf(v: unknown): number | undefined {
  return typeof v === 'number' ? v : undefined;
}

export type MessageKind = 'open' | 'update' | 'notification' | 'keepalive' | 'route-refresh';

/** hdvpnd's `messages.{received,sent}[kind]` for one neighbor. */
export async function dutMessages(dut: Dut, address: string, dir: 'received' | 'sent', kind: MessageKind): Promise<number> {
  return numOf(rec(rec(rec(await dut.neighbor(address)).messages)[dir])[kind]) ?? 0;
}

export async function dutField(dut: Dut, address: string, key: string): Promise<unknown> {
  return rec(await dut.neighbor(address))[key];
}

/** The capability types hdvpnd decoded from the neighbor's OPEN (sorted): "multiprotocol 1/128", "route-refresh", ... */
export function dutPeerCaps(n: Obj): string[] {
  const out = new Set<string>();
  for (const c of arr(rec(n.capabilities).peer)) {
    const r = rec(c);
    if (r.type === 'multiprotocol') out.add(`multiprotocol ${String(r.afi)}/${String(r.safi)}`);
    else if (typeof r.type === 'string') out.add(r.type);
  }
  return [...out].sort();
}

/** The parts of a `show rib` entry the tests compare. */
export function pickRib(r: Obj): Obj {
  const out: Obj = {};
  for (const k of ['prefix', 'rd', 'labels', 'next-hop', 'as-path', 'med', 'local-pref', 'communities', 'large-communities', 'route-targets', 'from', 'stale']) {
    if (k in r) out[k] = r[k];
  }
  return out;
}

/** Routes of `family` in hdvpnd's rib that came from `from`. */
/** The routes hdvpnd holds from one neighbor, by prefix (the order peers send them in is theirs, e.g. Go map order). */
export async function dutRoutesFrom(dut: Dut, family: string, from: string): Promise<Obj[]> {
  return (await dut.rib(family)).filter((r) => r.from === from).sort((a, b) => String(a.prefix).localeCompare(String(b.prefix)));
}

/** Waits until `read` returns more than `before`; returns the new value. */
export function waitAbove(what: string, read: () => Promise<number>, before: number, diagnostics: () => string, timeoutMs = 15000): Promise<number> {
  return waitFor(what, async () => {
    const v = await read();
    return v > before ? v : undefined;
  }, { timeoutMs, diagnostics });
}

/** Elapsed-time marks printed at the end, so run times can be reported. */
export class Timings {
  private readonly t0 = Date.now();
  private readonly marks: string[] = [];

  async time<T>(what: string, f: () => Promise<T>): Promise<T> {
    const t = Date.now();
    try {
      return await f();
    } finally {
      this.marks.push(`${what}: ${((Date.now() - t) / 1000).toFixed(1)} s`);
    }
  }

  report(title: string): void {
    process.stdout.write(`${title} (total ${((Date.now() - this.t0) / 1000).toFixed(1)} s)\n  ${this.marks.join('\n  ')}\n`);
  }
}
