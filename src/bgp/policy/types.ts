/**
 * The contract between the policy engine and the RIB: what a policy sees of a
 * route and what it answers. The RIB calls a PolicyChain on import (per
 * neighbor, then the route server's central policy) and on export (per neighbor);
 * it re-interns the attributes a policy changed.
 */
import type { PathAttribute } from '../wire/attributes/types';
import type { RoutableNlri } from '../rib/route';
import type { AttributeSet } from '../rib/attribute-set';

export type PolicyDirection = 'import' | 'export';

export interface PolicyInput {
  readonly afi: number;
  readonly safi: number;
  readonly nlri: RoutableNlri;
  /** The route's interned attributes (next hop included; 'self' = next-hop-self). */
  readonly attrs: AttributeSet;
  /** Import: the neighbor the route came from ('local' for originated routes). Export: the neighbor it goes to. */
  readonly neighbor: { readonly address: string; readonly asn: number };
  readonly direction: PolicyDirection;
  /** Our AS: `as-path-prepend` without an ASN prepends it. */
  readonly localAs: number;
}

export type PolicyResult =
  | { readonly action: 'reject'; readonly policy: string | null; readonly term: string | null }
  | {
      readonly action: 'accept';
      readonly policy: string | null;
      readonly term: string | null;
      /** The attribute list after set actions (no NEXT_HOP/MP_REACH), or null when nothing changed. */
      readonly attributes: readonly PathAttribute[] | null;
      /** The next hop after `set next-hop` ('self' for next-hop-self), or null when unchanged. */
      readonly nextHop: string | null;
    };

/** An ordered list of named policies, evaluated as one (a neighbor's import-policy: [a, b]). */
export interface PolicyChain {
  readonly names: readonly string[];
  evaluate(input: PolicyInput): PolicyResult;
}

/** Accepts everything unchanged: a neighbor without policies. */
export const ACCEPT_ALL: PolicyChain = {
  names: [],
  evaluate: () => ({ action: 'accept', policy: null, term: null, attributes: null, nextHop: null }),
};
