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
 * - "synthetic" IPv6: the real IPv6 prefixes plus 200,000 made by the same
 *   PRNG: /29../32 allocations inside 2000::/3, then /33../48 under them (and
 *   1 % /64 and /128), values cycling over the real next hops.
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

/** The real IPv6 prefixes plus `extra` synthetic ones (see the file comment). */
export function derive6(base: Table6, extra: number, seed = 1): Table6 {
  const rnd = prng(seed);
  const words = Array.from(base.words);
  const length = Array.from(base.length);
  const value = Array.from(base.value);
  const hops = Math.max(1, ...Array.from(base.value, (v) => v + 1));
  const seen = new Set<string>();
  const allocations: number[] = [];
  const add = (w0: number, w1: number, len: number): void => {
    const key = `${w0}:${w1}/${len}`;
    if (seen.has(key)) return;
    seen.add(key);
    words.push(w0 >>> 0, w1 >>> 0, 0, 0);
    length.push(len);
    value.push(length.length % hops);
  };
  const allocationCount = Math.max(1, Math.floor(extra / 10));
  while (allocations.length < allocationCount) {
    const len = 29 + (rnd() % 4);
    const w0 = ((0x20000000 | (rnd() & 0x1fffffff)) & mask4(len)) >>> 0;
    allocations.push(w0, len);
    add(w0, 0, len);
  }
  while (words.length / 4 < base.length.length + extra) {
    const k = (rnd() % allocationCount) * 2;
    const w0 = allocations[k] as number;
    const l = allocations[k + 1] as number;
    const r = rnd() % 100;
    const len = r === 0 ? 128 : r === 1 ? 64 : 33 + (rnd() % 16);
    const sub = (w0 | (rnd() & ~mask4(l))) >>> 0;
    const w1 = len >= 64 ? rnd() : (rnd() & mask4(len - 32)) >>> 0;
    if (len === 128) {
      const key = `${sub}:${w1}/128`;
      if (seen.has(key)) continue;
      seen.add(key);
      words.push(sub, w1, rnd(), rnd());
      length.push(128);
      value.push(length.length % hops);
    } else add(sub, w1, len);
  }
  return { name: `real + ${(extra / 1000).toFixed(0)}k synthetic IPv6`, words: Uint32Array.from(words), length: Uint8Array.from(length), value: Uint32Array.from(value) };
}
