/**
 * Forwarding benchmark (`npm run bench:forward [-- options]`, root): packets per
 * second through the userspace backend against Linux kernel forwarding, same
 * namespaces, same flood, same run.
 *
 *   gen (10.99.1.2) --veth-- fwd (10.99.1.1 | 10.99.2.1) --veth-- sink (10.99.2.2)
 *
 * The generator floods one UDP flow of 64-byte Ethernet frames (46-byte IPv4
 * packets by default) with sendmmsg(); the sink's veth receive counter is the
 * score. Kernel path: ip_forward=1, plain connected routes. Userspace path:
 * `ip rule iif f0 → table 100 → dev hdv0` steers the flood into a TUN; a
 * UserspaceBackend worker reads it, runs the handler (default: this module's
 * createHandler, which decrements TTL with an RFC 1624 checksum update) and
 * sends the result out of an IPPROTO_RAW socket (IP_HDRINCL), which the kernel
 * routes to the sink.
 *
 * With `--ingress gre` the flood is GRE instead (key 5 around the same UDP
 * packet; a client router's tunnel, as on a PE of issue 8): the kernel path
 * forwards it unchanged to the sink, and the userspace path receives it on the
 * forwarder's own address with a raw GRE socket (recvmmsg), so the handler
 * decapsulates, looks up and re-encapsulates, and sends it out of the same
 * socket (sendmmsg). Same packets, same namespaces: only their outer
 * destination differs, because the kernel here cannot terminate GRE.
 *
 * With `--xsk` (GRE ingress only) a third row runs the same handler over AF_XDP
 * ports (UserspaceBackend.addXskPort, docs/packet-io.md "AF_XDP ports"): an
 * XDP program on f0 redirects the GRE flood to an XSK socket, the handler sees
 * it as from the GRE socket, and its packets to the sink leave through an XSK
 * socket on f1 once the kernel has resolved the sink's MAC (by the GRE socket
 * until then). `--skip-sockets` leaves out the row over kernel sockets.
 *
 * Options: --seconds N (measured window, default 5) --runs N (default 1)
 *   --ingress tun|gre (default tun) --xsk --skip-sockets --sink-route-back
 *   --size BYTES (IPv4 packet, default 46; with --ingress gre the outer packet, default 64) --handler /abs/module.js
 *   --init JSON (handler init; default {"tunPort":0,"rawPort":1})
 *   --no-pin (do not pin the generator to CPU 0 and the forwarder to CPU 1)
 *   --compare-batch-io (also run the userspace path with one sendto() per packet)
 * The handler sees TUN packets (or, with --ingress gre, GRE packets from the
 * raw GRE socket) on port 0 and emits to port 1 (raw, any protocol: with
 * IP_HDRINCL the handler writes the outer header, so GRE works too) or, for
 * GRE ingress, also to port 0.
 * Internal roles: --role generator | forwarder [--io sockets|xsk] (run inside a namespace).
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import readline from 'node:readline';
import { parseArgs } from 'node:util';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import koffi from 'koffi';
import type { EmitResult, PacketHandler } from '../src/fib/backends/userspace/handler';
import { UserspaceBackend, type PortCounters, type XskStatistics } from '../src/fib/backends/userspace/backend';
import { openTun, configureTun } from '../src/fib/backends/userspace/tun';
import { openRawSocket, writeSockaddrIn, SOCKADDR_IN_SIZE } from '../src/fib/backends/userspace/raw-socket';
import { parseIpv4 } from '../src/fib/address-text';
import { AF_INET, IPPROTO_GRE, IPPROTO_RAW, SOCK_RAW, libcIo, failWithErrno } from '../src/fib/backends/userspace/libc-io';
import { GreProtocol, writeGreHeader } from '../src/tunnels/gre';
import { IPV4_HEADER_LENGTH, IpProtocol, writeIpv4Header } from '../src/tunnels/ipv4-header';

const GEN_ADDR = '10.99.1.2';
const FWD_IN = '10.99.1.1';
const FWD_OUT = '10.99.2.1';
const SINK_ADDR = '10.99.2.2';
const TUN_NAME = 'hdv0';
const TABLE = '100';

// ---------------------------------------------------------------------------
// The default handler: TUN in, TTL - 1, raw socket out.

interface BenchInit {
  tunPort: number;
  rawPort: number;
}

function benchInit(init: unknown): BenchInit {
  const o = typeof init === 'object' && init !== null ? (init as Partial<BenchInit>) : {};
  return { tunPort: o.tunPort ?? 0, rawPort: o.rawPort ?? 1 };
}

/** A minimal router: IPv4 without options only, TTL decremented, header checksum updated per RFC 1624 (eqn. 3). */
export function createHandler(init: unknown): PacketHandler {
  const { rawPort } = benchInit(init);
  return {
    handle(inBuf: Buffer, len: number, _ingress: number, out: Buffer, result: EmitResult): number {
      if (len < 20 || inBuf[0] !== 0x45) return 0;
      const ttl = inBuf[8] ?? 0;
      if (ttl <= 1) return 0;
      inBuf.copy(out, 0, 0, len);
      const proto = out[9] ?? 0;
      out[8] = ttl - 1;
      let sum = (~out.readUInt16BE(10) & 0xffff) + (~((ttl << 8) | proto) & 0xffff) + (((ttl - 1) << 8) | proto);
      sum = (sum & 0xffff) + (sum >>> 16);
      sum = (sum & 0xffff) + (sum >>> 16);
      out.writeUInt16BE(~sum & 0xffff, 10);
      result.port = rawPort;
      result.dst = out.readUInt32BE(16);
      return len;
    },
  };
}

// ---------------------------------------------------------------------------
// Role: generator (inside gen). One UDP flow, sendmmsg() in batches of 64.

const MMSGHDR_SIZE = 64; // struct mmsghdr on x86-64: msghdr (56) + msg_len, padded
const BATCH = 64;

/** GRE key of the generator's tunnel (--ingress gre); forward-gre-handler.ts binds this tunnel to its upstream table. */
export const BENCH_CLIENT_KEY = 5;
/** Inner addresses of the GRE flood: a client behind the generator's tunnel toward a host behind the hub. */
const INNER_SRC = 0xc0000201; // 192.0.2.1
const INNER_DST = 0xc6336401; // 198.51.100.1

/**
 * The GRE generator's payload: GRE with key (RFC 2890) around an IPv4/UDP
 * packet; the kernel adds the outer IPv4 header. `size` is the outer packet.
 */
function greFloodPayload(size: number): Buffer {
  const innerLen = size - IPV4_HEADER_LENGTH - 8;
  const p = Buffer.allocUnsafeSlow(8 + innerLen).fill(0x5a);
  const i = writeGreHeader(p, 0, GreProtocol.Ipv4, false, BENCH_CLIENT_KEY, null);
  const inner = { dscp: 0, ecn: 0, identification: 0, dontFragment: false, ttl: 64, protocol: IpProtocol.Udp, source: INNER_SRC, destination: INNER_DST };
  writeIpv4Header(p, i, inner, innerLen);
  const u = i + IPV4_HEADER_LENGTH;
  p.writeUInt16BE(40000, u);
  p.writeUInt16BE(9, u + 2);
  p.writeUInt16BE(innerLen - IPV4_HEADER_LENGTH, u + 4);
  p.writeUInt16BE(0, u + 6); // UDP checksum optional over IPv4 (RFC 768)
  return p;
}

function generator(dst: string, size: number, seconds: number, gre: boolean): void {
  const io = libcIo();
  const lib = koffi.load('libc.so.6');
  const sendmmsg = lib.func('int sendmmsg(int, void *, unsigned int, int)') as (fd: number, v: Buffer, n: number, f: number) => number;
  const fd = gre ? io.socket(AF_INET, SOCK_RAW, IPPROTO_GRE) : io.socket(AF_INET, 2 /* SOCK_DGRAM */, 0);
  if (fd < 0) failWithErrno(io, 'socket');
  // Buffers that native code points into are allocated outside the pool and kept referenced until the end.
  const payload = gre ? greFloodPayload(size) : Buffer.allocUnsafeSlow(Math.max(size - 28, 1)).fill(0x5a);
  const addr = Buffer.allocUnsafeSlow(SOCKADDR_IN_SIZE);
  writeSockaddrIn(addr, parseIpv4(dst), 9);
  const iov = Buffer.allocUnsafeSlow(16);
  iov.writeBigUInt64LE(koffi.address(payload), 0);
  iov.writeBigUInt64LE(BigInt(payload.length), 8);
  const msgs = Buffer.alloc(BATCH * MMSGHDR_SIZE);
  for (let i = 0; i < BATCH; i++) {
    const m = i * MMSGHDR_SIZE;
    msgs.writeBigUInt64LE(koffi.address(addr), m); // msg_name
    msgs.writeUInt32LE(SOCKADDR_IN_SIZE, m + 8); // msg_namelen
    msgs.writeBigUInt64LE(koffi.address(iov), m + 16); // msg_iov
    msgs.writeBigUInt64LE(1n, m + 24); // msg_iovlen
  }
  const end = Date.now() + seconds * 1000;
  let sent = 0;
  let failed = 0;
  while (Date.now() < end) {
    const n = sendmmsg(fd, msgs, BATCH, 0);
    if (n > 0) sent += n;
    else failed++;
  }
  io.close(fd);
  process.stdout.write(`${JSON.stringify({ sent, failed, keep: payload.length + addr.length + iov.length })}\n`);
}

// ---------------------------------------------------------------------------
// Role: forwarder (inside fwd). TUN port 0 in, raw port 1 out.

const LOOP_SAMPLE_MS = 10;

interface ForwarderReport {
  /** Port 0: the TUN, or the raw GRE socket with --ingress gre. */
  in: PortCounters;
  /** The port the handler sends on: the raw socket (port 1), or the GRE socket itself with --ingress gre. */
  out: PortCounters;
  /** Event-loop lag of the forwarder's main thread while the worker forwards (an idle process shows about 3.5 / 5 ms here). */
  loopDelayP99Ms: number;
  loopDelayMaxMs: number;
  /** --xsk: the AF_XDP port on f1, the XDP mode on f0 and the kernel's statistics of the f0 socket. */
  xskOut?: PortCounters;
  xdpMode?: string;
  xskStats?: XskStatistics;
}

async function forwarder(handlerModule: string, init: unknown, batchIo: boolean, ingress: Ingress, io: Io): Promise<void> {
  let inFd: number;
  if (ingress === 'gre') {
    inFd = openRawSocket({ protocol: IPPROTO_GRE, receiveBufferBytes: 4 << 20, sendBufferBytes: 4 << 20 });
  } else {
    const tun = openTun(TUN_NAME);
    configureTun(tun.name, {});
    const [tunFd] = tun.fds;
    if (tunFd === undefined) throw new Error('no TUN descriptor');
    inFd = tunFd;
  }
  const rawFd = openRawSocket({ protocol: IPPROTO_RAW, sendBufferBytes: 4 << 20 });
  const backend = new UserspaceBackend({
    handlerModule,
    handlerInit: init,
    batchIo,
    onError: (e) => process.stderr.write(`forwarder: ${e.message}\n`),
  });
  if (ingress === 'gre') backend.addPort('raw', inFd, 'gre');
  else backend.addPort('tun', inFd, TUN_NAME);
  backend.addPort('raw', rawFd, 'raw-out');
  // --xsk: the flood comes in through an AF_XDP socket on f0 (the XDP program redirects GRE to FWD_IN, everything
  // else reaches the kernel), handed to the handler as from the GRE socket (port 0), and the handler's packets to the
  // sink leave through an AF_XDP socket on f1 once the kernel has resolved the sink's MAC (until then by port 0).
  const xsk = io === 'xsk';
  if (xsk) {
    const rxPort = backend.addXskPort({ ifname: 'f0', receive: { protocols: [IPPROTO_GRE], localAddresses: [FWD_IN] }, ingressAs: 0 });
    backend.addXskPort({ ifname: 'f1', owner: rxPort.id });
  }
  await backend.start();
  // The point of the worker design: the main thread (BGP's, in hdvpnd) stays responsive under a flood.
  const loopDelay = monitorEventLoopDelay({ resolution: LOOP_SAMPLE_MS });
  loopDelay.enable();
  const report = (): ForwarderReport => ({
    in: backend.counters(xsk ? 2 : 0),
    out: backend.counters(ingress === 'gre' ? 0 : 1),
    ...(xsk ? { xskOut: backend.counters(3), xdpMode: backend.xdpMode(2), xskStats: backend.xskStatistics(2) } : {}),
    // The histogram records whole sampling intervals; what exceeds the interval is the lag.
    loopDelayP99Ms: Math.max(0, loopDelay.percentile(99) / 1e6 - LOOP_SAMPLE_MS),
    loopDelayMaxMs: Math.max(0, loopDelay.max / 1e6 - LOOP_SAMPLE_MS),
  });
  process.stdout.write(`${JSON.stringify({ ready: true })}\n`);
  const rl = readline.createInterface({ input: process.stdin });
  rl.on('line', (line) => {
    if (line === 'counters') process.stdout.write(`${JSON.stringify(report())}\n`);
  });
  await new Promise<void>((resolve) => rl.on('close', () => resolve()));
  await backend.stop();
}

// ---------------------------------------------------------------------------
// Role: main (root namespace): topology, runs, table.

function ip(args: readonly string[]): string {
  return execFileSync('ip', args, { encoding: 'utf8' });
}

function rxPackets(ns: string, dev: string): number {
  const j = JSON.parse(ip(['-j', '-s', '-n', ns, 'link', 'show', 'dev', dev])) as { stats64?: { rx?: { packets?: number } } }[];
  return j[0]?.stats64?.rx?.packets ?? 0;
}

function txPackets(ns: string, dev: string): number {
  const j = JSON.parse(ip(['-j', '-s', '-n', ns, 'link', 'show', 'dev', dev])) as { stats64?: { tx?: { packets?: number } } }[];
  return j[0]?.stats64?.tx?.packets ?? 0;
}

interface Topology {
  gen: string;
  fwd: string;
  sink: string;
}

function buildTopology(prefix: string, sinkNoRouteBack = true): Topology {
  const t = { gen: `${prefix}-gen`, fwd: `${prefix}-fwd`, sink: `${prefix}-sink` };
  for (const ns of [t.gen, t.fwd, t.sink]) {
    ip(['netns', 'add', ns]);
    ip(['-n', ns, 'link', 'set', 'lo', 'up']);
    execFileSync('ip', ['netns', 'exec', ns, 'sysctl', '-qw', 'net.ipv6.conf.all.disable_ipv6=1', 'net.ipv6.conf.default.disable_ipv6=1']);
  }
  ip(['-n', t.gen, 'link', 'add', 'g0', 'type', 'veth', 'peer', 'name', 'f0', 'netns', t.fwd]);
  ip(['-n', t.fwd, 'link', 'add', 'f1', 'type', 'veth', 'peer', 'name', 's0', 'netns', t.sink]);
  const addr: [string, string, string][] = [
    [t.gen, 'g0', `${GEN_ADDR}/24`],
    [t.fwd, 'f0', `${FWD_IN}/24`],
    [t.fwd, 'f1', `${FWD_OUT}/24`],
    [t.sink, 's0', `${SINK_ADDR}/24`],
  ];
  for (const [ns, dev, a] of addr) {
    ip(['-n', ns, 'addr', 'add', a, 'dev', dev]);
    ip(['-n', ns, 'link', 'set', dev, 'up']);
  }
  ip(['-n', t.gen, 'route', 'add', '10.99.2.0/24', 'via', FWD_IN]);
  execFileSync('ip', ['netns', 'exec', t.fwd, 'sysctl', '-qw', 'net.ipv4.ip_forward=1']);
  // The sink has no route back: no ICMP port-unreachable traffic competes with the flood. That holds for the
  // forwarder's sink-side address too, the outer source of the GRE rows' re-encapsulated packets, which is on the
  // sink's own subnet: without this unreachable route the sink's ICMP attempt for each of them (it has no GRE) got a
  // full route lookup and the ICMP rate limiter, while for the kernel row's packets (from the generator) it fails at
  // the first lookup, and in the userspace rows the sink's receive runs on the forwarder's CPU (17.7% of it under
  // perf, against 6.1% of the generator's CPU in the kernel row). `--sink-route-back` measures that unequal way.
  if (sinkNoRouteBack) ip(['-n', t.sink, 'route', 'add', 'unreachable', `${FWD_OUT}/32`]);
  return t;
}

function teardown(t: Topology, children: Set<ChildProcess>): void {
  for (const c of children) c.kill('SIGKILL');
  for (const ns of [t.gen, t.fwd, t.sink]) {
    try {
      const pids = ip(['netns', 'pids', ns]).split(/\s+/).filter(Boolean);
      for (const p of pids) process.kill(Number(p), 'SIGKILL');
    } catch {
      /* not created or already empty */
    }
    try {
      execFileSync('ip', ['netns', 'del', ns], { stdio: 'ignore' });
    } catch {
      /* not created */
    }
  }
}

type Ingress = 'tun' | 'gre';
/** How the userspace forwarder's packets get in and out: kernel sockets (TUN, raw) or AF_XDP sockets on the veths. */
type Io = 'sockets' | 'xsk';

interface Args {
  /** Where the flood enters the userspace forwarder: its TUN (a local session) or its raw GRE socket (a client router's tunnel). */
  ingress: Ingress;
  seconds: number;
  runs: number;
  size: number;
  handler: string;
  init: unknown;
  pin: boolean;
  /** Also run the userspace path with one system call per packet (UserspaceBackend batchIo: false). */
  compareBatchIo: boolean;
  /** Also run the GRE-ingress userspace path over AF_XDP sockets on the veths (UserspaceBackend.addXskPort). */
  xsk: boolean;
  /** Leave out the userspace row over kernel sockets (kernel and XSK rows only). */
  skipSockets: boolean;
  /** An unreachable route in the sink to the forwarder's sink-side address (see buildTopology; default on). */
  sinkNoRouteBack: boolean;
}

function spawnIn(ns: string, cpu: number | undefined, argv: readonly string[], children: Set<ChildProcess>): ChildProcess {
  const pinned = cpu === undefined ? argv : ['taskset', '-c', String(cpu), ...argv];
  const child = spawn('ip', ['netns', 'exec', ns, ...pinned], { stdio: ['pipe', 'pipe', 'inherit'] });
  children.add(child);
  child.on('exit', () => children.delete(child));
  return child;
}

function lines(child: ChildProcess): AsyncIterator<string> {
  if (!child.stdout) throw new Error('child without stdout');
  return readline.createInterface({ input: child.stdout })[Symbol.asyncIterator]();
}

async function nextJson<T>(it: AsyncIterator<string>, what: string): Promise<T> {
  const r = await it.next();
  if (r.done === true) throw new Error(`${what} ended without output`);
  return JSON.parse(r.value) as T;
}

interface Measured {
  offered: number;
  forwarded: number;
  /** CPUs' worth of time other processes on the machine used during the window (0..2 here). */
  othersCpu: number;
  /** CPUs' worth of time the hypervisor took away (steal). */
  stealCpu: number;
}

/** Floods for warm-up + window + tail and measures the window. */
async function flood(t: Topology, a: Args, children: Set<ChildProcess>, dst: string): Promise<Measured> {
  const warmup = 1;
  const gen = spawnIn(
    t.gen,
    a.pin ? 0 : undefined,
    [process.execPath, __filename, '--role', 'generator', '--dst', dst, '--ingress', a.ingress, '--size', String(a.size), '--seconds', String(warmup + a.seconds + 0.5)],
    children,
  );
  const out = lines(gen);
  await new Promise((r) => setTimeout(r, warmup * 1000));
  const ours = [process.pid, ...softirqThreads(), ...[t.gen, t.fwd, t.sink].flatMap((ns) => ip(['netns', 'pids', ns]).split(/\s+/).filter(Boolean).map(Number))];
  const cpu0 = sampleCpu(ours);
  const sink0 = rxPackets(t.sink, 's0');
  const gen0 = txPackets(t.gen, 'g0');
  const t0 = process.hrtime.bigint();
  await new Promise((r) => setTimeout(r, a.seconds * 1000));
  const sink1 = rxPackets(t.sink, 's0');
  const gen1 = txPackets(t.gen, 'g0');
  const elapsed = Number(process.hrtime.bigint() - t0) / 1e9;
  const cpu1 = sampleCpu(ours);
  const perSecond = (ticks: number): number => Math.max(0, ticks / CLOCK_TICKS / elapsed);
  const othersCpu = perSecond(cpu1.machine - cpu0.machine - (cpu1.ours - cpu0.ours));
  const stealCpu = perSecond(cpu1.steal - cpu0.steal);
  await nextJson(out, 'generator');
  return { offered: (gen1 - gen0) / elapsed, forwarded: (sink1 - sink0) / elapsed, othersCpu, stealCpu };
}

/** USER_HZ: /proc times are in these ticks (100 on Linux x86-64). */
const CLOCK_TICKS = 100;

interface CpuSample {
  /** user + nice + system ticks of the whole machine (softirq and irq excluded). */
  machine: number;
  /** Ticks the hypervisor gave to someone else. */
  steal: number;
  /** user + system ticks of this bench's processes (all threads). */
  ours: number;
}

/** ksoftirqd/N: under a flood the kernel defers our packets' softirq work to them. */
function softirqThreads(): number[] {
  const pids: number[] = [];
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      if (readFileSync(`/proc/${name}/comm`, 'utf8').startsWith('ksoftirqd/')) pids.push(Number(name));
    } catch {
      /* exited */
    }
  }
  return pids;
}

/**
 * What the machine spent outside this bench over a window tells whether a row
 * can be trusted: on a shared 2-core machine other work, not the code, often
 * decides the numbers. Process time of everyone else = machine process time -
 * ours (short-lived processes included, unlike a per-process scan).
 */
function sampleCpu(ours: readonly number[]): CpuSample {
  const cpu = (readFileSync('/proc/stat', 'utf8').split('\n')[0] ?? '').trim().split(/\s+/).slice(1).map(Number);
  let own = 0;
  for (const pid of ours) {
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      // Fields after the parenthesised command start at state (field 3): utime is field 14, stime 15.
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      own += Number(fields[11] ?? 0) + Number(fields[12] ?? 0);
    } catch {
      /* exited */
    }
  }
  return { machine: (cpu[0] ?? 0) + (cpu[1] ?? 0) + (cpu[2] ?? 0), steal: cpu[7] ?? 0, ours: own };
}

async function userspaceRun(t: Topology, a: Args, batchIo: boolean, children: Set<ChildProcess>, io: Io = 'sockets'): Promise<Measured & { counters: string }> {
  const fwd = spawnIn(
    t.fwd,
    a.pin ? 1 : undefined,
    [process.execPath, __filename, '--role', 'forwarder', '--ingress', a.ingress, '--handler', a.handler, '--init', JSON.stringify(a.init), '--io', io, ...(batchIo ? [] : ['--no-batch-io'])],
    children,
  );
  const out = lines(fwd);
  await nextJson(out, 'forwarder');
  // TUN ingress: policy routing steers the flood into the TUN. GRE ingress: the flood is addressed to the forwarder.
  const tun = a.ingress === 'tun';
  if (tun) {
    ip(['-n', t.fwd, 'route', 'add', '10.99.2.0/24', 'dev', TUN_NAME, 'table', TABLE]);
    ip(['-n', t.fwd, 'rule', 'add', 'iif', 'f0', 'lookup', TABLE, 'pref', '100']);
  }
  try {
    const m = await flood(t, a, children, tun ? SINK_ADDR : FWD_IN);
    fwd.stdin?.write('counters\n');
    const c = await nextJson<ForwarderReport>(out, 'forwarder');
    const errno = (p: PortCounters): string => (p.lastErrno ? ` (errno ${p.lastErrno})` : '');
    const x = c.xskOut;
    const counters = x
      ? `XSK f0 (XDP ${c.xdpMode ?? '?'}) rx ${c.in.rxPackets}, drops ${c.in.drops}, handler errors ${c.in.handlerErrors}; ` +
        `XSK f1 tx ${x.txPackets}, errors ${x.errors}${errno(x)}; ${tun ? 'raw' : 'GRE socket'} tx (neighbour not yet known) ${c.out.txPackets}, send errors ${c.out.errors}${errno(c.out)}; ` +
        `kernel: f0 fill ring empty ${c.xskStats?.rxFillRingEmpty ?? '?'}, RX ring full ${c.xskStats?.rxRingFull ?? '?'}; ` +
        `main-thread event-loop lag p99 ${c.loopDelayP99Ms.toFixed(1)} ms, max ${c.loopDelayMaxMs.toFixed(1)} ms`
      : `${tun ? 'TUN' : 'GRE socket'} rx ${c.in.rxPackets}, drops ${c.in.drops}, handler errors ${c.in.handlerErrors}; ` +
        `${tun ? 'raw' : 'GRE socket'} tx ${c.out.txPackets}, send errors ${c.out.errors}${errno(c.out)}; ` +
        `main-thread event-loop lag p99 ${c.loopDelayP99Ms.toFixed(1)} ms, max ${c.loopDelayMaxMs.toFixed(1)} ms`;
    return { ...m, counters };
  } finally {
    if (tun) ip(['-n', t.fwd, 'rule', 'del', 'pref', '100']);
    fwd.stdin?.end();
    await new Promise((r) => fwd.once('exit', r));
  }
}

const fmt = (n: number): string => Math.round(n).toLocaleString('en-US');

async function main(a: Args): Promise<void> {
  const t = buildTopology(`hdvfw-${process.pid}`, a.sinkNoRouteBack);
  const children = new Set<ChildProcess>();
  const onSignal = (): void => {
    teardown(t, children);
    process.exit(130);
  };
  process.once('SIGINT', onSignal);
  try {
    const rows: string[] = [];
    const ratios: number[] = [];
    const xratios: number[] = [];
    let busiest = 0;
    const path = a.ingress === 'gre' ? 'GRE socket, recvmmsg' : 'TUN';
    const out = a.ingress === 'gre' ? 'GRE socket' : 'raw';
    for (let run = 1; run <= a.runs; run++) {
      const k = await flood(t, a, children, SINK_ADDR);
      const u = a.skipSockets ? undefined : await userspaceRun(t, a, true, children);
      if (u) ratios.push(u.forwarded / k.forwarded);
      busiest = Math.max(busiest, k.othersCpu + k.stealCpu, u ? u.othersCpu + u.stealCpu : 0);
      const loss = (m: Measured): string => `${Math.max(0, (1 - m.forwarded / m.offered) * 100).toFixed(1)}%`;
      const others = (m: Measured): string => `${(m.othersCpu * 100).toFixed(0)}% / ${(m.stealCpu * 100).toFixed(0)}%`;
      rows.push(`| ${run} | kernel (ip_forward) | ${fmt(k.offered)} | ${fmt(k.forwarded)} | ${loss(k)} | ${others(k)} | |`);
      if (u) rows.push(`| ${run} | userspace (${path} → worker → ${out}, sendmmsg) | ${fmt(u.offered)} | ${fmt(u.forwarded)} | ${loss(u)} | ${others(u)} | ${u.counters} |`);
      if (a.xsk) {
        const x = await userspaceRun(t, a, true, children, 'xsk');
        busiest = Math.max(busiest, x.othersCpu + x.stealCpu);
        rows.push(`| ${run} | userspace (AF_XDP f0 → worker → AF_XDP f1) | ${fmt(x.offered)} | ${fmt(x.forwarded)} | ${loss(x)} | ${others(x)} | ${x.counters} |`);
        xratios.push(x.forwarded / k.forwarded);
      }
      if (a.compareBatchIo) {
        const s = await userspaceRun(t, a, false, children);
        busiest = Math.max(busiest, s.othersCpu + s.stealCpu);
        rows.push(`| ${run} | userspace (${path} → worker → ${out}, sendto per packet) | ${fmt(s.offered)} | ${fmt(s.forwarded)} | ${loss(s)} | ${others(s)} | ${s.counters} |`);
      }
    }
    const handler = a.handler === __filename ? 'TTL decrement (bench/forward.ts)' : a.handler;
    console.log(`\n${a.size}-byte IPv4 packets (${a.size + 18}-byte frames), one UDP flow${a.ingress === 'gre' ? ' inside GRE (key 5) from the generator' : ''}, ${a.seconds} s windows, handler: ${handler}${a.pin ? ', generator on CPU 0, forwarder on CPU 1' : ''}${a.sinkNoRouteBack ? '' : ', sink WITH a route back to the forwarder (--sink-route-back)'}\n`);
    console.log('| run | path | offered pkt/s | forwarded pkt/s | loss | CPU of others / steal | backend counters (whole run) |');
    console.log('|---|---|---|---|---|---|---|');
    for (const r of rows) console.log(r);
    if (busiest > 0.1) console.log(`\nOther processes (or the hypervisor) took up to ${(busiest * 100).toFixed(0)}% of a CPU during a window: those rows are low.`);
    const mean = (r: readonly number[]): number => r.reduce((x, y) => x + y, 0) / r.length;
    const runs = (r: readonly number[]): string => (r.length > 1 ? ` (runs: ${r.map((x) => x.toFixed(2)).join(', ')})` : '');
    if (ratios.length > 0) console.log(`\nuserspace ÷ kernel (forwarded): ${mean(ratios).toFixed(2)}${runs(ratios)}`);
    if (xratios.length > 0) console.log(`${ratios.length > 0 ? '' : '\n'}userspace with AF_XDP ÷ kernel (forwarded): ${mean(xratios).toFixed(2)}${runs(xratios)}`);
  } finally {
    process.removeListener('SIGINT', onSignal);
    teardown(t, children);
  }
}

if (require.main === module) {
  const { values } = parseArgs({
    options: {
      role: { type: 'string', default: 'main' },
      seconds: { type: 'string', default: '5' },
      runs: { type: 'string', default: '1' },
      size: { type: 'string' },
      ingress: { type: 'string', default: 'tun' },
      handler: { type: 'string', default: __filename },
      init: { type: 'string', default: '{"tunPort":0,"rawPort":1}' },
      dst: { type: 'string', default: SINK_ADDR },
      'no-pin': { type: 'boolean', default: false },
      'no-batch-io': { type: 'boolean', default: false },
      'compare-batch-io': { type: 'boolean', default: false },
      xsk: { type: 'boolean', default: false },
      'skip-sockets': { type: 'boolean', default: false },
      'sink-route-back': { type: 'boolean', default: false },
      io: { type: 'string', default: 'sockets' },
    },
  });
  const init: unknown = JSON.parse(values.init);
  const done = (p: Promise<void>): void => {
    p.catch((e: unknown) => {
      console.error(e instanceof Error ? (e.stack ?? e.message) : e);
      process.exitCode = 1;
    });
  };
  const ingress = values.ingress;
  if (ingress !== 'tun' && ingress !== 'gre') throw new RangeError(`--ingress must be tun or gre: ${ingress}`);
  const gre = ingress === 'gre';
  // The handler learns the ingress too: forward-gre-handler.ts binds the TUN or the generator's GRE tunnel.
  const handlerInit: unknown = typeof init === 'object' && init !== null ? { ...init, ingress } : init;
  if (values.role === 'generator') generator(values.dst, Number(values.size), Number(values.seconds), gre);
  else if (values.role === 'forwarder') {
    const io = values.io;
    if (io !== 'sockets' && io !== 'xsk') throw new RangeError(`--io must be sockets or xsk: ${io}`);
    done(forwarder(values.handler, handlerInit, !values['no-batch-io'], ingress, io));
  }
  else {
    if (values.xsk && !gre) throw new RangeError('--xsk needs --ingress gre (the XDP program redirects GRE)');
    const size = Number(values.size ?? (gre ? 64 : 46));
    const min = gre ? 56 : 29; // outer IPv4 + GRE with key + inner IPv4 + UDP, or IPv4 + UDP
    if (!Number.isInteger(size) || size < min || size > 1500) throw new RangeError(`--size must be ${min}..1500: ${values.size}`);
    done(main({ ingress, seconds: Number(values.seconds), runs: Number(values.runs), size, handler: values.handler, init, pin: !values['no-pin'], compareBatchIo: values['compare-batch-io'], xsk: values.xsk, skipSockets: values['skip-sockets'], sinkNoRouteBack: !values['sink-route-back'] }));
  }
}
