/**
 * Tunnel liveness in the daemon (issue 8): probes every tunnel the FIB
 * forwards into — client tunnels (GRE with their key, IP-in-IP) and core
 * paths (plain GRE to the egress PE or hub) — with echoes the far end
 * routes home (src/tunnels/echo.ts), and turns the LivenessMonitor's verdicts
 * into FIB tunnel-state changes: traffic falls back to best-effort IP (where
 * policy allows) when a tunnel goes down, and returns when it answers again.
 */
import { createSocket, type Socket } from 'node:dgram';
import { formatIpv4, parseIpv4 } from '../bgp/wire/values/ip';
import type { Fib } from '../fib/fib';
import { createEcho, ECHO_PACKET_LENGTH, ECHO_PORT, readEchoPayload, writeEcho } from '../tunnels/echo';
import { GreProtocol } from '../tunnels/gre';
import { greIpv4Overhead, greTunnelOptions, writeGreTail } from '../tunnels/gre-ipv4';
import { IPIP_OVERHEAD } from '../tunnels/ipip';
import { IpProtocol } from '../tunnels/ipv4-header';
import { createEncapResult, ipv4TunnelConfig, writeOuterIpv4 } from '../tunnels/ipv4-tunnel';
import { LivenessMonitor, type LivenessEvent } from '../tunnels/liveness';
import { DropReason } from '../tunnels/errors';
import type { PacketPlane } from './packet-plane';

interface Probed {
  readonly type: 'gre' | 'ipip';
  readonly remote: number;
  readonly key: number | null;
}

export interface TunnelMonitorOptions {
  readonly intervalMs: number;
  readonly multiplier: number;
  /** Our tunnel source: where answers come home to. */
  readonly address: number;
  readonly log: (level: 'info' | 'warn', message: string) => void;
  readonly now?: () => number;
}

/** What happened last to a tunnel, for `show tunnels`. */
export interface TunnelHistory {
  readonly state: 'init' | 'up' | 'down';
  /** ms from the last answer to the down verdict, and the length of the last outage. */
  readonly lastFailoverMs: number | null;
  readonly lastRecoveryMs: number | null;
  readonly since: number;
}

export class TunnelMonitor {
  private readonly live: LivenessMonitor;
  private readonly probed = new Map<string, Probed>();
  private readonly history = new Map<string, { failover: number | null; recovery: number | null; since: number }>();
  private readonly timer: NodeJS.Timeout;
  private socket: Socket | null = null;
  private syncScheduled = false;
  private readonly now: () => number;
  private readonly buf = Buffer.alloc(ECHO_PACKET_LENGTH + 64);
  private readonly encap = createEncapResult();
  private readonly echo = createEcho();

  constructor(private readonly fib: Fib, private readonly plane: PacketPlane, private readonly opts: TunnelMonitorOptions) {
    this.now = opts.now ?? Date.now;
    this.live = new LivenessMonitor({ intervalMs: opts.intervalMs, multiplier: opts.multiplier });
    // A quarter interval: a verdict comes at most that late after the detection time.
    this.timer = setInterval(() => this.tick(), Math.max(5, Math.floor(opts.intervalMs / 4)));
    this.timer.unref();
    // Once per burst of FIB changes, not per batch: sync walks every next-hop record.
    fib.onChanges(() => {
      if (this.syncScheduled) return;
      this.syncScheduled = true;
      setImmediate(() => {
        this.syncScheduled = false;
        this.sync();
      });
    });
    this.sync();
  }

  /** Answers that come home as plain IP arrive on UDP port 3785 (RFC 5881's echo port). */
  async listen(): Promise<void> {
    const s = createSocket({ type: 'udp4', reuseAddr: true });
    s.on('message', (msg, rinfo) => {
      const source = parseIpv4(rinfo.address);
      if (source !== null && readEchoPayload(msg, 0, source, this.opts.address, this.echo)) this.answered(this.echo.tunnel, this.echo.seq);
    });
    s.on('error', (e) => this.opts.log('warn', `tunnel probes: UDP ${ECHO_PORT}: ${e.message}`));
    await new Promise<void>((resolve, reject) => {
      s.once('error', reject);
      s.bind(ECHO_PORT, () => {
        s.off('error', reject);
        resolve();
      });
    });
    this.socket = s;
  }

  close(): void {
    clearInterval(this.timer);
    this.socket?.close();
    this.socket = null;
  }

  state(tunnel: string): TunnelHistory | null {
    const st = this.live.state(tunnel);
    if (st === null) return null;
    const h = this.history.get(tunnel);
    return { state: st, lastFailoverMs: h?.failover ?? null, lastRecoveryMs: h?.recovery ?? null, since: h?.since ?? 0 };
  }

  /** The tunnels to probe: every tunnel a FIB next hop encapsulates into. */
  private sync(): void {
    const wanted = new Map<string, Probed>();
    for (const i of this.fib.nextHops.indices()) {
      const nh = this.fib.nextHops.get(i);
      if (!nh) continue;
      if (nh.kind === 'gre') wanted.set(nh.tunnel, { type: 'gre', remote: nh.remote, key: nh.key });
      else if (nh.kind === 'ipip') wanted.set(nh.tunnel, { type: 'ipip', remote: nh.remote, key: null });
      // The core path is probed in plain GRE: the far hdvpnd (or any router) decapsulates and routes the echo home.
      else if (nh.kind === 'mpls') wanted.set(nh.tunnel, { type: 'gre', remote: nh.remote, key: null });
    }
    const now = this.now();
    for (const name of [...this.probed.keys()]) {
      if (wanted.has(name)) continue;
      this.probed.delete(name);
      this.live.remove(name);
      this.history.delete(name);
    }
    for (const [name, p] of wanted) {
      if (this.probed.has(name)) continue;
      this.probed.set(name, p);
      this.live.add(name, now);
      this.history.set(name, { failover: null, recovery: null, since: now });
    }
  }

  private tick(): void {
    const now = this.now();
    for (const { tunnel, seq } of this.live.due(now)) this.probe(tunnel, seq, now);
    const events = this.live.check(now);
    if (events.length > 0) this.apply(events);
  }

  private probe(tunnel: string, seq: number, now: number): void {
    const p = this.probed.get(tunnel);
    if (!p) return;
    const id = this.fib.nextHops.tunnelId(tunnel);
    const config = ipv4TunnelConfig({ source: this.opts.address, destination: p.remote });
    const gre = greTunnelOptions({ key: p.key });
    const overhead = p.type === 'gre' ? greIpv4Overhead(gre) : IPIP_OVERHEAD;
    // From the far end back to us: the far end routes it home (tunnels/echo.ts).
    const n = writeEcho(this.buf, overhead, p.remote, this.opts.address, id, seq, now);
    // Not through encapsulateGreIpv4/encapsulateIpip: their RFC 2003 §3.2 loop check refuses an inner
    // source equal to the tunnel's far end, which is exactly what a keepalive is.
    const r = writeOuterIpv4(this.buf, overhead, n, overhead, p.type === 'gre' ? IpProtocol.Gre : IpProtocol.IpInIp, config, 0, false, this.encap);
    if (r !== DropReason.Ok) return;
    if (p.type === 'gre') writeGreTail(this.buf, this.encap, GreProtocol.Ipv4, gre);
    this.plane.send(p.type, this.buf.subarray(this.encap.offset, this.encap.offset + this.encap.length), p.remote);
  }

  private answered(id: number, seq: number): void {
    const name = this.fib.nextHops.tunnelName(id);
    const e = name === undefined ? null : this.live.answer(name, seq, this.now());
    if (e) this.apply([e]);
  }

  private apply(events: readonly LivenessEvent[]): void {
    for (const e of events) {
      const h = this.history.get(e.tunnel);
      if (h) {
        if (e.state === 'down') h.failover = e.after;
        else if (e.after > 0) h.recovery = e.after;
        h.since = e.at;
      }
      const p = this.probed.get(e.tunnel);
      const where = p ? `${p.type} to ${formatIpv4(p.remote)}` : '';
      if (e.state === 'down') this.opts.log('warn', `tunnel ${e.tunnel} (${where}) down: no answer for ${e.after} ms; its traffic falls back to best-effort IP where policy allows`);
      else this.opts.log('info', `tunnel ${e.tunnel} (${where}) up${e.after > 0 ? ` after ${e.after} ms down` : ''}`);
    }
    this.fib.apply(events.map((e) => ({ type: 'tunnel-state', tunnel: e.tunnel, up: e.state === 'up' })));
  }
}
