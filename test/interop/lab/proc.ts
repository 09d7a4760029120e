/**
 * Child processes of the lab. Every long-running daemon is spawned detached (its own
 * process group) so a signal to the group also reaches the helpers it forks (OpenBGPD's
 * privsep children, ExaBGP's API processes). Short CLI calls go through run() with a
 * hard timeout so a wedged daemon cannot hang a test.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';

export interface RunResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

export interface RunOptions {
  timeoutMs?: number;
  env?: NodeJS.ProcessEnv;
  input?: string;
}

/** Runs argv to completion and collects its output; never rejects on a non-zero exit. */
export function run(argv: readonly string[], opts: RunOptions = {}): Promise<RunResult> {
  const [cmd, ...args] = argv;
  if (cmd === undefined) return Promise.reject(new Error('run: empty argv'));
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { env: opts.env ?? process.env, stdio: [opts.input === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout?.on('data', (b: Buffer) => out.push(b));
    child.stderr?.on('data', (b: Buffer) => err.push(b));
    const timer = setTimeout(() => child.kill('SIGKILL'), opts.timeoutMs ?? 15000);
    child.on('error', (e) => {
      clearTimeout(timer);
      reject(e);
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout: Buffer.concat(out).toString(), stderr: Buffer.concat(err).toString() });
    });
    if (child.stdin) {
      // A command that exits without reading its input must not fail the caller with EPIPE.
      child.stdin.on('error', () => undefined);
      child.stdin.end(opts.input);
    }
  });
}

/** Like run() but throws with the command's stderr when it exits non-zero. */
export async function runOk(argv: readonly string[], opts: RunOptions = {}): Promise<string> {
  const r = await run(argv, opts);
  if (r.code !== 0) {
    const why = r.signal ? `signal ${r.signal}` : `exit ${String(r.code)}`;
    throw new Error(`${argv.join(' ')}: ${why}\n${(r.stderr || r.stdout).trim()}`);
  }
  return r.stdout;
}

export interface ExitInfo {
  code: number | null;
  signal: NodeJS.Signals | null;
}

/** A daemon started by the lab. stdout and stderr go to logFile. */
export class LabProcess {
  readonly pid: number;
  readonly exited: Promise<ExitInfo>;
  private exitInfo: ExitInfo | undefined;

  constructor(
    readonly argv: readonly string[],
    readonly logFile: string,
    env?: NodeJS.ProcessEnv,
  ) {
    const [cmd, ...args] = argv;
    if (cmd === undefined) throw new Error('LabProcess: empty argv');
    const fd = fs.openSync(logFile, 'a');
    let child: ChildProcess;
    try {
      child = spawn(cmd, args, { detached: true, stdio: ['ignore', fd, fd], env: env ?? process.env });
    } finally {
      fs.closeSync(fd);
    }
    if (child.pid === undefined) throw new Error(`could not spawn ${argv.join(' ')}`);
    this.pid = child.pid;
    this.exited = new Promise((resolve) => {
      child.on('exit', (code, signal) => {
        this.exitInfo = { code, signal };
        resolve(this.exitInfo);
      });
      child.on('error', () => {
        this.exitInfo = { code: null, signal: null };
        resolve(this.exitInfo);
      });
    });
    // The lab owns the lifetime: the test runner must not wait for the daemon to exit.
    child.unref();
  }

  get running(): boolean {
    return this.exitInfo === undefined;
  }

  /** Signals the whole process group; ESRCH (already gone) is not an error. */
  signal(sig: NodeJS.Signals): void {
    if (!this.running) return;
    try {
      process.kill(-this.pid, sig);
    } catch {
      try {
        process.kill(this.pid, sig);
      } catch {
        /* already gone */
      }
    }
  }

  /** SIGTERM (after SIGCONT, so a paused daemon can act on it), then SIGKILL after graceMs. */
  async stop(graceMs = 3000): Promise<ExitInfo> {
    if (!this.running && this.exitInfo) return this.exitInfo;
    this.signal('SIGCONT');
    this.signal('SIGTERM');
    const timer = new Promise<'timeout'>((r) => setTimeout(() => r('timeout'), graceMs).unref());
    const first = await Promise.race([this.exited, timer]);
    if (first !== 'timeout') return first;
    this.signal('SIGKILL');
    return this.exited;
  }

  async kill(): Promise<ExitInfo> {
    this.signal('SIGKILL');
    return this.exited;
  }
}

/** Last n lines of a file, or a note that it is missing; used in failure messages. */
export function tail(file: string, n = 40): string {
  try {
    const lines = fs.readFileSync(file, 'utf8').split('\n');
    return lines.slice(-n - 1).join('\n');
  } catch {
    return `(no file ${file})`;
  }
}
