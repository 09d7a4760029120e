/**
 * Runs iproute2's `ip` in the daemon's network namespace (or in `netns`):
 * whole batches through one `ip -force -batch -`, whose per-line failures are
 * mapped back to line numbers, and JSON queries.
 */
import { spawn } from 'node:child_process';
import { KernelBackendError } from './errors';

export interface IpResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** A line of a batch that the kernel refused: 0-based index into the lines given, and what `ip` printed for it. */
export interface BatchLineFailure {
  readonly line: number;
  readonly message: string;
}

export interface BatchOutcome {
  readonly failures: BatchLineFailure[];
  /** Set when `ip` stopped before the end of the batch: its last words. */
  readonly aborted: string | null;
}

export class IpRunner {
  constructor(
    private readonly netns: string | null = null,
    private readonly ipPath = 'ip',
  ) {}

  run(args: readonly string[], input?: string): Promise<IpResult> {
    const full = this.netns === null ? [...args] : ['-n', this.netns, ...args];
    return new Promise((resolve, reject) => {
      const child = spawn(this.ipPath, full, { stdio: ['pipe', 'pipe', 'pipe'] });
      const out: Buffer[] = [];
      const err: Buffer[] = [];
      child.stdout.on('data', (b: Buffer) => out.push(b));
      child.stderr.on('data', (b: Buffer) => err.push(b));
      child.on('error', (e) => reject(new KernelBackendError(`cannot run ${this.ipPath}: ${e.message}`)));
      child.on('close', (code) =>
        resolve({ code: code ?? -1, stdout: Buffer.concat(out).toString('utf8'), stderr: Buffer.concat(err).toString('utf8') }),
      );
      // A child that exits early (bad option) closes stdin under us: its status is the answer, not EPIPE.
      child.stdin.on('error', () => undefined);
      child.stdin.end(input ?? '');
    });
  }

  /**
   * One `ip [-6] -force -batch -` for all lines: `-force` goes on past a failed
   * line, and `ip` reports each as its messages followed by `Command failed -:N`.
   */
  async batch(lines: readonly string[], family6 = false): Promise<BatchOutcome> {
    if (lines.length === 0) return { failures: [], aborted: null };
    const result = await this.run([...(family6 ? ['-6'] : []), '-force', '-batch', '-'], lines.join('\n') + '\n');
    const failures = parseBatchFailures(result.stderr);
    // Argument errors (an unknown device, an unreadable eBPF object) make `ip` exit mid-batch even with
    // -force, without saying where: the lines after it did not run, and which ones did is unknown.
    const aborted = result.code === 0 || (failures.length > 0 && result.code === 1) ? null : result.stderr.trim().split('\n').pop() || `exit ${result.code}`;
    return { failures, aborted };
  }

  /** `ip -j ARGS`, parsed; an empty answer is an empty list. */
  async json(args: readonly string[]): Promise<unknown> {
    const result = await this.run(['-j', ...args]);
    if (result.code !== 0) throw new KernelBackendError(`ip -j ${args.join(' ')}: ${result.stderr.trim()}`);
    const text = result.stdout.trim();
    return text === '' ? [] : (JSON.parse(text) as unknown);
  }
}

const FAILED = /^Command failed -:(\d+)$/;

export function parseBatchFailures(stderr: string): BatchLineFailure[] {
  const failures: BatchLineFailure[] = [];
  let pending: string[] = [];
  for (const raw of stderr.split('\n')) {
    const line = raw.trim();
    if (line === '') continue;
    const m = FAILED.exec(line);
    if (m) {
      failures.push({ line: Number(m[1]) - 1, message: pending.join('; ') || 'failed' });
      pending = [];
    } else pending.push(line);
  }
  return failures;
}
