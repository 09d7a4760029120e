/**
 * FRR 8.4 bgpd alone: no zebra (-Z), stays root (-S), no TCP vty (-P 0), vtysh through a
 * per-node vty socket dir. Originated routes are `network` statements, each with its own
 * route-map for attributes (and the RT for VPNv4, which FRR takes from a route-map only).
 */
import fs from 'node:fs';
import path from 'node:path';
import { runOk } from '../proc';
import type { Capability, Family, Ipv4RouteSpec, NeighborStatus, Origin, Route, Vpnv4RouteSpec } from '../types';
import { familiesOf, normState, sortCaps } from '../types';
import { arr, num, parseJson, rec, routeTemplate, sortRoutes, str } from './common';
import { Peer, type RouteQuery } from './peer';

type AnyRoute = Ipv4RouteSpec | Vpnv4RouteSpec;

function mapName(r: AnyRoute): string {
  const rd = 'rd' in r ? `${r.rd.replace(/[:.]/g, '_')}-` : '';
  return `HDV-${rd}${r.prefix.replace(/[./]/g, '_')}`;
}

function routeMap(r: AnyRoute): string[] {
  const l = [`route-map ${mapName(r)} permit 10`];
  if (r.communities?.length) l.push(` set community ${r.communities.join(' ')}`);
  if (r.largeCommunities?.length) l.push(` set large-community ${r.largeCommunities.join(' ')}`);
  if (r.med !== undefined) l.push(` set metric ${r.med}`);
  if (r.localPref !== undefined) l.push(` set local-preference ${r.localPref}`);
  if ('rd' in r && r.routeTargets.length) l.push(` set extcommunity rt ${r.routeTargets.join(' ')}`);
  l.push('exit');
  return l;
}

function networkLine(r: AnyRoute): string {
  return 'rd' in r ? `network ${r.prefix} rd ${r.rd} label ${r.label} route-map ${mapName(r)}` : `network ${r.prefix} route-map ${mapName(r)}`;
}

function unNetworkLine(r: AnyRoute): string {
  return 'rd' in r ? `no network ${r.prefix} rd ${r.rd} label ${r.label}` : `no network ${r.prefix}`;
}

const CAP_KEYS: Record<string, Capability> = {
  '4byteAs': 'as4',
  extendedMessage: 'extended-message',
  extendedNexthop: 'extended-nexthop',
  longLivedGracefulRestart: 'long-lived-graceful-restart',
  routeRefresh: 'route-refresh',
  enhancedRouteRefresh: 'enhanced-route-refresh',
  gracefulRestartCapability: 'graceful-restart',
  gracefulRestart: 'graceful-restart',
};

export class FrrPeer extends Peer {
  readonly kind = 'frr' as const;
  private configured: AnyRoute[] = [];

  get logFile(): string {
    return path.join(this.dir, 'bgpd.log');
  }

  get cli(): string[] {
    return ['vtysh', '--vty_socket', this.dir];
  }

  /** Runs vtysh commands, each as one -c. */
  async vtysh(...commands: string[]): Promise<string> {
    const out = await runOk([...this.cli, ...commands.flatMap((c) => ['-c', c])]);
    // vtysh exits 0 on some errors; catch the usual markers so a bad command fails loudly.
    if (/^% (Unknown|Invalid|Ambiguous|Command incomplete)/m.test(out)) throw new Error(`vtysh ${commands.join(' ; ')}: ${out}`);
    return out;
  }

  writeConfig(): string {
    const s = this.spec;
    const v4 = s.ipv4Routes ?? [];
    const vpn = s.vpnv4Routes ?? [];
    const l: string[] = ['frr defaults traditional', `hostname ${this.node.name}`, `log file ${this.logFile} informational`, '!'];
    for (const r of [...v4, ...vpn]) l.push(...routeMap(r));
    l.push(
      `router bgp ${s.as}`,
      ` bgp router-id ${this.routerId}`,
      ' no bgp ebgp-requires-policy',
      ' no bgp network import-check',
      ' no bgp default ipv4-unicast',
      // Route-map edits at run time apply after this many seconds (default 5).
      ' bgp route-map delay-timer 1',
    );
    if (s.gracefulRestart) l.push(' bgp graceful-restart');
    for (const n of s.neighbors) {
      const a = n.address;
      const hold = n.holdTime ?? s.holdTime;
      l.push(` neighbor ${a} remote-as ${n.as}`, ` neighbor ${a} timers connect 5`);
      if (n.port !== undefined) l.push(` neighbor ${a} port ${n.port}`);
      if (n.passive) l.push(` neighbor ${a} passive`);
      if (n.password !== undefined) l.push(` neighbor ${a} password ${n.password}`);
      if (hold !== undefined) l.push(` neighbor ${a} timers ${Math.max(1, Math.floor(hold / 3))} ${hold}`);
      const gr = n.gracefulRestart ?? s.gracefulRestart ?? false;
      l.push(gr ? ` neighbor ${a} graceful-restart` : ` neighbor ${a} graceful-restart-disable`);
    }
    l.push(' address-family ipv4 unicast');
    for (const r of v4) l.push(`  ${networkLine(r)}`);
    for (const n of s.neighbors) if (familiesOf(n).includes('ipv4-unicast')) l.push(`  neighbor ${n.address} activate`);
    l.push(' exit-address-family', ' address-family ipv4 vpn');
    for (const r of vpn) l.push(`  ${networkLine(r)}`);
    for (const n of s.neighbors) if (familiesOf(n).includes('vpnv4')) l.push(`  neighbor ${n.address} activate`);
    l.push(' exit-address-family', 'exit', '');
    const file = path.join(this.dir, 'bgpd.conf');
    fs.writeFileSync(file, l.join('\n'));
    this.configured = [...v4, ...vpn].map((r) => ({ ...r }));
    return file;
  }

  protected command(): { argv: string[] } {
    const d = this.dir;
    return {
      argv: ['/usr/lib/frr/bgpd', '-Z', '-S', '-P', '0', '-l', this.address, '-p', String(this.spec.port ?? 179),
        '--vty_socket', d, '-i', path.join(d, 'bgpd.pid'), '-f', path.join(d, 'bgpd.conf')],
    };
  }

  protected async probeReady(): Promise<boolean> {
    await runOk([...this.cli, '-c', 'show bgp summary json'], { timeoutMs: 3000 });
    return true;
  }

  protected async syncRoutes(): Promise<void> {
    const want = [...(this.spec.ipv4Routes ?? []), ...(this.spec.vpnv4Routes ?? [])];
    const key = (r: AnyRoute): string => JSON.stringify(r);
    const wantKeys = new Set(want.map(key));
    const haveKeys = new Set(this.configured.map(key));
    const cmds: string[] = ['conf t'];
    const af = (r: AnyRoute): string => ('rd' in r ? 'address-family ipv4 vpn' : 'address-family ipv4 unicast');
    for (const r of this.configured) {
      if (!wantKeys.has(key(r))) cmds.push(`router bgp ${this.spec.as}`, af(r), unNetworkLine(r), 'exit-address-family', 'exit');
    }
    for (const r of want) {
      if (!haveKeys.has(key(r))) cmds.push(`no route-map ${mapName(r)}`, ...routeMap(r), `router bgp ${this.spec.as}`, af(r), networkLine(r), 'exit-address-family', 'exit');
    }
    cmds.push('end');
    if (cmds.length > 2) await this.vtysh(...cmds);
    this.configured = want.map((r) => ({ ...r }));
  }

  async neighbor(address: string): Promise<NeighborStatus> {
    const j = rec(parseJson<unknown>(await this.vtysh(`show bgp neighbors ${address} json`), 'frr neighbor'));
    const n = rec(j[address]);
    const state = normState(str(n.bgpState) ?? 'unknown');
    const caps: Capability[] = [];
    const nc = rec(n.neighborCapabilities);
    const received = (v: unknown): boolean =>
      (typeof v === 'string' && /received/i.test(v)) ||
      Object.entries(rec(v)).some(([k, x]) => /received/i.test(k) && x === true);
    for (const [k, v] of Object.entries(nc)) {
      const cap = CAP_KEYS[k];
      if (cap && received(v)) caps.push(cap);
    }
    for (const [fam, v] of Object.entries(rec(nc.multiprotocolExtensions))) {
      if (received(v)) caps.push(fam === 'ipv4Unicast' ? 'mp-ipv4-unicast' : fam === 'ipv4Vpn' ? 'mp-vpnv4' : 'mp-other');
    }
    if (Object.values(rec(nc.addPath)).some((v) => Object.keys(rec(v)).some((k) => /Received/.test(k)))) caps.push('add-path');
    const host = str(rec(nc.hostName).rcvHostName);
    if (host !== undefined && host !== 'n/a') caps.push('fqdn');
    return {
      address,
      state,
      established: state === 'established',
      remoteAs: num(n.remoteAs),
      remoteCapabilities: state === 'established' ? sortCaps(caps) : undefined,
      raw: n,
    };
  }

  private parsePath(family: Family, prefix: string, p: Record<string, unknown>): Route {
    const r = routeTemplate(family, prefix);
    const aspath = rec(p.aspath);
    r.asPath = arr(aspath.segments).flatMap((s) => arr(rec(s).list).map((x) => num(x) ?? -1));
    const origin = str(p.origin)?.toLowerCase();
    if (origin) r.origin = origin as Origin;
    r.med = num(p.metric);
    r.localPref = num(p.locPrf) ?? num(p.localpref);
    r.communities = arr(rec(p.community).list).map((x) => str(x) ?? '');
    r.largeCommunities = arr(rec(p.largeCommunity).list).map((x) => str(x) ?? '');
    r.nextHop = str(rec(arr(p.nexthops)[0]).ip) ?? '';
    const peerId = str(rec(p.peer).peerId);
    if (peerId && peerId !== '0.0.0.0' && peerId !== '(unspec)') r.from = peerId;
    if (family === 'vpnv4') {
      const label = num(p.remoteLabel);
      if (label !== undefined) r.labels = [label];
      r.routeTargets = (str(rec(p.extendedCommunity).string) ?? '')
        .split(/\s+/)
        .filter((x) => x.startsWith('RT:'))
        .map((x) => x.slice(3));
    }
    return r;
  }

  async routes(family: Family, q: RouteQuery = {}): Promise<Route[]> {
    const out: Route[] = [];
    if (family === 'ipv4-unicast') {
      const j = rec(parseJson<unknown>(await this.vtysh('show bgp ipv4 unicast json detail'), 'frr rib'));
      for (const [prefix, entries] of Object.entries(rec(j.routes))) {
        // In detail mode the first element describes the prefix; paths are the ones with nexthops.
        for (const p of arr(entries).map(rec).filter((e) => 'nexthops' in e)) out.push(this.parsePath(family, prefix, p));
      }
    } else {
      // The table-level JSON lacks labels and RTs; the per-prefix JSON has them, keyed by RD.
      const j = rec(parseJson<unknown>(await this.vtysh('show bgp ipv4 vpn json'), 'frr vpn rib'));
      const prefixes = new Set<string>();
      for (const byPrefix of Object.values(rec(rec(j.routes).routeDistinguishers))) {
        for (const prefix of Object.keys(rec(byPrefix))) prefixes.add(prefix);
      }
      for (const prefix of prefixes) {
        const d = rec(parseJson<unknown>(await this.vtysh(`show bgp ipv4 vpn ${prefix} json`), 'frr vpn prefix'));
        for (const [rd, entry] of Object.entries(d)) {
          for (const p of arr(rec(entry).paths)) {
            const r = this.parsePath(family, prefix, rec(p));
            r.rd = rd;
            out.push(r);
          }
        }
      }
    }
    return sortRoutes(q.from ? out.filter((r) => r.from === q.from) : out);
  }

  async refresh(address: string, direction: 'in' | 'out' = 'in'): Promise<void> {
    await this.vtysh(`clear bgp ${address} soft ${direction}`);
  }

  async reset(address: string): Promise<void> {
    await this.vtysh(`clear bgp ${address}`);
  }
}
