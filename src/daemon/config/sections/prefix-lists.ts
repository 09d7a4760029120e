/**
 * `prefix-lists`: named lists of prefix entries, each `PREFIX` (exact) or
 * `{ prefix, ge, le }` (Cisco ranges). The same entry form is written inline in
 * a policy's `match: { prefix: [...] }`.
 */
import { isScalar } from 'yaml';
import type { PrefixEntry, PrefixListDefinition } from '../../../bgp/policy/definitions';
import { formatPrefix } from '../../../bgp/wire/values/prefix';
import { field, nameValue, parseAt, prefixValue, type At } from '../values';
import { MapReader, readList, type Source } from '../yaml-reader';

/** Checks ge/le against the prefix: length ≤ ge ≤ le ≤ 32 or 128. */
function checkRange(src: Source, entry: PrefixEntry, line: number): boolean {
  const { prefix, ge, le } = entry;
  const text = formatPrefix(prefix);
  const max = prefix.afi === 1 ? 32 : 128;
  let ok = true;
  if (ge !== null && (ge < prefix.length || ge > max)) {
    src.diag.error(line, `ge ${ge} must be from the prefix length ${prefix.length} to ${max} for ${text}`);
    ok = false;
  }
  if (le !== null && (le < prefix.length || le > max)) {
    src.diag.error(line, `le ${le} must be from the prefix length ${prefix.length} to ${max} for ${text}`);
    ok = false;
  }
  if (ok && ge !== null && le !== null && le < ge) {
    src.diag.error(line, `le ${le} is less than ge ${ge} for ${text}, so the entry matches nothing`);
    ok = false;
  }
  return ok;
}

/** One entry: a prefix string, or a map with `prefix` and optional `ge`/`le`. */
export function readPrefixEntry(src: Source, at: At, label: string): PrefixEntry | undefined {
  const node = src.resolve(at.node);
  if (isScalar(node)) {
    const prefix = parseAt(src, at, label, prefixValue);
    return prefix === undefined ? undefined : { prefix, ge: null, le: null };
  }
  const m = MapReader.open(src, node, label, ['prefix', 'ge', 'le'], at.line);
  if (!m) return undefined;
  const prefix = m.require('prefix') ? field(m, 'prefix', prefixValue) : undefined;
  const ge = m.has('ge') ? m.integer('ge', 0, 128) : null;
  const le = m.has('le') ? m.integer('le', 0, 128) : null;
  if (prefix === undefined || ge === undefined || le === undefined) return undefined;
  const entry = { prefix, ge, le };
  return checkRange(src, entry, m.line) ? entry : undefined;
}

/** Entries of a list node; undefined when anything was reported. */
export function readPrefixEntries(src: Source, raw: unknown, label: string, itemLabel: string, line: number): PrefixEntry[] | undefined {
  const items = readList(src, raw, label, line);
  if (!items) return undefined;
  let ok = true;
  const out: PrefixEntry[] = [];
  for (const item of items) {
    const e = readPrefixEntry(src, item, itemLabel);
    if (e === undefined) ok = false;
    else out.push(e);
  }
  return ok ? out : undefined;
}

export interface PrefixListsResult {
  readonly lists: PrefixListDefinition[];
  /** Every name defined (valid or not), so a reference to a list with a bad entry is not reported twice. */
  readonly names: ReadonlySet<string>;
}

export function readPrefixLists(items: readonly At[], root: MapReader): PrefixListsResult {
  const lists: PrefixListDefinition[] = [];
  const firstLine = new Map<string, number>();
  for (const item of items) {
    const reader = MapReader.open(root.src, item.node, 'prefix-list', ['name', 'entries'], item.line);
    if (!reader) continue;
    const name = reader.require('name') ? field(reader, 'name', nameValue) : undefined;
    const entries = reader.has('entries') ? readPrefixEntries(root.src, reader.raw('entries'), 'entries', 'prefix-list entry', reader.keyLine('entries')) : [];
    if (name === undefined) continue;
    const seen = firstLine.get(name);
    if (seen !== undefined) {
      root.src.diag.error(reader.valueLine('name'), `duplicate prefix-list name '${name}' (first defined at line ${seen})`);
      continue;
    }
    firstLine.set(name, reader.valueLine('name'));
    if (entries !== undefined) lists.push({ name, entries });
  }
  return { lists, names: new Set(firstLine.keys()) };
}
