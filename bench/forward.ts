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
 * Options: --seconds N (measured window, default 5) --runs N (default 1)
 *   --size BYTES (IPv4 packet, default 46) --handler /abs/module.js
 *   --init JSON (handler init; default {"tunPort":0,"rawPort":1})
 *   --no-pin (do not pin the generator to CPU 0 and the forwarder to CPU 1)
 * The handler sees TUN packets on port 0 and emits to port 1 (raw, any protocol:
 * with IP_HDRINCL the handler writes the outer header, so GRE works too).
 * Internal roles: --role generator | forwarder (run inside a namespace).
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import readline from 'node:readline';
import { parseArgs } from 'node:util';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import koffi from 'koffi';
import type { EmitResult, PacketHandler } from '../src/fib/backends/userspace/handler';
import { UserspaceBackend, type PortCounters } from '../src/fib/backends/userspace/backend';
import { openTun, configureTun } from '../src/fib/backends/userspace/tun';
import { openRawSocket, parseIpv4, writeSockaddrIn, SOCKADDR_IN_SIZE } from '../src/fib/backends/userspace/raw-socket';
import { IPPROTO_RAW, libcIo, failWithErrno } from '../src/fib/backends/userspace/libc-io';
import { AF_INET } from '../src/bgp/session/transport/libc';

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

function generator(dst: string, size: number, seconds: number): void {
  const io = libcIo();
  const lib = koffi.load('libc.so.6');
  const sendmmsg = lib.func('int sendmmsg(int, void *, unsigned int, int)') as (fd: number, v: Buffer, n: number, f: number) => number;
  const fd = io.socket(AF_INET, 2 /* SOCK_DGRAM */, 0);
  if (fd < 0) failWithErrno(io, 'socket');
  // Buffers that native code points into are allocated outside the pool and kept referenced until the end.
  const payload = Buffer.allocUnsafeSlow(Math.max(size - 28, 1)).fill(0x5a);
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

interface ForwarderReport {
  tun: PortCounters;
  raw: PortCounters;
  /** Event-loop delay of the forwarder's main thread while the worker forwards (resolution 10 ms). */
  loopDelayP99Ms: number;
  loopDelayMaxMs: number;
}

async function forwarder(handlerModule: string, init: unknown): Promise<void> {
  const tun = openTun(TUN_NAME);
  configureTun(tun.name, {});
  const [tunFd] = tun.fds;
  if (tunFd === undefined) throw new Error('no TUN descriptor');
  const rawFd = openRawSocket({ protocol: IPPROTO_RAW, sendBufferBytes: 4 << 20 });
  const backend = new UserspaceBackend({
    handlerModule,
    handlerInit: init,
    onError: (e) => process.stderr.write(`forwarder: ${e.message}\n`),
  });
  backend.addPort('tun', tunFd, tun.name);
  backend.addPort('raw', rawFd, 'raw-out');
  await backend.start();
  // The point of the worker design: the main thread (BGP's, in hdvpnd) stays responsive under a flood.
  const loopDelay = monitorEventLoopDelay({ resolution: 10 });
  loopDelay.enable();
  const report = (): ForwarderReport => ({
    tun: backend.counters(0),
    raw: backend.counters(1),
    loopDelayP99Ms: loopDelay.percentile(99) / 1e6,
    loopDelayMaxMs: loopDelay.max / 1e6,
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

function buildTopology(prefix: string): Topology {
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
  // The sink has no route back: no ICMP port-unreachable traffic competes with the flood.
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

interface Args {
  seconds: number;
  runs: number;
  size: number;
  handler: string;
  init: unknown;
  pin: boolean;
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
}

/** Floods for warm-up + window + tail and measures the window. */
async function flood(t: Topology, a: Args, children: Set<ChildProcess>): Promise<Measured> {
  const warmup = 1;
  const gen = spawnIn(
    t.gen,
    a.pin ? 0 : undefined,
    [process.execPath, __filename, '--role', 'generator', '--dst', SINK_ADDR, '--size', String(a.size), '--seconds', String(warmup + a.seconds + 0.5)],
    children,
  );
  const out = lines(gen);
  await new Promise((r) => setTimeout(r, warmup * 1000));
  const sink0 = rxPackets(t.sink, 's0');
  const gen0 = txPackets(t.gen, 'g0');
  const t0 = process.hrtime.bigint();
  await new Promise((r) => setTimeout(r, a.seconds * 1000));
  const sink1 = rxPackets(t.sink, 's0');
  const gen1 = txPackets(t.gen, 'g0');
  const elapsed = Number(process.hrtime.bigint() - t0) / 1e9;
  await nextJson(out, 'generator');
  return { offered: (gen1 - gen0) / elapsed, forwarded: (sink1 - sink0) / elapsed };
}

async function userspaceRun(t: Topology, a: Args, children: Set<ChildProcess>): Promise<Measured & { counters: string }> {
  const fwd = spawnIn(
    t.fwd,
    a.pin ? 1 : undefined,
    [process.execPath, __filename, '--role', 'forwarder', '--handler', a.handler, '--init', JSON.stringify(a.init)],
    children,
  );
  const out = lines(fwd);
  await nextJson(out, 'forwarder');
  ip(['-n', t.fwd, 'route', 'add', '10.99.2.0/24', 'dev', TUN_NAME, 'table', TABLE]);
  ip(['-n', t.fwd, 'rule', 'add', 'iif', 'f0', 'lookup', TABLE, 'pref', '100']);
  try {
    const m = await flood(t, a, children);
    fwd.stdin?.write('counters\n');
    const c = await nextJson<ForwarderReport>(out, 'forwarder');
    const counters =
      `TUN rx ${c.tun.rxPackets}, drops ${c.tun.drops}, handler errors ${c.tun.handlerErrors}; ` +
      `raw tx ${c.raw.txPackets}, send errors ${c.raw.errors}${c.raw.lastErrno ? ` (errno ${c.raw.lastErrno})` : ''}; ` +
      `main-thread loop delay p99 ${c.loopDelayP99Ms.toFixed(1)} ms, max ${c.loopDelayMaxMs.toFixed(1)} ms`;
    return { ...m, counters };
  } finally {
    ip(['-n', t.fwd, 'rule', 'del', 'pref', '100']);
    fwd.stdin?.end();
    await new Promise((r) => fwd.once('exit', r));
  }
}

const fmt = (n: number): string => Math.round(n).toLocaleString('en-US');

/** Percentage of CPU time idle (all cores) over `ms`: other work on this 2-core machine skews every number. */
async function idlePercent(ms: number): Promise<number> {
  const sample = (): { idle: number; total: number } => {
    const cpu = readFileSync('/proc/stat', 'utf8').split('\n')[0] ?? '';
    const v = cpu.trim().split(/\s+/).slice(1, 9).map(Number);
    return { idle: (v[3] ?? 0) + (v[4] ?? 0), total: v.reduce((x, y) => x + y, 0) };
  };
  const a = sample();
  await new Promise((r) => setTimeout(r, ms));
  const b = sample();
  return b.total > a.total ? (100 * (b.idle - a.idle)) / (b.total - a.total) : 100;
}

async function main(a: Args): Promise<void> {
  const t = buildTopology(`hdvfw-${process.pid}`);
  const children = new Set<ChildProcess>();
  const onSignal = (): void => {
    teardown(t, children);
    process.exit(130);
  };
  process.once('SIGINT', onSignal);
  try {
    const rows: string[] = [];
    const ratios: number[] = [];
    const idle: number[] = [];
    for (let run = 1; run <= a.runs; run++) {
      idle.push(await idlePercent(1000));
      const k = await flood(t, a, children);
      const u = await userspaceRun(t, a, children);
      ratios.push(u.forwarded / k.forwarded);
      const loss = (m: Measured): string => `${Math.max(0, (1 - m.forwarded / m.offered) * 100).toFixed(1)}%`;
      rows.push(`| ${run} | kernel (ip_forward) | ${fmt(k.offered)} | ${fmt(k.forwarded)} | ${loss(k)} | |`);
      rows.push(`| ${run} | userspace (TUN → worker → raw) | ${fmt(u.offered)} | ${fmt(u.forwarded)} | ${loss(u)} | ${u.counters} |`);
    }
    const handler = a.handler === __filename ? 'TTL decrement (bench/forward.ts)' : a.handler;
    console.log(`\n${a.size}-byte IPv4 packets (${a.size + 18}-byte frames), one UDP flow, ${a.seconds} s windows, handler: ${handler}${a.pin ? ', generator on CPU 0, forwarder on CPU 1' : ''}\n`);
    console.log('| run | path | offered pkt/s | forwarded pkt/s | loss | backend counters (whole run) |');
    console.log('|---|---|---|---|---|---|');
    for (const r of rows) console.log(r);
    const minIdle = Math.min(...idle);
    console.log(`\nCPU idle just before each run: ${idle.map((x) => `${x.toFixed(0)}%`).join(', ')}${minIdle < 90 ? ' — the machine was busy: these numbers are low' : ''}`);
    const mean = ratios.reduce((x, y) => x + y, 0) / ratios.length;
    console.log(`userspace ÷ kernel (forwarded): ${mean.toFixed(2)}${ratios.length > 1 ? ` (runs: ${ratios.map((r) => r.toFixed(2)).join(', ')})` : ''}`);
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
      size: { type: 'string', default: '46' },
      handler: { type: 'string', default: __filename },
      init: { type: 'string', default: '{"tunPort":0,"rawPort":1}' },
      dst: { type: 'string', default: SINK_ADDR },
      'no-pin': { type: 'boolean', default: false },
    },
  });
  const init: unknown = JSON.parse(values.init);
  const done = (p: Promise<void>): void => {
    p.catch((e: unknown) => {
      console.error(e instanceof Error ? (e.stack ?? e.message) : e);
      process.exitCode = 1;
    });
  };
  if (values.role === 'generator') generator(values.dst, Number(values.size), Number(values.seconds));
  else if (values.role === 'forwarder') done(forwarder(values.handler, init));
  else {
    const size = Number(values.size);
    if (!Number.isInteger(size) || size < 29 || size > 1500) throw new RangeError(`--size must be 29..1500: ${values.size}`);
    done(main({ seconds: Number(values.seconds), runs: Number(values.runs), size, handler: values.handler, init, pin: !values['no-pin'] }));
  }
}
