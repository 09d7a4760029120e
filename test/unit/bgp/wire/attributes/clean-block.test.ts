/**
 * A clean attribute block (checked in place, never decoded on the way into
 * the RIB) must be exactly one the full decoder finds nothing wrong with,
 * and its key must be the wire form the RIB would make from the decoded
 * attributes: random blocks, mostly valid, with flags and values bent the
 * ways RFC 7606 cares about.
 */
import fc from 'fast-check';
import { cleanAttributes } from '../../../../../src/bgp/wire/attributes/clean-block';
import { decodeUpdateBody } from '../../../../../src/bgp/wire/messages/update';
import { writeAttribute } from '../../../../../src/bgp/wire/attributes';
import { Writer } from '../../../../../src/bgp/wire/cursor';
import { withContext, type CodecContext } from '../../../../../src/bgp/wire/context';
import type { PathAttribute } from '../../../../../src/bgp/wire/attributes/types';
import { AttributeInterner } from '../../../../../src/bgp/rib/attribute-set';

const u32 = fc.oneof({ weight: 1, arbitrary: fc.constantFrom(0, 1, 65001, 0xffffffff) }, { weight: 6, arbitrary: fc.integer({ min: 1, max: 0xffffffff }) });

/** One attribute TLV: [flags, code, value octets]. */
type Tlv = readonly [number, number, readonly number[]];

const be32 = (v: number): number[] => [(v >>> 24) & 0xff, (v >>> 16) & 0xff, (v >>> 8) & 0xff, v & 0xff];

const origin = fc.oneof({ weight: 6, arbitrary: fc.integer({ min: 0, max: 2 }) }, { weight: 1, arbitrary: fc.constant(3) }).map((o): [number, number[]] => [1, [o]]);
const asPath = fc
  .array(fc.tuple(fc.oneof({ weight: 5, arbitrary: fc.constant(2) }, { weight: 1, arbitrary: fc.integer({ min: 0, max: 5 }) }), fc.array(u32, { minLength: 0, maxLength: 4 })), { maxLength: 3 })
  .map((segs): [number, number[]] => [2, segs.flatMap(([t, asns]) => [t, asns.length, ...asns.flatMap(be32)])]);
const nextHop = fc.constantFrom(0x0a000001, 0xc0000201, 0xc0000202, 0xc6336401, 0, 0x7f000001, 0xe0000001).map((a): [number, number[]] => [3, be32(a)]);
const value: fc.Arbitrary<[number, number[]]> = fc.oneof(
  { weight: 1, arbitrary: origin },
  { weight: 1, arbitrary: asPath },
  { weight: 1, arbitrary: nextHop },
  { weight: 2, arbitrary: u32.map((v): [number, number[]] => [4, be32(v)]) },
  { weight: 2, arbitrary: u32.map((v): [number, number[]] => [5, be32(v)]) },
  { weight: 1, arbitrary: fc.constant<[number, number[]]>([6, []]) },
  { weight: 2, arbitrary: fc.tuple(u32, u32).map(([asn, addr]): [number, number[]] => [7, [...be32(asn), ...be32(addr)]]) },
  { weight: 2, arbitrary: fc.array(u32, { maxLength: 70 }).map((cs): [number, number[]] => [8, cs.flatMap(be32)]) },
  { weight: 1, arbitrary: fc.constantFrom(9, 10, 16, 32, 200).map((code): [number, number[]] => [code, be32(0x0a000001)]) },
);

const CANONICAL: Record<number, number> = { 1: 0x40, 2: 0x40, 3: 0x40, 4: 0x80, 5: 0x40, 6: 0x40, 7: 0xc0, 8: 0xc0, 9: 0x80, 10: 0x80, 16: 0xc0, 32: 0xc0, 200: 0xc0 };

/** An attribute with its flags and length bent now and then. */
function tlvOf(v: fc.Arbitrary<[number, number[]]>): fc.Arbitrary<Tlv> {
  return fc
    .tuple(v, fc.constantFrom('canonical', 'canonical', 'canonical', 'canonical', 'canonical', 'extended', 'partial', 'wrong-class', 'low-bits'), fc.integer({ min: -1, max: 1 }), fc.nat(9))
    .map(([[code, bytes], bend, lengthBend, p]): Tlv => {
      const base = CANONICAL[code] ?? 0xc0;
      const flags = bend === 'extended' ? base | 0x10 : bend === 'partial' ? base | 0x20 : bend === 'wrong-class' ? base ^ 0x80 : bend === 'low-bits' ? base | 0x01 : base;
      // One in ten values one octet short or long.
      const v2 = p === 0 && lengthBend !== 0 ? (lengthBend < 0 ? bytes.slice(0, -1) : [...bytes, 0]) : bytes;
      return [flags | (v2.length > 255 ? 0x10 : 0), code, v2];
    });
}

/** ORIGIN, AS_PATH and NEXT_HOP (usually), a few more, in any order. */
const block: fc.Arbitrary<Tlv[]> = fc
  .tuple(fc.option(tlvOf(origin), { freq: 10 }), fc.option(tlvOf(asPath), { freq: 10 }), fc.option(tlvOf(nextHop), { freq: 10 }), fc.array(tlvOf(value), { maxLength: 4 }), fc.array(fc.nat()))
  .map(([o, a, n, more, order]) => {
    const list = [o, a, n, ...more].filter((t): t is Tlv => t !== null);
    // A permutation from the random numbers.
    return list.map((t, i) => [order[i] ?? i, t] as const).sort((x, y) => x[0] - y[0]).map(([, t]) => t);
  });

function blockOf(tlvs: readonly Tlv[]): number[] {
  const out: number[] = [];
  for (const [flags, code, v] of tlvs) out.push(flags, code, ...(flags & 0x10 ? [v.length >> 8, v.length & 0xff] : [v.length]), ...v);
  return out;
}

/** An UPDATE body: no withdrawals, the block, one /24 in the NLRI field. */
function bodyOf(block: readonly number[]): Buffer {
  return Buffer.from([0, 0, block.length >> 8, block.length & 0xff, ...block, 24, 198, 51, 100]);
}

/** The RIB's key of decoded attributes: their wire form with 4-octet ASNs, without NEXT_HOP. */
function keyOf(attributes: readonly PathAttribute[]): string {
  const w = new Writer();
  for (const a of attributes) if (a.type !== 'next-hop') writeAttribute(w, a, withContext({ fourOctetAs: true }), false);
  return w.latin1();
}

describe('cleanAttributes', () => {
  it('is clean only when the full decoder finds nothing wrong, with the key and next hop it would give (random blocks)', () => {
    let cleanSeen = 0;
    fc.assert(
      fc.property(block, fc.oneof({ weight: 4, arbitrary: fc.constant(true) }, { weight: 1, arbitrary: fc.constant(false) }), fc.option(fc.boolean(), { nil: undefined }), (tlvs, fourOctetAs, ibgp) => {
        const ctx: CodecContext = withContext({ fourOctetAs, ibgp });
        const body = bodyOf(blockOf(tlvs));
        const clean = cleanAttributes(body, 4, body.length - 4, ctx);
        let full: ReturnType<typeof decodeUpdateBody> | null = null;
        try {
          full = decodeUpdateBody(body, ctx);
        } catch {
          full = null;
        }
        if (clean === null) return;
        cleanSeen++;
        expect(full).not.toBeNull();
        if (full === null) return;
        expect(full.errors).toEqual([]);
        expect(clean.key).toBe(keyOf(full.attributes));
        expect(clean.nextHop).toBe(full.attributes.find((a) => a.type === 'next-hop')?.nextHop);
        // The session's way in: the same message, attributes decoded only when read.
        const lazy = decodeUpdateBody(body, withContext({ fourOctetAs, ibgp, ipv4FieldOnly: true }));
        expect(lazy.cleanAttributes).toEqual(clean);
        expect(lazy.attributes).toEqual(full.attributes);
        // The interner finds one set whichever way the attributes come.
        const interner = new AttributeInterner();
        const a = interner.internWire(clean.key, clean.nextHop);
        const b = interner.intern(full.attributes, clean.nextHop);
        expect(b).toBe(a);
        expect(a?.attributes).toEqual(full.attributes.filter((x) => x.type !== 'next-hop'));
        const c = new AttributeInterner();
        expect(c.internWire(clean.key, clean.nextHop)).toBe(c.intern(full.attributes, clean.nextHop));
      }),
      { numRuns: 8000 },
    );
    // The property above says nothing unless clean blocks come up (about 1.5% of the random ones).
    expect(cleanSeen).toBeGreaterThan(40);
  });

  it('takes what our own encoder sends as clean, and leaves 2-octet AS sessions to the decoder', () => {
    const attributes: PathAttribute[] = [
      { type: 'origin', origin: 0 },
      { type: 'as-path', segments: [{ kind: 'sequence', asns: [65001, 4200000000] }] },
      { type: 'next-hop', nextHop: '192.0.2.1' },
      { type: 'med', med: 10 },
      { type: 'communities', communities: [0xfde80001] },
    ];
    const w = new Writer();
    for (const a of attributes) writeAttribute(w, a, withContext({ fourOctetAs: true }), false);
    const block = w.finish();
    const clean = cleanAttributes(block, 0, block.length, withContext({ fourOctetAs: true, ibgp: false }));
    expect(clean).toEqual({ key: keyOf(attributes), nextHop: '192.0.2.1' });
    expect(cleanAttributes(block, 0, block.length, withContext({ fourOctetAs: false }))).toBeNull();
  });
});
