/**
 * `npm run bench:sessions`: 10,000 client sessions started through hdvpnd's control socket, timed from the first
 * request until a watching BGP peer holds every client's VPNv4 route (issue 6). First with the built-in pool, then
 * with RADIUS against a local FreeRADIUS (one user per client in its users file). Also the daemon's RSS per session
 * and how many UPDATEs carried the routes (batching). Everything on 127.0.0.0/8; hdvpnd runs as its own process
 * (bin/hdvpnd.js), the watcher is the ingest benchmark's receiving speaker (bench/ingest/speaker.ts).
 *
 *   npm run bench:sessions [-- --sessions N] [--concurrency C] [--no-radius]
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { controlRequest } from '../src/control/client';
import { FreeRadius } from '../test/helpers/freeradius';

const ROOT = resolve(__dirname, '..', '..');
const args = process.argv.slice(2);
const opt = (name: string, dflt: number): number => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? Number(args[i + 1]) : dflt;
};
const SESSIONS = opt('sessions', 10000);
const CONCURRENCY = opt('concurrency', 64);
const WITH_RADIUS = !args.includes('--no-radius');

function freePort(host: string): Promise<number> {
  return new Promise((res, rej) => {
    const s = net.createServer();
    s.once('error', rej);
    s.listen(0, host, () => {
      const a = s.address();
      const p = typeof a === 'object' && a ? a.port : 0;
      s.close(() => res(p));
    });
  });
}

function rssKb(pid: number): number {
  const m = /VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return Number(m?.[1] ?? 0);
}

/** The receiving speaker: JSON lines on stdout; resolves on the first event of `ev`. */
class Watcher {
  private readonly waiters = new Map<string, (e: Record<string, unknown>) => void>();
  readonly seen: Record<string, unknown>[] = [];
  constructor(readonly proc: ChildProcess) {
    if (!proc.stdout) throw new Error('no stdout');
    createInterface({ input: proc.stdout }).on('line', (line) => {
      const e = JSON.parse(line) as Record<string, unknown>;
      this.seen.push(e);
      const w = this.waiters.get(String(e.ev));
      if (w) w(e);
    });
  }
  wait(ev: string, ms: number): Promise<Record<string, unknown>> {
    const got = this.seen.find((e) => e.ev === ev);
    if (got) return Promise.resolve(got);
    return new Promise((res, rej) => {
      const t = setTimeout(() => rej(new Error(`watcher: no ${ev} within ${ms} ms (${JSON.stringify(this.seen.slice(-3))})`)), ms);
      this.waiters.set(ev, (e) => {
        clearTimeout(t);
        res(e);
      });
    });
  }
}

interface Row {
  server: string;
  sessions: number;
  answeredS: number;
  seenS: number;
  perSecond: number;
  updates: number;
  rssPerSession: number;
  refused: number;
}

async function run(label: string, dir: string, pairYaml: string, extraYaml = ''): Promise<Row> {
  const bgpPort = await freePort('127.0.0.2');
  const sock = join(dir, `${label}.sock`);
  const cfg = join(dir, `${label}.yaml`);
  writeFileSync(cfg, `asn: 65000
router-id: 192.0.2.1
listen: { address: 127.0.0.2, port: ${bgpPort} }
control: { socket: ${sock} }
logging: { level: warn }
sessions: { store: ${join(dir, `${label}.db`)} }
neighbors:
  - { address: 127.0.0.3, asn: 65000, families: [vpnv4-unicast], passive: true, hold-time: 240 }
${pairYaml}
${extraYaml}`);
  // HDVPN_BENCH_NODE_FLAGS="--cpu-prof --cpu-prof-dir=/tmp/prof" profiles the daemon (written at SIGTERM).
  const nodeFlags = (process.env.HDVPN_BENCH_NODE_FLAGS ?? '').split(' ').filter(Boolean);
  const daemon = spawn(process.execPath, [...nodeFlags, join(ROOT, 'bin/hdvpnd.js'), '--config', cfg], { stdio: ['ignore', 'ignore', 'inherit'] });
  try {
    for (let i = 0; ; i++) {
      try {
        if ((await controlRequest(sock, { command: 'ping' }, 1000)) === 'pong') break;
      } catch {
        if (i > 100) throw new Error('hdvpnd did not start');
        await new Promise((r) => setTimeout(r, 100));
      }
    }
    const speaker = spawn(process.execPath, [join(ROOT, 'dist/bench/ingest/speaker.js'), JSON.stringify({ role: 'receiver', localAddress: '127.0.0.3', remoteAddress: '127.0.0.2', port: bgpPort, asn: 65000, expected: SESSIONS, connectTimeoutMs: 30000 })], { stdio: ['pipe', 'pipe', 'inherit'] });
    const watcher = new Watcher(speaker);
    try {
      await watcher.wait('established', 30000);
      await new Promise((r) => setTimeout(r, 500));
      const pid = daemon.pid ?? 0;
      const rssBefore = rssKb(pid);
      const t0 = process.hrtime.bigint();
      let next = 0;
      let refused = 0;
      const worker = async (): Promise<void> => {
        while (next < SESSIONS) {
          const i = next++;
          try {
            await controlRequest(sock, { command: 'session-add', client: `c${i}`, pair: 'red' }, 30000);
          } catch {
            refused++;
          }
        }
      };
      await Promise.all(Array.from({ length: CONCURRENCY }, worker));
      const answered = process.hrtime.bigint();
      const done = await watcher.wait('done', 600000);
      const seen = BigInt(String(done.t));
      const rssAfter = rssKb(pid);
      const seenS = Number(seen - t0) / 1e9;
      return {
        server: label,
        sessions: SESSIONS,
        answeredS: Number(answered - t0) / 1e9,
        seenS,
        perSecond: SESSIONS / seenS,
        updates: Number(done.updates),
        rssPerSession: ((rssAfter - rssBefore) * 1024) / SESSIONS,
        refused,
      };
    } finally {
      speaker.stdin?.end();
      speaker.kill('SIGKILL');
    }
  } finally {
    daemon.kill('SIGTERM');
    await new Promise((r) => setTimeout(r, 500));
    daemon.kill('SIGKILL');
  }
}

const pair = (server: string): string => `half-duplex:
  - name: red
    upstream:   { name: red-up,   rd: "65000:21", import: ["65000:1"] }
    downstream: { name: red-down, rd: "65000:22", export: ["65000:2"] }
${server === 'pool' ? '    pool: [100.64.0.0/16]' : '    address-server: radius'}`;

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'hdvpn-bench-sessions-'));
  const rows: Row[] = [];
  try {
    rows.push(await run('pool', dir, pair('pool')));
    if (WITH_RADIUS) {
      // One user per client, each with its own address: FreeRADIUS's files module, no IP pool module needed.
      const users = Array.from({ length: SESSIONS }, (_, i) => `c${i}\tAuth-Type := Accept\n\tFramed-IP-Address = 100.65.${i >> 8}.${(i & 255) + 0},\n\tCisco-AVPair = "hdvpn:pair=red"\n`).join('\n');
      const radius = new FreeRadius({ dir: join(dir, 'raddb'), secret: 'bench-secret', users });
      await radius.start();
      writeFileSync(join(dir, 'radius.secret'), 'bench-secret\n', { mode: 0o600 });
      try {
        rows.push(await run('radius', dir, pair('radius'), `radius:
  timeout: 5
  servers:
    - { address: 127.0.0.1, auth-port: ${radius.authPort}, accounting-port: ${radius.accountingPort}, secret: { file: ${join(dir, 'radius.secret')} } }
`));
      } finally {
        await radius.stop();
      }
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  process.stdout.write(`\n## Sessions: ${SESSIONS} session-add requests over the control socket, ${CONCURRENCY} in flight, until a BGP peer holds every VPNv4 route\n\n`);
  process.stdout.write('| address server | all answered (s) | all routes at the peer (s) | sessions/s (to the peer) | UPDATEs carrying them | RSS per session (B) | refused |\n|---|---|---|---|---|---|---|\n');
  for (const r of rows) process.stdout.write(`| ${r.server} | ${r.answeredS.toFixed(2)} | ${r.seenS.toFixed(2)} | ${Math.round(r.perSecond)} | ${r.updates} | ${Math.round(r.rssPerSession)} | ${r.refused} |\n`);
}

main().catch((e: unknown) => {
  process.stderr.write(`bench:sessions: ${e instanceof Error ? e.stack ?? e.message : String(e)}\n`);
  process.exitCode = 1;
});
