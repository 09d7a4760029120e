/**
 * Neighbour resolution for XSK transmit, on the main thread. A frame sent on
 * an AF_XDP socket bypasses the kernel's routing and ARP, so the worker must
 * put the Ethernet header in front itself. The kernel keeps doing both jobs:
 * ARP frames pass the XDP program (XDP_PASS), and a packet whose destination
 * is not resolved yet leaves by its raw socket, which makes the kernel route it
 * and resolve its next hop. This module only reads the kernel's answers:
 * `ip -j route get` for the device and gateway of a destination, and
 * /proc/net/arp for the MAC address of that next hop.
 *
 * Workers report a destination they had to send the slow way (at most once a
 * second each); the resolver answers when the kernel knows the neighbour, and
 * re-reads the ARP table every `refreshMs` so that a changed or vanished
 * neighbour reaches the workers (a vanished one sends them back to the raw
 * socket, and so the kernel resolves it again).
 */
import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { formatIpv4, parseIpv4 } from '../../address-text';
import type { NeighbourUpdate } from './port-worker';

/** What the kernel's route to a destination says: device and next hop. */
export interface RouteHop {
  readonly dev: string;
  readonly nextHop: number;
}

/** Looks up the route to `dst` (default: `ip -j route get`); null when there is none. */
export type RouteLookup = (dst: number) => Promise<RouteHop | null>;
/** Reads the complete neighbour entries (default: /proc/net/arp): `${ip}|${dev}` → MAC. */
export type NeighbourTableReader = () => Promise<Map<string, string>>;

export function ipRouteGet(dst: number): Promise<RouteHop | null> {
  return new Promise((resolve) => {
    execFile('ip', ['-j', 'route', 'get', formatIpv4(dst)], { encoding: 'utf8', timeout: 5000 }, (error, stdout) => {
      if (error) return resolve(null);
      try {
        const routes = JSON.parse(stdout) as { dev?: string; gateway?: string; type?: string }[];
        const r = routes[0];
        if (!r?.dev || (r.type !== undefined && r.type !== 'unicast')) return resolve(null);
        resolve({ dev: r.dev, nextHop: r.gateway ? parseIpv4(r.gateway) : dst });
      } catch {
        resolve(null);
      }
    });
  });
}

/** ATF_COM in /proc/net/arp's Flags column: the entry has a hardware address. */
const ATF_COM = 0x2;

export async function readProcNetArp(): Promise<Map<string, string>> {
  const table = new Map<string, string>();
  const text = await readFile('/proc/net/arp', 'utf8');
  for (const line of text.split('\n').slice(1)) {
    // IP address, HW type, Flags, HW address, Mask, Device
    const f = line.trim().split(/\s+/);
    if (f.length < 6) continue;
    const flags = parseInt(f[2] ?? '0', 16);
    const mac = f[3] ?? '';
    if ((flags & ATF_COM) === 0 || mac === '00:00:00:00:00:00') continue;
    table.set(`${f[0]}|${f[5]}`, mac.toLowerCase());
  }
  return table;
}

export interface NeighbourResolverOptions {
  /** Which XSK port (owned by worker `worker`) transmits on device `dev`; -1: none. */
  xskPortFor(worker: number, dev: string): number;
  /** Delivers updates to one worker. */
  send(worker: number, set: readonly NeighbourUpdate[], forget: readonly number[]): void;
  routeLookup?: RouteLookup;
  readNeighbours?: NeighbourTableReader;
  refreshMs?: number;
  /** Routes are looked up again after this long. Default 10 s. */
  routeTtlMs?: number;
  onError?: (error: Error) => void;
}

interface Tracked {
  /** What the worker was last told: `${port}|${mac}`, or '' for nothing yet. */
  told: string;
}

interface CachedRoute {
  hop: RouteHop | null;
  at: number;
}

export class NeighbourResolver {
  /** worker → dst → state */
  private readonly tracked = new Map<number, Map<number, Tracked>>();
  private readonly routes = new Map<number, CachedRoute>();
  private readonly routeLookup: RouteLookup;
  private readonly readNeighbours: NeighbourTableReader;
  private readonly refreshMs: number;
  private readonly routeTtlMs: number;
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private again = false;
  private stopped = false;

  constructor(private readonly options: NeighbourResolverOptions) {
    this.routeLookup = options.routeLookup ?? ipRouteGet;
    this.readNeighbours = options.readNeighbours ?? readProcNetArp;
    this.refreshMs = options.refreshMs ?? 1000;
    this.routeTtlMs = options.routeTtlMs ?? 10000;
  }

  start(): void {
    if (this.timer || this.stopped) return;
    this.timer = setInterval(() => void this.refresh(), this.refreshMs);
    this.timer.unref();
  }

  stop(): void {
    this.stopped = true;
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }

  /** A worker sent packets to `dst` by a raw socket: track it and answer as soon as possible. */
  miss(worker: number, dst: number): void {
    if (this.stopped) return;
    let m = this.tracked.get(worker);
    if (!m) this.tracked.set(worker, (m = new Map()));
    if (!m.has(dst)) {
      if (m.size >= 65536) return; // a flood of destinations: the rest keep the raw socket
      m.set(dst, { told: '' });
    } else if (m.get(dst)?.told !== '') {
      // The worker forgot what it was told (a restarted worker): tell it again.
      const t = m.get(dst);
      if (t) t.told = '';
    }
    void this.refresh();
  }

  /** Forgets a worker (it exited); its destinations are re-reported by the next one. */
  forgetWorker(worker: number): void {
    this.tracked.delete(worker);
  }

  /** One pass over every tracked destination; passes never overlap (a request during one runs another after it). */
  refresh(): Promise<void> {
    if (this.running) {
      this.again = true;
      return this.running;
    }
    this.running = this.pass()
      .catch((e: unknown) => this.options.onError?.(e instanceof Error ? e : new Error(String(e))))
      .finally(() => {
        this.running = undefined;
        if (this.again && !this.stopped) {
          this.again = false;
          void this.refresh();
        }
      });
    return this.running;
  }

  private async route(dst: number, now: number): Promise<RouteHop | null> {
    const cached = this.routes.get(dst);
    if (cached && now - cached.at < this.routeTtlMs) return cached.hop;
    const hop = await this.routeLookup(dst);
    this.routes.set(dst, { hop, at: now });
    return hop;
  }

  private async pass(): Promise<void> {
    if (this.tracked.size === 0) return;
    const now = Date.now();
    const table = await this.readNeighbours();
    for (const [worker, dsts] of this.tracked) {
      const set: NeighbourUpdate[] = [];
      const forget: number[] = [];
      for (const [dst, t] of dsts) {
        const hop = await this.route(dst, now);
        const port = hop ? this.options.xskPortFor(worker, hop.dev) : -1;
        const mac = hop && port >= 0 ? (table.get(`${formatIpv4(hop.nextHop)}|${hop.dev}`) ?? null) : null;
        if (port >= 0 && mac === null) {
          // Unresolved (yet): the worker keeps the raw socket, whose packets make the kernel resolve it.
          if (t.told !== '' && t.told !== 'pending') forget.push(dst);
          t.told = 'pending';
          continue;
        }
        const told = `${port}|${mac ?? ''}`;
        if (told === t.told) continue;
        t.told = told;
        set.push({ dst, port, mac });
      }
      if (set.length > 0 || forget.length > 0) this.options.send(worker, set, forget);
    }
  }
}
