/** `hdvpn policy test NAME ROUTE`: ask hdvpnd what a configured policy does to a route, without applying it. */
import type { Command } from 'commander';
import type { Json } from '../../bgp/wire/json';
import { parseRouteText, RouteTextError } from '../../bgp/policy/route-text';
import { callDaemon, printJson } from '../daemon-call';
import { usageError } from '../exit-codes';

type Obj = { [k: string]: Json };

function isObj(v: Json | undefined): v is Obj {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function show(v: Json | undefined): string {
  if (v === undefined || v === null) return '-';
  if (Array.isArray(v)) return v.length ? v.map(show).join(' ') : '-';
  if (v === '') return '(empty)';
  return typeof v === 'object' ? JSON.stringify(v) : String(v);
}

/** `accept by term T of P`, then one `key: before -> after` line per changed attribute. */
export function renderPolicyTest(doc: Json): string {
  if (!isObj(doc)) return `${JSON.stringify(doc)}\n`;
  const route = isObj(doc.route) ? doc.route : {};
  const by = doc.term === null || doc.term === undefined ? '(no term matched: default accept)' : `by term ${show(doc.term)}`;
  const lines = [`${show(route.prefix)}${route.rd ? ` rd ${show(route.rd)}` : ''}: ${show(doc.action)} ${by} of policy ${show(doc.policy)}`];
  const result = doc.result;
  if (isObj(result)) {
    const changed = Array.isArray(doc.changed) ? doc.changed.map(String) : [];
    if (changed.length === 0) lines.push('  no attribute changed');
    for (const k of changed) lines.push(`  ${k}: ${show(route[k])} -> ${show(result[k])}`);
  }
  return `${lines.join('\n')}\n`;
}

export function registerPolicyCommands(program: Command): void {
  const policy = program.command('policy').description('routing policies');
  policy
    .command('test')
    .description('show what policy NAME does to ROUTE (e.g. "10.0.0.0/24 as-path \\"65001 65002\\" community 65000:1"); nothing is applied')
    .argument('<name>', 'policy name')
    .argument('<route>', 'PREFIX [KEY VALUE]... (keys: as-path origin next-hop med local-pref community large-community route-target rd neighbor family)')
    .option('-j, --json', 'print JSON')
    .action(async (name: string, route: string, opts: { json?: boolean }, cmd: Command) => {
      // Checked here too, so a typo is a usage error (exit 2) before any daemon is asked.
      try {
        parseRouteText(route);
      } catch (e) {
        if (e instanceof RouteTextError) throw usageError(e.message);
        throw e;
      }
      const doc = await callDaemon(cmd, { command: 'policy-test', policy: name, route });
      if (opts.json) printJson(doc);
      else process.stdout.write(renderPolicyTest(doc));
    });
}
