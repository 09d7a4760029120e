/** A policy term's `set`: the attribute changes applied when the term matches. */
import { isScalar } from 'yaml';
import type { AsPathPrepend, ListEdit, SetDefinition } from '../../../bgp/policy/definitions';
import { MAX_AS_PATH_PREPEND } from '../defaults';
import { addressValue, asnValue, communityValue, field, largeCommunityValue, oneOrListField, routeTargetValue } from '../values';
import type { MapReader, Source } from '../yaml-reader';

export const SET_KEYS = ['local-pref', 'med', 'next-hop', 'community', 'large-community', 'route-target', 'as-path-prepend'] as const;
const EDIT_KEYS = ['add', 'remove', 'replace'] as const;
const MAX_UINT32 = 0xffffffff;

type Parse<T> = (text: string, line: number, src: Source) => T | undefined;

/** `{ add: [..], remove: [..], replace: [..] }`, each a value or a list; `replace: []` removes every value. */
function listEdit<T>(reader: MapReader, key: string, parse: Parse<T>): ListEdit<T> | null | undefined {
  if (!reader.has(key)) return null;
  const m = reader.map(key, key, EDIT_KEYS);
  if (!m) return undefined;
  const read = (k: string): T[] | undefined => oneOrListField(m, k, parse)?.map((x) => x.value);
  const add = read('add');
  const remove = read('remove');
  const replace = m.has('replace') ? read('replace') : null;
  if (add === undefined || remove === undefined || replace === undefined) return undefined;
  if (replace === null && add.length === 0 && remove.length === 0) return void m.src.diag.error(m.line, `${key} needs add, remove or replace`);
  return { replace, remove, add };
}

/** `next-hop: self` (next-hop-self) or an address. */
function nextHop(reader: MapReader): string | null | undefined {
  if (!reader.has('next-hop')) return null;
  return field(reader, 'next-hop', (text, line, src) => (text === 'self' ? 'self' : addressValue(text, line, src)));
}

/** `as-path-prepend: N` (our AS N times) or `{ asn: ASN, count: N }` (count default 1). */
function asPathPrepend(reader: MapReader): AsPathPrepend | null | undefined {
  if (!reader.has('as-path-prepend')) return null;
  const node = reader.src.resolve(reader.raw('as-path-prepend'));
  if (isScalar(node)) {
    const count = reader.integer('as-path-prepend', 1, MAX_AS_PATH_PREPEND);
    return count === undefined ? undefined : { asn: null, count };
  }
  const m = reader.map('as-path-prepend', 'as-path-prepend', ['asn', 'count']);
  if (!m) return undefined;
  const asn = m.has('asn') ? field(m, 'asn', asnValue) : null;
  const count = m.has('count') ? m.integer('count', 1, MAX_AS_PATH_PREPEND) : 1;
  if (asn === undefined || count === undefined) return undefined;
  return { asn, count };
}

export function readSet(reader: MapReader): SetDefinition | undefined {
  const localPref = reader.has('local-pref') ? reader.integer('local-pref', 0, MAX_UINT32) : null;
  const med = reader.has('med') ? reader.integer('med', 0, MAX_UINT32) : null;
  const nh = nextHop(reader);
  const communities = listEdit(reader, 'community', communityValue);
  const largeCommunities = listEdit(reader, 'large-community', largeCommunityValue);
  const routeTargets = listEdit(reader, 'route-target', routeTargetValue);
  const prepend = asPathPrepend(reader);
  if (localPref === undefined || med === undefined || nh === undefined || communities === undefined || largeCommunities === undefined || routeTargets === undefined || prepend === undefined) {
    return undefined;
  }
  return { localPref, med, nextHop: nh, communities, largeCommunities, routeTargets, asPathPrepend: prepend };
}
