/**
 * Shared pieces of the hdvpnd-vs-peer interop tests (BIRD, OpenBGPD, ExaBGP, MD5,
 * malformed input): the DUT's YAML, typed reads of its `show neighbors` / `show rib`
 * JSON (src/bgp/speaker/views.ts), and counters used to prove that a refresh re-sent.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Dut, Obj } from './dut';
import type { Lab, LabNode } from './lab';
import { waitFor } from './lab';

export const root = process.getuid?.() === 0;

/** Adds nodes and returns them in order, typed (addNode's array destructuring would be `| undefined`). */
export async function addNodes(lab: Lab, ...names: string[]): Promise<LabNode[]> {
  return Promise.all(names.map((n) => lab.addNode(n)));
}

export function one<T>(v: T | undefined, what: string): T {
  if (v === undefined) throw new Error(`${what} missing`);
  return v;
}

export interface DutNeighbor {
  address: string;
  asn: number;
  families: string[];
  holdTime?: number;
  connectRetry?: number;
  passive?: boolean;
  /** Path of a file holding the TCP-MD5 key. */
  passwordFile?: string;
}

export interface DutRoute {
  prefix: string;
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

/** hdvpnd's YAML (docs/config.md); Dut adds `control` and `logging`. */
export function dutYaml(node: LabNode, asn: number, neighbors: DutNeighbor[], routes: DutRoute[]): string {
  const l = [`asn: ${asn}`, `router-id: ${node.address}`, `listen: { address: ${node.address}, port: 179 }`, 'neighbors:'];
  for (const n of neighbors) {
    l.push(`  - address: ${n.address}`, `    asn: ${n.asn}`, `    families: [${n.families.join(', ')}]`);
    if (n.holdTime !== undefined) l.push(`    hold-time: ${n.holdTime}`);
    if (n.connectRetry !== undefined) l.push(`    connect-retry: ${n.connectRetry}`);
    if (n.passive) l.push('    passive: true');
    if (n.passwordFile !== undefined) l.push(`    password: { file: ${n.passwordFile} }`);
  }
  l.push(routes.length > 0 ? 'routes:' : 'routes: []');
  for (const r of routes) {
    const f = [`prefix: ${r.prefix}`];
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

/** Writes a TCP-MD5 key file (mode 0600, as an operator would) and returns its path. */
export function keyFile(node: LabNode, name: string, key: string): string {
  const p = join(node.dir, name);
  writeFileSync(p, `${key}\n`, { mode: 0o600 });
  return p;
}

export type MessageKind = 'open' | 'update' | 'notification' | 'keepalive' | 'route-refresh';

function rec(v: unknown): Obj {
  return typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Obj) : {};
}

/** messages.{received,sent}[kind] of one neighbor (0 when absent). */
export async function msgCount(dut: Dut, address: string, dir: 'received' | 'sent', kind: MessageKind): Promise<number> {
  const n = rec(await dut.neighbor(address));
  const v = rec(rec(n.messages)[dir])[kind];
  return typeof v === 'number' ? v : 0;
}

/** The capability types the neighbor sent in its OPEN, as hdvpnd decoded them (sorted, unique). */
export function peerCapabilityTypes(n: Obj): string[] {
  const caps = rec(n.capabilities);
  const peer = Array.isArray(caps.peer) ? caps.peer : [];
  const out = new Set<string>();
  for (const c of peer) {
    const r = rec(c);
    if (r.type === 'multiprotocol') out.add(`mp-${String(r.afi)}/${String(r.safi)}`);
    else if (typeof r.type === 'string') out.add(r.type);
  }
  return [...out].sort();
}

export function num(v: unknown): number | undefined {
  return typeof v === 'number' ? v : undefined;
}

/** The parts of a `show rib` entry the tests compare. */
export function pickRib(r: Obj): Obj {
  const out: Obj = {};
  for (const k of ['prefix', 'rd', 'labels', 'next-hop', 'as-path', 'med', 'local-pref', 'communities', 'large-communities', 'route-targets', 'from']) {
    if (k in r) out[k] = r[k];
  }
  return out;
}

/** Waits until a counter read by `read` exceeds `before`, and returns the new value. */
export function waitAbove(what: string, read: () => Promise<number>, before: number, diagnostics: () => string, timeoutMs = 15000): Promise<number> {
  return waitFor(what, async () => {
    const v = await read();
    return v > before ? v : undefined;
  }, { timeoutMs, diagnostics });
}

/** hdvpnd neighbor field `last-error`. */
export async function lastError(dut: Dut, address: string): Promise<string> {
  const n = rec(await dut.neighbor(address));
  return typeof n['last-error'] === 'string' ? n['last-error'] : '';
}

export async function establishedTransitions(dut: Dut, address: string): Promise<number> {
  return num(rec(await dut.neighbor(address))['established-transitions']) ?? -1;
}
