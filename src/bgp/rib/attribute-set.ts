/**
 * Interned attribute sets (BIRD's and OpenBGPD's rde_attr idea): every distinct
 * set of path attributes is stored once and shared by all routes and peers that
 * carry it. MP_REACH/MP_UNREACH are not part of a set: their NLRI are the
 * routes, their next hop is kept as a plain field.
 */
import type { PathAttribute } from '../wire/attributes/types';
import type { AsPathSegment } from '../wire/values/as-path';
import type { ExtendedCommunity } from '../wire/values/ext-community';
import type { LargeCommunity } from '../wire/values/large-community';
import { attributeToJson } from '../wire/json';
import { formatAsPath } from '../wire/values/as-path';

export interface AttributeSet {
  readonly id: number;
  /** Every attribute except MP_REACH/MP_UNREACH and NEXT_HOP, in received order. */
  readonly attributes: readonly PathAttribute[];
  /** IPv4 or IPv6 text; for VPN families the address inside the VPN next hop. */
  readonly nextHop: string;
  readonly origin: 0 | 1 | 2;
  readonly asPath: readonly AsPathSegment[];
  readonly asPathText: string;
  readonly med: number | undefined;
  readonly localPref: number | undefined;
  readonly communities: readonly number[];
  readonly largeCommunities: readonly LargeCommunity[];
  readonly extendedCommunities: readonly ExtendedCommunity[];
  readonly originatorId: string | undefined;
  readonly clusterList: readonly string[];
  readonly atomicAggregate: boolean;
}

function build(id: number, attributes: readonly PathAttribute[], nextHop: string): AttributeSet {
  let origin: 0 | 1 | 2 = 2;
  let asPath: readonly AsPathSegment[] = [];
  let med: number | undefined;
  let localPref: number | undefined;
  let communities: readonly number[] = [];
  let largeCommunities: readonly LargeCommunity[] = [];
  let extendedCommunities: readonly ExtendedCommunity[] = [];
  let originatorId: string | undefined;
  let clusterList: readonly string[] = [];
  let atomicAggregate = false;
  for (const a of attributes) {
    if (a.type === 'origin') origin = a.origin;
    else if (a.type === 'as-path') asPath = a.segments;
    else if (a.type === 'med') med = a.med;
    else if (a.type === 'local-pref') localPref = a.localPref;
    else if (a.type === 'communities') communities = a.communities;
    else if (a.type === 'large-communities') largeCommunities = a.communities;
    else if (a.type === 'extended-communities') extendedCommunities = a.communities;
    else if (a.type === 'originator-id') originatorId = a.originatorId;
    else if (a.type === 'cluster-list') clusterList = a.clusterIds;
    else if (a.type === 'atomic-aggregate') atomicAggregate = true;
  }
  return {
    id,
    attributes,
    nextHop,
    origin,
    asPath,
    asPathText: formatAsPath(asPath),
    med,
    localPref,
    communities,
    largeCommunities,
    extendedCommunities,
    originatorId,
    clusterList,
    atomicAggregate,
  };
}

/** The interning table. Sets are reference counted so withdrawn ones are freed. */
export class AttributeInterner {
  private readonly byKey = new Map<string, { set: AttributeSet; refs: number }>();
  private readonly keyOf = new WeakMap<AttributeSet, string>();
  private nextId = 1;

  /** The shared set for these attributes (MP_REACH, MP_UNREACH and NEXT_HOP are dropped; `nextHop` replaces them). */
  intern(attributes: readonly PathAttribute[], nextHop: string): AttributeSet {
    const kept = attributes.filter((a) => a.type !== 'mp-reach' && a.type !== 'mp-unreach' && a.type !== 'next-hop');
    const key = `${nextHop}\u0000${JSON.stringify(kept.map(attributeToJson))}`;
    const hit = this.byKey.get(key);
    if (hit) {
      hit.refs++;
      return hit.set;
    }
    const set = build(this.nextId++, kept, nextHop);
    this.byKey.set(key, { set, refs: 1 });
    this.keyOf.set(set, key);
    return set;
  }

  /** One more reference to a set already interned (many prefixes of one UPDATE share it). */
  retain(set: AttributeSet): void {
    const key = this.keyOf.get(set);
    const e = key === undefined ? undefined : this.byKey.get(key);
    if (e) e.refs++;
  }

  release(set: AttributeSet): void {
    const key = this.keyOf.get(set);
    if (key === undefined) return;
    const e = this.byKey.get(key);
    if (!e) return;
    if (--e.refs <= 0) this.byKey.delete(key);
  }

  get size(): number {
    return this.byKey.size;
  }
}
