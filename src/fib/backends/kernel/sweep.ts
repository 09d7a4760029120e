/**
 * Removes from the kernel every rule, route and nexthop object in the
 * backend's ranges, whatever the backend believes: close(), re-sync and a
 * start after a crash all begin from the kernel's own listing.
 */
import { KernelBackendError } from './errors';
import { nexthopDelete, routeDelete, ruleDelete } from './ip-batch';
import type { IpRunner } from './ip-runner';

export interface SweepRanges {
  /** Half-open [first, end) ranges. */
  readonly tables: readonly [number, number];
  readonly nexthopIds: readonly [number, number];
  readonly rulePriorities: readonly [number, number];
}

type Json = Record<string, unknown>;

function records(value: unknown): Json[] {
  return Array.isArray(value) ? value.filter((v): v is Json => typeof v === 'object' && v !== null) : [];
}

const inRange = (n: number, [first, end]: readonly [number, number]): boolean => Number.isInteger(n) && n >= first && n < end;

export async function sweepKernel(ip: IpRunner, ranges: SweepRanges): Promise<void> {
  const problems: string[] = [];
  const run = async (lines: string[], family6 = false): Promise<void> => {
    const outcome = await ip.batch(lines, family6);
    for (const f of outcome.failures) problems.push(`${lines[f.line] ?? '?'}: ${f.message}`);
    if (outcome.aborted !== null) problems.push(`ip stopped mid-batch: ${outcome.aborted}`);
  };
  for (const family6 of [false, true]) {
    const rules = records(await ip.json([family6 ? '-6' : '-4', 'rule', 'show']));
    const priorities = new Set(rules.map((r) => Number(r['priority'])).filter((p) => inRange(p, ranges.rulePriorities)));
    await run([...priorities].map(ruleDelete), family6);
  }
  // Deleting a nexthop object deletes the routes that use it, so most routes go here at kernel speed; groups first.
  const nexthops = records(await ip.json(['nexthop', 'show'])).filter((n) => inRange(Number(n['id']), ranges.nexthopIds));
  const groupsFirst = [...nexthops.filter((n) => 'group' in n), ...nexthops.filter((n) => !('group' in n))];
  await run(groupsFirst.map((n) => nexthopDelete(Number(n['id']))));
  for (const family of ['-4', '-6']) {
    const routes = records(await ip.json([family, 'route', 'show', 'table', 'all']));
    const lines: string[] = [];
    for (const r of routes) {
      const table = Number(r['table']);
      const dst = r['dst'];
      if (!inRange(table, ranges.tables) || typeof dst !== 'string') continue;
      lines.push(routeDelete(dst === 'default' ? (family === '-4' ? '0.0.0.0/0' : '::/0') : dst, table));
    }
    await run(lines);
  }
  if (problems.length > 0) throw new KernelBackendError(`cleanup left state behind: ${problems.slice(0, 5).join('; ')}`);
}
