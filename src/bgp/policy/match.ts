/**
 * Match conditions compiled from a MatchDefinition: regexes built, prefix
 * lists in tries, families as integer keys. `test` reads the working route
 * (so a term sees what earlier terms set) and allocates nothing: the only
 * per-route work is comparisons, trie walks and RegExp#test.
 */
import { parseIp } from '../wire/values/ip';
import { asPathContains, asPathLength } from '../wire/values/as-path';
import { FAMILY_BY_NAME } from '../wire/values/family';
import { ipv4Prefix, ipv6Prefix, type Prefix } from '../wire/values/prefix';
import { rdEquals, type RouteDistinguisher } from '../wire/values/rd';
import type { ExtendedCommunity, RouteTargetLike } from '../wire/values/ext-community';
import type { LargeCommunity } from '../wire/values/large-community';
import { compileAsPathRegex } from './as-path-regex';
import { sameLargeCommunity, sameRouteTarget } from './actions';
import type { LengthRange, MatchDefinition } from './definitions';
import { PrefixTrie } from './prefix-trie';
import type { PolicyInput } from './types';
import type { WorkingRoute } from './working-route';

/** A config problem the engine finds itself (the config validator reports these with a line first). */
export class PolicyDefinitionError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'PolicyDefinitionError';
  }
}

const familyKey = (afi: number, safi: number): number => afi * 256 + safi;

function hostPrefix(address: string): Prefix | null {
  const bytes = parseIp(address);
  if (bytes === null) return null;
  if (bytes.length === 4) return ipv4Prefix((((bytes[0] as number) << 24) | ((bytes[1] as number) << 16) | ((bytes[2] as number) << 8) | (bytes[3] as number)) >>> 0, 32);
  return ipv6Prefix(bytes, 128);
}

/** The neighbors condition: address parsing cached per neighbor (a handful), so routes never parse text. */
class NeighborMatcher {
  private readonly trie: PrefixTrie;
  private readonly cache = new Map<string, boolean>();

  constructor(prefixes: readonly Prefix[]) {
    // A range matches every address inside it: entry lengths up to the host length.
    this.trie = new PrefixTrie(prefixes.map((p) => ({ prefix: p, ge: null, le: p.afi === 1 ? 32 : 128 })));
  }

  test(address: string): boolean {
    const hit = this.cache.get(address);
    if (hit !== undefined) return hit;
    const host = hostPrefix(address);
    const result = host !== null && this.trie.matches(host);
    this.cache.set(address, result);
    return result;
  }
}

function anyCommunity(route: readonly number[], wanted: ReadonlySet<number>): boolean {
  for (let i = 0; i < route.length; i++) if (wanted.has(route[i] as number)) return true;
  return false;
}

function anyLarge(route: readonly LargeCommunity[], wanted: readonly LargeCommunity[]): boolean {
  for (let i = 0; i < route.length; i++) {
    for (let j = 0; j < wanted.length; j++) if (sameLargeCommunity(route[i] as LargeCommunity, wanted[j] as LargeCommunity)) return true;
  }
  return false;
}

function anyRouteTarget(route: readonly ExtendedCommunity[], wanted: readonly RouteTargetLike[]): boolean {
  for (let i = 0; i < route.length; i++) {
    const c = route[i] as ExtendedCommunity;
    if (c.kind !== 'route-target') continue;
    for (let j = 0; j < wanted.length; j++) if (sameRouteTarget(c, wanted[j] as RouteTargetLike)) return true;
  }
  return false;
}

function inRange(n: number, r: LengthRange): boolean {
  return (r.ge === null || n >= r.ge) && (r.le === null || n <= r.le);
}

export class CompiledMatch {
  private readonly prefixTries: readonly PrefixTrie[] | null;
  private readonly asPathRegexes: readonly RegExp[] | null;
  private readonly asPathContains: readonly number[] | null;
  private readonly asPathLength: LengthRange | null;
  private readonly communities: ReadonlySet<number> | null;
  private readonly largeCommunities: readonly LargeCommunity[] | null;
  private readonly routeTargets: readonly RouteTargetLike[] | null;
  private readonly neighbors: NeighborMatcher | null;
  private readonly families: readonly number[] | null;
  private readonly rds: readonly RouteDistinguisher[] | null;
  /** No condition given: the term matches every route. */
  readonly matchesAll: boolean;

  /** `prefixLists` resolves a list name to its (shared) trie; an unknown name is a PolicyDefinitionError. */
  constructor(def: MatchDefinition, prefixLists: (name: string) => PrefixTrie) {
    const nonEmpty = <T>(list: readonly T[]): readonly T[] | null => (list.length ? list : null);
    const tries = def.prefixLists.map(prefixLists);
    if (def.prefixes.length) tries.push(new PrefixTrie(def.prefixes));
    this.prefixTries = nonEmpty(tries);
    this.asPathRegexes = nonEmpty(
      def.asPath.map((text) => {
        const r = compileAsPathRegex(text);
        if (!r.ok) throw new PolicyDefinitionError(`as-path '${text}' is not a valid regular expression: ${r.reason}`);
        return r.regex;
      }),
    );
    this.asPathContains = nonEmpty(def.asPathContains);
    this.asPathLength = def.asPathLength;
    this.communities = def.communities.length ? new Set(def.communities) : null;
    this.largeCommunities = nonEmpty(def.largeCommunities);
    this.routeTargets = nonEmpty(def.routeTargets);
    this.neighbors = def.neighbors.length ? new NeighborMatcher(def.neighbors) : null;
    this.families = nonEmpty(def.families.map((f) => familyKey(FAMILY_BY_NAME[f].afi, FAMILY_BY_NAME[f].safi)));
    this.rds = nonEmpty(def.rds);
    this.matchesAll =
      this.prefixTries === null && this.asPathRegexes === null && this.asPathContains === null && this.asPathLength === null && this.communities === null &&
      this.largeCommunities === null && this.routeTargets === null && this.neighbors === null && this.families === null && this.rds === null;
  }

  /** Every given condition holds. Cheap integer checks first, regexes last. */
  test(input: PolicyInput, w: WorkingRoute): boolean {
    if (this.families !== null && !this.families.includes(familyKey(input.afi, input.safi))) return false;
    if (this.rds !== null && !this.rdMatches(input)) return false;
    if (this.neighbors !== null && !this.neighbors.test(input.neighbor.address)) return false;
    if (this.prefixTries !== null && !this.prefixMatches(input.nlri.prefix)) return false;
    if (this.communities !== null && !anyCommunity(w.communities, this.communities)) return false;
    if (this.largeCommunities !== null && !anyLarge(w.largeCommunities, this.largeCommunities)) return false;
    if (this.routeTargets !== null && !anyRouteTarget(w.extendedCommunities, this.routeTargets)) return false;
    if (this.asPathLength !== null && !inRange(asPathLength(w.asPath), this.asPathLength)) return false;
    if (this.asPathContains !== null && !this.containsAny(w)) return false;
    if (this.asPathRegexes !== null && !this.regexMatches(w.asPathText)) return false;
    return true;
  }

  private rdMatches(input: PolicyInput): boolean {
    const n = input.nlri;
    if (n.kind !== 'vpn' || this.rds === null) return false;
    for (let i = 0; i < this.rds.length; i++) if (rdEquals(n.rd, this.rds[i] as RouteDistinguisher)) return true;
    return false;
  }

  private prefixMatches(p: Prefix): boolean {
    const tries = this.prefixTries ?? [];
    for (let i = 0; i < tries.length; i++) if ((tries[i] as PrefixTrie).matches(p)) return true;
    return false;
  }

  private containsAny(w: WorkingRoute): boolean {
    const asns = this.asPathContains ?? [];
    for (let i = 0; i < asns.length; i++) if (asPathContains(w.asPath, asns[i] as number)) return true;
    return false;
  }

  private regexMatches(text: string): boolean {
    const regexes = this.asPathRegexes ?? [];
    for (let i = 0; i < regexes.length; i++) if ((regexes[i] as RegExp).test(text)) return true;
    return false;
  }
}
