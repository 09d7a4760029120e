/** Polling with deadlines; a timeout says what was awaited, what was last seen, and the peer's log tail. */

export interface WaitOptions {
  timeoutMs?: number;
  intervalMs?: number;
  /** Extra text for the failure message, e.g. a log tail. */
  diagnostics?: () => string | Promise<string>;
}

export class WaitTimeout extends Error {
  override name = 'WaitTimeout';
}

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

function show(v: unknown): string {
  if (v instanceof Error) return v.message;
  const s = typeof v === 'string' ? v : JSON.stringify(v, null, 1);
  return s === undefined ? String(v) : s.length > 2000 ? `${s.slice(0, 2000)}…` : s;
}

/**
 * Calls probe until it returns something other than undefined/false. Errors thrown by the
 * probe count as "not yet" (daemons refuse CLI connections while starting) and are reported
 * if the deadline passes.
 */
export async function waitFor<T>(
  what: string,
  probe: () => Promise<T | undefined | false> | T | undefined | false,
  opts: WaitOptions = {},
): Promise<T> {
  const timeoutMs = opts.timeoutMs ?? 30000;
  const interval = opts.intervalMs ?? 250;
  const deadline = Date.now() + timeoutMs;
  let last: unknown = 'never probed';
  for (;;) {
    try {
      const v = await probe();
      if (v !== undefined && v !== false) return v;
      last = v;
    } catch (e) {
      last = e;
    }
    if (Date.now() >= deadline) break;
    await sleep(Math.min(interval, Math.max(0, deadline - Date.now())));
  }
  let diag = '';
  if (opts.diagnostics) {
    try {
      diag = `\n${await opts.diagnostics()}`;
    } catch (e) {
      diag = `\n(diagnostics failed: ${show(e)})`;
    }
  }
  throw new WaitTimeout(`timed out after ${timeoutMs} ms waiting for ${what}; last: ${show(last)}${diag}`);
}

/** Asserts that probe stays true for the whole period (e.g. "the session stays down"). */
export async function holdsFor(
  what: string,
  probe: () => Promise<boolean> | boolean,
  periodMs: number,
  opts: Omit<WaitOptions, 'timeoutMs'> = {},
): Promise<void> {
  const end = Date.now() + periodMs;
  while (Date.now() < end) {
    if (!(await probe())) {
      const diag = opts.diagnostics ? `\n${await opts.diagnostics()}` : '';
      throw new Error(`${what} stopped holding after ${periodMs - (end - Date.now())} ms${diag}`);
    }
    await sleep(opts.intervalMs ?? 500);
  }
}
