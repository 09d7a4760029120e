/**
 * The packet path (DESIGN.md, journey 3), one packet at a time on a packet
 * worker's thread: strip what it arrived in (GRE or IP-in-IP from a client
 * router, MPLS in GRE from the core, nothing from a session's interface),
 * classify the ingress to a table, decrement the TTL, look the destination
 * up, and encapsulate for the next hop — or fall back to plain IP when the
 * tunnel is down and policy allows. No allocation per packet: every scratch
 * object is created once.
 *
 * Errors a router reports go back the way the packet came (symmetric path):
 * Time Exceeded (RFC 1812 §5.3.1) and Fragmentation Needed (RFC 1191 §4) are
 * sent down the same tunnel, or out of the same interface.
 */
import { DropReason } from '../tunnels/errors';
import { encapsulateGreIpv4, greTunnelOptions, parseGreIpv4Outer } from '../tunnels/gre-ipv4';
import { createGreHeader, GreProtocol } from '../tunnels/gre';
import { writeIcmpFragmentationNeeded, writeIcmpTimeExceeded, icmpErrorOrigin } from '../tunnels/icmp';
import { decapsulateIpip, encapsulateIpip, IPIP_OVERHEAD } from '../tunnels/ipip';
import { createIpv4Header, forwardIpv4Ttl, IPV4_HEADER_LENGTH, parseIpv4Header } from '../tunnels/ipv4-header';
import { createDecapResult, createEncapResult, DEFAULT_DECAP_OPTIONS, finishIpv4Decap, ipv4TunnelConfig } from '../tunnels/ipv4-tunnel';
import { flowHashIpv4 } from '../tunnels/flow-hash';
import { createEcho, ECHO_PORT, readEcho } from '../tunnels/echo';
import { createMplsDecapResult, encapsulateMplsGre, labelOf, labelPush, MPLS_ENTRY_LENGTH, parseLabelStack } from '../tunnels/mpls';
import { D_FALLBACK, D_FORWARD, D_NO_ROUTE, D_UNCLASSIFIED, DataPlane, type FibSnapshot, newDecision, NO_KEY } from './data-plane';
import { TargetFilter, type TargetHook } from './target-rules';
import { TunnelCounterWriter } from './tunnel-counters';
import { FLAG_KEY, KIND_GRE, KIND_IPIP, KIND_LOCAL, KIND_MPLS, KIND_PLAIN, RECORD_WORDS, W_COUNT, W_FLAGS, W_ITEMS, W_KEY, W_KIND, W_LOCAL, W_PORT, W_REMOTE, W_TUNNEL } from './next-hop-table';

/** What each raw port of the backend is for; TUN ports are the sessions' interfaces. */
export interface ForwarderPorts {
  /** Raw IP protocol 47 socket: GRE from client routers and MPLS in GRE from the core, and out again. */
  readonly gre: number;
  /** Raw IP protocol 4 socket: IP-in-IP from and to client routers. */
  readonly ipip: number;
  /** Raw IPPROTO_RAW socket: best-effort plain IP (the fallback). -1: none, fall back means drop. */
  readonly plain: number;
}

export interface ForwarderInit {
  readonly snapshot: FibSnapshot;
  readonly ports: ForwarderPorts;
  /** This node's address: the source of ICMP errors it sends. */
  readonly address: number;
  /** MTU of the path to tunnel endpoints, outer header included (RFC 2003 §5.1). */
  readonly pathMtu: number;
  /** Uint32 counters per FwdCounter, shared with the main thread; updated with Atomics. */
  readonly counters: SharedArrayBuffer;
  /** Modules exporting a TargetHook as `hook` (NAT, inspection), run after a hub's per-target rules forward. */
  readonly targetHooks?: readonly string[];
}

/** Counter slots of ForwarderInit.counters. */
export const FwdCounter = {
  Forwarded: 0,
  Fallback: 1,
  Unclassified: 2,
  NoRoute: 3,
  Dropped: 4,
  TtlExceeded: 5,
  /** Dropped by a hub's per-target rules or hooks. */
  TargetDropped: 10,
  /** Not an IPv4 packet (the packet path forwards IPv4; IPv6 tables exist, its path does not yet). */
  NotIpv4: 11,
  /** Liveness probes that came out of a tunnel and were sent on toward their destination as plain IP. */
  EchoReflected: 12,
  FragNeeded: 6,
  Malformed: 7,
  IcmpSent: 8,
  Decapsulated: 9,
} as const;
export const FWD_COUNTERS = 13;
export const FWD_COUNTER_NAMES = ['forwarded', 'fallback', 'unclassified', 'no-route', 'dropped', 'ttl-exceeded', 'frag-needed', 'malformed', 'icmp-sent', 'decapsulated', 'target-dropped', 'not-ipv4', 'echo-reflected'] as const;

export function forwarderCounters(): SharedArrayBuffer {
  return new SharedArrayBuffer(FWD_COUNTERS * 4);
}

/** How a packet arrived: where an error about it goes back to. */
const VIA_PORT = 0;
const VIA_GRE = 1;
const VIA_IPIP = 2;
const VIA_CORE = 3;

export interface EmitTo {
  port: number;
  dst: number;
}

export class Forwarder {
  private plane: DataPlane;
  private readonly counters: Uint32Array;
  private readonly decision = newDecision();
  private readonly outer = createIpv4Header();
  private readonly gre = createGreHeader();
  private readonly decap = createDecapResult();
  private readonly echo = createEcho();
  private readonly mpls = createMplsDecapResult();
  private readonly encap = createEncapResult();
  private readonly tunnel;
  private readonly greOut = greTunnelOptions();
  private readonly coreGre = greTunnelOptions();
  private readonly push = labelPush([0, 0, 0, 0]);
  private readonly origin;
  private readonly scratch = Buffer.alloc(65536 + 128);
  private readonly hooks: readonly TargetHook[];
  /** Per table id: the hub's per-target filter, built for this worker's counter row on first use. */
  private filters: (TargetFilter | null | undefined)[] = [];
  /** Per-tunnel counters, one writer per port this forwarder reads (its worker's row). */
  private readonly tunnelWriters: (TunnelCounterWriter | undefined)[] = [];
  /** Coarse clock for "last seen", refreshed between batches (idle) rather than per packet. */
  private now = Date.now();
  // The ingress of the packet in hand, for errors sent back.
  private via = VIA_PORT;
  private viaPort = -1;
  private viaRemote = 0;
  private viaKey = NO_KEY;

  constructor(private readonly init: ForwarderInit) {
    this.plane = new DataPlane(init.snapshot);
    this.counters = new Uint32Array(init.counters);
    this.tunnel = ipv4TunnelConfig({ source: init.address, destination: 0, pathMtu: init.pathMtu });
    this.origin = icmpErrorOrigin(init.address);
    // Operator-supplied hook modules, loaded once per worker (they run on its thread).
    this.hooks = (init.targetHooks ?? []).map((m) => (require(m) as { hook: TargetHook }).hook);
  }

  /** Between batches: refresh the coarse clock. */
  idle(): void {
    this.now = Date.now();
  }

  private tunnels(port: number): TunnelCounterWriter {
    let w = this.tunnelWriters[port];
    if (!w) this.tunnelWriters[port] = w = new TunnelCounterWriter(this.plane.snapshot.tunnelCounters, port);
    return w;
  }

  /** A new snapshot from the FIB (tables or classifier changed). */
  update(snapshot: FibSnapshot): void {
    if (snapshot.version === this.plane.version) return;
    this.plane = new DataPlane(snapshot);
    this.filters = [];
  }

  /** The per-target filter of a hub table, counting in the row of the worker that reads `port`. */
  private filter(table: number, port: number): TargetFilter | null {
    let f = this.filters[table];
    if (f === undefined) {
      const rules = this.plane.targets[table];
      f = rules ? new TargetFilter(rules, port, this.hooks) : null;
      this.filters[table] = f;
    }
    return f;
  }

  private count(c: number): void {
    Atomics.add(this.counters, c, 1);
  }

  /**
   * One packet in `inBuf[0, len)` from port `ingress`; the packet to send is
   * written to `out[0, n)` and n returned, with its port (and outer
   * destination for raw ports) in `to`; 0: dropped.
   */
  handle(inBuf: Buffer, len: number, ingress: number, out: Buffer, to: EmitTo): number {
    const ports = this.init.ports;
    const plane = this.plane;
    let off = 0;
    let ilen = len;
    let table = -1;
    let labelled = -1;
    this.via = VIA_PORT;
    this.viaPort = ingress;
    if (ingress === ports.gre) {
      if (parseGreIpv4Outer(inBuf, 0, len, this.outer, this.gre) !== DropReason.Ok) return this.drop(FwdCounter.Malformed);
      const payload = this.outer.headerLength + this.gre.headerLength;
      const end = this.outer.totalLength;
      const outerTos = (this.outer.dscp << 2) | this.outer.ecn;
      this.viaRemote = this.outer.source;
      if (this.gre.protocol === GreProtocol.Ipv4) {
        this.via = VIA_GRE;
        this.viaKey = this.gre.key === null ? NO_KEY : this.gre.key | 0;
        table = plane.tableOfGre(this.outer.source, this.viaKey);
        this.tunnels(ingress).rx(plane.tunnelOfGre(this.outer.source, this.viaKey), len, this.now);
        if (finishIpv4Decap(inBuf, payload, end - payload, outerTos, DEFAULT_DECAP_OPTIONS, this.decap) !== DropReason.Ok) return this.drop(FwdCounter.Malformed);
      } else if (this.gre.protocol === GreProtocol.MplsUnicast) {
        // RFC 4023 §4 from another PE or the hub: the VPN label says which table or next hop (RFC 4364 §5).
        this.via = VIA_CORE;
        if (parseLabelStack(inBuf, payload, end - payload, this.mpls) !== DropReason.Ok || this.mpls.depth !== 1) return this.drop(FwdCounter.Malformed);
        const label = labelOf(this.mpls.entries[0] ?? 0);
        table = plane.tableOfLabel(label);
        if (table < 0) labelled = plane.nextHopOfLabel(label);
        const inner = this.mpls.payloadOffset;
        if (finishIpv4Decap(inBuf, inner, end - inner, outerTos, DEFAULT_DECAP_OPTIONS, this.decap) !== DropReason.Ok) return this.drop(FwdCounter.Malformed);
      } else return this.drop(FwdCounter.Malformed);
      off = this.decap.offset;
      ilen = this.decap.length;
      this.count(FwdCounter.Decapsulated);
    } else if (ingress === ports.ipip) {
      if (decapsulateIpip(inBuf, 0, len, DEFAULT_DECAP_OPTIONS, this.decap) !== DropReason.Ok) return this.drop(FwdCounter.Malformed);
      this.via = VIA_IPIP;
      this.viaRemote = this.decap.outerSource;
      table = plane.tableOfIpip(this.decap.outerSource);
      this.tunnels(ingress).rx(plane.tunnelOfIpip(this.decap.outerSource), len, this.now);
      off = this.decap.offset;
      ilen = this.decap.length;
      this.count(FwdCounter.Decapsulated);
    } else {
      // A session's own interface: a bare IPv4 packet.
      if (len > 0 && (inBuf[0] ?? 0) >> 4 !== 4) return this.drop(FwdCounter.NotIpv4);
      // RFC 1812 §5.2.2: validate the header before forwarding.
      if (parseIpv4Header(inBuf, 0, len, this.outer, true) !== DropReason.Ok) return this.drop(FwdCounter.Malformed);
      ilen = this.outer.totalLength;
      table = plane.tableOfPort(ingress);
    }
    // A liveness probe (tunnels/echo.ts) out of any tunnel, ours or not: routed home as plain IP, as a router
    // decapsulating a GRE keepalive does; it needs no table and no session.
    if (this.via !== VIA_PORT && inBuf[off + 9] === 17 && ilen >= 28 && inBuf.readUInt16BE(off + ((inBuf[off] ?? 0x45) & 0x0f) * 4 + 2) === ECHO_PORT && readEcho(inBuf, off, ilen, this.echo)) {
      if (forwardIpv4Ttl(inBuf, off) !== DropReason.Ok) return this.drop(FwdCounter.TtlExceeded);
      this.count(FwdCounter.EchoReflected);
      return this.plain(inBuf, off, ilen, this.echo.destination, out, to);
    }
    if (table < 0 && labelled < 0) return this.drop(FwdCounter.Unclassified);
    // RFC 1812 §5.3.1: TTL decremented once per hop, here; expiry answered along the way back.
    if (forwardIpv4Ttl(inBuf, off) !== DropReason.Ok) {
      this.count(FwdCounter.TtlExceeded);
      return this.sendError(writeIcmpTimeExceeded(this.scratch, 0, inBuf, off, ilen, this.origin), out, to);
    }
    const dst = inBuf.readUInt32BE(off + 16);
    const hash = flowHashIpv4(inBuf, off, ilen);
    const d = this.decision;
    const outcome = labelled >= 0 ? plane.resolve(labelled, hash, d) : plane.decide4(table, dst, hash, d);
    // RFC 7024 §3: at the hub, per-target processing before the packet goes back down.
    if ((outcome === D_FORWARD || outcome === D_FALLBACK) && table >= 0) {
      const f = this.filter(table, ingress);
      if (f !== null && !f.check(inBuf, off, ilen, inBuf.readUInt32BE(off + 12), dst)) return this.drop(FwdCounter.TargetDropped);
    }
    if (outcome === D_FORWARD) return this.emit(d.nextHop, inBuf, off, ilen, dst, out, to);
    if (outcome === D_FALLBACK) {
      this.count(FwdCounter.Fallback);
      return this.plain(inBuf, off, ilen, dst, out, to);
    }
    return this.drop(outcome === D_NO_ROUTE ? FwdCounter.NoRoute : outcome === D_UNCLASSIFIED ? FwdCounter.Unclassified : FwdCounter.Dropped);
  }

  private drop(c: number): number {
    this.count(c);
    return 0;
  }

  private plain(inBuf: Buffer, off: number, ilen: number, dst: number, out: Buffer, to: EmitTo): number {
    if (this.init.ports.plain < 0) return this.drop(FwdCounter.Dropped);
    inBuf.copy(out, 0, off, off + ilen);
    to.port = this.init.ports.plain;
    to.dst = dst;
    return ilen;
  }

  private emit(record: number, inBuf: Buffer, off: number, ilen: number, dst: number, out: Buffer, to: EmitTo): number {
    const w = this.plane.records(record);
    const base = record * RECORD_WORDS;
    const kind = w[base + W_KIND];
    const ports = this.init.ports;
    let reason: number;
    let overhead: number;
    if (kind === KIND_LOCAL) {
      inBuf.copy(out, 0, off, off + ilen);
      to.port = w[base + W_PORT] ?? -1;
      to.dst = dst;
      this.count(FwdCounter.Forwarded);
      return ilen;
    }
    if (kind === KIND_PLAIN) {
      this.count(FwdCounter.Forwarded);
      return this.plain(inBuf, off, ilen, dst, out, to);
    }
    const remote = (w[base + W_REMOTE] ?? 0) >>> 0;
    this.tunnel.source = (w[base + W_LOCAL] ?? 0) >>> 0;
    this.tunnel.destination = remote;
    if (kind === KIND_GRE) {
      const flags = w[base + W_FLAGS] ?? 0;
      this.greOut.key = (flags & FLAG_KEY) !== 0 ? (w[base + W_KEY] ?? 0) >>> 0 : null;
      overhead = IPV4_HEADER_LENGTH + (this.greOut.key === null ? 4 : 8);
      inBuf.copy(out, overhead, off, off + ilen);
      reason = encapsulateGreIpv4(out, overhead, ilen, this.tunnel, this.greOut, this.encap);
      to.port = ports.gre;
    } else if (kind === KIND_IPIP) {
      overhead = IPIP_OVERHEAD;
      inBuf.copy(out, overhead, off, off + ilen);
      reason = encapsulateIpip(out, overhead, ilen, this.tunnel, this.encap);
      to.port = ports.ipip;
    } else if (kind === KIND_MPLS) {
      const count = w[base + W_COUNT] ?? 0;
      for (let i = 0; i < count; i++) this.push.labels[i] = w[base + W_ITEMS + i] ?? 0;
      this.push.count = count;
      // RFC 3443 pipe model: the pushed TTL is independent of the inner one, which the egress decrements.
      this.push.ttl = 255;
      overhead = IPV4_HEADER_LENGTH + 4 + count * MPLS_ENTRY_LENGTH;
      // The label stack hides the inner DF from the codec: RFC 1191 §4 is applied here, against the tunnel MTU.
      if (ilen + overhead > this.init.pathMtu && ((inBuf[off + 6] ?? 0) & 0x40) !== 0) {
        this.count(FwdCounter.FragNeeded);
        return this.sendError(writeIcmpFragmentationNeeded(this.scratch, 0, inBuf, off, ilen, this.init.pathMtu - overhead, this.origin), out, to);
      }
      inBuf.copy(out, overhead, off, off + ilen);
      reason = encapsulateMplsGre(out, overhead, ilen, this.push, this.tunnel, this.coreGre, inBuf[off + 1] ?? 0, this.encap);
      to.port = ports.gre;
    } else return this.drop(FwdCounter.Dropped);
    if (reason === DropReason.FragmentationNeeded) {
      this.count(FwdCounter.FragNeeded);
      return this.sendError(writeIcmpFragmentationNeeded(this.scratch, 0, inBuf, off, ilen, this.encap.mtu, this.origin), out, to);
    }
    if (reason !== DropReason.Ok || this.encap.offset !== 0) return this.drop(FwdCounter.Malformed);
    to.dst = remote;
    this.count(FwdCounter.Forwarded);
    this.tunnels(this.viaPort).tx(w[base + W_TUNNEL] ?? -1, this.encap.length);
    return this.encap.length;
  }

  /** An ICMP error of `n` octets in scratch goes back the way the packet came. */
  private sendError(n: number, out: Buffer, to: EmitTo): number {
    if (n === 0) return 0;
    this.count(FwdCounter.IcmpSent);
    const ports = this.init.ports;
    if (this.via === VIA_PORT) {
      this.scratch.copy(out, 0, 0, n);
      to.port = this.viaPort;
      to.dst = this.scratch.readUInt32BE(16);
      return n;
    }
    this.tunnel.source = this.init.address;
    this.tunnel.destination = this.viaRemote;
    let reason: number;
    if (this.via === VIA_GRE) {
      this.greOut.key = this.viaKey === NO_KEY ? null : this.viaKey >>> 0;
      const overhead = IPV4_HEADER_LENGTH + (this.greOut.key === null ? 4 : 8);
      this.scratch.copy(out, overhead, 0, n);
      reason = encapsulateGreIpv4(out, overhead, n, this.tunnel, this.greOut, this.encap);
      to.port = ports.gre;
    } else if (this.via === VIA_IPIP) {
      this.scratch.copy(out, IPIP_OVERHEAD, 0, n);
      reason = encapsulateIpip(out, IPIP_OVERHEAD, n, this.tunnel, this.encap);
      to.port = ports.ipip;
    } else {
      // From the core: the error's destination is a client elsewhere; best effort.
      this.scratch.copy(out, 0, 0, n);
      to.port = ports.plain;
      to.dst = this.scratch.readUInt32BE(16);
      return ports.plain < 0 ? 0 : n;
    }
    if (reason !== DropReason.Ok || this.encap.offset !== 0) return 0;
    to.dst = this.viaRemote;
    return this.encap.length;
  }
}

/** For worker threads and tests: the counters as named numbers. */
export function readForwarderCounters(buffer: SharedArrayBuffer): Record<(typeof FWD_COUNTER_NAMES)[number], number> {
  const c = new Uint32Array(buffer);
  const out = {} as Record<(typeof FWD_COUNTER_NAMES)[number], number>;
  FWD_COUNTER_NAMES.forEach((name, i) => {
    out[name] = Atomics.load(c, i);
  });
  return out;
}

