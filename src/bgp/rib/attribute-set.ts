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
import { asPathContains, asPathLength, formatAsPath } from '../wire/values/as-path';
import { formatIpv4 } from '../wire/values/ip';
import { decodeAttributeBlock, writeAttribute } from '../wire/attributes';
import { attributeCode } from '../wire/attributes/codec';
import { Writer } from '../wire/cursor';
import { withContext } from '../wire/context';
import { AttrHashTable } from './attr-hash-table';
import { finishHash, hashString, HASH_SEED, mix } from './hash';
import { isKept, sameKeptList } from './attr-equal';
import { MAX_WIRE_LENGTH, OTHER_CODES, codeAt, communitiesAt, keepsAsWire, neighborAsAt, nextAttribute, originAt, pathContainsAt, pathLengthAt, recordedFlagsAt, segmentsAt, u32ValueAt, valueAt, valueLength, wireU32 } from './attribute-wire';

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
  /** RFC 4271 §9.1.2.2(a): `asPathLength(asPath)`, read without decoding the path. */
  readonly asPathLength: number;
  /** RFC 4271 §9.1.2.2(c): the first AS of the path when it starts with an AS_SEQUENCE. */
  readonly neighborAs: number | undefined;
  /** `asPathContains(asPath, asn)`, read without decoding the path (the AS loop check, RFC 4271 §9.1.2). */
  asPathContains(asn: number): boolean;
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
   * The attributes' wire form with 4-octet AS numbers (one octet per
   * character), when the set is kept that way: sent as it is to a NEW
   * speaker (RFC 6793) instead of encoding `attributes` again. Null otherwise.
   */
  readonly wire: string | null;
  /** Whether an attribute of this type code is present, without decoding the list. */
  has(code: number): boolean;
  /**
   * One slot a consumer may keep a result in, dropped with the set: the
   * speaker's update group keeps its export result here (inserting a WeakMap
   * entry per new set cost 0.2 s of a full-table bench:ingest). Owners check
   * the slot's class.
   */
  memo: object | null;
}

const NONE: readonly never[] = [];

/** `InternedSet.layout`: ORIGIN in the low bits, then (for a decoded list) its measured encoded length. */
const ORIGIN_MASK = 3;
/** Set once the encoded length of a decoded list has been measured (on first use: interning does not encode it). */
const MEASURED = 1 << 2;
const LENGTH_SHIFT = 3;
/** Longer attribute lists (only extended messages have them) record no length; UPDATE packing then measures. */
const MAX_RECORDED_LENGTH = (1 << 26) - 2;

/** `InternedSet.pathPlaces` and `metricPlaces`: where AS_PATH and COMMUNITIES, MED and LOCAL_PREF start in the wire form, plus one (0: absent), 15 bits each. */
const PLACE_BITS = 15;
const PLACE_MASK = (1 << PLACE_BITS) - 1;

/**
 * One interned set. Most are kept as their wire form (`attribute-wire.ts`):
 * a string, plus the type codes present and where the hot attributes start,
 * so the decision process and the export rules read ORIGIN, AS_PATH, MED,
 * LOCAL_PREF and COMMUNITIES in place and a set costs about 190 bytes
 * instead of 420. The attribute list itself is decoded when asked for (the
 * last one decoded is remembered: callers read a set's list several times
 * in a row). A list the wire form cannot give back exactly (unknown or
 * unusual attributes, see `keepsAsWire`) is kept decoded, as it came.
 * The set keeps its hash and reference count for the interner.
 */
class InternedSet implements AttributeSet {
  memo: object | null = null;
  refs = 1;
  /** ORIGIN and, for a decoded list, its measured encoded length (the constants above). */
  private layout: number;
  /** Bit `code` set when an attribute of that type code is present; bit OTHER_CODES for any code from there up. */
  private readonly typeMask: number;
  /** AS_PATH and COMMUNITIES offsets in `wire`, plus one, 15 bits each (PLACE_BITS). */
  private readonly pathPlaces: number;
  /** MED and LOCAL_PREF offsets in `wire`, plus one. */
  private readonly metricPlaces: number;
  private text: string | null = null;

  constructor(
    readonly index: number,
    /** The attributes' wire form with 4-octet AS numbers, one octet per character; null when `list` holds them. */
    readonly wire: string | null,
    /** The attributes decoded, for a set the wire form cannot hold; null otherwise. */
    private readonly list: readonly PathAttribute[] | null,
    readonly nextHop: string,
    /** The interner's hash of the next hop and the attributes' key. */
    readonly hash: number,
  ) {
    let origin = 2;
    let mask = 0;
    let paths = 0;
    let metrics = 0;
    if (wire !== null) {
      for (let h = 0; h < wire.length; h = nextAttribute(wire, h)) {
        const code = codeAt(wire, h);
        mask |= 1 << Math.min(code, OTHER_CODES);
        if (code === 1) origin = originAt(wire, h);
        else if (code === 2) paths |= h + 1;
        else if (code === 8) paths |= (h + 1) << PLACE_BITS;
        else if (code === 4) metrics |= h + 1;
        else if (code === 5) metrics |= (h + 1) << PLACE_BITS;
      }
    } else if (list !== null) {
      for (const a of list) {
        mask |= 1 << Math.min(attributeCode(a), OTHER_CODES);
        if (a.type === 'origin') origin = a.origin;
      }
    }
    this.layout = origin;
    this.typeMask = mask;
    this.pathPlaces = paths;
    this.metricPlaces = metrics;
  }

  get attributes(): readonly PathAttribute[] {
    if (this.list !== null) return this.list;
    if (decodedFor === this) return (decoded ??= received.filter(isKept));
    const attributes = decodeWire(this.wire ?? '');
    decodedFor = this;
    decoded = attributes;
    received = attributes;
    return attributes;
  }

  has(code: number): boolean {
    if (code < OTHER_CODES) return ((this.typeMask >> code) & 1) === 1;
    if (((this.typeMask >> OTHER_CODES) & 1) === 0) return false;
    for (const a of this.attributes) if (attributeCode(a) === code) return true;
    return false;
  }

  /** The last decoded attribute of `type` (the last of a type wins, as when the fields were filled in order). */
  private last<T extends PathAttribute['type']>(code: number, type: T): Extract<PathAttribute, { type: T }> | undefined {
    if (!this.has(code)) return undefined;
    const list = this.attributes;
    for (let j = list.length - 1; j >= 0; j--) {
      const a = list[j];
      if (a?.type === type) return a as Extract<PathAttribute, { type: T }>;
    }
    return undefined;
  }

  get origin(): 0 | 1 | 2 {
    return (this.layout & ORIGIN_MASK) as 0 | 1 | 2;
  }

  get asPath(): readonly AsPathSegment[] {
    const at = this.pathPlaces & PLACE_MASK;
    if (this.wire === null) return this.last(2, 'as-path')?.segments ?? NONE;
    if (at === 0) return NONE;
    if (decodedFor === this) {
      // Decoded already (the set was just interned from these objects, or its list was read): no copy made.
      for (let j = received.length - 1; j >= 0; j--) {
        const a = received[j];
        if (a?.type === 'as-path') return a.segments;
      }
    }
    return segmentsAt(this.wire, at - 1);
  }

  get asPathLength(): number {
    const at = this.pathPlaces & PLACE_MASK;
    if (this.wire !== null) return at === 0 ? 0 : pathLengthAt(this.wire, at - 1);
    return asPathLength(this.asPath);
  }

  asPathContains(asn: number): boolean {
    const at = this.pathPlaces & PLACE_MASK;
    if (this.wire !== null) return at !== 0 && pathContainsAt(this.wire, at - 1, asn);
    return asPathContains(this.asPath, asn);
  }

  get neighborAs(): number | undefined {
    const at = this.pathPlaces & PLACE_MASK;
    if (this.wire !== null) return at === 0 ? undefined : neighborAsAt(this.wire, at - 1);
    const first = this.asPath[0];
    return first && first.kind === 'sequence' ? first.asns[0] : undefined;
  }

  get med(): number | undefined {
    const at = this.metricPlaces & PLACE_MASK;
    if (this.wire !== null) return at === 0 ? undefined : u32ValueAt(this.wire, at - 1);
    return this.last(4, 'med')?.med;
  }

  get localPref(): number | undefined {
    const at = this.metricPlaces >> PLACE_BITS;
    if (this.wire !== null) return at === 0 ? undefined : u32ValueAt(this.wire, at - 1);
    return this.last(5, 'local-pref')?.localPref;
  }

  get communities(): readonly number[] {
    const at = this.pathPlaces >> PLACE_BITS;
    if (this.wire !== null) return at === 0 ? NONE : communitiesAt(this.wire, at - 1);
    return this.last(8, 'communities')?.communities ?? NONE;
  }

  get asPathText(): string {
    return (this.text ??= formatAsPath(this.asPath));
  }

  get largeCommunities(): readonly LargeCommunity[] {
    return this.last(32, 'large-communities')?.communities ?? NONE;
  }

  get extendedCommunities(): readonly ExtendedCommunity[] {
    return this.last(16, 'extended-communities')?.communities ?? NONE;
  }

  get originatorId(): string | undefined {
    return this.last(9, 'originator-id')?.originatorId;
  }

  get clusterList(): readonly string[] {
    return this.last(10, 'cluster-list')?.clusterIds ?? NONE;
  }

  get atomicAggregate(): boolean {
    return this.has(6);
  }

  get encodedLength(): number | undefined {
    if (this.wire !== null) return this.wire.length;
    if ((this.layout & MEASURED) === 0) {
      // Measured once, when UPDATE packing first asks (not every set is ever sent by the message path).
      const key = attributesKey(this.list ?? NONE);
      const wire = key.charCodeAt(0) !== 0;
      this.layout |= MEASURED | (wire && key.length <= MAX_RECORDED_LENGTH ? (key.length + 1) << LENGTH_SHIFT : 0);
    }
    const n = this.layout >>> LENGTH_SHIFT;
    return n === 0 ? undefined : n - 1;
  }
}

/**
 * The wire-form set whose attributes were decoded last (one entry: callers
 * read one set's list several times in a row): the list as received or
 * decoded, which may hold the attributes a set drops (`isKept`) when it
 * came from an UPDATE, and the set's own list, made from it when asked for.
 */
let decodedFor: InternedSet | null = null;
let received: readonly PathAttribute[] = NONE;
let decoded: readonly PathAttribute[] | null = null;

/** A wire form's attributes, decoded as they were when interned (`keepsAsWire` made sure they come back exactly). */
function decodeWire(wire: string): PathAttribute[] {
  const block = decodeAttributeBlock(Buffer.from(wire, 'latin1'), KEY_CONTEXT);
  const error = block.errors[0];
  // Only a bug in keepsAsWire could get here: the form was written by our own encoder from attributes it accepted.
  if (error !== undefined) throw new Error(`interned attribute set does not decode: ${error.reason}`);
  return block.attributes;
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
function attributesKey(list: readonly PathAttribute[]): string {
  try {
    const w = keyWriter.reset();
    for (const a of list) if (isKept(a)) writeAttribute(w, a, KEY_CONTEXT, false);
    return w.latin1();
  } catch {
    return `\u0000${JSON.stringify(list.filter(isKept).map(attributeToJson))}`;
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

/**
 * `attributesHash` of the attributes whose wire form is `wire` (a clean
 * block's key, `cleanAttributes`), read in place: the same number, so a set
 * is found whichever way it arrives. Null for an attribute type it does not
 * read (the caller then decodes).
 */
function wireHash(wire: string, nextHop: string): number | null {
  let h = hashString(nextHop, HASH_SEED) ^ 0x5c;
  for (let at = 0; at < wire.length; at = nextAttribute(wire, at)) {
    h = mix(h, recordedFlagsAt(wire, at) ?? 256);
    const v = valueAt(wire, at);
    const len = valueLength(wire, at);
    switch (codeAt(wire, at)) {
      case 1:
        h = mix(mix(h, 1), wire.charCodeAt(v));
        break;
      case 2:
        h = mix(h, 2);
        for (let p = v; p < v + len; ) {
          const count = wire.charCodeAt(p + 1);
          h = mix(mix(h, wire.charCodeAt(p)), count);
          p += 2;
          for (let i = 0; i < count; i++, p += 4) h = mix(h, wireU32(wire, p));
        }
        break;
      case 4:
        h = mix(mix(h, 4), wireU32(wire, v));
        break;
      case 5:
        h = mix(mix(h, 5), wireU32(wire, v));
        break;
      case 6:
        h = mix(h, 6);
        break;
      case 7:
        h = hashString(formatIpv4(wireU32(wire, v + 4)), mix(mix(h, 7), wireU32(wire, v)));
        break;
      case 8:
        h = mix(mix(h, 8), len >> 2);
        for (let p = v; p < v + len; p += 4) h = mix(h, wireU32(wire, p));
        break;
      default:
        return null;
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
    // The wire form of the attributes a set keeps, made only when needed: for a new set, or to confirm a hash
    // match against a set kept as its wire form (or one the field comparison could not decide).
    let key: string | undefined;
    const table = this.table;
    for (let i = table.start(hash); ; i = table.next(i)) {
      const at = table.at(i);
      if (at === undefined) break;
      if (table.hashAt(i) !== hash || at.nextHop !== nextHop) continue;
      const same = at.wire !== null ? at.wire === (key ??= attributesKey(attributes)) : sameKeptList(attributes, at.attributes) || attributesKey(at.attributes) === (key ??= attributesKey(attributes));
      if (same) {
        at.refs++;
        return at;
      }
    }
    key ??= attributesKey(attributes);
    const asWire = keepsAsWire(attributes, key);
    const set = this.add(asWire ? key : null, asWire ? null : compactAttributes(attributes.filter(isKept)), nextHop, hash);
    if (asWire) {
      // The attributes just decoded are the set's: whoever reads the new set next (the loop check) need not decode them again.
      decodedFor = set;
      received = attributes;
      decoded = null;
    }
    return set;
  }

  /**
   * `intern` of a clean block's attributes (`cleanAttributes`): found by
   * their wire form, and kept as it, without decoding them. Null when the
   * form is too long to keep (extended messages): intern the decoded list.
   */
  internWire(wire: string, nextHop: string): AttributeSet | null {
    const hash = wire.length <= MAX_WIRE_LENGTH ? wireHash(wire, nextHop) : null;
    if (hash === null) return null;
    const table = this.table;
    for (let i = table.start(hash); ; i = table.next(i)) {
      const at = table.at(i);
      if (at === undefined) break;
      if (table.hashAt(i) !== hash || at.nextHop !== nextHop) continue;
      if (at.wire !== null ? at.wire === wire : attributesKey(at.attributes) === wire) {
        at.refs++;
        return at;
      }
    }
    return this.add(wire, null, nextHop, hash);
  }

  /** A new set, numbered with a freed number first, in the table and the index. */
  private add(wire: string | null, list: readonly PathAttribute[] | null, nextHop: string, hash: number): InternedSet {
    const index = this.freeIndexes.pop() ?? this.byIndex.length;
    const set = new InternedSet(index, wire, list, this.sharedNextHop(nextHop), hash);
    this.table.add(set);
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
