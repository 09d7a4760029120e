/**
 * Network namespaces and child processes of the ingest benchmark (needs root).
 *
 * One topology per run: a switch namespace `hdvb-<pid>-<n>-sw` holding bridge br0, and three
 * namespaces `…-rs` (route server, 10.0.0.1), `…-fd` (feeder, 10.0.0.2) and `…-rx` (receiver,
 * 10.0.0.3), each with eth0 = a veth into the bridge, 10.0.0.0/24, no default route. The veths
 * are created inside the switch namespace, so nothing appears in the root namespace.
 *
 * Every process is spawned detached (its own process group) and killed by group. teardown()
 * kills them, kills whatever `ip netns pids` still lists, and deletes the namespaces. Stale
 * `hdvb-<pid>-*` namespaces of a benchmark process that no longer exists are removed at start.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';

export const NS_PREFIX = 'hdvb-';
export const ADDR = { rs: '10.0.0.1', feeder: '10.0.0.2', receiver: '10.0.0.3' } as const;
const PLEN = 24;

export interface RunResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

export function run(argv: readonly string[], timeoutMs = 15000): Promise<RunResult> {
  const [cmd, ...args] = argv;
  return new Promise((resolve) => {
    const child = spawn(cmd as string, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (b: Buffer) => out.push(b));
    child.stderr.on('data', (b: Buffer) => err.push(b));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('error', (e) => {
      clearTimeout(timer);
      resolve({ code: -1, stdout: '', stderr: e.message });
    });
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout: Buffer.concat(out).toString(), stderr: Buffer.concat(err).toString() });
    });
  });
}

async function runOk(argv: readonly string[]): Promise<string> {
  const r = await run(argv);
  if (r.code !== 0) throw new Error(`${argv.join(' ')}: exit ${String(r.code)}: ${(r.stderr || r.stdout).trim()}`);
  return r.stdout;
}

/** A process the benchmark started; signals go to its whole process group. */
export class Proc {
  readonly pid: number;
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  running = true;

  constructor(readonly child: ChildProcess) {
    if (child.pid === undefined) throw new Error('spawn failed');
    this.pid = child.pid;
    this.exited = new Promise((resolve) => {
      child.on('exit', (code, signal) => {
        this.running = false;
        resolve({ code, signal });
      });
      child.on('error', () => {
        this.running = false;
        resolve({ code: null, signal: null });
      });
    });
  }

  signal(sig: NodeJS.Signals): void {
    if (!this.running) return;
    try {
      process.kill(-this.pid, sig);
    } catch {
      try {
        process.kill(this.pid, sig);
      } catch {
        /* gone */
      }
    }
  }
}

let seq = 0;
const live = new Set<Topology>();

export class Topology {
  readonly procs: Proc[] = [];
  private torn = false;

  private constructor(readonly prefix: string) {}

  ns(node: 'sw' | 'rs' | 'fd' | 'rx'): string {
    return `${this.prefix}-${node}`;
  }

  get names(): string[] {
    return (['rs', 'fd', 'rx', 'sw'] as const).map((n) => this.ns(n));
  }

  static async create(): Promise<Topology> {
    seq++;
    const t = new Topology(`${NS_PREFIX}${process.pid}-${seq}`);
    live.add(t);
    try {
      const sw = t.ns('sw');
      await runOk(['ip', 'netns', 'add', sw]);
      await runOk(['ip', '-n', sw, 'link', 'set', 'lo', 'up']);
      await runOk(['ip', '-n', sw, 'link', 'add', 'br0', 'type', 'bridge']);
      await runOk(['ip', '-n', sw, 'link', 'set', 'br0', 'up']);
      const nodes: [('rs' | 'fd' | 'rx'), string][] = [['rs', ADDR.rs], ['fd', ADDR.feeder], ['rx', ADDR.receiver]];
      for (const [node, addr] of nodes) {
        const ns = t.ns(node);
        await runOk(['ip', 'netns', 'add', ns]);
        await runOk(['ip', '-n', ns, 'link', 'set', 'lo', 'up']);
        await runOk(['ip', '-n', sw, 'link', 'add', `p-${node}`, 'type', 'veth', 'peer', 'name', 'eth0', 'netns', ns]);
        await runOk(['ip', '-n', sw, 'link', 'set', `p-${node}`, 'master', 'br0', 'up']);
        await runOk(['ip', '-n', ns, 'addr', 'add', `${addr}/${PLEN}`, 'dev', 'eth0']);
        await runOk(['ip', '-n', ns, 'link', 'set', 'eth0', 'up']);
      }
    } catch (e) {
      await t.teardown();
      throw e;
    }
    return t;
  }

  /** A long-running process in a namespace, stdout/stderr to logFile (or piped when logFile is null). */
  spawn(node: 'rs' | 'fd' | 'rx', argv: readonly string[], logFile: string, opts: { pipe?: boolean; cwd?: string; env?: NodeJS.ProcessEnv } = {}): Proc {
    const fd = fs.openSync(logFile, 'a');
    let child: ChildProcess;
    try {
      child = spawn('ip', ['netns', 'exec', this.ns(node), ...argv], {
        detached: true,
        stdio: opts.pipe ? ['pipe', 'pipe', fd] : ['ignore', fd, fd],
        cwd: opts.cwd,
        env: opts.env ?? process.env,
      });
    } finally {
      fs.closeSync(fd);
    }
    const p = new Proc(child);
    this.procs.push(p);
    return p;
  }

  async teardown(): Promise<void> {
    if (this.torn) return;
    this.torn = true;
    live.delete(this);
    // SIGTERM first, so a route server can end cleanly (and write a --cpu-prof profile); SIGKILL what is left.
    for (const p of this.procs) {
      p.child.stdin?.destroy();
      p.signal('SIGTERM');
    }
    await Promise.race([Promise.all(this.procs.map((p) => p.exited)), new Promise((r) => setTimeout(r, 3000).unref())]);
    for (const p of this.procs) p.signal('SIGKILL');
    await Promise.race([Promise.all(this.procs.map((p) => p.exited)), new Promise((r) => setTimeout(r, 2000).unref())]);
    await deleteNamespaces(this.names);
  }
}

/** SIGKILLs whatever runs in the namespaces, then deletes them. */
export async function deleteNamespaces(names: readonly string[]): Promise<void> {
  for (let round = 0; round < 5; round++) {
    let any = false;
    for (const ns of names) {
      const r = await run(['ip', 'netns', 'pids', ns]);
      for (const p of r.stdout.split(/\s+/).filter(Boolean)) {
        any = true;
        try {
          process.kill(Number(p), 'SIGKILL');
        } catch {
          /* raced with its exit */
        }
      }
    }
    if (!any) break;
    await new Promise((r) => setTimeout(r, 200));
  }
  for (const ns of names) await run(['ip', 'netns', 'del', ns]);
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Removes hdvb-<pid>-* namespaces left by benchmark processes that are gone (kill -9). */
export async function cleanupStale(): Promise<string[]> {
  const r = await run(['ip', 'netns', 'list']);
  const names = r.stdout.split('\n').map((l) => l.trim().split(/\s+/)[0] ?? '').filter((n) => n.startsWith(NS_PREFIX));
  const stale = names.filter((n) => {
    const m = /^hdvb-(\d+)-/.exec(n);
    return m !== null && !alive(Number(m[1]));
  });
  if (stale.length) await deleteNamespaces(stale);
  return stale;
}

/** Last-resort synchronous cleanup on exit (SIGINT handlers call teardown first; this catches the rest). */
export function teardownAllSync(): void {
  for (const t of live) {
    for (const p of t.procs) p.signal('SIGKILL');
    for (const ns of t.names) {
      const pids = spawnSync('ip', ['netns', 'pids', ns], { encoding: 'utf8' }).stdout ?? '';
      for (const p of pids.split(/\s+/).filter(Boolean)) {
        try {
          process.kill(Number(p), 'SIGKILL');
        } catch {
          /* gone */
        }
      }
      spawnSync('ip', ['netns', 'del', ns]);
    }
  }
  live.clear();
}

export async function teardownAll(): Promise<void> {
  for (const t of [...live]) await t.teardown();
}

/** /proc/PID/status VmHWM and VmRSS in bytes, and /proc/PID/stat utime+stime in seconds; null once gone. */
export function procStats(pid: number): { hwm: number; rss: number; cpu: number } | null {
  try {
    const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
    const kb = (k: string): number => Number(new RegExp(`^${k}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? NaN) * 1024;
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    // Fields after the command: state is [0], utime is field 14 overall = [11], stime [12].
    const ticks = Number(f[11]) + Number(f[12]);
    return { hwm: kb('VmHWM'), rss: kb('VmRSS'), cpu: ticks / 100 };
  } catch {
    return null;
  }
}

/** Busy and total CPU time of the whole machine from /proc/stat, in seconds. */
export function machineCpu(): { busy: number; total: number } {
  const line = fs.readFileSync('/proc/stat', 'utf8').split('\n')[0] ?? '';
  const v = line.trim().split(/\s+/).slice(1).map(Number);
  const total = v.reduce((a, b) => a + b, 0);
  // idle and iowait are fields 4 and 5.
  const idle = (v[3] ?? 0) + (v[4] ?? 0);
  return { busy: (total - idle) / 100, total: total / 100 };
}
