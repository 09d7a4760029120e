/**
 * ExaBGP 4.2. It has no query CLI in this setup: every message it receives (UPDATEs, the
 * neighbor's OPEN, state changes, route refreshes) is appended as one JSON object per line
 * to received.jsonl by an API process, and routes()/neighbor() replay that file. Routes are
 * originated from the config at start and through a second API process that tails
 * commands.txt afterwards (announce()/withdraw() append ExaBGP API commands there).
 */
import fs from 'node:fs';
import path from 'node:path';
import type { Capability, Family, Ipv4RouteSpec, NeighborStatus, Origin, Route, Vpnv4RouteSpec } from '../types';
import { familiesOf, sortCaps, type SessionState } from '../types';
import { arr, isRecord, mpCapability, num, rec, routeTemplate, sortRoutes, str } from './common';
import { Peer, type RouteQuery } from './peer';

type AnyRoute = Ipv4RouteSpec | Vpnv4RouteSpec;
const EXA_FAMILY: Record<Family, string> = { 'ipv4-unicast': 'ipv4 unicast', vpnv4: 'ipv4 mpls-vpn' };
const CAP_CODES: Record<string, Capability> = {
  '2': 'route-refresh',
  '5': 'extended-nexthop',
  '6': 'extended-message',
  '64': 'graceful-restart',
  '65': 'as4',
  '69': 'add-path',
  '70': 'enhanced-route-refresh',
  '71': 'long-lived-graceful-restart',
  '73': 'fqdn',
};

/** One ExaBGP JSON API message, as much of it as we read. */
interface ExaMessage {
  type: string;
  peer: string;
  body: Record<string, unknown>;
}

export class ExabgpPeer extends Peer {
  readonly kind = 'exabgp' as const;
  private announced: AnyRoute[] = [];

  get logFile(): string {
    return path.join(this.dir, 'exabgp.log');
  }

  get receivedFile(): string {
    return path.join(this.dir, 'received.jsonl');
  }

  get commandsFile(): string {
    return path.join(this.dir, 'commands.txt');
  }

  /** The route as an ExaBGP route statement (config `route …;` and API `announce route …`). */
  private routeText(r: AnyRoute): string {
    const t = [`route ${r.prefix}`];
    if ('rd' in r) t.push(`rd ${r.rd} label ${r.label}`);
    t.push(`next-hop ${r.nextHop ?? this.address}`);
    if (r.med !== undefined) t.push(`med ${r.med}`);
    if (r.localPref !== undefined) t.push(`local-preference ${r.localPref}`);
    if (r.communities?.length) t.push(`community [ ${r.communities.join(' ')} ]`);
    if (r.largeCommunities?.length) t.push(`large-community [ ${r.largeCommunities.join(' ')} ]`);
    if ('rd' in r && r.routeTargets.length) t.push(`extended-community [ ${r.routeTargets.map((x) => `target:${x}`).join(' ')} ]`);
    return t.join(' ');
  }

  writeConfig(): string {
    const s = this.spec;
    // The config carries the current routes, so the command log starts empty on each start.
    fs.writeFileSync(this.commandsFile, '');
    const routes = [...(s.ipv4Routes ?? []), ...(s.vpnv4Routes ?? [])];
    this.announced = routes.map((r) => ({ ...r }));
    const l = [
      'process hdv-dump {',
      `  run /bin/sh -c "cat >> ${this.receivedFile}";`,
      '  encoder json;',
      '}',
      'process hdv-cmd {',
      // Drain stdin (ExaBGP writes acks there) and feed the command file to ExaBGP.
      `  run /bin/sh -c "cat > /dev/null & exec tail -n +1 -F ${this.commandsFile} 2>/dev/null";`,
      '  encoder text;',
      '}',
    ];
    for (const n of s.neighbors) {
      const fams = familiesOf(n);
      const hold = n.holdTime ?? s.holdTime;
      const gr = n.gracefulRestart ?? s.gracefulRestart ?? false;
      l.push(`neighbor ${n.address} {`, `  router-id ${this.routerId};`, `  local-address ${this.address};`,
        `  local-as ${s.as};`, `  peer-as ${n.as};`);
      if (n.passive) l.push('  passive true;');
      if (n.port !== undefined) l.push(`  connect ${n.port};`);
      if (n.password !== undefined) l.push(`  md5-password ${n.password};`);
      if (hold !== undefined) l.push(`  hold-time ${hold};`);
      l.push('  capability {', '    route-refresh;', gr ? '    graceful-restart 120;' : '    graceful-restart disable;', '  }');
      l.push(`  family { ${fams.map((f) => `${EXA_FAMILY[f]};`).join(' ')} }`);
      l.push('  api dump { processes [ hdv-dump ]; neighbor-changes; receive { parsed; update; open; refresh; } }');
      l.push('  api cmd { processes [ hdv-cmd ]; }');
      const mine = routes.filter((r) => fams.includes('rd' in r ? 'vpnv4' : 'ipv4-unicast'));
      if (mine.length > 0) l.push('  static {', ...mine.map((r) => `    ${this.routeText(r)};`), '  }');
      l.push('}');
    }
    const file = path.join(this.dir, 'exabgp.conf');
    fs.writeFileSync(file, `${l.join('\n')}\n`);
    return file;
  }

  protected command(): { argv: string[]; env: NodeJS.ProcessEnv } {
    return {
      argv: ['exabgp', path.join(this.dir, 'exabgp.conf')],
      env: {
        ...process.env,
        exabgp_tcp_bind: this.address,
        exabgp_tcp_port: String(this.spec.port ?? 179),
        exabgp_daemon_user: 'root',
        exabgp_daemon_drop: 'false',
        exabgp_daemon_daemonize: 'false',
        exabgp_api_cli: 'false',
        exabgp_api_ack: 'false',
        exabgp_log_destination: this.logFile,
      },
    };
  }

  protected async probeReady(): Promise<boolean> {
    // Ready once it listens (exabgp_tcp_bind makes it listen even with active neighbors).
    const r = await this.node.exec(['ss', '-Hltn', `sport = :${this.spec.port ?? 179}`]);
    return r.stdout.includes(this.address);
  }

  private command1(line: string): void {
    fs.appendFileSync(this.commandsFile, `${line}\n`);
  }

  protected async syncRoutes(): Promise<void> {
    const want = [...(this.spec.ipv4Routes ?? []), ...(this.spec.vpnv4Routes ?? [])];
    const key = (r: AnyRoute): string => JSON.stringify(r);
    const wantKeys = new Set(want.map(key));
    const haveKeys = new Set(this.announced.map(key));
    for (const r of this.announced) if (!wantKeys.has(key(r))) this.command1(`withdraw ${this.routeText(r)}`);
    for (const r of want) if (!haveKeys.has(key(r))) this.command1(`announce ${this.routeText(r)}`);
    this.announced = want.map((r) => ({ ...r }));
  }

  /** Sends a raw ExaBGP API command (e.g. `neighbor 198.18.0.2 teardown 2`). */
  apiCommand(line: string): void {
    this.command1(line);
  }

  /** All messages received so far, in order. */
  messages(): ExaMessage[] {
    let text = '';
    try {
      text = fs.readFileSync(this.receivedFile, 'utf8');
    } catch {
      return [];
    }
    const out: ExaMessage[] = [];
    for (const line of text.split('\n')) {
      if (!line.trim()) continue;
      let j: unknown;
      try {
        j = JSON.parse(line);
      } catch {
        continue; // a line still being written
      }
      if (!isRecord(j)) continue;
      const peer = str(rec(rec(j.neighbor).address).peer) ?? '';
      out.push({ type: str(j.type) ?? '', peer, body: j });
    }
    return out;
  }

  async neighbor(address: string): Promise<NeighborStatus> {
    let state: SessionState = 'idle';
    let caps: Capability[] | undefined;
    let remoteAs: number | undefined;
    for (const m of this.messages()) {
      if (m.peer !== address) continue;
      const nb = rec(m.body.neighbor);
      if (m.type === 'state') {
        const s = str(nb.state);
        state = s === 'up' ? 'established' : s === 'connected' ? 'opensent' : 'idle';
        if (s === 'down') caps = undefined;
      } else if (m.type === 'open' && str(nb.direction) === 'receive') {
        const open = rec(nb.open);
        remoteAs = num(open.asn);
        caps = [];
        for (const [code, c] of Object.entries(rec(open.capabilities))) {
          if (code === '1') {
            for (const f of arr(rec(c).families)) {
              const [afi, safi] = (str(f) ?? '').split('/');
              caps.push(mpCapability(afi === 'ipv4' ? 1 : 0, safi === 'unicast' ? 1 : safi === 'mpls-vpn' ? 128 : 0));
            }
          } else {
            const known = CAP_CODES[code];
            if (known) caps.push(known);
          }
        }
      }
    }
    return {
      address,
      state,
      established: state === 'established',
      remoteAs,
      remoteCapabilities: state === 'established' && caps ? sortCaps(caps) : undefined,
      raw: this.messages().filter((m) => m.peer === address && m.type !== 'update').slice(-5),
    };
  }

  async routes(family: Family, q: RouteQuery = {}): Promise<Route[]> {
    const rib = new Map<string, Route>();
    const fam = EXA_FAMILY[family];
    for (const m of this.messages()) {
      if (q.from && m.peer !== q.from) continue;
      const nb = rec(m.body.neighbor);
      if (m.type === 'state' && str(nb.state) === 'down') {
        for (const [k, r] of rib) if (r.from === m.peer) rib.delete(k);
        continue;
      }
      if (m.type !== 'update') continue;
      const upd = rec(rec(nb.message).update);
      for (const w of arr(rec(upd.withdraw)[fam])) {
        const wr = rec(w);
        rib.delete(`${m.peer} ${str(wr.rd) ?? ''} ${str(wr.nlri) ?? ''}`);
      }
      const attrs = rec(upd.attribute);
      for (const [nh, list] of Object.entries(rec(rec(upd.announce)[fam]))) {
        for (const a of arr(list)) {
          const ar = rec(a);
          const r = routeTemplate(family, str(ar.nlri) ?? '');
          r.from = m.peer;
          r.nextHop = nh;
          if (family === 'vpnv4') {
            r.rd = str(ar.rd);
            r.labels = arr(ar.label).flatMap((x) => arr(x)).map((x) => num(x) ?? -1);
          }
          applyAttributes(r, attrs);
          rib.set(`${m.peer} ${r.rd ?? ''} ${r.prefix}`, r);
        }
      }
    }
    return sortRoutes([...rib.values()]);
  }

  async refresh(address: string, direction: 'in' | 'out' = 'in'): Promise<void> {
    const fams = familiesOf(this.neighborSpec(address));
    for (const f of fams) {
      this.command1(direction === 'in' ? `neighbor ${address} announce route-refresh ${EXA_FAMILY[f]}` : `neighbor ${address} flush adj-rib out`);
    }
  }

  /** Number of ROUTE-REFRESH messages received from address. */
  refreshesReceived(address: string): number {
    return this.messages().filter((m) => m.peer === address && m.type === 'refresh').length;
  }
}

function applyAttributes(r: Route, a: Record<string, unknown>): void {
  const origin = str(a.origin);
  if (origin) r.origin = origin as Origin;
  const asPath = a['as-path'];
  r.asPath = Array.isArray(asPath)
    ? asPath.map((x) => num(x) ?? -1)
    : Object.values(rec(asPath)).flatMap((seg) => arr(rec(seg).value).map((x) => num(x) ?? -1));
  r.med = num(a.med);
  r.localPref = num(a['local-preference']);
  r.communities = arr(a.community).map((c) => arr(c).join(':'));
  r.largeCommunities = arr(a['large-community']).map((c) => arr(c).join(':'));
  r.routeTargets = arr(a['extended-community'])
    .map((e) => str(rec(e).string) ?? '')
    .filter((s) => s.startsWith('target:'))
    .map((s) => s.slice('target:'.length));
}
