/**
 * Destination ids (BIRD's `net` table, OpenBGPD's `rib_entry`): every
 * destination (family + RD + prefix, RFC 4271 §9.1) that some table holds
 * gets a small integer, looked up once per route on the way in. The
 * Adj-RIBs-In, the Loc-RIB, each neighbor's Adj-RIB-Out and its queue of
 * pending destinations are then arrays indexed by that id, so a route costs
 * one hash-map operation on the full table instead of one per table. Route
 * keys with an ADD-PATH path id (RFC 7911) get ids of their own, for the
 * Adj-RIBs-In only. Ids are reference counted by their
 * holders and reused once nobody holds them, so churn does not grow the table.
 */
import { familyCodeOfKey, ipv4UnicastKey, makeHeldRoute, makeHeldVpnRoute, packedIpv4UnicastKey, type Route, type RouteSource } from './route';
import type { AttributeSet } from './attribute-set';
import { formatRd, parseRd, ZERO_RD, type RouteDistinguisher } from '../wire/values/rd';
import { formatPrefix, ipv4Mask, parsePrefix } from '../wire/values/prefix';
import { fmix32, hashString, HASH_SEED } from './hash';

const INITIAL = 1024;
/** A slot's low ID_BITS hold the id + 1; the eight bits above, the hash's low eight (its fingerprint). */
const ID_BITS = 24;
const ID_MASK = (1 << ID_BITS) - 1;
const FINGERPRINT = 0xff;
/** The most ids a table hands out (16.7M destinations, sixteen times today's IPv4 and IPv6 tables together). */
const MAX_IDS = ID_MASK - 1;

/** The id in a slot, -1 for an empty one. */
function idOf(slot: number): number {
  return (slot & ID_MASK) - 1;
}
/** `v4Length` of an id whose key is text. */
const STRING_KEY = 255;
/** `v4Length` of a VPN-IPv4 id is VPN_KEY + the prefix length. */
const VPN_KEY = 64;
/** VPN-IPv4 (afi 1, safi 128) as afi × 65536 + safi, and its key's start. */
const VPN_IPV4 = 65536 + 128;
const VPN_PREFIX = '1/128|';

/** FNV-1a over the key's characters, then the finalizer so the low bits (the slot) depend on every character. */
function hashKey(key: string): number {
  return fmix32(hashString(key, HASH_SEED));
}

/** The same finalizer over an IPv4 unicast destination (`packedIpv4UnicastKey`), without its key text. */
function hashPacked(packed: number): number {
  const address = Math.floor(packed / 64) | 0;
  return fmix32(Math.imul(address, 0x9e3779b1) ^ (packed % 64));
}

/** IPv4 unicast (afi 1, safi 1) as afi × 65536 + safi. */
const IPV4_UNICAST = 65537;

/**
 * RD types 0 and 2 have the same text ("admin:assigned", RFC 4364 §4.2 does
 * not mark the type), so keys, which are text, do not tell them apart:
 * neither may the packed form.
 */
function rdClass(rd: RouteDistinguisher): number {
  return rd.type === 2 ? 0 : rd.type;
}

/** The finalizer over a VPN-IPv4 destination: RD (by class), address and length. */
function hashVpn(rd: RouteDistinguisher, address: number, length: number): number {
  let h = Math.imul(address | 0, 0x9e3779b1) ^ length;
  h = Math.imul(h ^ rd.assigned, 0x85ebca6b) ^ Math.imul(rd.admin | 0, 0xc2b2ae35) ^ rdClass(rd);
  return fmix32(h);
}

/** The destination key of a VPN-IPv4 prefix, as `routeKey` writes it. */
function vpnKey(rd: RouteDistinguisher, address: number, length: number): string {
  return `${VPN_PREFIX}${formatRd(rd)}|${formatPrefix({ afi: 1, address, length })}`;
}

/** Whether a VPN-IPv4 destination takes the packed form: an RD type with a text form, no host bits. */
function vpnPackable(rd: RouteDistinguisher, address: number, length: number): boolean {
  return rd.type <= 2 && length <= 32 && ((address & ipv4Mask(length)) >>> 0) === address >>> 0;
}

export class DestTable {
  /**
   * Open addressing with linear probing over one Int32Array, at most three
   * quarters full. A slot is 0 when empty, else the id + 1 in its low
   * ID_BITS and eight bits of the key's hash (FINGERPRINT) above: a probe
   * looks at a key only when those agree, one time in 256 for another key.
   * Four octets a slot: a 500k table's slots are 4 MB, where (hash, id)
   * pairs took 8 MB, and the pairs' probes, one cache miss per new prefix,
   * were a tenth of a full-table load (bench:ingest). At half full, a 1.04M
   * table of pairs took 32 MB, 30 bytes a route; a JavaScript Map of 500k
   * strings cost about 30 bytes and two probes out of cache per lookup.
   */
  private slots = new Int32Array(INITIAL * 2);
  /**
   * A hash's home slot is its top bits (`h >>> shift`), not its bottom
   * ones (which give the fingerprint): doubling the table then sends the
   * slot at home k to 2k or 2k + 1, so `rehash` writes the new slots in
   * the order it walks the old ones, streaming through memory.
   */
  private shift = 32 - Math.log2(INITIAL * 2);
  /**
   * The key of each id. IPv4 unicast and VPN-IPv4 destinations (most of any
   * table) keep no string: their prefix is 5 octets in the two arrays below
   * (length 255 for "the key is in `keys`", VPN_KEY + length for VPN-IPv4,
   * whose RD is in `rds`), and the text is made again when asked for.
   */
  private keys: (string | undefined)[] = [];
  private rds: (RouteDistinguisher | undefined)[] = [];
  private v4Address = new Uint32Array(INITIAL);
  private v4Length = new Uint8Array(INITIAL).fill(STRING_KEY);
  private refs = new Int32Array(INITIAL);
  /** Each id's family as an index into `familyCodes` (afi × 65536 + safi): a table has a handful of families. */
  private familyOf = new Uint8Array(INITIAL);
  private readonly familyCodes: number[] = [0, IPV4_UNICAST, VPN_IPV4];
  private readonly free: number[] = [];
  /** One past the highest id ever handed out: per-id arrays of the holders need this many slots. */
  private top = 0;
  private live = 0;

  /**
   * The destination `probe` looks for, in the form its ids are stored in:
   * text (qPacked -1, qRd null), IPv4 unicast (qPacked) or VPN-IPv4 (qRd,
   * qAddress, qLength). Fields, not arguments, so the probe loop stays one
   * function without a closure.
   */
  private qText = '';
  private qPacked = -1;
  private qRd: RouteDistinguisher | null = null;
  private qAddress = 0;
  private qLength = 0;

  /** Live destinations. */
  get size(): number {
    return this.live;
  }

  /** The highest id handed out, plus one. */
  get capacity(): number {
    return this.top;
  }

  /** The id of a destination, or -1 when no table holds it. */
  find(destKey: string): number {
    const slot = this.probe(this.query(destKey));
    return idOf(this.slots[slot] ?? 0);
  }

  /**
   * `acquire` of an IPv4 unicast destination by its packed prefix alone
   * (address × 64 + length, `packedIpv4Unicast`): the route's way in, which
   * then makes no key text at all.
   */
  acquirePacked(packed: number): number {
    this.qText = '';
    this.qPacked = packed;
    this.qRd = null;
    return this.acquireQuery(hashPacked(packed));
  }

  /**
   * `acquire` of a VPN-IPv4 destination (RFC 4364) by its parts, without key
   * text; `rd` is kept, so pass a shared one (NlriInterner). -1 when the
   * destination has no packed form (`vpnPackable`): use its key text then.
   */
  acquireVpn(rd: RouteDistinguisher, address: number, length: number): number {
    if (!vpnPackable(rd, address, length)) return -1;
    this.setVpnQuery(rd, address, length);
    return this.acquireQuery(hashVpn(rd, address, length));
  }

  /**
   * The id of a destination, made if needed; the caller holds one reference
   * to it. `packed`: `packedIpv4UnicastKey(destKey)` when the caller knows it
   * (it has the prefix at hand), else it is worked out here.
   */
  acquire(destKey: string, packed: number = packedIpv4UnicastKey(destKey)): number {
    if (packed >= 0) return this.acquirePacked(packed);
    return this.acquireQuery(this.query(destKey, -1));
  }

  /** Sets the query to `destKey` in the form its id would be stored in; returns its hash. */
  private query(destKey: string, packed: number = packedIpv4UnicastKey(destKey)): number {
    this.qText = destKey;
    this.qPacked = packed;
    this.qRd = null;
    if (packed >= 0) return hashPacked(packed);
    if (destKey.startsWith(VPN_PREFIX)) {
      const bar = destKey.indexOf('|', VPN_PREFIX.length);
      const rd = bar < 0 ? null : parseRd(destKey.slice(VPN_PREFIX.length, bar));
      const prefix = rd ? parsePrefix(destKey.slice(bar + 1)) : null;
      // Only the exact text `vpnKey` writes names a packed destination.
      if (rd && prefix && prefix.afi === 1 && vpnPackable(rd, prefix.address, prefix.length) && vpnKey(rd, prefix.address, prefix.length) === destKey) {
        this.setVpnQuery(rd, prefix.address, prefix.length);
        return hashVpn(rd, prefix.address, prefix.length);
      }
    }
    return hashKey(destKey);
  }

  private setVpnQuery(rd: RouteDistinguisher, address: number, length: number): void {
    this.qPacked = -1;
    this.qRd = rd;
    this.qAddress = address >>> 0;
    this.qLength = length;
  }

  /** `acquire` of the query set up by the caller, whose hash is `h`. */
  private acquireQuery(h: number): number {
    let slot = this.probe(h);
    const found = idOf(this.slots[slot] ?? 0);
    if (found >= 0) {
      this.refs[found] = (this.refs[found] ?? 0) + 1;
      return found;
    }
    if (this.free.length === 0 && this.top >= MAX_IDS) throw new RangeError(`more than ${MAX_IDS} destinations`);
    const id = this.free.pop() ?? this.top++;
    if (id >= this.refs.length) this.grow(id + 1);
    if ((this.live + 1) * 4 > this.slots.length * 3) {
      this.rehash(this.slots.length * 2);
      slot = this.probe(h);
    }
    this.slots[slot] = ((h & FINGERPRINT) << ID_BITS) | (id + 1);
    this.live++;
    const packed = this.qPacked;
    const rd = this.qRd;
    if (packed >= 0) {
      this.v4Address[id] = Math.floor(packed / 64);
      this.v4Length[id] = packed % 64;
      this.familyOf[id] = 1;
    } else if (rd !== null) {
      this.v4Address[id] = this.qAddress;
      this.v4Length[id] = VPN_KEY + this.qLength;
      const rds = this.rds;
      while (rds.length <= id) rds.push(undefined);
      rds[id] = rd;
      this.familyOf[id] = 2;
    } else {
      this.v4Length[id] = STRING_KEY;
      const keys = this.keys;
      while (keys.length <= id) keys.push(undefined);
      keys[id] = this.qText;
      this.familyOf[id] = this.familyIndex(familyCodeOfKey(this.qText));
    }
    this.refs[id] = 1;
    return id;
  }

  /** The slot holding the query (`qText` … `qLength`), whose hash is `h`, or the empty slot where it would go. */
  private probe(h: number): number {
    const slots = this.slots;
    const mask = slots.length - 1;
    const fingerprint = h & FINGERPRINT;
    for (let i = h >>> this.shift; ; i = (i + 1) & mask) {
      const s = slots[i] ?? 0;
      if (s === 0) return i;
      if (s >>> ID_BITS === fingerprint && this.holds(idOf(s))) return i;
    }
  }

  /** The hash a live id's key was stored under (`query` and the acquire methods make the same). */
  private hashOf(id: number): number {
    const length = this.v4Length[id] ?? STRING_KEY;
    if (length === STRING_KEY) return hashKey(this.keys[id] ?? '');
    const address = this.v4Address[id] ?? 0;
    if (length < VPN_KEY) return hashPacked(address * 64 + length);
    const rd = this.rds[id];
    return rd === undefined ? 0 : hashVpn(rd, address, length - VPN_KEY);
  }

  /** Whether id is the query's destination. */
  private holds(id: number): boolean {
    const length = this.v4Length[id] ?? STRING_KEY;
    if (length === STRING_KEY) return this.qPacked < 0 && this.qRd === null && this.keys[id] === this.qText;
    if (length < VPN_KEY) return this.qPacked >= 0 && (this.v4Address[id] ?? 0) * 64 + length === this.qPacked;
    const q = this.qRd;
    const rd = this.rds[id];
    return q !== null && rd !== undefined && length - VPN_KEY === this.qLength && this.v4Address[id] === this.qAddress && rd.admin === q.admin && rd.assigned === q.assigned && rdClass(rd) === rdClass(q);
  }

  retain(id: number): void {
    this.refs[id] = (this.refs[id] ?? 0) + 1;
  }

  release(id: number): void {
    const n = (this.refs[id] ?? 0) - 1;
    this.refs[id] = n;
    if (n > 0) return;
    this.unlink(id);
    if (id < this.keys.length) this.keys[id] = undefined;
    if (id < this.rds.length) this.rds[id] = undefined;
    this.free.push(id);
  }

  /** The destination key of a live id. */
  key(id: number): string {
    const length = this.v4Length[id] ?? STRING_KEY;
    if (length === STRING_KEY) return this.keys[id] ?? '';
    if (length < VPN_KEY) return ipv4UnicastKey(this.v4Address[id] ?? 0, length);
    const rd = this.rds[id];
    return rd ? vpnKey(rd, this.v4Address[id] ?? 0, length - VPN_KEY) : '';
  }

  /** A live IPv4 unicast id's prefix as address × 64 + length (`packedIpv4Unicast`); -1 for any other destination. */
  packedAt(id: number): number {
    const length = this.v4Length[id] ?? STRING_KEY;
    return length >= VPN_KEY ? -1 : (this.v4Address[id] ?? 0) * 64 + length;
  }

  /** Whether a live id is an IPv4 unicast destination kept as a number (`packedAt` ≥ 0). */
  isPackedIpv4(id: number): boolean {
    return (this.v4Length[id] ?? STRING_KEY) < VPN_KEY;
  }

  /**
   * `packedAt` of each of `ids` (live IPv4 unicast ids, `isPackedIpv4`) into
   * `out`, or into a larger array returned in its place: the pump's way to the
   * encoder, without a boxed number per prefix.
   */
  packedInto(ids: readonly number[], out: Float64Array<ArrayBuffer>): Float64Array<ArrayBuffer> {
    let dst = out;
    if (ids.length > dst.length) dst = new Float64Array(Math.max(ids.length, dst.length * 2));
    for (let i = 0; i < ids.length; i++) {
      const id = ids[i] ?? 0;
      const packed = this.packedAt(id);
      if (packed < 0) throw new RangeError(`destination ${id} is not an IPv4 unicast prefix kept as a number`);
      dst[i] = packed;
    }
    return dst;
  }

  /** A live VPN-IPv4 id's RD (its prefix is `vpnPrefixAt`), undefined for any other destination. */
  rdAt(id: number): RouteDistinguisher | undefined {
    const length = this.v4Length[id] ?? STRING_KEY;
    return length >= VPN_KEY && length !== STRING_KEY ? this.rds[id] : undefined;
  }

  /** A live VPN-IPv4 id's prefix as address × 64 + length; -1 for any other destination. */
  vpnPrefixAt(id: number): number {
    const length = this.v4Length[id] ?? STRING_KEY;
    return length >= VPN_KEY && length !== STRING_KEY ? (this.v4Address[id] ?? 0) * 64 + (length - VPN_KEY) : -1;
  }

  /**
   * The route held as columns for a live IPv4 unicast or VPN-IPv4 id: its
   * prefix (and RD) from this table, the rest as given. What an Adj-RIB-In
   * and an Adj-RIB-Out that keep only `attrs` (and `labels`) make again.
   */
  heldRoute(id: number, attrs: AttributeSet, source: RouteSource, labels: readonly number[] | undefined, slot: number): Route {
    const length = this.v4Length[id] ?? STRING_KEY;
    const address = this.v4Address[id] ?? 0;
    if (length < VPN_KEY) return makeHeldRoute(attrs, source, address, length, slot, id);
    return makeHeldVpnRoute(attrs, source, this.rds[id] ?? ZERO_RD, labels ?? [], address, length - VPN_KEY, slot, id);
  }

  /** The family of a live id as afi × 65536 + safi. */
  family(id: number): number {
    return this.familyCodes[this.familyOf[id] ?? 0] ?? 0;
  }

  private familyIndex(code: number): number {
    let i = this.familyCodes.indexOf(code);
    if (i < 0) {
      // AFI and SAFI are 16 and 8 bits on the wire, but a speaker negotiates a few dozen families at most.
      if (this.familyCodes.length > 255) throw new RangeError('more than 255 address families');
      i = this.familyCodes.push(code) - 1;
    }
    return i;
  }

  /** Takes a live id out of the slots, shifting back the run after it so every probe still finds its key. */
  private unlink(id: number): void {
    const slots = this.slots;
    const mask = slots.length - 1;
    const shift = this.shift;
    // The id's own slot, found by its id bits: no key is compared.
    let i = this.hashOf(id) >>> shift;
    for (; ; i = (i + 1) & mask) {
      const s = slots[i] ?? 0;
      if (s === 0) return;
      if ((s & ID_MASK) === id + 1) break;
    }
    slots[i] = 0;
    this.live--;
    for (let j = (i + 1) & mask; ; j = (j + 1) & mask) {
      const s = slots[j] ?? 0;
      if (s === 0) return;
      const home = this.hashOf(idOf(s)) >>> shift;
      // The entry at j may fill the hole at i unless its home lies cyclically in (i, j].
      const stays = i <= j ? home > i && home <= j : home > i || home <= j;
      if (!stays) {
        slots[i] = s;
        slots[j] = 0;
        i = j;
      }
    }
  }

  /** Into a table of `size` slots; each entry's hash is worked out again from its key (`hashOf`). */
  private rehash(size: number): void {
    const old = this.slots;
    const slots = new Int32Array(size);
    const mask = size - 1;
    const shift = 32 - Math.log2(size);
    for (let j = 0; j < old.length; j++) {
      const s = old[j] ?? 0;
      if (s === 0) continue;
      let i = this.hashOf(idOf(s)) >>> shift;
      while ((slots[i] ?? 0) !== 0) i = (i + 1) & mask;
      slots[i] = s;
    }
    this.slots = slots;
    this.shift = shift;
  }

  private grow(min: number): void {
    let n = this.refs.length * 2;
    while (n < min) n *= 2;
    const refs = new Int32Array(n);
    refs.set(this.refs);
    this.refs = refs;
    const familyOf = new Uint8Array(n);
    familyOf.set(this.familyOf);
    this.familyOf = familyOf;
    const v4Address = new Uint32Array(n);
    v4Address.set(this.v4Address);
    this.v4Address = v4Address;
    const v4Length = new Uint8Array(n).fill(STRING_KEY);
    v4Length.set(this.v4Length);
    this.v4Length = v4Length;
  }
}
