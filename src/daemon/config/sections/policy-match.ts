/** A policy term's `match`: every key is a condition; a key with a list holds when any value does. */
import { isSeq } from 'yaml';
import { compileAsPathRegex } from '../../../bgp/policy/as-path-regex';
import type { LengthRange, MatchDefinition } from '../../../bgp/policy/definitions';
import { ipv4Prefix, ipv6Prefix, type Prefix } from '../../../bgp/wire/values/prefix';
import { parseIp } from '../../../bgp/wire/values/ip';
import { closest } from '../suggest';
import { asnValue, communityValue, familyValue, largeCommunityValue, nameValue, oneOrListField, prefixValue, rdValue, routeTargetValue } from '../values';
import type { MapReader, Source } from '../yaml-reader';
import { readPrefixEntries, readPrefixEntry } from './prefix-lists';

export const MATCH_KEYS = [
  'prefix-list', 'prefix', 'as-path', 'as-path-contains', 'as-path-length', 'community', 'large-community', 'route-target', 'neighbor', 'family', 'rd',
] as const;

/** The longest AS path anyone sees is a few dozen ASNs; this only catches typos. */
const MAX_AS_PATH_LENGTH = 1000;

const asPathRegexValue = (text: string, line: number, src: Source): string | undefined => {
  const r = compileAsPathRegex(text);
  if (r.ok) return text;
  return void src.diag.error(line, `as-path '${text}' is not a valid regular expression: ${r.reason}`);
};

/** An address (a host prefix) or a prefix (every address in it). */
const neighborValue = (text: string, line: number, src: Source): Prefix | undefined => {
  if (text.includes('/')) return prefixValue(text, line, src);
  const bytes = parseIp(text);
  if (bytes === null) return void src.diag.error(line, `'${text}' is not a valid IPv4 or IPv6 address or prefix`);
  if (bytes.length === 4) return ipv4Prefix(Buffer.from(bytes).readUInt32BE(0), 32);
  return ipv6Prefix(bytes, 128);
};

function values<T>(reader: MapReader, key: string, parse: (text: string, line: number, src: Source) => T | undefined): T[] | undefined {
  return oneOrListField(reader, key, parse)?.map((x) => x.value);
}

function prefixListNames(reader: MapReader, known: ReadonlySet<string>): string[] | undefined {
  const names = oneOrListField(reader, 'prefix-list', nameValue);
  if (!names) return undefined;
  let ok = true;
  for (const { value, line } of names) {
    if (known.has(value)) continue;
    const hint = closest(value, [...known]);
    reader.src.diag.error(line, `unknown prefix-list '${value}'${hint ? ` (did you mean '${hint}'?)` : ''}`);
    ok = false;
  }
  return ok ? names.map((n) => n.value) : undefined;
}

/** `prefix: 10.0.0.0/8`, `prefix: { prefix: 10.0.0.0/8, le: 24 }` or a list of either. */
function inlinePrefixes(reader: MapReader): MatchDefinition['prefixes'] | undefined {
  if (!reader.has('prefix')) return [];
  const { src } = reader;
  const node = src.resolve(reader.raw('prefix'));
  if (isSeq(node)) return readPrefixEntries(src, node, 'prefix', 'prefix entry', reader.keyLine('prefix'));
  const one = readPrefixEntry(src, { node, line: reader.valueLine('prefix') }, 'prefix');
  return one === undefined ? undefined : [one];
}

function lengthRange(reader: MapReader): LengthRange | null | undefined {
  if (!reader.has('as-path-length')) return null;
  const m = reader.map('as-path-length', 'as-path-length', ['ge', 'le']);
  if (!m) return undefined;
  const ge = m.has('ge') ? m.integer('ge', 0, MAX_AS_PATH_LENGTH) : null;
  const le = m.has('le') ? m.integer('le', 0, MAX_AS_PATH_LENGTH) : null;
  if (ge === undefined || le === undefined) return undefined;
  if (ge === null && le === null) return void m.src.diag.error(m.line, 'as-path-length needs ge, le or both');
  if (ge !== null && le !== null && le < ge) return void m.src.diag.error(m.line, `as-path-length le ${le} is less than ge ${ge}, so it matches nothing`);
  return { ge, le };
}

export function readMatch(reader: MapReader, prefixLists: ReadonlySet<string>): MatchDefinition | undefined {
  const match = {
    prefixLists: prefixListNames(reader, prefixLists),
    prefixes: inlinePrefixes(reader),
    asPath: values(reader, 'as-path', asPathRegexValue),
    asPathContains: values(reader, 'as-path-contains', asnValue),
    asPathLength: lengthRange(reader),
    communities: values(reader, 'community', communityValue),
    largeCommunities: values(reader, 'large-community', largeCommunityValue),
    routeTargets: values(reader, 'route-target', routeTargetValue),
    neighbors: values(reader, 'neighbor', neighborValue),
    families: values(reader, 'family', familyValue),
    rds: values(reader, 'rd', rdValue),
  };
  const { prefixLists: pl, prefixes, asPath, asPathContains, asPathLength, communities, largeCommunities, routeTargets, neighbors, families, rds } = match;
  if (
    pl === undefined || prefixes === undefined || asPath === undefined || asPathContains === undefined || asPathLength === undefined || communities === undefined ||
    largeCommunities === undefined || routeTargets === undefined || neighbors === undefined || families === undefined || rds === undefined
  ) {
    return undefined;
  }
  return { prefixLists: pl, prefixes, asPath, asPathContains, asPathLength, communities, largeCommunities, routeTargets, neighbors, families, rds };
}
