/**
 * Namespaces, veth links, child processes and tshark captures for the
 * userspace-backend tests. Every name carries this jest worker's pid and a
 * sequence number; teardown() kills what it started and deletes what it made,
 * and is safe to call after a failed setup.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import readline from 'node:readline';

export const HELPERS = __dirname;
export const DIST_USERSPACE = path.resolve(__dirname, '../../../dist/src/fib/backends/userspace');

let labSeq = 0;

export class UserspaceLab {
  readonly prefix: string;
  readonly dir: string;
  private readonly namespaces: string[] = [];
  private readonly children = new Set<ChildProcess>();

  constructor() {
    labSeq += 1;
    this.prefix = `hdvus-${process.pid}-${labSeq}`;
    this.dir = mkdtempSync(path.join(tmpdir(), `${this.prefix}-`));
  }

  /** Creates namespace <prefix>-<name> with lo up and IPv6 off (no stray router solicitations on TUN or veth). */
  addNamespace(name: string): string {
    const ns = `${this.prefix}-${name}`;
    execFileSync('ip', ['netns', 'add', ns]);
    this.namespaces.push(ns);
    this.exec(ns, ['sysctl', '-qw', 'net.ipv6.conf.all.disable_ipv6=1', 'net.ipv6.conf.default.disable_ipv6=1']);
    execFileSync('ip', ['-n', ns, 'link', 'set', 'lo', 'up']);
    return ns;
  }

  /** veth pair between two namespaces, addressed and up. */
  link(nsA: string, ifA: string, addrA: string, nsB: string, ifB: string, addrB: string): void {
    execFileSync('ip', ['-n', nsA, 'link', 'add', ifA, 'type', 'veth', 'peer', 'name', ifB, 'netns', nsB]);
    execFileSync('ip', ['-n', nsA, 'addr', 'add', addrA, 'dev', ifA]);
    execFileSync('ip', ['-n', nsB, 'addr', 'add', addrB, 'dev', ifB]);
    execFileSync('ip', ['-n', nsA, 'link', 'set', ifA, 'up']);
    execFileSync('ip', ['-n', nsB, 'link', 'set', ifB, 'up']);
  }

  exec(ns: string, argv: readonly string[]): string {
    return execFileSync('ip', ['netns', 'exec', ns, ...argv], { encoding: 'utf8', timeout: 30000 });
  }

  /** Runs a helper script under node in `ns` and parses its one-line JSON output. */
  async runJson<T>(ns: string, script: string, args: readonly string[]): Promise<T> {
    const child = this.spawn(ns, ['node', path.join(HELPERS, script), ...args]);
    let out = '';
    let err = '';
    child.stdout?.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr?.on('data', (d: Buffer) => (err += d.toString()));
    const code = await new Promise<number | null>((resolve) => child.on('exit', (c) => resolve(c)));
    if (code !== 0) throw new Error(`${script} exited with ${code}: ${err}`);
    return JSON.parse(out) as T;
  }

  spawn(ns: string, argv: readonly string[]): ChildProcess {
    const child = spawn('ip', ['netns', 'exec', ns, ...argv], { stdio: ['pipe', 'pipe', 'pipe'] });
    this.children.add(child);
    child.on('exit', () => this.children.delete(child));
    return child;
  }

  async teardown(): Promise<void> {
    for (const child of this.children) child.kill('SIGKILL');
    for (const ns of this.namespaces) {
      const pids = execFileSync('ip', ['netns', 'pids', ns], { encoding: 'utf8' }).split(/\s+/).filter(Boolean);
      for (const pid of pids) {
        try {
          process.kill(Number(pid), 'SIGKILL');
        } catch {
          /* already gone */
        }
      }
    }
    if (this.children.size > 0) await new Promise((r) => setTimeout(r, 100));
    for (const ns of this.namespaces) {
      try {
        execFileSync('ip', ['netns', 'del', ns], { stdio: 'ignore' });
      } catch {
        /* reported by the leftover check of the next run, if any */
      }
    }
    rmSync(this.dir, { recursive: true, force: true });
  }
}

export interface Reply {
  id: number;
  ok: boolean;
  error?: string;
  [key: string]: unknown;
}

export interface BackendEvent {
  event: string;
  message?: string;
  port?: number | null;
  resources?: string[];
}

/** backend-node.js running in a namespace, driven by JSON lines. */
export class BackendProcess {
  readonly events: BackendEvent[] = [];
  readonly exited: Promise<number | null>;
  private readonly pending = new Map<number, (r: Reply) => void>();
  private nextId = 1;
  private stderr = '';

  constructor(private readonly child: ChildProcess) {
    this.exited = new Promise((resolve) => child.on('exit', (code) => resolve(code)));
    child.stderr?.on('data', (d: Buffer) => (this.stderr += d.toString()));
    if (!child.stdout) throw new Error('backend-node.js without stdout');
    readline.createInterface({ input: child.stdout }).on('line', (line) => {
      const msg = JSON.parse(line) as Partial<Reply & BackendEvent>;
      if (typeof msg.event === 'string') this.events.push(msg as BackendEvent);
      else if (typeof msg.id === 'number') this.pending.get(msg.id)?.(msg as Reply);
    });
  }

  /** `options`: UserspaceBackendOptions given as JSON (handlerModule and onError are set by the driver). */
  static start(lab: UserspaceLab, ns: string, handler: string, options: Record<string, unknown> = {}): BackendProcess {
    return new BackendProcess(lab.spawn(ns, ['node', path.join(HELPERS, 'backend-node.js'), path.join(HELPERS, handler), JSON.stringify(options)]));
  }

  async request(cmd: Record<string, unknown>, timeoutMs = 10000): Promise<Reply> {
    const id = this.nextId++;
    const reply = new Promise<Reply>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no reply to ${JSON.stringify(cmd)}; stderr: ${this.stderr}`)), timeoutMs);
      this.pending.set(id, (r) => {
        clearTimeout(timer);
        resolve(r);
      });
    });
    this.child.stdin?.write(`${JSON.stringify({ id, ...cmd })}\n`);
    const r = await reply;
    if (!r.ok) throw new Error(`${String(cmd.cmd)} failed: ${r.error ?? '?'}`);
    return r;
  }

  async counters(port: number): Promise<Record<string, number>> {
    const r = await this.request({ cmd: 'counters', port });
    return r.counters as Record<string, number>;
  }

  errors(): string[] {
    return this.events.filter((e) => e.event === 'error').map((e) => e.message ?? '');
  }

  get diagnostics(): string {
    return this.stderr;
  }
}

/** A tshark capture in a namespace; stop() ends it and returns the pcap path. */
export class Capture {
  private readonly child: ChildProcess;
  private readonly started: Promise<void>;
  private readonly done: Promise<void>;

  constructor(lab: UserspaceLab, ns: string, iface: string, readonly file: string) {
    this.child = lab.spawn(ns, ['tshark', '-q', '-i', iface, '-w', file]);
    let err = '';
    this.started = new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`tshark did not start: ${err}`)), 10000);
      this.child.stderr?.on('data', (d: Buffer) => {
        err += d.toString();
        if (err.includes('Capturing on')) {
          clearTimeout(timer);
          resolve();
        }
      });
    });
    this.done = new Promise((resolve) => this.child.on('exit', () => resolve()));
  }

  ready(): Promise<void> {
    return this.started;
  }

  async stop(): Promise<string> {
    // Let the last packets reach the file before asking tshark to finish.
    await new Promise((r) => setTimeout(r, 300));
    this.child.kill('SIGINT');
    await this.done;
    return this.file;
  }
}

/** tshark fields of every packet matching `filter`, IPv4 header checksums verified; the first (outer) occurrence of each field. */
export function tsharkFields(file: string, filter: string, fields: readonly string[]): string[][] {
  const args = ['-r', file, '-o', 'ip.check_checksum:TRUE', '-Y', filter, '-T', 'fields', '-E', 'separator=|', '-E', 'occurrence=f'];
  for (const f of fields) args.push('-e', f);
  const out = execFileSync('tshark', args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
  return out
    .split('\n')
    .filter((l) => l.length > 0)
    .map((l) => l.split('|'));
}
