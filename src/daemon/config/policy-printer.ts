/** The canonical text of prefix lists and policies (printer.ts): every list printed as a list, empty ones left out. */
import type { ListEdit, MatchDefinition, PolicyDefinition, PrefixEntry, PrefixListDefinition, SetDefinition, TermDefinition } from '../../bgp/policy/definitions';
import { formatCommunity } from '../../bgp/wire/values/community';
import { formatRouteTarget } from '../../bgp/wire/values/ext-community';
import { formatLargeCommunity } from '../../bgp/wire/values/large-community';
import { formatPrefix, type Prefix } from '../../bgp/wire/values/prefix';
import { formatRd } from '../../bgp/wire/values/rd';

type Out = Record<string, unknown>;

function compact(entries: [string, unknown][]): Out {
  const out: Out = {};
  for (const [key, value] of entries) {
    if (value === undefined || value === null || (Array.isArray(value) && value.length === 0)) continue;
    out[key] = value;
  }
  return out;
}

function prefixEntryOut(e: PrefixEntry): unknown {
  if (e.ge === null && e.le === null) return formatPrefix(e.prefix);
  return compact([['prefix', formatPrefix(e.prefix)], ['ge', e.ge], ['le', e.le]]);
}

export function prefixListOut(l: PrefixListDefinition): Out {
  return compact([['name', l.name], ['entries', l.entries.map(prefixEntryOut)]]);
}

/** A host prefix prints as the address, as it was written. */
function neighborOut(p: Prefix): string {
  const text = formatPrefix(p);
  return p.length === (p.afi === 1 ? 32 : 128) ? text.slice(0, text.lastIndexOf('/')) : text;
}

function matchOut(m: MatchDefinition): Out | undefined {
  const out = compact([
    ['prefix-list', [...m.prefixLists]],
    ['prefix', m.prefixes.map(prefixEntryOut)],
    ['as-path', [...m.asPath]],
    ['as-path-contains', [...m.asPathContains]],
    ['as-path-length', m.asPathLength ? compact([['ge', m.asPathLength.ge], ['le', m.asPathLength.le]]) : undefined],
    ['community', m.communities.map(formatCommunity)],
    ['large-community', m.largeCommunities.map(formatLargeCommunity)],
    ['route-target', m.routeTargets.map(formatRouteTarget)],
    ['neighbor', m.neighbors.map(neighborOut)],
    ['family', [...m.families]],
    ['rd', m.rds.map(formatRd)],
  ]);
  return Object.keys(out).length ? out : undefined;
}

/** `replace: []` (remove every value) is kept: it is not the same as no replace. */
function editOut<T>(e: ListEdit<T> | null, format: (v: T) => string): Out | undefined {
  if (e === null) return undefined;
  const out = compact([['add', e.add.map(format)], ['remove', e.remove.map(format)]]);
  if (e.replace !== null) out.replace = e.replace.map(format);
  return out;
}

function setOut(s: SetDefinition): Out | undefined {
  const out = compact([
    ['local-pref', s.localPref],
    ['med', s.med],
    ['next-hop', s.nextHop],
    ['community', editOut(s.communities, formatCommunity)],
    ['large-community', editOut(s.largeCommunities, formatLargeCommunity)],
    ['route-target', editOut(s.routeTargets, formatRouteTarget)],
    ['as-path-prepend', s.asPathPrepend ? compact([['asn', s.asPathPrepend.asn], ['count', s.asPathPrepend.count]]) : undefined],
  ]);
  return Object.keys(out).length ? out : undefined;
}

function termOut(t: TermDefinition): Out {
  return compact([['name', t.name], ['match', matchOut(t.match)], ['set', setOut(t.set)], ['action', t.action]]);
}

export function policiesOut(policies: readonly PolicyDefinition[]): Out[] {
  return policies.map((p) => compact([['name', p.name], ['terms', p.terms.map(termOut)]]));
}
