/**
 * Helpers of the route-server (RFC 7947) and route-reflector (RFC 4456) interop tests:
 * hdvpnd's YAML with `route-server-client` / `route-reflector-client` / `cluster-id`, an
 * FRR peer that takes extra config lines, raw per-prefix reads of each receiver's own CLI
 * (FRR per-prefix JSON, `birdc show route … all` text, GoBGP adj-in JSON, bgpctl JSON) for
 * the attributes the lab's normalized Route does not carry (ORIGINATOR_ID, CLUSTER_LIST),
 * and a tshark capture of what hdvpnd sent.
 */
import fs from 'node:fs';
import type { Dut, Obj } from './dut';
import { FrrPeer, birdProtocolName, run, runOk, sleep, tail, waitFor, type BirdPeer, type GobgpPeer, type LabNode, type LabProcess, type OpenbgpdPeer, type PeerSpec } from './lab';
import { arr, rec } from './hdvpnd-gobgp-frr-util';

export interface RsRrNeighbor {
  address: string;
  asn: number;
  routeServerClient?: boolean;
  routeReflectorClient?: boolean;
}

/** hdvpnd's YAML (docs/config.md); IPv4 unicast only, short connect-retry; Dut adds `control` and `logging`. */
export function rsRrYaml(node: LabNode, asn: number, routerId: string, neighbors: RsRrNeighbor[], clusterId?: string): string {
  const l = [`asn: ${asn}`, `router-id: ${routerId}`];
  if (clusterId !== undefined) l.push(`cluster-id: ${clusterId}`);
  l.push(`listen: { address: ${node.address}, port: 179 }`, 'neighbors:');
  for (const n of neighbors) {
    l.push(`  - address: ${n.address}`, `    asn: ${n.asn}`, '    families: [ipv4-unicast]', '    connect-retry: 1', '    graceful-restart: false');
    if (n.routeServerClient) l.push('    route-server-client: true');
    if (n.routeReflectorClient) l.push('    route-reflector-client: true');
  }
  l.push('routes: []');
  return `${l.join('\n')}\n`;
}

/** Extra FRR config: `global` before `router bgp`, `bgp` after the neighbor lines, `ipv4` in `address-family ipv4 unicast`. */
export interface FrrExtra {
  global?: string[];
  bgp?: string[];
  ipv4?: string[];
}

/** FRR with extra config lines (e.g. an outbound filter so that a client announces only its own routes). */
export class FrrPeerX extends FrrPeer {
  constructor(node: LabNode, spec: PeerSpec, private readonly extra: FrrExtra) {
    super(node, spec);
  }

  override writeConfig(): string {
    const file = super.writeConfig();
    const lines = fs.readFileSync(file, 'utf8').split('\n');
    const insertBefore = (marker: string, add: string[]): void => {
      const at = lines.indexOf(marker);
      if (at < 0) throw new Error(`no line ${JSON.stringify(marker)} in ${file}`);
      lines.splice(at, 0, ...add);
    };
    const af = lines.indexOf(' address-family ipv4 unicast');
    if (af < 0) throw new Error(`no ipv4 unicast block in ${file}`);
    lines.splice(af + 1, 0, ...(this.extra.ipv4 ?? []).map((x) => `  ${x}`));
    insertBefore(' address-family ipv4 unicast', (this.extra.bgp ?? []).map((x) => ` ${x}`));
    insertBefore(`router bgp ${this.spec.as}`, this.extra.global ?? []);
    fs.writeFileSync(file, lines.join('\n'));
    return file;
  }
}

export async function startFrrX(node: LabNode, spec: PeerSpec, extra: FrrExtra): Promise<FrrPeerX> {
  const p = new FrrPeerX(node, spec, extra);
  await p.start();
  return p;
}

/**
 * What a route-server client normally runs: announce only its own routes to hdvpnd
 * (FRR re-sends every learned route to every eBGP neighbor, including the route server it
 * came from, with its own AS prepended: nothing hdvpnd could detect as a loop).
 */
export function frrOwnRoutesOnly(neighbor: string): FrrExtra {
  return { global: ['bgp as-path access-list HDV-OWN seq 5 permit ^$'], ipv4: [`neighbor ${neighbor} filter-list HDV-OWN out`] };
}

/** One path of one prefix as a receiver shows it, with the reflection attributes. */
export interface RawPath {
  /** Neighbor the path came from ('' for a local path). */
  from: string;
  asPath: number[];
  nextHop: string;
  med?: number;
  localPref?: number;
  communities: string[];
  largeCommunities: string[];
  originatorId?: string;
  clusterList?: string[];
  /** The CLI's own text/JSON of this path, for failure messages. */
  raw: unknown;
}

/** FRR: `show bgp ipv4 unicast PREFIX json`, every path. */
export async function frrPaths(frr: FrrPeer, prefix: string): Promise<RawPath[]> {
  const j = rec(JSON.parse(await frr.vtysh(`show bgp ipv4 unicast ${prefix} json`)) as unknown);
  return arr(j.paths).map(rec).map((p) => {
    const peer = rec(p.peer);
    const peerId = typeof peer.peerId === 'string' && peer.peerId !== '(unspec)' && peer.peerId !== '0.0.0.0' ? peer.peerId : '';
    const out: RawPath = {
      from: peerId,
      asPath: arr(rec(p.aspath).segments).flatMap((s) => arr(rec(s).list).map(Number)),
      nextHop: String(rec(arr(p.nexthops)[0]).ip ?? ''),
      communities: arr(rec(p.community).list).map(String),
      largeCommunities: arr(rec(p.largeCommunity).list).map(String),
      raw: p,
    };
    if (typeof p.metric === 'number') out.med = p.metric;
    if (typeof p.locPrf === 'number') out.localPref = p.locPrf;
    if (typeof p.originatorId === 'string') out.originatorId = p.originatorId;
    if ('clusterList' in p) out.clusterList = arr(rec(p.clusterList).list).map(String);
    return out;
  });
}

/** BIRD: `birdc show route PREFIX [protocol nX] all` text, every path (BIRD has no JSON). */
export async function birdPaths(bird: BirdPeer, prefix: string, from?: string): Promise<RawPath[]> {
  const args = ['show', 'route', prefix, ...(from ? ['protocol', birdProtocolName(from)] : []), 'all'];
  const r = await run([...bird.cli, ...args]);
  // birdc exits 1 with "Network not found" when there is no path at all.
  if (r.code !== 0 && /Network not found/.test(r.stdout + r.stderr)) return [];
  if (r.code !== 0) throw new Error(`birdc ${args.join(' ')}: exit ${String(r.code)}\n${r.stdout}${r.stderr}`);
  const text = r.stdout;
  const out: RawPath[] = [];
  let cur: RawPath | undefined;
  let lines: string[] = [];
  const protoToAddr = new Map(bird.spec.neighbors.map((n) => [birdProtocolName(n.address), n.address]));
  for (const line of text.split('\n')) {
    const m = /(?:unicast|blackhole|unreachable|prohibit)\s+\[(\S+)[\s\]]/.exec(line);
    if (m && !/^\s+(BGP\.|Type:)/.test(line)) {
      lines = [line];
      cur = { from: protoToAddr.get(m[1] ?? '') ?? '', asPath: [], nextHop: '', communities: [], largeCommunities: [], raw: lines };
      out.push(cur);
      continue;
    }
    if (!cur) continue;
    lines.push(line);
    const a = /^\s+BGP\.(\w+):\s*(.*)$/.exec(line);
    if (!a) continue;
    const [, key, val = ''] = a;
    if (key === 'as_path') cur.asPath = val.split(/\s+/).filter((x) => /^\d+$/.test(x)).map(Number);
    else if (key === 'next_hop') cur.nextHop = val.split(/\s+/)[0] ?? '';
    else if (key === 'med') cur.med = Number(val);
    else if (key === 'local_pref') cur.localPref = Number(val);
    else if (key === 'community') cur.communities = [...val.matchAll(/\((\d+),\s*(\d+)\)/g)].map((c) => `${c[1]}:${c[2]}`);
    else if (key === 'large_community') cur.largeCommunities = [...val.matchAll(/\((\d+),\s*(\d+),\s*(\d+)\)/g)].map((c) => `${c[1]}:${c[2]}:${c[3]}`);
    else if (key === 'originator_id') cur.originatorId = val.trim();
    else if (key === 'cluster_list') cur.clusterList = val.trim().split(/\s+/).filter(Boolean);
  }
  return out;
}

/** GoBGP: `gobgp -j neighbor ADDR adj-in -a ipv4` (what ADDR sent), paths of one prefix. */
export async function gobgpAdjIn(g: GobgpPeer, neighbor: string, prefix: string): Promise<RawPath[]> {
  const text = (await runOk([...g.cli, '-j', 'neighbor', neighbor, 'adj-in', '-a', 'ipv4'])).trim();
  if (text === '' || text === 'null') return [];
  const out: RawPath[] = [];
  for (const paths of Object.values(rec(JSON.parse(text) as unknown))) {
    for (const p of arr(paths).map(rec)) {
      if (rec(p.nlri).prefix !== prefix) continue;
      const r: RawPath = { from: neighbor, asPath: [], nextHop: '', communities: [], largeCommunities: [], raw: p };
      for (const at of arr(p.attrs).map(rec)) {
        switch (at.type) {
          case 2:
            r.asPath = arr(at.as_paths).flatMap((s) => arr(rec(s).asns).map(Number));
            break;
          case 3:
            r.nextHop = String(at.nexthop ?? '');
            break;
          case 4:
            r.med = Number(at.metric);
            break;
          case 5:
            r.localPref = Number(at.value);
            break;
          case 8:
            r.communities = arr(at.communities).map((c) => `${Math.floor(Number(c) / 65536)}:${Number(c) % 65536}`);
            break;
          case 9:
            r.originatorId = String(at.value);
            break;
          case 10:
            r.clusterList = arr(at.value).map(String);
            break;
          case 32:
            r.largeCommunities = arr(at.value).map(rec).map((v) => `${String(v.ASN)}:${String(v.LocalData1)}:${String(v.LocalData2)}`);
            break;
          default:
            break;
        }
      }
      out.push(r);
    }
  }
  return out;
}

/** OpenBGPD: `bgpctl -j show rib detail neighbor ADDR`, paths of one prefix (with ORIGINATOR_ID and CLUSTER_LIST from its attribute list). */
export async function obgpdPaths(o: OpenbgpdPeer, neighbor: string, prefix: string): Promise<RawPath[]> {
  const j = rec(JSON.parse(await runOk([...o.cli, '-j', 'show', 'rib', 'detail', 'neighbor', neighbor])) as unknown);
  const out: RawPath[] = [];
  for (const e of arr(j.rib).map(rec)) {
    if (e.prefix !== prefix) continue;
    const r: RawPath = {
      from: String(rec(e.neighbor).remote_addr ?? ''),
      asPath: String(e.aspath ?? '').split(/\s+/).filter((x) => /^\d+$/.test(x)).map(Number),
      nextHop: String(e.exit_nexthop ?? ''),
      communities: arr(e.communities).map(String),
      largeCommunities: arr(e.large_communities).map(String),
      raw: e,
    };
    if (typeof e.metric === 'number') r.med = e.metric;
    if (typeof e.localpref === 'number') r.localPref = e.localpref;
    for (const a of arr(e.attributes).map(rec)) {
      if (typeof a.originator === 'string') r.originatorId = a.originator;
      if (Array.isArray(a.cluster_list)) r.clusterList = a.cluster_list.map((c) => (typeof c === 'string' ? c : String(rec(c).cluster_id ?? JSON.stringify(c))));
    }
    out.push(r);
  }
  return out;
}

/** hdvpnd's Adj-RIB-Out towards one neighbor (`hdvpn show rib --neighbor N --out -j`), for evidence in failures. */
export async function dutRibOut(dut: Dut, neighbor: string, prefix?: string): Promise<Obj[]> {
  return (await dut.request({ command: 'show-rib', neighbor, direction: 'out', ...(prefix ? { prefix } : {}) })) as Obj[];
}

/** hdvpnd's `show rib PREFIX` (every path with best and reason). */
export async function dutRibPrefix(dut: Dut, prefix: string): Promise<Obj[]> {
  return (await dut.request({ command: 'show-rib', prefix })) as Obj[];
}

/** The comparable part of a RawPath. */
export function core(p: RawPath | undefined): Partial<RawPath> | undefined {
  if (!p) return undefined;
  const { raw: _raw, ...rest } = p;
  return rest;
}


/** tshark on a node's eth0 (BGP only), written to a pcap in the node's dir. */
export class Capture {
  readonly pcap: string;
  private proc: LabProcess | undefined;

  constructor(private readonly node: LabNode) {
    this.pcap = `${node.dir}/bgp.pcap`;
  }

  /** Resolves once tshark says it is capturing. */
  async start(): Promise<void> {
    const log = `${this.node.dir}/tshark.log`;
    this.proc = this.node.spawn(['tshark', '-i', 'eth0', '-f', 'tcp port 179', '-w', this.pcap], log);
    await waitFor('tshark to capture', () => fs.existsSync(log) && /Capturing on/.test(fs.readFileSync(log, 'utf8')), { timeoutMs: 15000, diagnostics: () => tail(log) });
  }

  /** SIGINT (tshark closes the file cleanly), then waits for it to exit. */
  async stop(): Promise<void> {
    const p = this.proc;
    if (!p?.running) return;
    p.signal('SIGINT');
    await Promise.race([p.exited, sleep(5000).then(() => p.kill())]);
  }

  /**
   * Every BGP UPDATE in the capture, one object per message (tshark's JSON, with duplicate
   * keys merged into arrays, puts several messages of one segment in an array), with the
   * IP destination and the fields named in `fields` collected from anywhere inside the message.
   */
  async updates(fields: string[]): Promise<{ dst: string; fields: Record<string, string[]> }[]> {
    const out = await runOk(['tshark', '-r', this.pcap, '-Y', 'bgp.type == 2', '-T', 'json', '--no-duplicate-keys'], { timeoutMs: 30000 });
    const msgs: { dst: string; fields: Record<string, string[]> }[] = [];
    for (const pkt of arr(JSON.parse(out) as unknown)) {
      const layers = rec(rec(rec(pkt)._source).layers);
      const dst = String(rec(layers.ip)['ip.dst'] ?? '');
      const bgp = layers.bgp;
      for (const m of Array.isArray(bgp) ? bgp : [bgp]) {
        if (String(rec(m)['bgp.type']) !== '2') continue;
        const got: Record<string, string[]> = {};
        for (const f of fields) got[f] = [];
        collect(m, fields, got);
        msgs.push({ dst, fields: got });
      }
    }
    return msgs;
  }
}

function collect(v: unknown, fields: string[], got: Record<string, string[]>): void {
  if (Array.isArray(v)) {
    for (const x of v) collect(x, fields, got);
    return;
  }
  if (typeof v !== 'object' || v === null) return;
  for (const [k, x] of Object.entries(v)) {
    const f = fields.find((name) => k === name);
    if (f !== undefined) for (const s of Array.isArray(x) ? x : [x]) if (typeof s === 'string') got[f]?.push(s);
    collect(x, fields, got);
  }
}
