/**
 * GoBGP (gobgpd 3.10). Config is TOML; routes are originated through the gRPC CLI after
 * start because gobgpd's config file has no static routes. The API listens on a unix socket
 * in the node's dir, so the CLI works from the root namespace.
 */
import fs from 'node:fs';
import path from 'node:path';
import { runOk } from '../proc';
import type { Capability, Family, Ipv4RouteSpec, NeighborStatus, Origin, Route, Vpnv4RouteSpec } from '../types';
import { familiesOf, normState, sortCaps } from '../types';
import { arr, communityFromU32, mpCapability, num, parseJson, rec, routeTemplate, sortRoutes, str } from './common';
import { Peer, type RouteQuery } from './peer';

const AFI_SAFI: Record<Family, string> = { 'ipv4-unicast': 'ipv4-unicast', vpnv4: 'l3vpn-ipv4-unicast' };
const CLI_FAMILY: Record<Family, string> = { 'ipv4-unicast': 'ipv4', vpnv4: 'vpnv4' };
const STATES = ['unknown', 'idle', 'connect', 'active', 'opensent', 'openconfirm', 'established'];
const CAP_TYPES: Record<string, Capability> = {
  RouteRefreshCapability: 'route-refresh',
  EnhancedRouteRefreshCapability: 'enhanced-route-refresh',
  FourOctetASNCapability: 'as4',
  GracefulRestartCapability: 'graceful-restart',
  LongLivedGracefulRestartCapability: 'long-lived-graceful-restart',
  ExtendedNexthopCapability: 'extended-nexthop',
  AddPathCapability: 'add-path',
  FqdnCapability: 'fqdn',
};

export class GobgpPeer extends Peer {
  readonly kind = 'gobgp' as const;
  private announced: (Ipv4RouteSpec | Vpnv4RouteSpec)[] = [];

  get logFile(): string {
    return path.join(this.dir, 'gobgp.out');
  }

  get socket(): string {
    return path.join(this.dir, 'gobgp.sock');
  }

  /** argv prefix for the CLI: `[...peer.cli, 'neighbor']`. */
  get cli(): string[] {
    return ['gobgp', '--target', `unix://${this.socket}`];
  }

  writeConfig(): string {
    const s = this.spec;
    const lines = [
      '[global.config]',
      `  as = ${s.as}`,
      `  router-id = "${this.routerId}"`,
      `  port = ${s.port ?? 179}`,
      `  local-address-list = ["${this.address}"]`,
    ];
    for (const n of s.neighbors) {
      const hold = n.holdTime ?? s.holdTime;
      const gr = n.gracefulRestart ?? s.gracefulRestart ?? false;
      lines.push('', '[[neighbors]]', '  [neighbors.config]', `    neighbor-address = "${n.address}"`, `    peer-as = ${n.as}`);
      if (n.password !== undefined) lines.push(`    auth-password = "${n.password}"`);
      lines.push('  [neighbors.transport.config]', `    local-address = "${this.address}"`);
      if (n.port !== undefined) lines.push(`    remote-port = ${n.port}`);
      if (n.passive) lines.push('    passive-mode = true');
      // Short connect-retry: the default 120 s would dominate test run time after a failed attempt.
      lines.push('  [neighbors.timers.config]', '    connect-retry = 5');
      if (hold !== undefined) lines.push(`    hold-time = ${hold}`, `    keepalive-interval = ${Math.max(1, Math.floor(hold / 3))}`);
      if (gr) lines.push('  [neighbors.graceful-restart.config]', '    enabled = true', '    restart-time = 120');
      for (const f of familiesOf(n)) {
        lines.push('  [[neighbors.afi-safis]]', '    [neighbors.afi-safis.config]', `      afi-safi-name = "${AFI_SAFI[f]}"`);
        if (gr) lines.push('    [neighbors.afi-safis.mp-graceful-restart.config]', '      enabled = true');
      }
    }
    const file = path.join(this.dir, 'gobgpd.toml');
    fs.writeFileSync(file, `${lines.join('\n')}\n`);
    return file;
  }

  protected command(): { argv: string[] } {
    try {
      fs.rmSync(this.socket, { force: true });
    } catch {
      /* a stale socket from the previous run */
    }
    return {
      argv: ['gobgpd', '-f', path.join(this.dir, 'gobgpd.toml'), '-p', '--pprof-disable', '--api-hosts', `unix://${this.socket}`],
    };
  }

  protected async probeReady(): Promise<boolean> {
    await runOk([...this.cli, 'global'], { timeoutMs: 3000 });
    return true;
  }

  protected override async afterStart(): Promise<void> {
    this.announced = [];
    await this.syncRoutes();
  }

  private routeArgs(r: Ipv4RouteSpec | Vpnv4RouteSpec): string[] {
    const a: string[] = [r.prefix];
    if ('rd' in r) {
      a.push('label', String(r.label), 'rd', r.rd);
      for (const rt of r.routeTargets) a.push('rt', rt);
    }
    a.push('nexthop', r.nextHop ?? this.address);
    if (r.communities?.length) a.push('community', r.communities.join(','));
    if (r.largeCommunities?.length) a.push('large-community', r.largeCommunities.join(','));
    if (r.med !== undefined) a.push('med', String(r.med));
    if (r.localPref !== undefined) a.push('local-pref', String(r.localPref));
    return a;
  }

  protected async syncRoutes(): Promise<void> {
    const want = [...(this.spec.ipv4Routes ?? []), ...(this.spec.vpnv4Routes ?? [])];
    const key = (r: Ipv4RouteSpec | Vpnv4RouteSpec): string => JSON.stringify(r);
    const wantKeys = new Set(want.map(key));
    const haveKeys = new Set(this.announced.map(key));
    for (const r of this.announced) {
      if (wantKeys.has(key(r))) continue;
      const fam = 'rd' in r ? 'vpnv4' : 'ipv4';
      // gobgp 3.10 refuses a VPNv4 `del` without the label ("invalid format").
      const del = 'rd' in r ? [r.prefix, 'label', String(r.label), 'rd', r.rd] : [r.prefix];
      await runOk([...this.cli, 'global', 'rib', '-a', fam, 'del', ...del]);
    }
    for (const r of want) {
      if (haveKeys.has(key(r))) continue;
      await runOk([...this.cli, 'global', 'rib', '-a', 'rd' in r ? 'vpnv4' : 'ipv4', 'add', ...this.routeArgs(r)]);
    }
    this.announced = want.map((r) => ({ ...r }));
  }

  async neighbor(address: string): Promise<NeighborStatus> {
    const j = rec(parseJson<unknown>(await runOk([...this.cli, '-j', 'neighbor', address]), 'gobgp neighbor'));
    const st = rec(j.state);
    const state = normState(STATES[num(st.session_state) ?? 0] ?? 'unknown');
    const caps: Capability[] = [];
    for (const c of arr(st.remote_cap)) {
      const type = (str(rec(c).type_url) ?? '').split('.').pop() ?? '';
      if (type === 'MultiProtocolCapability') {
        // value is a base64 protobuf: 0a len 08 <afi> 10 <safi varint>
        const b = Buffer.from(str(rec(c).value) ?? '', 'base64');
        const afi = b[3] ?? 0;
        const s0 = b[5] ?? 0;
        const safi = s0 & 0x80 ? (s0 & 0x7f) | ((b[6] ?? 0) << 7) : s0;
        caps.push(mpCapability(afi, safi));
      } else {
        const known = CAP_TYPES[type];
        if (known) caps.push(known);
      }
    }
    return { address, state, established: state === 'established', remoteAs: num(st.peer_asn), remoteCapabilities: sortCaps(caps), raw: j };
  }

  async routes(family: Family, q: RouteQuery = {}): Promise<Route[]> {
    const args = q.from
      ? ['-j', 'neighbor', q.from, 'adj-in', '-a', CLI_FAMILY[family]]
      : ['-j', 'global', 'rib', '-a', CLI_FAMILY[family]];
    const text = (await runOk([...this.cli, ...args])).trim();
    if (text === '' || text === 'null') return [];
    const j = parseJson<unknown>(text, 'gobgp rib');
    const out: Route[] = [];
    for (const paths of Object.values(rec(j))) {
      for (const p of arr(paths)) out.push(this.parsePath(family, rec(p)));
    }
    return sortRoutes(out);
  }

  private parsePath(family: Family, p: Record<string, unknown>): Route {
    const nlri = rec(p.nlri);
    const r = routeTemplate(family, str(nlri.prefix) ?? '');
    if (family === 'vpnv4') {
      const rd = rec(nlri.rd);
      r.rd = `${String(rd.admin)}:${String(rd.assigned)}`;
      r.labels = arr(nlri.labels).map((x) => num(x) ?? -1);
    }
    const neighbor = str(p['neighbor-ip']);
    if (neighbor && neighbor !== '<nil>' && neighbor !== '0.0.0.0') r.from = neighbor;
    for (const a of arr(p.attrs)) {
      const at = rec(a);
      switch (num(at.type)) {
        case 1:
          r.origin = (['igp', 'egp', 'incomplete'] as Origin[])[num(at.value) ?? 0];
          break;
        case 2:
          r.asPath = arr(at.as_paths).flatMap((s) => arr(rec(s).asns).map((x) => num(x) ?? -1));
          break;
        case 3:
          if (family === 'ipv4-unicast') r.nextHop = str(at.nexthop) ?? '';
          break;
        case 4:
          r.med = num(at.metric);
          break;
        case 5:
          r.localPref = num(at.value) ?? num(at.local_pref);
          break;
        case 8:
          r.communities = arr(at.communities).map((c) => communityFromU32(num(c) ?? 0));
          break;
        case 14:
          r.nextHop = str(at.nexthop) ?? r.nextHop;
          break;
        case 16:
          // type 0/1/2 (2-octet AS, IPv4, 4-octet AS specific), subtype 2 = route target
          r.routeTargets = arr(at.value)
            .map(rec)
            .filter((e) => num(e.subtype) === 2)
            .map((e) => str(e.value) ?? '');
          break;
        case 32:
          r.largeCommunities = arr(at.value).map((l) => {
            const v = rec(l);
            return `${String(v.ASN)}:${String(v.LocalData1)}:${String(v.LocalData2)}`;
          });
          break;
        default:
          break;
      }
    }
    return r;
  }

  async refresh(address: string, direction: 'in' | 'out' = 'in'): Promise<void> {
    await runOk([...this.cli, 'neighbor', address, direction === 'in' ? 'softresetin' : 'softresetout']);
  }

  /** Hard reset of one session (NOTIFICATION Cease). */
  async reset(address: string): Promise<void> {
    await runOk([...this.cli, 'neighbor', address, 'reset']);
  }
}

