/**
 * Removal of lab namespaces by name, shared by Lab.teardown() and the jest global
 * setup/teardown safety net. Names look like hdv-<runPid>-<pid>-<seq>-<node>: the two
 * pids tell whether the jest run that made a namespace is still alive.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { run } from './proc';

export const NS_PREFIX = 'hdv-';
const NAME_RE = /^hdv-(\d+)-(\d+)-/;

export async function listNamespaces(): Promise<string[]> {
  const r = await run(['ip', 'netns', 'list']);
  // Lines read "name" or "name (id: 3)".
  return r.stdout
    .split('\n')
    .map((l) => l.trim().split(/\s+/)[0] ?? '')
    .filter((n) => n.length > 0);
}

function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** A namespace is stale when neither the jest run nor the worker that created it exists. */
export function isStale(name: string): boolean {
  const m = NAME_RE.exec(name);
  if (!m) return false;
  return !pidAlive(Number(m[1])) && !pidAlive(Number(m[2]));
}

/** SIGKILLs everything inside the namespaces, then deletes them. Errors are collected, not thrown. */
export async function deleteNamespaces(names: readonly string[]): Promise<string[]> {
  const errors: string[] = [];
  for (let round = 0; round < 3; round++) {
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
    await new Promise((r) => setTimeout(r, 100));
  }
  for (const ns of names) {
    const r = await run(['ip', 'netns', 'del', ns]);
    if (r.code !== 0 && !/No such file/.test(r.stderr)) errors.push(`ip netns del ${ns}: ${r.stderr.trim()}`);
  }
  return errors;
}

/** Deletes lab namespaces (and their temp dirs) matching the filter. Returns what was removed. */
export async function cleanupLabs(filter: (name: string) => boolean): Promise<string[]> {
  const victims = (await listNamespaces()).filter((n) => n.startsWith(NS_PREFIX) && filter(n));
  const errors = await deleteNamespaces(victims);
  if (errors.length > 0) process.stderr.write(`interop cleanup: ${errors.join('; ')}\n`);
  for (const entry of fs.readdirSync(os.tmpdir())) {
    const m = /^hdv-lab-(\d+-\d+-\d+)-/.exec(entry);
    if (m && filter(`hdv-${m[1] ?? ''}-x`)) fs.rmSync(path.join(os.tmpdir(), entry), { recursive: true, force: true });
  }
  return victims;
}
