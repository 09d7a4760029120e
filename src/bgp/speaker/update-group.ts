/**
 * Update groups (FRR's name; BIRD and GoBGP do the same): neighbors that get
 * the same attributes for the same route share the work of computing them.
 * Members agree on everything the export rewriting depends on (iBGP or eBGP,
 * route-server and reflector-client roles, our AS and address on the session,
 * cluster id) and on their export policy chain.
 */
import type { AttributeSet } from '../rib/attribute-set';
import { exportAttributes, type ExportedAttributes, type ExportedRoute, type ExportOverride, type ExportPeer } from '../rib/export-rules';
import type { Route, RouteSource } from '../rib/route';
import type { PathAttribute } from '../wire/attributes/types';
import type { PolicyChain } from '../policy/types';
import { attributeToJson } from '../wire/json';

export function updateGroupKey(p: ExportPeer, chain: PolicyChain): string {
  return [p.ibgp ? 'i' : 'e', p.routeServerClient ? 'rs' : '', p.routeReflectorClient ? 'rr' : '', p.localAs, p.localAddress, p.clusterId, chain.names.join(',')].join('|');
}

/** The part of a route's source the rewriting reads (RFC 4456 §8 ORIGINATOR_ID, iBGP/eBGP, local). */
function sourceKey(s: RouteSource): string {
  return s.address === 'local' ? 'l' : s.ibgp ? `i${s.bgpId}` : 'e';
}

/** A set's results when it comes from several source kinds: the first one's, and a map of the others. */
class CacheSlot {
  constructor(
    /** The group whose result this is (a set's memo slot is taken by the first group that asks). */
    readonly group: UpdateGroup,
    readonly key: string,
    readonly value: ExportedAttributes | null,
  ) {}

  more: Map<string, ExportedAttributes | null> | null = null;
}

/**
 * A group's result for one source kind when it needs nothing of its own: the
 * set itself (sent unchanged, as a route server does) or no export at all.
 * One per group, source kind and outcome, shared by every set it applies to,
 * instead of a CacheSlot (and a result object) per set: 96 bytes a set.
 */
class SharedSlot {
  constructor(
    readonly group: UpdateGroup,
    readonly key: string,
    /** True: the result is the set itself; false: the route is not exported. */
    readonly self: boolean,
  ) {}
}

/**
 * A group's rewritten result for a set and one source kind, which is itself
 * the ExportedAttributes handed out: one object per set and group instead
 * of a CacheSlot and a result (64 bytes instead of 96).
 */
class OwnSlot implements ExportedAttributes {
  constructor(
    readonly group: UpdateGroup,
    readonly key: string,
    readonly attributes: readonly PathAttribute[],
    readonly nextHop: string,
  ) {}
}

type Slot = CacheSlot | SharedSlot | OwnSlot;

export class UpdateGroup {
  /** Neighbor addresses in the group (for `show neighbors` and tests). */
  readonly members = new Set<string>();
  /** The peer-independent export view: `address` is empty, the per-neighbor source check is the member's. */
  readonly exportPeer: ExportPeer;
  /**
   * Per attribute set: a slot with the result for the first source kind seen
   * (shared, or the result itself), a CacheSlot with a map only when a set
   * has several. Kept in the set's memo slot when this group has it, else
   * here.
   */
  private readonly cache = new WeakMap<AttributeSet, Slot>();
  /** This group's SharedSlots by source kind: [self, not exported]. */
  private readonly shared = new Map<string, [SharedSlot, SharedSlot]>();
  hits = 0;
  misses = 0;

  constructor(
    readonly key: string,
    peer: ExportPeer,
    readonly chain: PolicyChain,
  ) {
    this.exportPeer = { ...peer, address: '' };
  }

  /** Export attributes of a route the policy left alone: computed once per attribute set and source kind. */
  exported(route: Route): ExportedAttributes | null {
    const k = sourceKey(route.source);
    // The destinations of one pump step come in the order they changed, so
    // runs share a set (one UPDATE's prefixes): the last answer is tried first.
    if (route.attrs === this.lastAttrs && k === this.lastKey) {
      this.hits++;
      return this.lastValue;
    }
    const out = this.lookup(route, k);
    this.lastAttrs = route.attrs;
    this.lastKey = k;
    this.lastValue = out;
    return out;
  }

  /**
   * `exported` of a route from its set and source alone: the pump's way for
   * IPv4 unicast routes held as columns, which would otherwise be made as
   * objects only to be asked about.
   */
  exportedHeld(attrs: AttributeSet, source: RouteSource): ExportedAttributes | null {
    const k = sourceKey(source);
    if (attrs === this.lastAttrs && k === this.lastKey) {
      this.hits++;
      return this.lastValue;
    }
    const out = this.lookup({ afi: 1, attrs, source }, k);
    this.lastAttrs = attrs;
    this.lastKey = k;
    this.lastValue = out;
    return out;
  }

  private lastAttrs: AttributeSet | null = null;
  private lastKey = '';
  private lastValue: ExportedAttributes | null = null;

  private slotOf(attrs: AttributeSet): Slot | undefined {
    const memo = attrs.memo;
    if (isSlot(memo) && memo.group === this) return memo;
    return this.cache.get(attrs);
  }

  private lookup(route: ExportedRoute, k: string): ExportedAttributes | null {
    const attrs = route.attrs;
    const slot = this.slotOf(attrs);
    if (slot) {
      if (slot.key === k) {
        this.hits++;
        return slotValue(slot, attrs);
      }
      const hit = slot instanceof CacheSlot ? slot.more?.get(k) : undefined;
      if (hit !== undefined) {
        this.hits++;
        return hit;
      }
    }
    this.misses++;
    const computed = exportAttributes(route, this.exportPeer);
    if (slot instanceof CacheSlot) {
      (slot.more ??= new Map()).set(k, computed);
      return computed;
    }
    if (slot) {
      // A second source kind for a set held by a one-result slot: it becomes a CacheSlot.
      const general = new CacheSlot(this, slot.key, slotValue(slot, attrs));
      general.more = new Map([[k, computed]]);
      this.keep(attrs, general);
      return computed;
    }
    if (computed === attrs || computed === null) {
      this.keep(attrs, this.sharedSlot(k, computed === attrs));
      return computed;
    }
    const own = new OwnSlot(this, k, computed.attributes, computed.nextHop);
    this.keep(attrs, own);
    return own;
  }

  private sharedSlot(k: string, self: boolean): SharedSlot {
    let pair = this.shared.get(k);
    if (!pair) {
      pair = [new SharedSlot(this, k, true), new SharedSlot(this, k, false)];
      this.shared.set(k, pair);
    }
    return pair[self ? 0 : 1];
  }

  /** Puts a set's slot in its memo when this group holds that or may take it, else in the group's own map. */
  private keep(attrs: AttributeSet, slot: Slot): void {
    const held = attrs.memo;
    // A group left empty (its sessions went down) gives the slot up to the next one.
    if (held === null || (isSlot(held) && (held.group === this || held.group.members.size === 0))) attrs.memo = slot;
    else this.cache.set(attrs, slot);
  }

  /** Export attributes after a policy changed something: not shared (the policy may depend on the prefix). */
  exportedWith(route: Route, override: ExportOverride): ExportedAttributes | null {
    return exportAttributes(route, this.exportPeer, override);
  }
}

function isSlot(memo: object | null): memo is Slot {
  return memo instanceof SharedSlot || memo instanceof OwnSlot || memo instanceof CacheSlot;
}

/** The result a slot holds for its first source kind. */
function slotValue(slot: Slot, attrs: AttributeSet): ExportedAttributes | null {
  if (slot instanceof OwnSlot) return slot;
  if (slot instanceof SharedSlot) return slot.self ? attrs : null;
  return slot.value;
}

const contentKeys = new WeakMap<ExportedAttributes, string>();

/** Two export results carry the same attributes (shared results are the same object). */
export function sameExport(a: ExportedAttributes, b: ExportedAttributes): boolean {
  if (a === b) return true;
  return contentKey(a) === contentKey(b);
}

function contentKey(e: ExportedAttributes): string {
  let k = contentKeys.get(e);
  if (k === undefined) {
    k = `${e.nextHop}\u0000${JSON.stringify(e.attributes.map(attributeToJson))}`;
    contentKeys.set(e, k);
  }
  return k;
}
