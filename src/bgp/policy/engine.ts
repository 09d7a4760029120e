/**
 * The routing policy engine (OpenBGPD's rde_filter.c, holo's policy.rs):
 * compiles the configured policies once and hands the RIB a PolicyChain per
 * neighbor and direction. Flow (docs/config.md, "Policies"):
 *   - terms are tried in order; a matching term applies its set actions, then
 *     `accept` or `reject` ends the chain, `next-policy` goes on with the next
 *     policy, and no action falls through to the next term (Junos, BIRD);
 *   - a policy that ends without a decision goes on with the next policy;
 *   - a chain that ends without a decision accepts the route as changed so far.
 * The last default is hdvpn's choice (Junos' BGP default is accept too; RFC 8212
 * eBGP default-deny is left to the operator: end the chain with a reject term).
 */
import { CompiledSet } from './actions';
import type { PolicyDefinition, PolicyDefinitions, TermAction } from './definitions';
import { CompiledMatch, PolicyDefinitionError } from './match';
import { PrefixTrie } from './prefix-trie';
import { ACCEPT_ALL, type PolicyChain, type PolicyInput, type PolicyResult } from './types';
import { WorkingRoute } from './working-route';

export { PolicyDefinitionError } from './match';

interface CompiledTerm {
  readonly policy: string;
  readonly name: string;
  /** null: no condition, the term matches every route. */
  readonly match: CompiledMatch | null;
  readonly set: CompiledSet | null;
  readonly action: TermAction | null;
  /** Built once, so a decision that changes nothing allocates nothing. */
  readonly rejected: PolicyResult;
  readonly acceptedUnchanged: PolicyResult;
}

interface CompiledPolicy {
  readonly name: string;
  readonly terms: readonly CompiledTerm[];
}

const DEFAULT_ACCEPT: PolicyResult = Object.freeze({ action: 'accept', policy: null, term: null, attributes: null, nextHop: null });

function hasSetActions(t: PolicyDefinition['terms'][number]): boolean {
  const s = t.set;
  return s.localPref !== null || s.med !== null || s.nextHop !== null || s.communities !== null || s.largeCommunities !== null || s.routeTargets !== null || s.asPathPrepend !== null;
}

class CompiledChain implements PolicyChain {
  /** Reused for every route: evaluation is synchronous, so one scratch route per chain is enough. */
  private readonly working = new WorkingRoute();

  constructor(
    readonly names: readonly string[],
    private readonly policies: readonly CompiledPolicy[],
  ) {}

  evaluate(input: PolicyInput): PolicyResult {
    const w = this.working;
    w.reset(input.attrs);
    let last: CompiledTerm | null = null;
    policies: for (let p = 0; p < this.policies.length; p++) {
      const terms = (this.policies[p] as CompiledPolicy).terms;
      for (let t = 0; t < terms.length; t++) {
        const term = terms[t] as CompiledTerm;
        if (term.match !== null && !term.match.test(input, w)) continue;
        if (term.action === 'reject') return term.rejected;
        last = term;
        if (term.set !== null) term.set.apply(w, input.localAs);
        if (term.action === 'accept') return this.accepted(term, w);
        if (term.action === 'next-policy') continue policies;
      }
    }
    return last === null ? DEFAULT_ACCEPT : this.accepted(last, w);
  }

  /** `term` is the last term that matched: the one that accepted, or whose changes the default accept keeps. */
  private accepted(term: CompiledTerm, w: WorkingRoute): PolicyResult {
    if (!w.changed) return term.acceptedUnchanged;
    return { action: 'accept', policy: term.policy, term: term.name, attributes: w.attributesChanged ? w.buildAttributes() : null, nextHop: w.nextHop };
  }
}

export class PolicyEngine {
  private readonly policies = new Map<string, CompiledPolicy>();
  private readonly chains = new Map<string, PolicyChain>();

  /** Throws PolicyDefinitionError for an unknown prefix-list name, a bad regex or a duplicate name (the config loader reports these with lines first). */
  constructor(defs: PolicyDefinitions) {
    const tries = new Map<string, PrefixTrie>();
    for (const list of defs.prefixLists) {
      if (tries.has(list.name)) throw new PolicyDefinitionError(`prefix-list '${list.name}' is defined twice`);
      tries.set(list.name, new PrefixTrie(list.entries));
    }
    const trieOf = (name: string): PrefixTrie => {
      const trie = tries.get(name);
      if (trie === undefined) throw new PolicyDefinitionError(`unknown prefix-list '${name}'`);
      return trie;
    };
    for (const def of defs.policies) {
      if (this.policies.has(def.name)) throw new PolicyDefinitionError(`policy '${def.name}' is defined twice`);
      this.policies.set(def.name, compilePolicy(def, trieOf));
    }
  }

  has(name: string): boolean {
    return this.policies.has(name);
  }

  get policyNames(): readonly string[] {
    return [...this.policies.keys()];
  }

  /** The chain for these names, in order; shared between callers asking for the same list. No names: accept everything. */
  chain(names: readonly string[]): PolicyChain {
    if (names.length === 0) return ACCEPT_ALL;
    const key = names.join('\u0000');
    const cached = this.chains.get(key);
    if (cached !== undefined) return cached;
    const policies = names.map((n) => {
      const p = this.policies.get(n);
      if (p === undefined) throw new PolicyDefinitionError(`unknown policy '${n}'`);
      return p;
    });
    const chain = new CompiledChain(Object.freeze([...names]), policies);
    this.chains.set(key, chain);
    return chain;
  }
}

function compilePolicy(def: PolicyDefinition, trieOf: (name: string) => PrefixTrie): CompiledPolicy {
  const seen = new Set<string>();
  const terms = def.terms.map((t): CompiledTerm => {
    if (seen.has(t.name)) throw new PolicyDefinitionError(`policy '${def.name}' has two terms named '${t.name}'`);
    seen.add(t.name);
    const match = new CompiledMatch(t.match, trieOf);
    return {
      policy: def.name,
      name: t.name,
      match: match.matchesAll ? null : match,
      set: hasSetActions(t) ? new CompiledSet(t.set) : null,
      action: t.action,
      rejected: Object.freeze({ action: 'reject', policy: def.name, term: t.name }),
      acceptedUnchanged: Object.freeze({ action: 'accept', policy: def.name, term: t.name, attributes: null, nextHop: null }),
    };
  });
  return { name: def.name, terms };
}
