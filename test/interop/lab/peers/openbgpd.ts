/**
 * OpenBGPD 7.7 (Debian's portable build). Runs in the foreground with -d; its privsep
 * children chroot to /run/openbgpd, which must exist. The config must be mode 0600.
 * bgpctl has JSON (-j). Labels of VPN paths are not shown by bgpctl (text or JSON).
 */
import fs from 'node:fs';
import path from 'node:path';
import { runOk } from '../proc';
import type { Capability, Family, Ipv4RouteSpec, NeighborStatus, Origin, Route } from '../types';
import { familiesOf, normState, sortCaps } from '../types';
import { arr, asNumbers, num, parseJson, rec, routeTemplate, sortRoutes, str } from './common';
import { Peer, type RouteQuery } from './peer';

function setClause(r: Ipv4RouteSpec): string {
  const s: string[] = [];
  for (const c of r.communities ?? []) s.push(`community ${c}`);
  for (const c of r.largeCommunities ?? []) s.push(`large-community ${c}`);
  if (r.med !== undefined) s.push(`med ${r.med}`);
  if (r.localPref !== undefined) s.push(`localpref ${r.localPref}`);
  return s.length > 0 ? ` set { ${s.join(' ')} }` : '';
}

export class OpenbgpdPeer extends Peer {
  readonly kind = 'openbgpd' as const;

  get logFile(): string {
    return path.join(this.dir, 'openbgpd.out');
  }

  get socket(): string {
    return path.join(this.dir, 'bgpd.sock');
  }

  get cli(): string[] {
    return ['bgpctl', '-s', this.socket];
  }

  writeConfig(): string {
    const s = this.spec;
    const l = [
      `AS ${s.as}`,
      `router-id ${this.routerId}`,
      `listen on ${this.address}${s.port !== undefined ? ` port ${s.port}` : ''}`,
      `socket "${this.socket}"`,
      'connect-retry 5',
    ];
    if (s.holdTime !== undefined) l.push(`holdtime ${s.holdTime}`);
    for (const r of s.ipv4Routes ?? []) l.push(`network ${r.prefix}${setClause(r)}`);
    if ((s.vpnv4Routes ?? []).length > 0) {
      throw new Error('openbgpd: VPNv4 origination needs an mpe(4) interface, which Linux does not have');
    }
    for (const n of s.neighbors) {
      const fams = familiesOf(n);
      const hold = n.holdTime ?? s.holdTime;
      l.push(`neighbor ${n.address} {`, `  remote-as ${n.as}`, `  local-address ${this.address}`);
      if (n.port !== undefined) l.push(`  port ${n.port}`);
      if (n.passive) l.push('  passive');
      if (hold !== undefined) l.push(`  holdtime ${hold}`);
      if (n.password !== undefined) l.push(`  tcp md5sig password ${n.password}`);
      l.push(`  announce IPv4 ${fams.includes('ipv4-unicast') ? 'unicast' : 'none'}`);
      if (fams.includes('vpnv4')) l.push('  announce IPv4 vpn');
      l.push(`  announce restart ${(n.gracefulRestart ?? s.gracefulRestart) ? 'yes' : 'no'}`, '}');
    }
    l.push('allow from any', 'allow to any', '');
    const file = path.join(this.dir, 'bgpd.conf');
    fs.writeFileSync(file, l.join('\n'), { mode: 0o600 });
    fs.chmodSync(file, 0o600);
    return file;
  }

  protected command(): { argv: string[] } {
    // Its privilege-separated engines chroot here.
    fs.mkdirSync('/run/openbgpd', { recursive: true });
    fs.rmSync(this.socket, { force: true });
    return { argv: ['bgpd', '-d', '-f', path.join(this.dir, 'bgpd.conf')] };
  }

  protected async probeReady(): Promise<boolean> {
    await runOk([...this.cli, 'show'], { timeoutMs: 3000 });
    return true;
  }

  protected async syncRoutes(): Promise<void> {
    this.writeConfig();
    await runOk([...this.cli, 'reload']);
  }

  async neighbor(address: string): Promise<NeighborStatus> {
    const j = rec(parseJson<unknown>(await runOk([...this.cli, '-j', 'show', 'neighbor', address]), 'bgpctl neighbor'));
    const n = rec(arr(j.neighbors)[0]);
    const state = normState(str(n.state) ?? 'unknown');
    const rc = rec(rec(rec(n.session).remote).capabilities);
    const caps: Capability[] = [];
    if (rc.as4byte === true) caps.push('as4');
    if (rc.refresh === true) caps.push('route-refresh');
    if (rc.enhanced_refresh === true) caps.push('enhanced-route-refresh');
    if ('graceful_restart' in rc) caps.push('graceful-restart');
    if ('add-path' in rc || 'add_path' in rc) caps.push('add-path');
    for (const f of arr(rc.multiprotocol)) caps.push(f === 'IPv4 unicast' ? 'mp-ipv4-unicast' : f === 'IPv4 vpn' ? 'mp-vpnv4' : 'mp-other');
    return {
      address,
      state,
      established: state === 'established',
      remoteAs: num(n.remote_as),
      remoteCapabilities: state === 'established' ? sortCaps(caps) : undefined,
      raw: n,
    };
  }

  async routes(family: Family, q: RouteQuery = {}): Promise<Route[]> {
    const args = ['-j', 'show', 'rib', 'detail'];
    if (q.from) args.push('neighbor', q.from);
    const j = rec(parseJson<unknown>(await runOk([...this.cli, ...args]), 'bgpctl rib'));
    const out: Route[] = [];
    for (const e of arr(j.rib).map(rec)) {
      const full = str(e.prefix) ?? '';
      const m = /^rd (\S+) (\S+)$/.exec(full);
      if ((family === 'vpnv4') !== Boolean(m)) continue;
      const r = routeTemplate(family, m ? (m[2] ?? '') : full);
      if (m) r.rd = m[1];
      r.asPath = asNumbers(str(e.aspath) ?? '');
      r.nextHop = str(e.exit_nexthop) ?? '';
      const origin = str(e.origin)?.toLowerCase();
      if (origin) r.origin = origin as Origin;
      // bgpctl prints metric 0 when the path has no MED; absent and 0 look the same.
      r.med = num(e.metric);
      r.localPref = num(e.localpref);
      r.communities = arr(e.communities).map((c) => str(c) ?? '');
      r.largeCommunities = arr(e.large_communities).map((c) => str(c) ?? '');
      r.routeTargets = arr(e.extended_communities)
        .map((c) => str(c) ?? '')
        .filter((c) => c.startsWith('rt '))
        .map((c) => c.slice(3));
      const from = str(rec(e.neighbor).remote_addr);
      if (from && from !== '???') r.from = from;
      out.push(r);
    }
    return sortRoutes(out);
  }

  async refresh(address: string, direction: 'in' | 'out' = 'in'): Promise<void> {
    // "refresh" asks the neighbor to re-send; there is no per-neighbor re-send-out command.
    await runOk([...this.cli, 'neighbor', address, direction === 'in' ? 'refresh' : 'clear']);
  }

  async reset(address: string): Promise<void> {
    await runOk([...this.cli, 'neighbor', address, 'clear']);
  }
}
