/**
 * `policies`: named, ordered lists of terms (`name`, `match`, `set`, `action`),
 * and the references to them from neighbors and the route server. Semantics:
 * src/bgp/policy/engine.ts and docs/config.md, "Policies".
 */
import { EMPTY_MATCH, EMPTY_SET, type PolicyDefinition, type SetDefinition, type TermAction, type TermDefinition } from '../../../bgp/policy/definitions';
import { closest } from '../suggest';
import { field, nameValue, oneOrListField, type At } from '../values';
import { MapReader } from '../yaml-reader';
import { MATCH_KEYS, readMatch } from './policy-match';
import { readSet, SET_KEYS } from './policy-set';

const TERM_ACTIONS: readonly TermAction[] = ['accept', 'reject', 'next-policy'];

function hasSetActions(s: SetDefinition): boolean {
  return Object.values(s).some((v) => v !== null);
}

function readTerm(reader: MapReader, prefixLists: ReadonlySet<string>): TermDefinition | undefined {
  const name = reader.require('name') ? field(reader, 'name', nameValue) : undefined;
  const matchReader = reader.map('match', 'match', MATCH_KEYS);
  const match = !reader.has('match') ? EMPTY_MATCH : matchReader ? readMatch(matchReader, prefixLists) : undefined;
  const setReader = reader.map('set', 'set', SET_KEYS);
  const set = !reader.has('set') ? EMPTY_SET : setReader ? readSet(setReader) : undefined;
  const action = reader.has('action') ? reader.enumOf('action', TERM_ACTIONS) : null;
  if (name === undefined || match === undefined || set === undefined || action === undefined) return undefined;
  if (action === 'reject' && hasSetActions(set)) {
    reader.src.diag.warning(reader.keyLine('set'), `term '${name}' rejects the route, so its set actions have no effect`);
  }
  return { name, match, set, action };
}

function readTerms(reader: MapReader, policy: string, prefixLists: ReadonlySet<string>): TermDefinition[] | undefined {
  const items = reader.list('terms') ?? (reader.has('terms') ? undefined : []);
  if (items === undefined) return undefined;
  const terms: TermDefinition[] = [];
  const firstLine = new Map<string, number>();
  let ok = true;
  for (const item of items) {
    const t = MapReader.open(reader.src, item.node, 'term', ['name', 'match', 'set', 'action'], item.line);
    const term = t ? readTerm(t, prefixLists) : undefined;
    if (!t || !term) {
      ok = false;
      continue;
    }
    const seen = firstLine.get(term.name);
    if (seen !== undefined) {
      reader.src.diag.error(t.valueLine('name'), `policy '${policy}' has two terms named '${term.name}' (first at line ${seen})`);
      ok = false;
      continue;
    }
    firstLine.set(term.name, t.valueLine('name'));
    terms.push(term);
  }
  return ok ? terms : undefined;
}

export interface PoliciesResult {
  readonly policies: PolicyDefinition[];
  /** Every name defined (valid or not), so a reference to a policy with a bad term is not reported twice. */
  readonly names: ReadonlySet<string>;
}

export function readPolicies(items: readonly At[], root: MapReader, prefixLists: ReadonlySet<string>): PoliciesResult {
  const policies: PolicyDefinition[] = [];
  const firstLine = new Map<string, number>();
  for (const item of items) {
    const reader = MapReader.open(root.src, item.node, 'policy', ['name', 'terms'], item.line);
    if (!reader) continue;
    const name = reader.require('name') ? field(reader, 'name', nameValue) : undefined;
    const terms = readTerms(reader, name ?? '?', prefixLists);
    if (name === undefined) continue;
    const seen = firstLine.get(name);
    if (seen !== undefined) {
      root.src.diag.error(reader.valueLine('name'), `duplicate policy name '${name}' (first defined at line ${seen})`);
      continue;
    }
    firstLine.set(name, reader.valueLine('name'));
    if (terms !== undefined) policies.push({ name, terms });
  }
  return { policies, names: new Set(firstLine.keys()) };
}

/** `import-policy: NAME` or `[NAME, ...]`: names of defined policies, in order. */
export function policyRefsField(reader: MapReader, key: string, known: ReadonlySet<string>): string[] | undefined {
  const refs = oneOrListField(reader, key, nameValue);
  if (!refs) return undefined;
  let ok = true;
  const seen = new Set<string>();
  for (const { value, line } of refs) {
    if (!known.has(value)) {
      const hint = closest(value, [...known]);
      reader.src.diag.error(line, `${key} names unknown policy '${value}'${hint ? ` (did you mean '${hint}'?)` : ''}`);
      ok = false;
    } else if (seen.has(value)) {
      reader.src.diag.error(line, `${key} lists policy '${value}' twice`);
      ok = false;
    }
    seen.add(value);
  }
  return ok ? refs.map((r) => r.value) : undefined;
}

