/**
 * The shared next-hop records of the FIB. A route's table entry holds a record
 * index; the record says what to do. Records live in a growable
 * SharedArrayBuffer so packet workers read them in place: growing is seen by
 * every thread without a message, and a record is fully written before any
 * table entry points to it.
 *
 * After publication a record changes in one word only, its state flags, with
 * Atomics: a tunnel going down is one store, seen by every route and every
 * worker at once. Freed records are reused oldest-first so a worker that read
 * an index just before the route moved still finds a sensible record.
 */
import { MAX_LABELS, type NextHop, nextHopKey, nextHopTunnel } from './next-hop';

/** Record layout, in 32-bit words. */
export const RECORD_WORDS = 24;
export const W_KIND = 0;
export const W_FLAGS = 1;
export const W_LOCAL = 2;
export const W_REMOTE = 3;
export const W_KEY = 4;
export const W_PORT = 5;
/** gre, ipip, mpls: the tunnel's id, for its counters (tunnel-counters.ts). */
export const W_TUNNEL = 5;
/** Label count (mpls) or member count (group). */
export const W_COUNT = 6;
/** Labels (mpls, outermost first) or member record indices (group). */
export const W_ITEMS = 7;
export const MAX_ECMP = RECORD_WORDS - W_ITEMS;

export const KIND_DROP = 0;
export const KIND_LOCAL = 1;
export const KIND_GRE = 2;
export const KIND_IPIP = 3;
export const KIND_MPLS = 4;
export const KIND_PLAIN = 5;
/** ECMP: the flow hash picks one member (RFC 2992 hash-threshold needs no state). */
export const KIND_GROUP = 6;

export const FLAG_DOWN = 1;
export const FLAG_FALLBACK = 2;
export const FLAG_KEY = 4;

const KIND_CODES: Readonly<Record<NextHop['kind'], number>> = {
  drop: KIND_DROP,
  local: KIND_LOCAL,
  gre: KIND_GRE,
  ipip: KIND_IPIP,
  mpls: KIND_MPLS,
  plain: KIND_PLAIN,
};

/** Up to 16M records (384 MB reserved, only the used part is committed). */
const MAX_RECORDS = 1 << 24;
const INITIAL_RECORDS = 1024;

export interface NextHopShared {
  readonly records: SharedArrayBuffer;
}

interface Slot {
  readonly key: string;
  readonly nextHop: NextHop | null;
  readonly members: readonly number[];
  refs: number;
}

/**
 * The records' words as they are now. Fixed-length, to be re-made after a grow: V8 11 (Node 20) runs every access
 * through a length-tracking view of a growable buffer through the runtime, about 10x slower, the top item of a
 * forwarding profile. Records only ever grow, so a reader re-makes its view when a record beyond it is asked for.
 */
export function recordWords(buffer: SharedArrayBuffer): Int32Array {
  return new Int32Array(buffer, 0, buffer.byteLength >>> 2);
}

export class NextHopTable {
  private readonly buffer: SharedArrayBuffer;
  private words: Int32Array;
  private readonly byKey = new Map<string, number>();
  private readonly slots: (Slot | undefined)[] = [];
  private readonly free: number[] = [];
  private freeHead = 0;
  private readonly down = new Set<string>();
  private readonly tunnelIds = new Map<string, number>();
  /** id → name, the other way round. */
  private readonly tunnelNames: string[] = [];

  /** `onNewTunnel(count)`: a tunnel id was handed out; ids below count are in use (room for counters). */
  constructor(private readonly onNewTunnel: (count: number) => void = () => undefined) {
    this.buffer = new SharedArrayBuffer(INITIAL_RECORDS * RECORD_WORDS * 4, { maxByteLength: MAX_RECORDS * RECORD_WORDS * 4 });
    this.words = recordWords(this.buffer);
  }

  shared(): NextHopShared {
    return { records: this.buffer };
  }

  /** The record for `nh`, created on first use; each call takes one reference. */
  acquire(nh: NextHop): number {
    const key = nextHopKey(nh);
    const existing = this.byKey.get(key);
    if (existing !== undefined) {
      const slot = this.slots[existing];
      if (slot) slot.refs++;
      return existing;
    }
    const index = this.allocate();
    this.write(index, nh);
    this.slots[index] = { key, nextHop: nh, members: [], refs: 1 };
    this.byKey.set(key, index);
    return index;
  }

  /**
   * An ECMP group over several next hops (each member takes a reference of its
   * own). One next hop is not a group: its own record is returned.
   */
  acquireGroup(nextHops: readonly NextHop[]): number {
    if (nextHops.length === 0) throw new RangeError('an ECMP group needs at least one next hop');
    if (nextHops.length > MAX_ECMP) throw new RangeError(`an ECMP group holds at most ${MAX_ECMP} next hops`);
    const unique = [...new Map(nextHops.map((nh) => [nextHopKey(nh), nh])).values()];
    const first = unique[0];
    if (unique.length === 1 && first) return this.acquire(first);
    const key = `group|${unique.map(nextHopKey).sort().join('+')}`;
    const existing = this.byKey.get(key);
    if (existing !== undefined) {
      const slot = this.slots[existing];
      if (slot) slot.refs++;
      return existing;
    }
    const members = unique.map((nh) => this.acquire(nh));
    const index = this.allocate();
    const base = index * RECORD_WORDS;
    this.words.fill(0, base, base + RECORD_WORDS);
    this.words[base + W_KIND] = KIND_GROUP;
    this.words[base + W_COUNT] = members.length;
    members.forEach((m, i) => {
      this.words[base + W_ITEMS + i] = m;
    });
    this.slots[index] = { key, nextHop: null, members, refs: 1 };
    this.byKey.set(key, index);
    return index;
  }

  release(index: number): void {
    const slot = this.slots[index];
    if (!slot) return;
    if (--slot.refs > 0) return;
    this.slots[index] = undefined;
    this.byKey.delete(slot.key);
    this.free.push(index);
    for (const m of slot.members) this.release(m);
  }

  /** The next hop of a record (null for a group), for views and explanations. */
  get(index: number): NextHop | null {
    return this.slots[index]?.nextHop ?? null;
  }

  members(index: number): readonly number[] {
    return this.slots[index]?.members ?? [];
  }

  /** Record indices in use, for views. */
  *indices(): IterableIterator<number> {
    for (let i = 0; i < this.slots.length; i++) if (this.slots[i]) yield i;
  }

  /** How many records are in use. */
  get size(): number {
    return this.byKey.size;
  }

  /** A small stable number per tunnel name, for counters; handed out on first use. */
  tunnelId(name: string): number {
    let id = this.tunnelIds.get(name);
    if (id === undefined) {
      id = this.tunnelIds.size;
      this.tunnelIds.set(name, id);
      this.tunnelNames.push(name);
      this.onNewTunnel(id + 1);
    }
    return id;
  }

  /** The name of tunnel `id`; undefined for an id never handed out. */
  tunnelName(id: number): string | undefined {
    return this.tunnelNames[id];
  }

  /** Every tunnel name with its id. */
  tunnels(): ReadonlyMap<string, number> {
    return this.tunnelIds;
  }

  isDown(tunnel: string): boolean {
    return this.down.has(tunnel);
  }

  /**
   * A tunnel (client tunnel or core path) went down or came back: every record
   * that depends on it flips, one atomic store each, whatever the number of routes.
   */
  setTunnelState(tunnel: string, up: boolean): number {
    if (up) this.down.delete(tunnel);
    else this.down.add(tunnel);
    let changed = 0;
    for (let i = 0; i < this.slots.length; i++) {
      const nh = this.slots[i]?.nextHop;
      if (!nh || nextHopTunnel(nh) !== tunnel) continue;
      const at = i * RECORD_WORDS + W_FLAGS;
      const flags = Atomics.load(this.words, at);
      Atomics.store(this.words, at, up ? flags & ~FLAG_DOWN : flags | FLAG_DOWN);
      changed++;
    }
    return changed;
  }

  private allocate(): number {
    // Oldest freed record first: a worker that just read its index meets it seldom.
    if (this.freeHead < this.free.length && this.free.length - this.freeHead > 64) {
      const index = this.free[this.freeHead++];
      if (this.freeHead > 4096) {
        this.free.splice(0, this.freeHead);
        this.freeHead = 0;
      }
      if (index !== undefined) return index;
    }
    const index = this.slots.length;
    this.slots.push(undefined);
    const needed = (index + 1) * RECORD_WORDS * 4;
    if (needed > this.buffer.byteLength) {
      if (needed > this.buffer.maxByteLength) throw new RangeError('next-hop table full');
      this.buffer.grow(Math.min(this.buffer.maxByteLength, Math.max(needed, this.buffer.byteLength * 2)));
      this.words = recordWords(this.buffer);
    }
    return index;
  }

  private write(index: number, nh: NextHop): void {
    const w = this.words;
    const base = index * RECORD_WORDS;
    w.fill(0, base, base + RECORD_WORDS);
    w[base + W_KIND] = KIND_CODES[nh.kind];
    let flags = 0;
    switch (nh.kind) {
      case 'local':
        w[base + W_PORT] = nh.port;
        break;
      case 'gre':
        if (nh.key !== null) {
          flags |= FLAG_KEY;
          w[base + W_KEY] = nh.key | 0;
        }
        break;
      case 'mpls':
        if (nh.labels.length === 0 || nh.labels.length > MAX_LABELS) throw new RangeError(`an MPLS next hop pushes 1 to ${MAX_LABELS} labels`);
        w[base + W_COUNT] = nh.labels.length;
        nh.labels.forEach((l, i) => {
          if (!Number.isInteger(l) || l < 0 || l > 0xfffff) throw new RangeError(`label ${l} is not a 20-bit MPLS label`);
          w[base + W_ITEMS + i] = l;
        });
        break;
      default:
        break;
    }
    if (nh.kind === 'gre' || nh.kind === 'ipip' || nh.kind === 'mpls') {
      w[base + W_LOCAL] = nh.local | 0;
      w[base + W_REMOTE] = nh.remote | 0;
      w[base + W_TUNNEL] = this.tunnelId(nh.tunnel);
      if (nh.fallback) flags |= FLAG_FALLBACK;
      if (this.down.has(nh.tunnel)) flags |= FLAG_DOWN;
    }
    Atomics.store(w, base + W_FLAGS, flags);
  }
}
