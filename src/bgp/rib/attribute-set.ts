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
import { writeAttribute } from '../wire/attributes';
import { Writer } from '../wire/cursor';
import { withContext } from '../wire/context';

export interface AttributeSet {
  readonly id: number;
  /** Every attribute except MP_REACH/MP_UNREACH and NEXT_HOP, in received order. */
  readonly attributes: readonly PathAttribute[];
  /** IPv4 or IPv6 text; for VPN families the address inside the VPN next hop. */
  readonly nextHop: string;
  readonly origin: 0 | 1 | 2;
  readonly asPath: readonly AsPathSegment[];
  /** The text form ("65001 65002 {65003}"), made on first use. */
  readonly asPathText: string;
  readonly med: number | undefined;
  readonly localPref: number | undefined;
  readonly communities: readonly number[];
  readonly largeCommunities: readonly LargeCommunity[];
  readonly extendedCommunities: readonly ExtendedCommunity[];
  readonly originatorId: string | undefined;
  readonly clusterList: readonly string[];
  readonly atomicAggregate: boolean;
  /** The encoded length of `attributes` with 4-octet AS numbers, when interned from their wire form (UPDATE packing). */
  readonly encodedLength: number | undefined;
  /**
   * One slot a consumer may keep a result in, dropped with the set: the
   * speaker's update group keeps its export result here (inserting a WeakMap
   * entry per new set cost 0.2 s of a full-table bench:ingest). Owners check
   * the slot's class.
   */
  memo: object | null;
}

const NONE: readonly never[] = [];

/**
 * One interned set. The fields the decision process and the export rules
 * read are pulled out once; the rest stays in `attributes`. The intern key
 * (the encoded attributes as a one-byte string) and the reference count live
 * in the set itself, so interning costs one Map entry per distinct set.
 */
class InternedSet implements AttributeSet {
  origin: 0 | 1 | 2 = 2;
  asPath: readonly AsPathSegment[] = NONE;
  med: number | undefined = undefined;
  localPref: number | undefined = undefined;
  communities: readonly number[] = NONE;
  largeCommunities: readonly LargeCommunity[] = NONE;
  extendedCommunities: readonly ExtendedCommunity[] = NONE;
  originatorId: string | undefined = undefined;
  clusterList: readonly string[] = NONE;
  atomicAggregate = false;
  encodedLength: number | undefined = undefined;
  memo: object | null = null;
  refs = 1;
  private text: string | null = null;

  constructor(
    readonly id: number,
    readonly attributes: readonly PathAttribute[],
    readonly nextHop: string,
    readonly key: string,
  ) {
    for (const a of attributes) {
      if (a.type === 'origin') this.origin = a.origin;
      else if (a.type === 'as-path') this.asPath = a.segments;
      else if (a.type === 'med') this.med = a.med;
      else if (a.type === 'local-pref') this.localPref = a.localPref;
      else if (a.type === 'communities') this.communities = a.communities;
      else if (a.type === 'large-communities') this.largeCommunities = a.communities;
      else if (a.type === 'extended-communities') this.extendedCommunities = a.communities;
      else if (a.type === 'originator-id') this.originatorId = a.originatorId;
      else if (a.type === 'cluster-list') this.clusterList = a.clusterIds;
      else if (a.type === 'atomic-aggregate') this.atomicAggregate = true;
    }
  }

  get asPathText(): string {
    return (this.text ??= formatAsPath(this.asPath));
  }
}

/** Attributes are keyed by their wire form with 4-octet ASNs: compact, and equal exactly when the sets are. */
const KEY_CONTEXT = withContext({ fourOctetAs: true });

/** One writer for every key: a Buffer and its copy per set were most of interning's cost. */
const keyWriter = new Writer(1024);

function internKey(kept: readonly PathAttribute[], nextHop: string): string {
  try {
    const w = keyWriter.reset();
    for (const a of kept) writeAttribute(w, a, KEY_CONTEXT, false);
    return `${nextHop}\u0000${w.latin1()}`;
  } catch {
    // An attribute we cannot re-encode (kept byte-exact elsewhere) still interns, by its JSON form.
    return `${nextHop}\u0001${JSON.stringify(kept.map(attributeToJson))}`;
  }
}

/** ORIGIN as the decoder makes it (no flags recorded): one shared object per value instead of one per set. */
const ORIGINS: readonly PathAttribute[] = [0, 1, 2].map((origin) => ({ type: 'origin', origin }) as PathAttribute);

/**
 * The attributes a new set keeps, in arrays of exactly their length. The
 * decoder builds its lists by pushing, and V8 then reserves 17 slots for a
 * one-segment AS_PATH or a five-attribute list: 150 bytes each, which across
 * a full table's 70k sets was a tenth of the RIB's heap.
 */
function compactAttributes(kept: readonly PathAttribute[]): readonly PathAttribute[] {
  return kept.map(compactAttribute);
}

/**
 * The common attributes are copied here, exactly sized, from literals of
 * this module: the decoder's objects, sized by pushing, then die young.
 * Attributes with received flags recorded are kept as they are.
 */
function compactAttribute(a: PathAttribute): PathAttribute {
  if (a.flags !== undefined) return a;
  switch (a.type) {
    case 'origin':
      return ORIGINS[a.origin] ?? a;
    case 'as-path':
      return { type: 'as-path', segments: a.segments.length === 1 && a.segments[0] ? [compactSegment(a.segments[0])] : a.segments.map(compactSegment) };
    case 'med':
      return { type: 'med', med: a.med };
    case 'local-pref':
      return { type: 'local-pref', localPref: a.localPref };
    case 'aggregator':
      return { type: 'aggregator', asn: a.asn, address: a.address };
    case 'communities':
      return { type: 'communities', communities: a.communities.slice() };
    default:
      return a;
  }
}

function compactSegment(seg: AsPathSegment): AsPathSegment {
  return { kind: seg.kind, asns: seg.asns.slice() };
}

/** The interning table. Sets are reference counted so withdrawn ones are freed. */
export class AttributeInterner {
  private readonly byKey = new Map<string, InternedSet>();
  private nextId = 1;

  /** The shared set for these attributes (MP_REACH, MP_UNREACH and NEXT_HOP are dropped; `nextHop` replaces them). */
  intern(attributes: readonly PathAttribute[], nextHop: string): AttributeSet {
    const kept = attributes.filter((a) => a.type !== 'mp-reach' && a.type !== 'mp-unreach' && a.type !== 'next-hop');
    const key = internKey(kept, nextHop);
    const hit = this.byKey.get(key);
    if (hit) {
      hit.refs++;
      return hit;
    }
    const set = new InternedSet(this.nextId++, compactAttributes(kept), nextHop, key);
    this.byKey.set(key, set);
    // The key is the next hop, a NUL and the encoded attributes, one character per octet: UPDATE
    // packing needs the length of the attributes it sends, and a route server sends them unchanged.
    if (key.charCodeAt(nextHop.length) === 0) set.encodedLength = key.length - nextHop.length - 1;
    return set;
  }

  /** One more reference to a set already interned (many prefixes of one UPDATE share it). */
  retain(set: AttributeSet): void {
    if (set instanceof InternedSet && this.byKey.get(set.key) === set) set.refs++;
  }

  release(set: AttributeSet): void {
    if (!(set instanceof InternedSet) || this.byKey.get(set.key) !== set) return;
    if (--set.refs <= 0) this.byKey.delete(set.key);
  }

  get size(): number {
    return this.byKey.size;
  }
}
