/**
 * Helpers of the hub-and-spoke VPN interop test (docs/vrf.md, docs/interop.md "Hub-and-spoke VPN"):
 * hdvpnd's YAML for a spoke PE (a half-duplex pair with a static client route) and for a hub
 * (a hub VRF announcing a default route and an aggregate), a GoBGP peer that is an RFC 4456
 * route reflector for its neighbors, and reads of hdvpnd's `show vrf` / `show rib --vrf` /
 * `show rib --neighbor N --out` JSON for assertions and failure evidence.
 */
import fs from 'node:fs';
import type { Dut, Obj } from './dut';
import { GobgpPeer, type LabNode, type PeerSpec, type Route } from './lab';

/** GoBGP whose every neighbor is a route-reflector client (`[neighbors.route-reflector.config]`). */
export class GobgpRrPeer extends GobgpPeer {
  constructor(node: LabNode, spec: PeerSpec, private readonly clusterId: string) {
    super(node, spec);
  }

  override writeConfig(): string {
    const file = super.writeConfig();
    const rr = ['  [neighbors.route-reflector.config]', '    route-reflector-client = true', `    route-reflector-cluster-id = "${this.clusterId}"`];
    // Each [[neighbors]] element runs to the next one; a sub-table placed at its end belongs to it.
    const chunks = fs.readFileSync(file, 'utf8').trimEnd().split('\n\n[[neighbors]]\n');
    const out = chunks.map((c, i) => (i === 0 ? c : `[[neighbors]]\n${c}\n${rr.join('\n')}`));
    fs.writeFileSync(file, `${out.join('\n\n')}\n`);
    return file;
  }
}

export async function startGobgpRr(node: LabNode, spec: PeerSpec, clusterId: string): Promise<GobgpRrPeer> {
  const p = new GobgpRrPeer(node, spec, clusterId);
  await p.start();
  return p;
}

const q = (s: string): string => JSON.stringify(s);
const list = (xs: string[]): string => `[${xs.map(q).join(', ')}]`;

function head(node: LabNode, asn: number, neighbor: string): string[] {
  return [
    `asn: ${asn}`,
    `router-id: ${node.address}`,
    `listen: { address: ${node.address}, port: 179 }`,
    'neighbors:',
    `  - { address: ${neighbor}, asn: ${asn}, families: [vpnv4-unicast], connect-retry: 1, graceful-restart: false }`,
  ];
}

export interface VrfSpec {
  name: string;
  rd: string;
  import?: string[];
  export?: string[];
}

function vrfFlow(v: VrfSpec): string {
  return `{ name: ${v.name}, rd: ${q(v.rd)}, import: ${list(v.import ?? [])}, export: ${list(v.export ?? [])} }`;
}

/** A spoke PE: one half-duplex pair and static client routes in its downstream VRF. */
export function spokeYaml(node: LabNode, asn: number, rr: string, pair: { name: string; up: VrfSpec; down: VrfSpec }, clients: { prefix: string; nextHop: string }[]): string {
  const l = head(node, asn, rr);
  l.push('half-duplex:', `  - name: ${pair.name}`, `    upstream: ${vrfFlow(pair.up)}`, `    downstream: ${vrfFlow(pair.down)}`);
  l.push('routes:');
  for (const c of clients) l.push(`  - { prefix: ${c.prefix}, vrf: ${pair.down.name}, next-hop: ${c.nextHop} }`);
  return `${l.join('\n')}\n`;
}

/** A hub: one hub VRF announcing `announce` with its export (hub) route target. */
export function hubYaml(node: LabNode, asn: number, rr: string, vrf: VrfSpec, announce: string[]): string {
  const l = head(node, asn, rr);
  l.push(
    'vrfs:',
    `  - name: ${vrf.name}`,
    `    rd: ${q(vrf.rd)}`,
    `    import: ${list(vrf.import ?? [])}`,
    `    export: ${list(vrf.export ?? [])}`,
    '    hub:',
    `      announce: [${announce.join(', ')}]`,
    'routes: []',
  );
  return `${l.join('\n')}\n`;
}

/** `hdvpn show vrf NAME -j`. */
export async function showVrf(dut: Dut, name: string): Promise<Obj> {
  const r = (await dut.request({ command: 'show-vrf', name })) as Obj[];
  const v = r[0];
  if (!v) throw new Error(`hdvpnd: no VRF ${name}`);
  return v;
}

/** `hdvpn show rib --vrf NAME -j`: every candidate (best and not). */
export async function vrfRib(dut: Dut, vrf: string): Promise<Obj[]> {
  return (await dut.request({ command: 'show-rib', vrf })) as Obj[];
}

/** The comparable part of a VRF table entry. */
export function vrfEntry(e: Obj): Obj {
  const out: Obj = {};
  for (const k of ['prefix', 'best', 'kind', 'rd', 'labels', 'route-targets', 'next-hop', 'from', 'from-vrf']) if (k in e) out[k] = e[k];
  return out;
}

/** The comparable part of a peer's VPNv4 path. */
export function vpnPath(r: Route): { rd?: string; prefix: string; labels: number[]; routeTargets: string[]; nextHop: string } {
  return { rd: r.rd, prefix: r.prefix, labels: r.labels, routeTargets: [...r.routeTargets].sort(), nextHop: r.nextHop };
}

export const byRdPrefix = <T extends { rd?: string; prefix: string }>(xs: T[]): T[] =>
  [...xs].sort((a, b) => `${a.rd ?? ''} ${a.prefix}`.localeCompare(`${b.rd ?? ''} ${b.prefix}`));

/** Evidence for failure messages: hdvpnd's VRFs, VRF tables and what it sent to the reflector. */
export async function dutEvidence(dut: Dut, vrfs: string[], rr: string): Promise<string> {
  const safe = async (f: () => Promise<unknown>): Promise<string> => {
    try {
      return JSON.stringify(await f());
    } catch (e) {
      return String(e);
    }
  };
  const out = [`--- hdvpnd ${dut.node.address} show vrf: ${await safe(() => dut.request({ command: 'show-vrf' }))}`];
  for (const v of vrfs) out.push(`show rib --vrf ${v}: ${await safe(() => vrfRib(dut, v))}`);
  out.push(`show rib --neighbor ${rr} --out: ${await safe(() => dut.request({ command: 'show-rib', neighbor: rr, direction: 'out' }))}`);
  out.push(dut.logTail(15));
  return out.join('\n');
}
