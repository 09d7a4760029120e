/**
 * Update groups (FRR's name; BIRD and GoBGP do the same): neighbors that get
 * the same attributes for the same route share the work of computing them.
 * Members agree on everything the export rewriting depends on (iBGP or eBGP,
 * route-server and reflector-client roles, our AS and address on the session,
 * cluster id) and on their export policy chain.
 */
import type { AttributeSet } from '../rib/attribute-set';
import { exportAttributes, type ExportedAttributes, type ExportOverride, type ExportPeer } from '../rib/export-rules';
import type { Route } from '../rib/route';
import type { PolicyChain } from '../policy/types';
import { attributeToJson } from '../wire/json';

export function updateGroupKey(p: ExportPeer, chain: PolicyChain): string {
  return [p.ibgp ? 'i' : 'e', p.routeServerClient ? 'rs' : '', p.routeReflectorClient ? 'rr' : '', p.localAs, p.localAddress, p.clusterId, chain.names.join(',')].join('|');
}

/** The part of a route's source the rewriting reads (RFC 4456 §8 ORIGINATOR_ID, iBGP/eBGP, local). */
function sourceKey(r: Route): string {
  const s = r.source;
  return s.address === 'local' ? 'l' : s.ibgp ? `i${s.bgpId}` : 'e';
}

class CacheSlot {
  constructor(
    /** The group whose result this is (a set's memo slot is taken by the first group that asks). */
    readonly group: UpdateGroup,
    readonly key: string,
    readonly value: ExportedAttributes | null,
  ) {}

  more: Map<string, ExportedAttributes | null> | null = null;
}

export class UpdateGroup {
  /** Neighbor addresses in the group (for `show neighbors` and tests). */
  readonly members = new Set<string>();
  /** The peer-independent export view: `address` is empty, the per-neighbor source check is the member's. */
  readonly exportPeer: ExportPeer;
  /**
   * Per attribute set: the result for the first source kind seen, and a map
   * only when a set has several. Kept in the set's memo slot when this group
   * has it, else here.
   */
  private readonly cache = new WeakMap<AttributeSet, CacheSlot>();
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
    const k = sourceKey(route);
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

  private lastAttrs: AttributeSet | null = null;
  private lastKey = '';
  private lastValue: ExportedAttributes | null = null;

  private slotOf(attrs: AttributeSet): CacheSlot | undefined {
    const memo = attrs.memo;
    if (memo instanceof CacheSlot && memo.group === this) return memo;
    return this.cache.get(attrs);
  }

  private lookup(route: Route, k: string): ExportedAttributes | null {
    const slot = this.slotOf(route.attrs);
    if (slot) {
      if (slot.key === k) {
        this.hits++;
        return slot.value;
      }
      const hit = slot.more?.get(k);
      if (hit !== undefined) {
        this.hits++;
        return hit;
      }
    }
    this.misses++;
    const out = exportAttributes(route, this.exportPeer);
    if (!slot) {
      const fresh = new CacheSlot(this, k, out);
      const held = route.attrs.memo;
      // A group left empty (its sessions went down) gives the slot up to the next one.
      if (held === null || (held instanceof CacheSlot && held.group.members.size === 0)) route.attrs.memo = fresh;
      else this.cache.set(route.attrs, fresh);
    } else (slot.more ??= new Map()).set(k, out);
    return out;
  }

  /** Export attributes after a policy changed something: not shared (the policy may depend on the prefix). */
  exportedWith(route: Route, override: ExportOverride): ExportedAttributes | null {
    return exportAttributes(route, this.exportPeer, override);
  }
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
