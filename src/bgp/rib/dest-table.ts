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
import { familyCodeOfKey, ipv4UnicastKey, packedIpv4UnicastKey } from './route';

const INITIAL = 1024;
const STRING_KEY = 255;

/**
 * FNV-1a over the key's characters, then MurmurHash3's finalizer so the low
 * bits (the slot) depend on every character.
 */
function hashKey(key: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < key.length; i++) h = Math.imul(h ^ key.charCodeAt(i), 0x01000193);
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  return (h ^ (h >>> 16)) | 0;
}

/** The same finalizer over an IPv4 unicast destination (`packedIpv4UnicastKey`), without its key text. */
function hashPacked(packed: number): number {
  const address = Math.floor(packed / 64) | 0;
  let h = Math.imul(address, 0x9e3779b1) ^ (packed % 64);
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  return (h ^ (h >>> 16)) | 0;
}

/** IPv4 unicast (afi 1, safi 1) as afi × 65536 + safi. */
const IPV4_UNICAST = 65537;

export class DestTable {
  /**
   * Open addressing with linear probing over one typed array of (hash,
   * id + 1) pairs, id + 1 = 0 for an empty slot, at most half full: a probe
   * reads one cache line until the hash matches. A JavaScript Map of 500k
   * strings cost about 30 bytes and two probes of a hash table out of cache
   * per lookup, which was a fifth of a full-table load (bench:rib).
   */
  private slots = new Int32Array(INITIAL * 4);
  /**
   * The key of each id. IPv4 unicast destinations (most of any table) keep
   * no string: their prefix is 5 octets in the two arrays below (length 255
   * for "the key is in `keys`"), and the text is made again when asked for.
   */
  private keys: (string | undefined)[] = [];
  private v4Address = new Uint32Array(INITIAL);
  private v4Length = new Uint8Array(INITIAL).fill(STRING_KEY);
  private refs = new Int32Array(INITIAL);
  private families = new Int32Array(INITIAL);
  private readonly free: number[] = [];
  /** One past the highest id ever handed out: per-id arrays of the holders need this many slots. */
  private top = 0;
  private live = 0;

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
    const packed = packedIpv4UnicastKey(destKey);
    const slot = this.probe(destKey, packed >= 0 ? hashPacked(packed) : hashKey(destKey), packed);
    return (this.slots[slot + 1] ?? 0) - 1;
  }

  /**
   * `acquire` of an IPv4 unicast destination by its packed prefix alone
   * (address × 64 + length, `packedIpv4Unicast`): the route's way in, which
   * then makes no key text at all.
   */
  acquirePacked(packed: number): number {
    return this.acquire('', packed);
  }

  /**
   * The id of a destination, made if needed; the caller holds one reference
   * to it. `packed`: `packedIpv4UnicastKey(destKey)` when the caller knows it
   * (it has the prefix at hand), else it is worked out here.
   */
  acquire(destKey: string, packed: number = packedIpv4UnicastKey(destKey)): number {
    // IPv4 unicast keys hash by their number: the key text need not exist (acquirePacked).
    const h = packed >= 0 ? hashPacked(packed) : hashKey(destKey);
    let slot = this.probe(destKey, h, packed);
    const found = (this.slots[slot + 1] ?? 0) - 1;
    if (found >= 0) {
      this.refs[found] = (this.refs[found] ?? 0) + 1;
      return found;
    }
    const id = this.free.pop() ?? this.top++;
    if (id >= this.refs.length) this.grow(id + 1);
    if ((this.live + 1) * 4 > this.slots.length) {
      this.rehash(this.slots.length * 2);
      slot = this.probe(destKey, h, packed);
    }
    this.slots[slot] = h;
    this.slots[slot + 1] = id + 1;
    this.live++;
    if (packed >= 0) {
      this.v4Address[id] = Math.floor(packed / 64);
      this.v4Length[id] = packed % 64;
      // Past the end the slot reads as undefined already: writing there grew the array one id at a time.
      if (id < this.keys.length) this.keys[id] = undefined;
    } else {
      this.v4Length[id] = STRING_KEY;
      this.keys[id] = destKey;
    }
    this.refs[id] = 1;
    this.families[id] = packed >= 0 ? IPV4_UNICAST : familyCodeOfKey(destKey);
    return id;
  }

  /** The slot (index of its hash) holding `key` (`packed` as packedIpv4UnicastKey gives it), or the empty slot where it would go. */
  private probe(key: string, h: number, packed: number): number {
    const slots = this.slots;
    const mask = slots.length - 2;
    for (let i = (h << 1) & mask; ; i = (i + 2) & mask) {
      const s = slots[i + 1] ?? 0;
      if (s === 0) return i;
      if (slots[i] === h && this.holds(s - 1, key, packed)) return i;
    }
  }

  private holds(id: number, key: string, packed: number): boolean {
    const length = this.v4Length[id] ?? STRING_KEY;
    if (length === STRING_KEY) return this.keys[id] === key;
    return packed >= 0 && (this.v4Address[id] ?? 0) * 64 + length === packed;
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
    this.free.push(id);
  }

  /** The destination key of a live id. */
  key(id: number): string {
    const length = this.v4Length[id] ?? STRING_KEY;
    return length === STRING_KEY ? (this.keys[id] ?? '') : ipv4UnicastKey(this.v4Address[id] ?? 0, length);
  }

  /** A live IPv4 unicast id's prefix as address × 64 + length (`packedIpv4Unicast`); -1 for any other destination. */
  packedAt(id: number): number {
    const length = this.v4Length[id] ?? STRING_KEY;
    return length === STRING_KEY ? -1 : (this.v4Address[id] ?? 0) * 64 + length;
  }

  /** The family of a live id as afi × 65536 + safi. */
  family(id: number): number {
    return this.families[id] ?? 0;
  }

  /** Takes a live id out of the slots, shifting back the run after it so every probe still finds its key. */
  private unlink(id: number): void {
    const length = this.v4Length[id] ?? STRING_KEY;
    const packed = length === STRING_KEY ? -1 : (this.v4Address[id] ?? 0) * 64 + length;
    const key = packed >= 0 ? '' : (this.keys[id] ?? '');
    const slots = this.slots;
    const mask = slots.length - 2;
    let i = this.probe(key, packed >= 0 ? hashPacked(packed) : hashKey(key), packed);
    if ((slots[i + 1] ?? 0) !== id + 1) return;
    slots[i + 1] = 0;
    this.live--;
    for (let j = (i + 2) & mask; ; j = (j + 2) & mask) {
      const s = slots[j + 1] ?? 0;
      if (s === 0) return;
      const home = ((slots[j] ?? 0) << 1) & mask;
      // The entry at j may fill the hole at i unless its home lies cyclically in (i, j].
      const stays = i <= j ? home > i && home <= j : home > i || home <= j;
      if (!stays) {
        slots[i] = slots[j] ?? 0;
        slots[i + 1] = s;
        slots[j + 1] = 0;
        i = j;
      }
    }
  }

  private rehash(size: number): void {
    const old = this.slots;
    const slots = new Int32Array(size);
    const mask = size - 2;
    for (let j = 0; j < old.length; j += 2) {
      const s = old[j + 1] ?? 0;
      if (s === 0) continue;
      const h = old[j] ?? 0;
      let i = (h << 1) & mask;
      while ((slots[i + 1] ?? 0) !== 0) i = (i + 2) & mask;
      slots[i] = h;
      slots[i + 1] = s;
    }
    this.slots = slots;
  }

  private grow(min: number): void {
    let n = this.refs.length * 2;
    while (n < min) n *= 2;
    const refs = new Int32Array(n);
    refs.set(this.refs);
    this.refs = refs;
    const families = new Int32Array(n);
    families.set(this.families);
    this.families = families;
    const v4Address = new Uint32Array(n);
    v4Address.set(this.v4Address);
    this.v4Address = v4Address;
    const v4Length = new Uint8Array(n).fill(STRING_KEY);
    v4Length.set(this.v4Length);
    this.v4Length = v4Length;
  }
}
