/**
 * Routing policies as written in the config, already parsed into the value
 * types of src/bgp/wire/values: plain, frozen data that the config model holds
 * and PolicyEngine compiles. Semantics (docs/config.md, "Policies"): terms are
 * tried in order; a term matches when every condition it names holds, and a
 * condition with a list holds when any of its values does.
 */
import type { FamilyName } from '../wire/nlri/types';
import type { RouteTargetLike } from '../wire/values/ext-community';
import type { LargeCommunity } from '../wire/values/large-community';
import type { Prefix } from '../wire/values/prefix';
import type { RouteDistinguisher } from '../wire/values/rd';

/**
 * One prefix-list entry, Cisco style: with neither `ge` nor `le` only `prefix`
 * itself matches; otherwise routes inside `prefix` whose length lies in
 * [ge ?? prefix.length, le ?? maximum length of the family].
 */
export interface PrefixEntry {
  readonly prefix: Prefix;
  readonly ge: number | null;
  readonly le: number | null;
}

export interface PrefixListDefinition {
  readonly name: string;
  readonly entries: readonly PrefixEntry[];
}

/** Inclusive bounds; null = unbounded on that side. */
export interface LengthRange {
  readonly ge: number | null;
  readonly le: number | null;
}

/** Every list is "any of"; an empty list (or null) is a condition not given. */
export interface MatchDefinition {
  /**
   * Names of prefix lists. Together with `prefixes` one condition (as Junos
   * ORs route-filter and prefix-list in a term): the route's prefix is in any
   * of the lists or any inline entry. For VPN routes, the prefix inside the NLRI.
   */
  readonly prefixLists: readonly string[];
  readonly prefixes: readonly PrefixEntry[];
  /** Cisco-style regular expressions over the AS path text (`_` = delimiter), as written. */
  readonly asPath: readonly string[];
  readonly asPathContains: readonly number[];
  readonly asPathLength: LengthRange | null;
  readonly communities: readonly number[];
  readonly largeCommunities: readonly LargeCommunity[];
  readonly routeTargets: readonly RouteTargetLike[];
  /** Neighbor addresses as host prefixes (/32, /128) or ranges. */
  readonly neighbors: readonly Prefix[];
  readonly families: readonly FamilyName[];
  readonly rds: readonly RouteDistinguisher[];
}

/** Edits to a list attribute, applied in this order: replace, remove, add. */
export interface ListEdit<T> {
  /** null: keep the route's list; [] removes every value. */
  readonly replace: readonly T[] | null;
  readonly remove: readonly T[];
  readonly add: readonly T[];
}

export interface AsPathPrepend {
  /** null: our own AS (PolicyInput.localAs). */
  readonly asn: number | null;
  readonly count: number;
}

/** Set actions; null = leave that attribute alone. */
export interface SetDefinition {
  readonly localPref: number | null;
  readonly med: number | null;
  /** 'self' (next-hop-self) or an address in canonical text form. */
  readonly nextHop: string | null;
  readonly communities: ListEdit<number> | null;
  readonly largeCommunities: ListEdit<LargeCommunity> | null;
  /** Only route-target extended communities are touched; other extended communities stay. */
  readonly routeTargets: ListEdit<RouteTargetLike> | null;
  readonly asPathPrepend: AsPathPrepend | null;
}

/**
 * accept / reject end the whole chain; next-policy ends this policy; null
 * (no action) falls through to the next term with the set actions kept.
 */
export type TermAction = 'accept' | 'reject' | 'next-policy';

export interface TermDefinition {
  readonly name: string;
  readonly match: MatchDefinition;
  readonly set: SetDefinition;
  readonly action: TermAction | null;
}

export interface PolicyDefinition {
  readonly name: string;
  readonly terms: readonly TermDefinition[];
}

/** What PolicyEngine compiles; the daemon's Config has this shape, so `new PolicyEngine(config)` works. */
export interface PolicyDefinitions {
  readonly prefixLists: readonly PrefixListDefinition[];
  readonly policies: readonly PolicyDefinition[];
}

export const EMPTY_MATCH: MatchDefinition = Object.freeze({
  prefixLists: [],
  prefixes: [],
  asPath: [],
  asPathContains: [],
  asPathLength: null,
  communities: [],
  largeCommunities: [],
  routeTargets: [],
  neighbors: [],
  families: [],
  rds: [],
});

export const EMPTY_SET: SetDefinition = Object.freeze({
  localPref: null,
  med: null,
  nextHop: null,
  communities: null,
  largeCommunities: null,
  routeTargets: null,
  asPathPrepend: null,
});
