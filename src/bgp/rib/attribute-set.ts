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
import { AttrHashTable } from './attr-hash-table';
import { finishHash, hashString, HASH_SEED, mix } from './hash';
import { isKept, sameKeptList } from './attr-equal';

export interface AttributeSet {
  /**
   * The set's number in its interner while it is interned (`setAt`): dense
   * and reused once the set is freed, so a table can keep a set as an Int32
   * for as long as it holds a reference to it.
   */
  readonly index: number;
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
  /** The encoded length of `attributes` with 4-octet AS numbers, when interned from their wire form and under 32 KB (UPDATE packing). */
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
 * InternedSet.layout, one small integer: the ORIGIN value, each hot
 * attribute's index in `attributes` (3 bits, ABSENT when the set has none),
 * and the encoded length of the attributes plus one (0: not known). 30 bits
 * in all, so it is a small integer on every V8 build.
 */
const ORIGIN_MASK = 3;
const AS_PATH_SHIFT = 2;
const MED_SHIFT = 5;
const LOCAL_PREF_SHIFT = 8;
const COMMUNITIES_SHIFT = 11;
const ABSENT = 7;
/** Set when a hot attribute sits at index ABSENT or beyond: its getter then searches the list. */
const FAR = 1 << 14;
/** Set once the encoded length has been measured (on first use: interning no longer encodes). */
const MEASURED = 1 << 15;
const LENGTH_SHIFT = 16;
/** Longer attribute lists (only extended messages have them) record no length; UPDATE packing then measures. */
const MAX_RECORDED_LENGTH = (1 << 14) - 2;
const NO_INDEXES = (ABSENT << AS_PATH_SHIFT) | (ABSENT << MED_SHIFT) | (ABSENT << LOCAL_PREF_SHIFT) | (ABSENT << COMMUNITIES_SHIFT);

/**
 * One interned set, in as few own fields as the hot paths allow: a full
 * table holds 70k sets, and each field costs 8 bytes in every one of them
 * (one field per derived attribute, 21 in all, made a set 168 bytes). The
 * decision process and the export rules read ORIGIN, AS_PATH, MED,
 * LOCAL_PREF and COMMUNITIES on every comparison, so their places in
 * `attributes` are packed into one small integer and read in constant time;
 * the rarely set ones (large and extended communities, ORIGINATOR_ID,
 * CLUSTER_LIST, ATOMIC_AGGREGATE) are searched for in `attributes` when
 * asked for. The set keeps its hash and reference count for the interner;
 * its key is not kept (the interner compares candidates field by field).
 */
class InternedSet implements AttributeSet {
  memo: object | null = null;
  refs = 1;
  /** ORIGIN, the hot attributes' indexes and the encoded length (the constants above). */
  private layout: number;
  private text: string | null = null;

  constructor(
    readonly index: number,
    readonly attributes: readonly PathAttribute[],
    readonly nextHop: string,
    /** The interner's hash of the next hop and the attributes' key. */
    readonly hash: number,
  ) {
    let layout = NO_INDEXES | 2;
    for (let i = 0; i < attributes.length; i++) {
      const a = attributes[i];
      const shift = a === undefined ? -1 : hotShift(a.type);
      if (a === undefined || shift < 0) continue;
      if (a.type === 'origin') layout = (layout & ~ORIGIN_MASK) | a.origin;
      else if (i >= ABSENT) layout |= FAR | (ABSENT << shift);
      else layout = (layout & ~(ABSENT << shift)) | (i << shift);
    }
    this.layout = layout;
  }

  /** The hot attribute whose index is at `shift` in the layout, if the set has one. */
  private hot(shift: number, type: PathAttribute['type']): PathAttribute | undefined {
    const i = (this.layout >> shift) & ABSENT;
    if (i !== ABSENT) return this.attributes[i];
    if ((this.layout & FAR) === 0) return undefined;
    // The last of a type wins, as when the fields were filled in order.
    for (let j = this.attributes.length - 1; j >= 0; j--) if (this.attributes[j]?.type === type) return this.attributes[j];
    return undefined;
  }

  get origin(): 0 | 1 | 2 {
    return (this.layout & ORIGIN_MASK) as 0 | 1 | 2;
  }

  get asPath(): readonly AsPathSegment[] {
    const a = this.hot(AS_PATH_SHIFT, 'as-path');
    return a?.type === 'as-path' ? a.segments : NONE;
  }

  get med(): number | undefined {
    const a = this.hot(MED_SHIFT, 'med');
    return a?.type === 'med' ? a.med : undefined;
  }

  get localPref(): number | undefined {
    const a = this.hot(LOCAL_PREF_SHIFT, 'local-pref');
    return a?.type === 'local-pref' ? a.localPref : undefined;
  }

  get communities(): readonly number[] {
    const a = this.hot(COMMUNITIES_SHIFT, 'communities');
    return a?.type === 'communities' ? a.communities : NONE;
  }

  get asPathText(): string {
    return (this.text ??= formatAsPath(this.asPath));
  }

  get largeCommunities(): readonly LargeCommunity[] {
    for (const a of this.attributes) if (a.type === 'large-communities') return a.communities;
    return NONE;
  }

  get extendedCommunities(): readonly ExtendedCommunity[] {
    for (const a of this.attributes) if (a.type === 'extended-communities') return a.communities;
    return NONE;
  }

  get originatorId(): string | undefined {
    for (const a of this.attributes) if (a.type === 'originator-id') return a.originatorId;
    return undefined;
  }

  get clusterList(): readonly string[] {
    for (const a of this.attributes) if (a.type === 'cluster-list') return a.clusterIds;
    return NONE;
  }

  get atomicAggregate(): boolean {
    for (const a of this.attributes) if (a.type === 'atomic-aggregate') return true;
    return false;
  }

  get encodedLength(): number | undefined {
    if ((this.layout & MEASURED) === 0) {
      // Measured once, when UPDATE packing first asks (not every set is ever sent by the message path).
      const key = attributesKey(this.attributes);
      const wire = key.charCodeAt(0) !== 0;
      this.layout |= MEASURED | (wire && key.length <= MAX_RECORDED_LENGTH ? (key.length + 1) << LENGTH_SHIFT : 0);
    }
    const n = this.layout >>> LENGTH_SHIFT;
    return n === 0 ? undefined : n - 1;
  }
}

/** The layout shift of a hot attribute type, 0 for ORIGIN (kept by value), -1 for the others. */
function hotShift(type: PathAttribute['type']): number {
  switch (type) {
    case 'origin':
      return 0;
    case 'as-path':
      return AS_PATH_SHIFT;
    case 'med':
      return MED_SHIFT;
    case 'local-pref':
      return LOCAL_PREF_SHIFT;
    case 'communities':
      return COMMUNITIES_SHIFT;
    default:
      return -1;
  }
}

/** Attributes are keyed by their wire form with 4-octet ASNs: compact, and equal exactly when the sets are. */
const KEY_CONTEXT = withContext({ fourOctetAs: true });

/** One writer for every key: a Buffer and its copy per set were most of interning's cost. */
const keyWriter = new Writer(1024);

/**
 * The attributes' key: their wire form, one character per octet, or (for an
 * attribute we cannot re-encode, kept byte-exact elsewhere) a JSON form
 * starting with a NUL, which no wire form does (an attribute starts with its
 * flags octet, and flags 0 are never written). Made per call and not kept.
 */
function attributesKey(kept: readonly PathAttribute[]): string {
  try {
    const w = keyWriter.reset();
    for (const a of kept) writeAttribute(w, a, KEY_CONTEXT, false);
    return w.latin1();
  } catch {
    return `\u0000${JSON.stringify(kept.map(attributeToJson))}`;
  }
}

/**
 * The interner's hash of a next hop and an attribute list, from the decoded
 * fields of the attributes a table is made of (the ones `sameKeptList`
 * compares), and from the wire form of any other: equal lists hash equal.
 * Encoding every UPDATE's attributes to hash them was half of interning.
 */
function attributesHash(attributes: readonly PathAttribute[], nextHop: string): number {
  let h = hashString(nextHop, HASH_SEED) ^ 0x5c;
  for (const a of attributes) {
    // The attributes interning drops (`isKept`) are skipped, so an UPDATE's list is hashed as it came.
    if (!isKept(a)) continue;
    h = mix(h, a.flags ?? 256);
    switch (a.type) {
      case 'origin':
        h = mix(mix(h, 1), a.origin);
        break;
      case 'as-path':
        h = mix(h, 2);
        for (const seg of a.segments) {
          h = mix(mix(h, segmentCode(seg.kind)), seg.asns.length);
          for (const asn of seg.asns) h = mix(h, asn);
        }
        break;
      case 'med':
        h = mix(mix(h, 4), a.med);
        break;
      case 'local-pref':
        h = mix(mix(h, 5), a.localPref);
        break;
      case 'atomic-aggregate':
        h = mix(h, 6);
        break;
      case 'aggregator':
        h = hashString(a.address, mix(mix(h, 7), a.asn));
        break;
      case 'communities':
        h = mix(mix(h, 8), a.communities.length);
        for (const c of a.communities) h = mix(h, c);
        break;
      default:
        h = hashString(attributesKey([a]), mix(h, 255));
    }
  }
  return finishHash(h);
}

function segmentCode(kind: AsPathSegment['kind']): number {
  switch (kind) {
    case 'set':
      return 1;
    case 'sequence':
      return 2;
    case 'confed-sequence':
      return 3;
    default:
      return 4;
  }
}

/** ORIGIN as the decoder makes it (no flags recorded): one shared object per value instead of one per set. */
const ORIGINS: readonly PathAttribute[] = [0, 1, 2].map((origin) => ({ type: 'origin', origin }) as PathAttribute);

/**
 * The attributes a new set keeps, in a list of exactly their length: the
 * decoder builds its list by pushing, and V8 then reserves 17 slots for a
 * five-attribute list (150 bytes, which across a full table's 70k sets was
 * a tenth of the RIB's heap). The attributes themselves are kept as they
 * are: the decoder sizes its AS_PATH and COMMUNITIES lists exactly, and
 * copying them made a set's worth of garbage per new set.
 */
function compactAttributes(kept: readonly PathAttribute[]): readonly PathAttribute[] {
  return kept.map(compactAttribute);
}

/** ORIGIN without received flags is one shared object per value; any other attribute is kept. */
function compactAttribute(a: PathAttribute): PathAttribute {
  return a.type === 'origin' && a.flags === undefined ? (ORIGINS[a.origin] ?? a) : a;
}

/**
 * The interning table. Sets are reference counted so withdrawn ones are
 * freed. The table holds the sets by a hash of their next hop and
 * attributes (`attributesHash`), not by a key: a key string and a Map entry
 * per set were 110 bytes of a 700-byte set. A hash match is confirmed field
 * by field, or failing that by encoding both lists and comparing.
 */
export class AttributeInterner {
  private readonly table = new AttrHashTable<InternedSet>();
  /**
   * One string per distinct next hop: each UPDATE decodes its own copy, and
   * a new set would otherwise keep it (24 bytes a set; a table has few next
   * hops). Cleared when it grows past NEXT_HOPS_KEPT so it stays bounded.
   */
  private readonly nextHops = new Map<string, string>();
  /** Interned sets by index, and the indexes of freed sets, handed out again first. */
  private readonly byIndex: (InternedSet | undefined)[] = [];
  private readonly freeIndexes: number[] = [];

  /** The shared set for these attributes (MP_REACH, MP_UNREACH and NEXT_HOP are dropped; `nextHop` replaces them). */
  intern(attributes: readonly PathAttribute[], nextHop: string): AttributeSet {
    const hash = attributesHash(attributes, nextHop);
    // The list without the dropped attributes, made only when needed: for a new set, or for the wire form that
    // confirms a hash match the field comparison could not (attribute types it does not know).
    let kept: readonly PathAttribute[] | undefined;
    let key: string | undefined;
    const table = this.table;
    for (let i = table.start(hash); ; i = table.next(i)) {
      const at = table.at(i);
      if (at === undefined) break;
      if (table.hashAt(i) === hash && at.nextHop === nextHop && (sameKeptList(attributes, at.attributes) || attributesKey(at.attributes) === (key ??= attributesKey((kept ??= attributes.filter(isKept)))))) {
        at.refs++;
        return at;
      }
    }
    const index = this.freeIndexes.pop() ?? this.byIndex.length;
    const set = new InternedSet(index, compactAttributes(kept ?? attributes.filter(isKept)), this.sharedNextHop(nextHop), hash);
    table.add(set);
    this.byIndex[index] = set;
    return set;
  }

  /** The interned set numbered `index` (`AttributeSet.index`); undefined when no set has that number now. */
  setAt(index: number): AttributeSet | undefined {
    return this.byIndex[index];
  }

  /**
   * Whether `set` is interned here now (a set freed, or another interner's,
   * is not): what a table checks before keeping a set as its number.
   */
  holds(set: AttributeSet): set is InternedSet {
    return set instanceof InternedSet && this.byIndex[set.index] === set;
  }

  private sharedNextHop(nextHop: string): string {
    const known = this.nextHops.get(nextHop);
    if (known !== undefined) return known;
    if (this.nextHops.size >= NEXT_HOPS_KEPT) this.nextHops.clear();
    this.nextHops.set(nextHop, nextHop);
    return nextHop;
  }

  /** One more reference to a set already interned (many prefixes of one UPDATE share it). */
  retain(set: AttributeSet): void {
    if (this.holds(set)) set.refs++;
  }

  release(set: AttributeSet): void {
    if (!this.holds(set)) return;
    if (--set.refs > 0) return;
    this.table.remove(set);
    this.byIndex[set.index] = undefined;
    this.freeIndexes.push(set.index);
  }

  get size(): number {
    return this.table.size;
  }
}

/** Next hops remembered for sharing (a route server's peers, with room to spare). */
const NEXT_HOPS_KEPT = 4096;
