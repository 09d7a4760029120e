/**
 * BIRD 2.0.12. Originated routes are static protocols (vpn4 routes carry their RD in the
 * prefix); attributes are set per route. BIRD only sends MED to eBGP neighbors when the export
 * filter sets it, hence hdv_export. The CLI has no JSON: birdc text is parsed here.
 */
import fs from 'node:fs';
import path from 'node:path';
import { runOk } from '../proc';
import type { Capability, Family, Ipv4RouteSpec, NeighborSpec, NeighborStatus, Origin, Route, Vpnv4RouteSpec } from '../types';
import { familiesOf, normState, sortCaps } from '../types';
import { asNumbers, routeTemplate, sortRoutes } from './common';
import { Peer, type RouteQuery } from './peer';

const TABLE: Record<Family, string> = { 'ipv4-unicast': 'master4', vpnv4: 'vpntab4' };

/** BIRD protocol name of a neighbor: n198_18_0_2. */
export function birdProtocolName(address: string): string {
  return `n${address.replace(/\./g, '_')}`;
}

function pairs(list: string[] | undefined, fn: (parts: string[]) => string): string[] {
  return (list ?? []).map((c) => fn(c.split(':')));
}

function routeAttrs(r: Ipv4RouteSpec | Vpnv4RouteSpec): string {
  const a: string[] = [];
  a.push(...pairs(r.communities, ([x, y]) => `bgp_community.add((${x ?? 0},${y ?? 0}));`));
  a.push(...pairs(r.largeCommunities, ([x, y, z]) => `bgp_large_community.add((${x ?? 0},${y ?? 0},${z ?? 0}));`));
  if ('rd' in r) {
    for (const rt of r.routeTargets) {
      const i = rt.lastIndexOf(':');
      a.push(`bgp_ext_community.add((rt, ${rt.slice(0, i)}, ${rt.slice(i + 1)}));`);
    }
  }
  if (r.med !== undefined) a.push(`bgp_med = ${r.med};`);
  if (r.localPref !== undefined) a.push(`bgp_local_pref = ${r.localPref};`);
  return a.length > 0 ? ` { ${a.join(' ')} }` : '';
}

export class BirdPeer extends Peer {
  readonly kind = 'bird' as const;

  get logFile(): string {
    return path.join(this.dir, 'bird.log');
  }

  get socket(): string {
    return path.join(this.dir, 'bird.ctl');
  }

  get cli(): string[] {
    return ['birdc', '-s', this.socket];
  }

  private protocol(n: NeighborSpec): string {
    const s = this.spec;
    const gr = n.gracefulRestart ?? s.gracefulRestart ?? false;
    const hold = n.holdTime ?? s.holdTime;
    const port = s.port !== undefined ? ` port ${s.port}` : '';
    const lines = [
      `protocol bgp ${birdProtocolName(n.address)} {`,
      `  local ${this.address}${port} as ${s.as};`,
      `  neighbor ${n.address}${n.port !== undefined ? ` port ${n.port}` : ''} as ${n.as};`,
      // Short timers: the defaults (5 s start delay, 120 s retry) would dominate test time.
      '  connect delay time 1;',
      '  connect retry time 5;',
      '  error wait time 1, 10;',
      `  graceful restart ${gr ? 'on' : 'off'};`,
    ];
    if (n.passive) lines.push('  passive on;');
    if (n.password !== undefined) lines.push(`  password "${n.password}";`);
    if (hold !== undefined) lines.push(`  hold time ${hold};`, `  keepalive time ${Math.max(1, Math.floor(hold / 3))};`);
    const fams = familiesOf(n);
    if (fams.includes('ipv4-unicast')) lines.push('  ipv4 { import all; export filter hdv_export; };');
    if (fams.includes('vpnv4')) lines.push('  vpn4 mpls { table vpntab4; import all; export filter hdv_export; };');
    lines.push('}');
    return lines.join('\n');
  }

  writeConfig(): string {
    const s = this.spec;
    const v4 = (s.ipv4Routes ?? []).map((r) => `  route ${r.prefix} blackhole${routeAttrs(r)};`);
    const vpn = (s.vpnv4Routes ?? []).map((r) => `  route ${r.rd} ${r.prefix} blackhole${routeAttrs(r)};`);
    const text = [
      `log "${this.logFile}" all;`,
      `router id ${this.routerId};`,
      'ipv4 table master4;',
      'vpn4 table vpntab4;',
      'protocol device { }',
      // MED is sent to eBGP neighbors only when set by the export filter (BIRD drops it otherwise).
      'filter hdv_export { if source = RTS_STATIC && defined(bgp_med) then bgp_med = bgp_med; accept; }',
      'protocol static hdv_s4 {',
      '  ipv4;',
      ...v4,
      '}',
      'protocol static hdv_svpn4 {',
      '  vpn4 { table vpntab4; };',
      ...vpn,
      '}',
      ...s.neighbors.map((n) => this.protocol(n)),
      '',
    ].join('\n');
    const file = path.join(this.dir, 'bird.conf');
    fs.writeFileSync(file, text);
    return file;
  }

  protected command(): { argv: string[] } {
    return { argv: ['bird', '-f', '-c', path.join(this.dir, 'bird.conf'), '-s', this.socket, '-P', path.join(this.dir, 'bird.pid')] };
  }

  protected async probeReady(): Promise<boolean> {
    const out = await runOk([...this.cli, 'show', 'status'], { timeoutMs: 3000 });
    return /Daemon is up and running/.test(out);
  }

  async birdc(...args: string[]): Promise<string> {
    return runOk([...this.cli, ...args]);
  }

  protected async syncRoutes(): Promise<void> {
    this.writeConfig();
    const out = await this.birdc('configure');
    if (!/Reconfigur/i.test(out)) throw new Error(`birdc configure: ${out}`);
  }

  async neighbor(address: string): Promise<NeighborStatus> {
    const out = await this.birdc('show', 'protocols', 'all', birdProtocolName(address));
    const state = normState(/BGP state:\s+(\S+)/.exec(out)?.[1] ?? 'unknown');
    const asMatch = /Neighbor AS:\s+(\d+)/.exec(out);
    const caps: Capability[] = [];
    const section = /Neighbor capabilities\n([\s\S]*?)\n\s{4}Session:/.exec(out)?.[1] ?? '';
    for (const raw of section.split('\n')) {
      const l = raw.trim();
      if (l.startsWith('AF announced:')) {
        for (const af of l.slice('AF announced:'.length).trim().split(/\s+/)) {
          caps.push(af === 'ipv4' ? 'mp-ipv4-unicast' : af === 'vpn4-mpls' ? 'mp-vpnv4' : 'mp-other');
        }
      } else if (l === 'Route refresh') caps.push('route-refresh');
      else if (l === 'Enhanced refresh') caps.push('enhanced-route-refresh');
      else if (l === '4-octet AS numbers') caps.push('as4');
      else if (l.startsWith('Graceful restart')) caps.push('graceful-restart');
      else if (l.startsWith('Long-lived graceful restart')) caps.push('long-lived-graceful-restart');
      else if (l.startsWith('Extended next hop')) caps.push('extended-nexthop');
      else if (l.startsWith('Extended message')) caps.push('extended-message');
      else if (l.startsWith('ADD-PATH')) caps.push('add-path');
      else if (l.startsWith('Hostname')) caps.push('fqdn');
    }
    return {
      address,
      state,
      established: state === 'established',
      remoteAs: asMatch ? Number(asMatch[1]) : undefined,
      remoteCapabilities: state === 'established' ? sortCaps(caps) : undefined,
      raw: out,
    };
  }

  async routes(family: Family, q: RouteQuery = {}): Promise<Route[]> {
    const args = ['show', 'route', 'all', 'table', TABLE[family]];
    if (q.from) args.push('protocol', birdProtocolName(q.from));
    return sortRoutes(parseBirdRoutes(family, await this.birdc(...args), this.spec.neighbors.map((n) => n.address)));
  }

  async refresh(address: string, direction: 'in' | 'out' = 'in'): Promise<void> {
    await this.birdc('reload', direction, birdProtocolName(address));
  }

  /** Hard restart of one session. */
  async reset(address: string): Promise<void> {
    await this.birdc('restart', birdProtocolName(address));
  }
}

const ROUTE_LINE = /^(\S.*?)?\s*(?:unicast|blackhole|unreachable|prohibit|unknown)\s+\[(\S+)[\s\]]/;

/** Parses `show route all` text. Paths of the same net after the first start with blanks. */
export function parseBirdRoutes(family: Family, text: string, neighbors: string[]): Route[] {
  const out: Route[] = [];
  let net = '';
  let cur: Route | undefined;
  for (const line of text.split('\n')) {
    const m = ROUTE_LINE.exec(line);
    if (m) {
      if (m[1]) net = m[1].trim();
      const parts = net.split(/\s+/);
      const prefix = parts[parts.length - 1] ?? '';
      cur = routeTemplate(family, prefix);
      if (family === 'vpnv4' && parts.length > 1) cur.rd = parts[0];
      const proto = m[2] ?? '';
      cur.from = neighbors.find((a) => birdProtocolName(a) === proto);
      out.push(cur);
      continue;
    }
    if (!cur) continue;
    const a = /^\s+BGP\.(\w+):\s*(.*)$/.exec(line);
    if (!a) continue;
    const [, key, val = ''] = a;
    switch (key) {
      case 'origin':
        cur.origin = val.toLowerCase() as Origin;
        break;
      case 'as_path':
        cur.asPath = asNumbers(val);
        break;
      case 'next_hop':
        cur.nextHop = val.split(/\s+/)[0] ?? '';
        break;
      case 'med':
        cur.med = Number(val);
        break;
      case 'local_pref':
        cur.localPref = Number(val);
        break;
      case 'community':
        cur.communities = [...val.matchAll(/\((\d+),\s*(\d+)\)/g)].map((c) => `${c[1]}:${c[2]}`);
        break;
      case 'large_community':
        cur.largeCommunities = [...val.matchAll(/\((\d+),\s*(\d+),\s*(\d+)\)/g)].map((c) => `${c[1]}:${c[2]}:${c[3]}`);
        break;
      case 'ext_community':
        cur.routeTargets = [...val.matchAll(/\(rt,\s*([^,]+),\s*(\d+)\)/g)].map((c) => `${c[1]}:${c[2]}`);
        break;
      case 'mpls_label_stack':
        cur.labels = val.split(/[\s/]+/).filter(Boolean).map(Number);
        break;
      default:
        break;
    }
  }
  return out;
}
