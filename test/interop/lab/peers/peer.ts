/**
 * What every implementation module provides. A Peer owns one daemon in one lab node:
 * it writes the config from a PeerSpec, starts the daemon in the foreground (so the lab
 * tracks its pid), and parses the daemon's own CLI into the normalized types.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { LabNode } from '../netns';
import type { ExitInfo, LabProcess } from '../proc';
import { tail } from '../proc';
import type { Family, Ipv4RouteSpec, NeighborSpec, NeighborStatus, PeerSpec, Route, Vpnv4RouteSpec } from '../types';
import { waitFor, type WaitOptions } from '../wait';

export type PeerKind = 'gobgp' | 'bird' | 'frr' | 'openbgpd' | 'exabgp';

export interface RouteQuery {
  /** Only paths received from this neighbor. */
  from?: string;
}

export abstract class Peer {
  abstract readonly kind: PeerKind;
  protected proc: LabProcess | undefined;
  /** Milliseconds from spawn to "CLI answers", of the last start(). */
  startupMs = 0;

  constructor(
    readonly node: LabNode,
    readonly spec: PeerSpec,
  ) {}

  get address(): string {
    return this.node.address;
  }

  get routerId(): string {
    return this.spec.routerId ?? this.node.address;
  }

  get dir(): string {
    return this.node.dir;
  }

  /** The daemon's main log (stdout/stderr plus its own log where it has one). */
  abstract get logFile(): string;

  /** Writes the config file(s) into dir; returns the main config path. */
  abstract writeConfig(): string;

  /** argv of the daemon, foreground. */
  protected abstract command(): { argv: string[]; env?: NodeJS.ProcessEnv };

  /** Resolves when the daemon's CLI answers (throws while not ready). */
  protected abstract probeReady(): Promise<boolean>;

  /** Called once the daemon is ready: originate what could not go into the config. */
  protected async afterStart(): Promise<void> {
    /* most peers originate from their config */
  }

  abstract neighbor(address: string): Promise<NeighborStatus>;
  abstract routes(family: Family, q?: RouteQuery): Promise<Route[]>;
  /** Asks the neighbor to re-send (route refresh / soft clear in), or re-sends to it ("out"). */
  abstract refresh(address: string, direction?: 'in' | 'out'): Promise<void>;
  /** Applies spec.ipv4Routes/vpnv4Routes after they changed. */
  protected abstract syncRoutes(): Promise<void>;

  get pid(): number | undefined {
    return this.proc?.pid;
  }

  get running(): boolean {
    return this.proc?.running ?? false;
  }

  async start(opts: WaitOptions = {}): Promise<void> {
    if (this.proc?.running) throw new Error(`${this.kind} in ${this.node.name} is already running`);
    this.writeConfig();
    const { argv, env } = this.command();
    const t0 = Date.now();
    const proc = this.node.spawn(argv, path.join(this.dir, `${this.kind}.out`), env);
    this.proc = proc;
    await waitFor(`${this.kind} in ${this.node.name} to answer its CLI`, async () => {
      if (!proc.running) throw new Error(`${this.kind} exited: ${JSON.stringify(await proc.exited)}`);
      return this.probeReady();
    }, { timeoutMs: 20000, intervalMs: 100, diagnostics: () => this.logTail(), ...opts });
    this.startupMs = Date.now() - t0;
    await this.afterStart();
  }

  /** SIGTERM, then SIGKILL after graceMs. */
  async stop(graceMs = 3000): Promise<ExitInfo | undefined> {
    return this.proc?.stop(graceMs);
  }

  async kill(): Promise<ExitInfo | undefined> {
    return this.proc?.kill();
  }

  /** SIGSTOP: the daemon stops answering keepalives, so its neighbors' hold timers expire. */
  pause(): void {
    this.proc?.signal('SIGSTOP');
  }

  resume(): void {
    this.proc?.signal('SIGCONT');
  }

  /** stop() + start(); `hard` uses SIGKILL so the daemon cannot say goodbye (a crash). */
  async restart(hard = false): Promise<void> {
    if (hard) await this.kill();
    else await this.stop();
    await this.start();
  }

  async announce(...routes: (Ipv4RouteSpec | Vpnv4RouteSpec)[]): Promise<void> {
    for (const r of routes) {
      if ('rd' in r) (this.spec.vpnv4Routes ??= []).push(r);
      else (this.spec.ipv4Routes ??= []).push(r);
    }
    await this.syncRoutes();
  }

  /** Withdraws by prefix (and RD for VPNv4). */
  async withdraw(...routes: { prefix: string; rd?: string }[]): Promise<void> {
    const gone = (r: Ipv4RouteSpec | Vpnv4RouteSpec): boolean =>
      routes.some((w) => w.prefix === r.prefix && w.rd === ('rd' in r ? r.rd : undefined));
    this.spec.ipv4Routes = (this.spec.ipv4Routes ?? []).filter((r) => !gone(r));
    this.spec.vpnv4Routes = (this.spec.vpnv4Routes ?? []).filter((r) => !gone(r));
    await this.syncRoutes();
  }

  neighborSpec(address: string): NeighborSpec {
    const n = this.spec.neighbors.find((x) => x.address === address);
    if (!n) throw new Error(`${this.kind}: no neighbor ${address} in spec`);
    return n;
  }

  logTail(n = 40): string {
    const files = [this.logFile, path.join(this.dir, `${this.kind}.out`)];
    return [...new Set(files)]
      .filter((f) => fs.existsSync(f))
      .map((f) => `--- ${this.kind} ${this.node.name}: tail of ${f}\n${tail(f, n)}`)
      .join('\n');
  }

  async waitEstablished(address: string, opts: WaitOptions = {}): Promise<NeighborStatus> {
    return waitFor(`${this.kind} ${this.node.name}: session with ${address} Established`, async () => {
      const s = await this.neighbor(address);
      return s.established ? s : false;
    }, { timeoutMs: 30000, diagnostics: () => this.logTail(), ...opts });
  }

  async waitNotEstablished(address: string, opts: WaitOptions = {}): Promise<NeighborStatus> {
    return waitFor(`${this.kind} ${this.node.name}: session with ${address} down`, async () => {
      const s = await this.neighbor(address);
      return s.established ? false : s;
    }, { timeoutMs: 30000, diagnostics: () => this.logTail(), ...opts });
  }

  /** Waits until a path for prefix (and rd) is present and matches `where`; returns it. */
  async waitRoute(
    family: Family,
    prefix: string,
    q: RouteQuery & { rd?: string; where?: (r: Route) => boolean } = {},
    opts: WaitOptions = {},
  ): Promise<Route> {
    let seen: Route[] = [];
    return waitFor(`${this.kind} ${this.node.name}: ${family} ${q.rd ? `${q.rd} ` : ''}${prefix}${q.from ? ` from ${q.from}` : ''}`, async () => {
      seen = (await this.routes(family, q)).filter((r) => r.prefix === prefix && (q.rd === undefined || r.rd === q.rd));
      return seen.find((r) => !q.where || q.where(r)) ?? (seen.length > 0 ? false : undefined);
    }, { timeoutMs: 20000, diagnostics: () => `paths seen: ${JSON.stringify(seen)}\n${this.logTail()}`, ...opts });
  }

  async waitNoRoute(family: Family, prefix: string, q: RouteQuery & { rd?: string } = {}, opts: WaitOptions = {}): Promise<void> {
    await waitFor(`${this.kind} ${this.node.name}: ${family} ${prefix} gone`, async () => {
      const rs = (await this.routes(family, q)).filter((r) => r.prefix === prefix && (q.rd === undefined || r.rd === q.rd));
      return rs.length === 0;
    }, { timeoutMs: 20000, diagnostics: () => this.logTail(), ...opts });
  }
}
