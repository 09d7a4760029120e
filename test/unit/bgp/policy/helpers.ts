/** Builders for policy tests: definitions with defaults, routes as PolicyInput. */
import { EMPTY_MATCH, EMPTY_SET, type MatchDefinition, type PolicyDefinition, type PrefixEntry, type SetDefinition, type TermAction, type TermDefinition } from '../../../../src/bgp/policy/definitions';
import { PolicyEngine } from '../../../../src/bgp/policy/engine';
import type { PolicyInput } from '../../../../src/bgp/policy/types';
import { AttributeInterner } from '../../../../src/bgp/rib/attribute-set';
import type { PathAttribute } from '../../../../src/bgp/wire/attributes/types';
import { parseAsPath } from '../../../../src/bgp/wire/values/as-path';
import { parseCommunity } from '../../../../src/bgp/wire/values/community';
import { parseRouteTarget, type ExtendedCommunity } from '../../../../src/bgp/wire/values/ext-community';
import { parseLargeCommunity, type LargeCommunity } from '../../../../src/bgp/wire/values/large-community';
import { parsePrefix, type Prefix } from '../../../../src/bgp/wire/values/prefix';
import { parseRd } from '../../../../src/bgp/wire/values/rd';

export const LOCAL_AS = 65000;

export function prefix(text: string): Prefix {
  const p = parsePrefix(text);
  if (p === null) throw new Error(`bad test prefix ${text}`);
  return p;
}

export function entry(text: string, ge: number | null = null, le: number | null = null): PrefixEntry {
  return { prefix: prefix(text), ge, le };
}

export function community(text: string): number {
  const c = parseCommunity(text);
  if (c === null) throw new Error(`bad test community ${text}`);
  return c;
}

export function large(text: string): LargeCommunity {
  const c = parseLargeCommunity(text);
  if (c === null) throw new Error(`bad test large community ${text}`);
  return c;
}

export function rt(text: string): ExtendedCommunity & { kind: 'route-target' } {
  const c = parseRouteTarget(text);
  if (c === null || c.kind !== 'route-target') throw new Error(`bad test route target ${text}`);
  return { ...c, kind: 'route-target' };
}

export function term(name: string, match: Partial<MatchDefinition> = {}, set: Partial<SetDefinition> = {}, action: TermAction | null = null): TermDefinition {
  return { name, match: { ...EMPTY_MATCH, ...match }, set: { ...EMPTY_SET, ...set }, action };
}

export function policy(name: string, ...terms: TermDefinition[]): PolicyDefinition {
  return { name, terms };
}

export function engine(policies: PolicyDefinition[], prefixLists: { name: string; entries: PrefixEntry[] }[] = []): PolicyEngine {
  return new PolicyEngine({ prefixLists, policies });
}

export interface RouteSpec {
  prefix?: string;
  rd?: string;
  asPath?: string;
  communities?: string[];
  large?: string[];
  routeTargets?: string[];
  med?: number;
  localPref?: number;
  nextHop?: string;
  neighbor?: string;
  /** Attributes as received, for order/flag checks; replaces the ones built from the fields above. */
  attributes?: PathAttribute[];
}

const interner = new AttributeInterner();

export function attributesOf(spec: RouteSpec): PathAttribute[] {
  const attrs: PathAttribute[] = [{ type: 'origin', origin: 0 }, { type: 'as-path', segments: parseAsPath(spec.asPath ?? '') ?? [] }];
  if (spec.med !== undefined) attrs.push({ type: 'med', med: spec.med });
  if (spec.localPref !== undefined) attrs.push({ type: 'local-pref', localPref: spec.localPref });
  if (spec.communities) attrs.push({ type: 'communities', communities: spec.communities.map(community) });
  if (spec.routeTargets) attrs.push({ type: 'extended-communities', communities: spec.routeTargets.map(rt) });
  if (spec.large) attrs.push({ type: 'large-communities', communities: spec.large.map(large) });
  return attrs;
}

export function route(spec: RouteSpec = {}): PolicyInput {
  const p = prefix(spec.prefix ?? '10.0.0.0/24');
  const rd = spec.rd === undefined ? null : parseRd(spec.rd);
  const vpn = rd !== null;
  const attrs = interner.intern(spec.attributes ?? attributesOf(spec), spec.nextHop ?? '192.0.2.1');
  return {
    afi: p.afi,
    safi: vpn ? 128 : 1,
    nlri: rd !== null ? { kind: 'vpn', prefix: p, rd, labels: [100] } : { kind: 'unicast', safi: 1, prefix: p },
    attrs,
    neighbor: { address: spec.neighbor ?? '198.51.100.2', asn: 65002 },
    direction: 'import',
    localAs: LOCAL_AS,
  };
}
