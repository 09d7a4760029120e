/**
 * IPv4 unicast UPDATEs written straight to wire form (encodeIpv4Announcements,
 * the route server's way out) are the same octets as the message path
 * (buildAnnouncements then encodeMessage), however the prefixes, attributes
 * and session settings fall; tshark-free, since the message path is itself
 * checked against tshark in the wire tests.
 */
import fc from 'fast-check';
import { buildAnnouncements, encodeIpv4Announcements, type Ipv4Attributes } from '../../../../src/bgp/rib/update-builder';
import type { CodecContext } from '../../../../src/bgp/wire/context';
import { AttributeInterner } from '../../../../src/bgp/rib/attribute-set';
import { EncodedChunks } from '../../../../src/bgp/speaker/encoded-chunks';
import { MessageFramer } from '../../../../src/bgp/wire/framer';
import { encodeMessage } from '../../../../src/bgp/wire/message';
import { withContext } from '../../../../src/bgp/wire/context';
import type { PathAttribute } from '../../../../src/bgp/wire/attributes/types';
import { ipv4Mask, ipv4Prefix } from '../../../../src/bgp/wire/values/prefix';
import type { RoutableNlri } from '../../../../src/bgp/rib/route';

const prefixArb = fc.tuple(fc.integer({ min: 0, max: 0xffffffff }), fc.integer({ min: 0, max: 32 })).map(([a, l]) => ({ address: (a & ipv4Mask(l)) >>> 0, length: l }));

const attrsArb: fc.Arbitrary<PathAttribute[]> = fc
  .tuple(
    fc.integer({ min: 0, max: 2 }),
    fc.array(fc.integer({ min: 1, max: 4_200_000_000 }), { minLength: 0, maxLength: 300 }),
    fc.option(fc.integer({ min: 0, max: 0xffffffff })),
    fc.array(fc.integer({ min: 0, max: 0xffffffff }), { maxLength: 40 }),
  )
  .map(([origin, asns, med, communities]) => {
    const out: PathAttribute[] = [
      { type: 'origin', origin: origin as 0 | 1 | 2 },
      { type: 'as-path', segments: asns.length ? [{ kind: 'sequence', asns }] : [] },
    ];
    if (med !== null) out.push({ type: 'med', med });
    if (communities.length) out.push({ type: 'communities', communities });
    return out;
  });

/** Whether the interner keeps these attributes as their wire form: no AS_PATH segment it would split. */
function asWire(attributes: readonly PathAttribute[]): boolean {
  return attributes.every((a) => a.type !== 'as-path' || a.segments.every((s) => s.asns.length <= 255));
}

/**
 * What encodeIpv4Announcements writes, message by message, in order; null
 * when it declines (and then it must have written nothing). Written through
 * the pump's EncodedChunks, whose chunks must hold whole messages only.
 */
function encodeAll(group: Ipv4Attributes, packed: ArrayLike<number>, count: number, ctx: CodecContext): Buffer[] | null {
  const chunks: Buffer[] = [];
  const sink = new EncodedChunks((c) => chunks.push(c));
  const done = encodeIpv4Announcements(group, packed, count, ctx, sink);
  sink.flush();
  if (!done) expect(chunks).toEqual([]);
  const framer = new MessageFramer({ extendedMessage: ctx.extendedMessage });
  const out = chunks.flatMap((c) => {
    const frames = framer.push(c);
    expect(framer.bufferedLength).toBe(0);
    return frames;
  });
  return done ? out : null;
}

describe('encodeIpv4Announcements', () => {
  it('writes the octets the message path writes, split into the same UPDATEs (random prefixes, attributes, 2- or 4-octet AS, extended messages)', () => {
    fc.assert(
      fc.property(fc.array(prefixArb, { maxLength: 2500 }), attrsArb, fc.boolean(), fc.boolean(), fc.boolean(), fc.nat(50), (prefixes, sorted, fourOctetAs, extendedMessage, reversed, spare) => {
        const ctx = withContext({ fourOctetAs, extendedMessage });
        // Out of sending order (a peer that sent them so): NEXT_HOP is placed by sorting instead of in place.
        const attributes = reversed ? [...sorted].reverse() : sorted;
        const nlri: RoutableNlri[] = prefixes.map((p) => ({ kind: 'unicast', safi: 1, prefix: ipv4Prefix(p.address, p.length) }));
        // The pump's scratch array is longer than the prefixes it holds: only `count` are sent.
        const packed = new Float64Array(prefixes.length + spare).fill(33);
        prefixes.forEach((p, i) => (packed[i] = p.address * 64 + p.length));
        const raw = encodeAll({ attributes, nextHop: '192.0.2.1' }, packed, prefixes.length, ctx);
        const viaMessages = buildAnnouncements({ afi: 1, safi: 1, attributes, nextHop: '192.0.2.1', nlri }, ctx).map((m) => encodeMessage(m, ctx));
        expect(raw?.map((b) => b.toString('hex'))).toEqual(viaMessages.map((b) => b.toString('hex')));
        // An interned set (as a route server sends it) goes out from its wire form when it has one: the same octets.
        const set = new AttributeInterner().intern(attributes, '192.0.2.1');
        if (asWire(attributes)) expect(set.wire).not.toBeNull();
        const fromSet = encodeAll(set, packed, prefixes.length, ctx);
        expect(fromSet?.map((b) => b.toString('hex'))).toEqual(viaMessages.map((b) => b.toString('hex')));
      }),
      { numRuns: 60 },
    );
  });

  it('splits a full load the same way: 5,000 prefixes of every length behind a long AS path, several UPDATEs', () => {
    const ctx = withContext({ fourOctetAs: true });
    const attributes: PathAttribute[] = [
      { type: 'origin', origin: 0 },
      { type: 'as-path', segments: [{ kind: 'sequence', asns: Array.from({ length: 200 }, (_, i) => 65000 + i) }] },
    ];
    const prefixes = Array.from({ length: 5000 }, (_, i) => ({ address: (((i * 2654435761) >>> 0) & ipv4Mask(i % 33)) >>> 0, length: i % 33 }));
    const raw = encodeAll({ attributes, nextHop: '192.0.2.1' }, prefixes.map((p) => p.address * 64 + p.length), prefixes.length, ctx) ?? [];
    const nlri: RoutableNlri[] = prefixes.map((p) => ({ kind: 'unicast', safi: 1, prefix: ipv4Prefix(p.address, p.length) }));
    const viaMessages = buildAnnouncements({ afi: 1, safi: 1, attributes, nextHop: '192.0.2.1', nlri }, ctx).map((m) => encodeMessage(m, ctx));
    expect(raw.length).toBeGreaterThan(5);
    for (const b of raw) expect(b.length).toBeLessThanOrEqual(4096);
    expect(Buffer.concat(raw).equals(Buffer.concat(viaMessages))).toBe(true);
    expect(raw.length).toBe(viaMessages.length);
  });

  it('leaves to the message path what the classic form cannot carry: an IPv6 next hop, ADD-PATH path ids', () => {
    const attributes: PathAttribute[] = [{ type: 'origin', origin: 0 }];
    expect(encodeAll({ attributes, nextHop: '2001:db8::1' }, [0], 1, withContext({}))).toBeNull();
    expect(encodeAll({ attributes, nextHop: '192.0.2.1' }, [0], 1, withContext({ addPath: new Set(['1/1']) }))).toBeNull();
  });

  it('refuses to send more prefixes than it was given', () => {
    expect(() => encodeAll({ attributes: [{ type: 'origin', origin: 0 }], nextHop: '192.0.2.1' }, [0], 2, withContext({}))).toThrow(RangeError);
  });
});
