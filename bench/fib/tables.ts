/**
 * The prefix sets of bench:fib, read from a TABLE_DUMP_V2 RIB with the repo's
 * MRT reader (src/mrt/reader.ts):
 *
 * - real IPv4 / IPv6: every unique unicast prefix of the dump once, its value
 *   the index of the NEXT_HOP (IPv6: MP_REACH next hop) of the prefix's first
 *   RIB entry, one index per distinct next hop;
 * - "1M" IPv4: the real table grown to 1,000,000 with more-specifics of its
 *   own prefixes, chosen by a seeded PRNG (mulberry32, seed 1): a random base
 *   prefix shorter than /24 gets a more-specific of /24 (60 %) or of a length
 *   between its own + 1 and /23; 1 % of the additions are /25../32 under a
 *   random prefix of /24 or shorter (host and customer routes). Each takes the
 *   value of its base, as deaggregation does. Global tables grow by /24s, and
 *   a VRF FIB holds host routes, so both kinds are there;
 * - "synthetic" IPv6: the dump holds only 84 IPv6 prefixes, so the real ones
 *   plus 200,000 made by the same PRNG, shaped after the global IPv6 table
 *   (see derive6).
 */
import { decodeAttributeList } from '../../src/bgp/wire/attributes';
import type { CodecContext } from '../../src/bgp/wire/context';
import { openMrt, readMrtBatches } from '../../src/mrt/reader';

const CTX: CodecContext = { fourOctetAs: true, addPath: new Set(), extendedMessage: false };

export interface Table4 {
  readonly name: string;
  readonly address: Uint32Array;
  readonly length: Uint8Array;
  readonly value: Uint32Array;
}

export interface Table6 {
  readonly name: string;
  /** 4 words per prefix. */
  readonly words: Uint32Array;
  readonly length: Uint8Array;
  readonly value: Uint32Array;
}

export interface RealTables {
  readonly v4: Table4;
  readonly v6: Table6;
  readonly ribRecords: number;
  readonly nextHops: number;
  readonly readSeconds: number;
}

/** mulberry32: small, seeded, good enough to pick prefixes. */
export function prng(seed: number): () => number {
  let s = seed | 0;
  return () => {
    s = (s + 0x6d2b79f5) | 0;
    let t = Math.imul(s ^ (s >>> 15), 1 | s);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return (t ^ (t >>> 14)) >>> 0;
  };
}

function mask4(length: number): number {
  return length === 0 ? 0 : (0xffffffff << (32 - length)) >>> 0;
}

/** Decode only NEXT_HOP (3) and MP_REACH_NLRI (14). */
const NEXT_HOP_ONLY = (() => {
  const only = new Uint8Array(256);
  only[3] = 1;
  only[14] = 1;
  return only;
})();

export async function readRealTables(file: string): Promise<RealTables> {
  const t0 = process.hrtime.bigint();
  const { stream } = await openMrt(file);
  const nextHopIndex = new Map<string, number>();
  const byAttributes = new Map<string, number>();
  const seen4 = new Set<number>();
  const seen6 = new Set<string>();
  const a4: number[] = [];
  const l4: number[] = [];
  const v4: number[] = [];
  const w6: number[] = [];
  const l6: number[] = [];
  const v6: number[] = [];
  let ribRecords = 0;
  for await (const batch of readMrtBatches(stream)) {
    for (const item of batch) {
      if (item.kind !== 'record' || item.record.kind !== 'rib' || item.record.safi !== 1) continue;
      const r = item.record;
      const entry = r.entries[0];
      if (!entry) continue;
      ribRecords++;
      const raw = entry.attributes.toString('latin1');
      let value = byAttributes.get(raw);
      if (value === undefined) {
        const { attributes } = decodeAttributeList(entry.attributes, CTX, { mrtRib: { afi: r.afi, safi: 1 }, only: NEXT_HOP_ONLY });
        let hop = '';
        for (const a of attributes) {
          if (a.type === 'next-hop') hop = a.nextHop;
          else if (a.type === 'mp-reach') hop = a.nextHop.address;
        }
        value = nextHopIndex.get(hop) ?? nextHopIndex.size;
        nextHopIndex.set(hop, value);
        byAttributes.set(raw, value);
      }
      const p = r.prefix;
      if (p.afi === 1) {
        const key = p.address * 64 + p.length;
        if (seen4.has(key)) continue;
        seen4.add(key);
        a4.push(p.address);
        l4.push(p.length);
        v4.push(value);
      } else {
        const key = `${Buffer.from(p.address).toString('hex')}/${p.length}`;
        if (seen6.has(key)) continue;
        seen6.add(key);
        const dv = new DataView(p.address.buffer, p.address.byteOffset, 16);
        for (let i = 0; i < 4; i++) w6.push(dv.getUint32(i * 4));
        l6.push(p.length);
        v6.push(value);
      }
    }
  }
  return {
    v4: { name: 'real IPv4', address: Uint32Array.from(a4), length: Uint8Array.from(l4), value: Uint32Array.from(v4) },
    v6: { name: 'real IPv6', words: Uint32Array.from(w6), length: Uint8Array.from(l6), value: Uint32Array.from(v6) },
    ribRecords,
    nextHops: nextHopIndex.size,
    readSeconds: Number(process.hrtime.bigint() - t0) / 1e9,
  };
}

/** The real IPv4 table grown to `target` prefixes (see the file comment). */
export function derive4(base: Table4, target: number, seed = 1): Table4 {
  const rnd = prng(seed);
  const seen = new Set<number>();
  const address = Array.from(base.address);
  const length = Array.from(base.length);
  const value = Array.from(base.value);
  for (let i = 0; i < address.length; i++) seen.add((address[i] as number) * 64 + (length[i] as number));
  const n = base.address.length;
  while (address.length < target) {
    const i = rnd() % n;
    const l = base.length[i] as number;
    let len: number;
    if (rnd() % 100 === 0) {
      if (l > 24) continue;
      len = 25 + (rnd() % 8);
    } else {
      if (l >= 24) continue;
      len = rnd() % 10 < 6 || l === 23 ? 24 : l + 1 + (rnd() % (23 - l));
    }
    const a = (((base.address[i] as number) & mask4(l)) | (rnd() & ~mask4(l) & mask4(len))) >>> 0;
    const key = a * 64 + len;
    if (seen.has(key)) continue;
    seen.add(key);
    address.push(a);
    length.push(len);
    value.push(base.value[i] as number);
  }
  return { name: `${(target / 1e6).toFixed(0)}M IPv4`, address: Uint32Array.from(address), length: Uint8Array.from(length), value: Uint32Array.from(value) };
}

/** Where RIRs allocate IPv6 (2001::/16, 2400::/12, 2600::/12, 2800::/12, 2a00::/12, 2c00::/12): [first word, length]. */
const RIR_BLOCKS: readonly (readonly [number, number])[] = [[0x20010000, 16], [0x24000000, 12], [0x26000000, 12], [0x28000000, 12], [0x2a000000, 12], [0x2c000000, 12]];

/**
 * Lengths of the more-specifics, by weight, shaped after the global IPv6
 * table (mostly /48, then /32../44 in nibble steps), plus client routes (/64,
 * /128) as a VRF holds them.
 */
const V6_LENGTHS: readonly (readonly [number, number])[] = [[48, 46], [44, 10], [40, 8], [36, 5], [46, 4], [47, 3], [42, 3], [38, 2], [33, 2], [34, 2], [35, 2], [45, 2], [41, 2], [43, 2], [37, 1], [39, 1], [56, 3], [64, 1], [128, 1]];

function pickLength(rnd: () => number): number {
  const total = V6_LENGTHS.reduce((a, [, w]) => a + w, 0);
  let r = rnd() % total;
  for (const [len, w] of V6_LENGTHS) {
    if (r < w) return len;
    r -= w;
  }
  return 48;
}

/**
 * The real IPv6 prefixes plus `extra` synthetic ones: /29../32 allocations
 * inside the RIR blocks (a tenth of `extra`), then more-specifics under them
 * with the lengths of V6_LENGTHS; half of the more-specifics longer than /40
 * land in a /40 already used by an earlier one (sites cluster in PI and ISP
 * assignment blocks). Values cycle over the real next hops.
 */
export function derive6(base: Table6, extra: number, seed = 1): Table6 {
  const rnd = prng(seed);
  const words = Array.from(base.words);
  const length = Array.from(base.length);
  const value = Array.from(base.value);
  const hops = Math.max(1, ...Array.from(base.value, (v) => v + 1));
  const seen = new Set<string>();
  const add = (w: readonly [number, number, number, number], len: number): boolean => {
    const key = `${w.join(':')}/${len}`;
    if (seen.has(key)) return false;
    seen.add(key);
    words.push(...w.map((x) => x >>> 0));
    length.push(len);
    value.push(length.length % hops);
    return true;
  };
  const allocations: number[] = [];
  const allocationCount = Math.max(1, Math.floor(extra / 10));
  while (allocations.length < allocationCount * 2) {
    const [block, blockLength] = RIR_BLOCKS[rnd() % RIR_BLOCKS.length] ?? [0x20010000, 16];
    const len = 29 + (rnd() % 4);
    const w0 = ((block | (rnd() & ~mask4(blockLength))) & mask4(len)) >>> 0;
    if (add([w0, 0, 0, 0], len)) allocations.push(w0, len);
  }
  /** /40 blocks in use, as [word 0, word 1 top 8 bits], for clustering. */
  const sites: number[] = [];
  const target = base.length.length + extra;
  while (length.length < target) {
    const len = pickLength(rnd);
    let w0: number;
    let w1: number;
    if (len > 40 && sites.length > 0 && rnd() % 2 === 0) {
      const k = (rnd() % (sites.length / 2)) * 2;
      w0 = sites[k] as number;
      w1 = ((sites[k + 1] as number) | (rnd() & 0x00ffffff)) >>> 0;
    } else {
      const k = (rnd() % allocationCount) * 2;
      const l = allocations[k + 1] as number;
      w0 = ((allocations[k] as number) | (rnd() & ~mask4(l))) >>> 0;
      w1 = rnd();
      if (len > 40) sites.push(w0, (w1 & 0xff000000) >>> 0);
    }
    const w: [number, number, number, number] = [w0, w1, len > 64 ? rnd() : 0, len > 96 ? rnd() : 0];
    for (let i = 0; i < 4; i++) {
      const keep = len - 32 * i;
      w[i] = keep <= 0 ? 0 : keep >= 32 ? (w[i] as number) >>> 0 : ((w[i] as number) & mask4(keep)) >>> 0;
    }
    add(w, len);
  }
  return { name: `real + ${(extra / 1000).toFixed(0)}k synthetic IPv6`, words: Uint32Array.from(words), length: Uint8Array.from(length), value: Uint32Array.from(value) };
}
