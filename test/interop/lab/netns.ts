/**
 * A lab: one "switch" namespace holding a bridge, plus one namespace per node with a veth
 * (eth0) into that bridge and an address from 198.18.0.0/24 (RFC 2544 benchmarking range).
 * No namespace gets a default route, so nothing can leave the lab. The veth pairs are created
 * inside the switch namespace, never in the root namespace, so parallel labs cannot collide.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { deleteNamespaces } from './cleanup';
import { LabProcess, run, runOk, type RunOptions, type RunResult } from './proc';

const SUBNET = '198.18.0';
const PREFIX_LEN = 24;
let labSeq = 0;
const liveLabs = new Set<Lab>();

/** The jest run id: global-setup.ts exports its pid so every worker's names carry it. */
function runPid(): string {
  return process.env.HDV_LAB_RUN ?? String(process.pid);
}

export class LabNode {
  readonly procs: LabProcess[] = [];

  constructor(
    readonly lab: Lab,
    readonly name: string,
    readonly ns: string,
    readonly address: string,
    /** Private directory for this node's configs, sockets and logs. */
    readonly dir: string,
  ) {}

  /** argv wrapped so it runs inside this node's namespace. */
  wrap(argv: readonly string[]): string[] {
    return ['ip', 'netns', 'exec', this.ns, ...argv];
  }

  /** Runs a short command in the namespace and waits for it. */
  exec(argv: readonly string[], opts?: RunOptions): Promise<RunResult> {
    return run(this.wrap(argv), opts);
  }

  execOk(argv: readonly string[], opts?: RunOptions): Promise<string> {
    return runOk(this.wrap(argv), opts);
  }

  /** Starts a long-running process in the namespace; the lab kills it at teardown. */
  spawn(argv: readonly string[], logFile: string, env?: NodeJS.ProcessEnv): LabProcess {
    const p = new LabProcess(this.wrap(argv), logFile, env);
    this.procs.push(p);
    this.lab.track(p);
    return p;
  }
}

export interface LabOptions {
  /** Keep the temp directory after teardown (also: HDV_LAB_KEEP=1). */
  keepDir?: boolean;
}

export class Lab {
  readonly prefix: string;
  readonly switchNs: string;
  readonly dir: string;
  readonly nodes = new Map<string, LabNode>();
  private readonly procs = new Set<LabProcess>();
  private nextHost = 2;
  private tornDown = false;

  private constructor(readonly opts: LabOptions) {
    labSeq += 1;
    this.prefix = `hdv-${runPid()}-${process.pid}-${labSeq}`;
    this.switchNs = `${this.prefix}-sw`;
    this.dir = fs.mkdtempSync(path.join(os.tmpdir(), `hdv-lab-${runPid()}-${process.pid}-${labSeq}-`));
  }

  /** Creates the switch namespace and bridge. Call teardown() in afterAll, even on failure. */
  static async create(opts: LabOptions = {}): Promise<Lab> {
    const lab = new Lab(opts);
    liveLabs.add(lab);
    try {
      await runOk(['ip', 'netns', 'add', lab.switchNs]);
      await runOk(['ip', '-n', lab.switchNs, 'link', 'set', 'lo', 'up']);
      await runOk(['ip', '-n', lab.switchNs, 'link', 'add', 'br0', 'type', 'bridge']);
      await runOk(['ip', '-n', lab.switchNs, 'link', 'set', 'br0', 'up']);
    } catch (e) {
      await lab.teardown();
      throw e;
    }
    return lab;
  }

  /** Adds namespace <prefix>-<name> with eth0 = address/24 (next free 198.18.0.x if omitted). */
  async addNode(name: string, address?: string): Promise<LabNode> {
    if (!/^[a-z0-9]{1,12}$/.test(name)) throw new Error(`node name must be [a-z0-9]{1,12}: ${name}`);
    if (this.nodes.has(name)) throw new Error(`node ${name} exists`);
    const addr = address ?? `${SUBNET}.${this.nextHost++}`;
    const ns = `${this.prefix}-${name}`;
    const dir = path.join(this.dir, name);
    fs.mkdirSync(dir, { recursive: true });
    const node = new LabNode(this, name, ns, addr, dir);
    this.nodes.set(name, node);
    // The bridge-side name only has to be unique inside the switch namespace.
    const port = `p${this.nodes.size}`;
    await runOk(['ip', 'netns', 'add', ns]);
    await runOk(['ip', '-n', ns, 'link', 'set', 'lo', 'up']);
    await runOk(['ip', '-n', this.switchNs, 'link', 'add', port, 'type', 'veth', 'peer', 'name', 'eth0', 'netns', ns]);
    await runOk(['ip', '-n', this.switchNs, 'link', 'set', port, 'master', 'br0', 'up']);
    await runOk(['ip', '-n', ns, 'addr', 'add', `${addr}/${PREFIX_LEN}`, 'dev', 'eth0']);
    await runOk(['ip', '-n', ns, 'link', 'set', 'eth0', 'up']);
    return node;
  }

  node(name: string): LabNode {
    const n = this.nodes.get(name);
    if (!n) throw new Error(`no node ${name} in ${this.prefix}`);
    return n;
  }

  track(p: LabProcess): void {
    this.procs.add(p);
  }

  /**
   * Kills every process the lab started (whole process groups), then everything still inside
   * its namespaces, then deletes the namespaces (which removes the veths and the bridge).
   * Safe to call twice and after a partial create.
   */
  async teardown(): Promise<void> {
    if (this.tornDown) return;
    this.tornDown = true;
    liveLabs.delete(this);
    for (const p of this.procs) p.signal('SIGKILL');
    await Promise.race([
      Promise.all([...this.procs].map((p) => p.exited)),
      new Promise((r) => setTimeout(r, 2000).unref()),
    ]);
    const names = [...[...this.nodes.values()].map((n) => n.ns), this.switchNs];
    const errors = await deleteNamespaces(names);
    if (!(this.opts.keepDir || process.env.HDV_LAB_KEEP === '1')) fs.rmSync(this.dir, { recursive: true, force: true });
    if (errors.length > 0) throw new Error(`lab teardown: ${errors.join('; ')}`);
  }
}

/**
 * Last-resort sync cleanup if the worker exits without afterAll having run (async work is
 * impossible in an 'exit' handler). global-teardown.ts catches the case where even this is skipped.
 */
process.on('exit', () => {
  for (const lab of liveLabs) {
    const names = [...[...lab.nodes.values()].map((n) => n.ns), lab.switchNs];
    for (const node of lab.nodes.values()) for (const p of node.procs) p.signal('SIGKILL');
    for (const ns of names) {
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
});
