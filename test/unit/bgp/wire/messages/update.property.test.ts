/**
 * Property tests: arbitrary valid UPDATEs round-trip exactly, and mutated real
 * UPDATEs only ever give a decode or a BgpError (never another exception or a hang).
 */
import fc from 'fast-check';
import { decodeUpdateBody, encodeUpdateBody } from '../../../../../src/bgp/wire/messages/update';
import type { UpdateMessage } from '../../../../../src/bgp/wire/messages/types';
import type { MpNextHop, PathAttribute, TunnelSubTlv, TunnelTlv } from '../../../../../src/bgp/wire/attributes/types';
import { sortAttributes } from '../../../../../src/bgp/wire/attributes';
import type { Nlri } from '../../../../../src/bgp/wire/nlri/types';
import { withContext, type CodecContext } from '../../../../../src/bgp/wire/context';
import { BgpError } from '../../../../../src/bgp/wire/errors';
import { formatIpv4, formatIpv6 } from '../../../../../src/bgp/wire/values/ip';
import { ipv4Prefix, ipv6Prefix, type Prefix } from '../../../../../src/bgp/wire/values/prefix';
import type { RouteDistinguisher } from '../../../../../src/bgp/wire/values/rd';
import type { ExtendedCommunity } from '../../../../../src/bgp/wire/values/ext-community';
import type { AsPathSegmentKind } from '../../../../../src/bgp/wire/values/as-path';
import { hex } from '../../../../helpers/bgp';

const u32 = fc.integer({ min: 0, max: 0xffffffff });
const u16 = fc.integer({ min: 0, max: 0xffff });
const v4text = u32.map(formatIpv4);
/** A usable NEXT_HOP: not 0/8, 127/8 or 224/3. */
const hostV4 = fc.integer({ min: 1, max: 223 }).filter((a) => a !== 127).chain((a) => fc.integer({ min: 0, max: 0xffffff }).map((r) => formatIpv4(((a << 24) | r) >>> 0)));
const v6bytes = fc.uint8Array({ minLength: 16, maxLength: 16 });
const v6text = v6bytes.map(formatIpv6);
const rd: fc.Arbitrary<RouteDistinguisher> = fc.oneof(
  fc.record({ type: fc.constant(0), admin: u16, assigned: u32 }),
  fc.record({ type: fc.constantFrom(1, 2), admin: u32, assigned: u16 }),
);
const label = fc.integer({ min: 0, max: 0xfffff });

function prefixArb(afi: 1 | 2): fc.Arbitrary<Prefix> {
  return afi === 1 ? fc.tuple(u32, fc.integer({ min: 0, max: 32 })).map(([a, l]) => ipv4Prefix(a, l)) : fc.tuple(v6bytes, fc.integer({ min: 0, max: 128 })).map(([a, l]) => ipv6Prefix(a, l));
}

interface Options {
  readonly addPath: boolean;
  readonly fourOctetAs: boolean;
}

function withPathId<T extends object>(arb: fc.Arbitrary<T>, o: Options): fc.Arbitrary<T> {
  return o.addPath ? fc.tuple(arb, u32).map(([n, pathId]) => ({ ...n, pathId })) : arb;
}

function nlriArb(afi: 1 | 2, safi: number, o: Options, withdrawal: boolean): fc.Arbitrary<Nlri> {
  const labels = withdrawal ? fc.constant([]) : fc.array(label, { minLength: 1, maxLength: safi === 128 && afi === 1 ? 3 : 1 });
  if (safi === 128) return withPathId(fc.record({ kind: fc.constant('vpn' as const), prefix: prefixArb(afi), rd, labels }), o);
  if (safi === 4) return withPathId(fc.record({ kind: fc.constant('labeled' as const), prefix: prefixArb(afi), labels }), o);
  return withPathId(fc.record({ kind: fc.constant('unicast' as const), safi: fc.constant(safi), prefix: prefixArb(afi) }), o);
}

const FAMILIES: readonly [1 | 2, number][] = [[1, 1], [2, 1], [1, 128], [2, 128], [1, 4], [2, 2]];

function nextHopArb(afi: 1 | 2, safi: number): fc.Arbitrary<MpNextHop> {
  const v6 = fc.oneof(fc.record({ address: v6text }), fc.record({ address: v6text, linkLocal: v6text }));
  if (safi === 128) return fc.tuple(afi === 1 ? fc.oneof(fc.record({ address: v4text }), v6) : v6, rd).map(([nh, r]) => ({ ...nh, rd: r }));
  return afi === 1 ? fc.oneof(fc.record({ address: v4text }), v6) : v6;
}

function mpReachArb(o: Options): fc.Arbitrary<PathAttribute> {
  return fc.constantFrom(...FAMILIES).chain(([afi, safi]) =>
    fc.record({ type: fc.constant('mp-reach' as const), afi: fc.constant(afi), safi: fc.constant(safi), nextHop: nextHopArb(afi, safi), nlri: fc.array(nlriArb(afi, safi, o, false), { maxLength: 5 }) }),
  );
}

function mpUnreachArb(o: Options): fc.Arbitrary<PathAttribute> {
  return fc.constantFrom(...FAMILIES).chain(([afi, safi]) => fc.record({ type: fc.constant('mp-unreach' as const), afi: fc.constant(afi), safi: fc.constant(safi), nlri: fc.array(nlriArb(afi, safi, o, true), { maxLength: 5 }) }));
}

function segmentsArb(asn: fc.Arbitrary<number>, kinds: readonly AsPathSegmentKind[], minLength: number): fc.Arbitrary<{ kind: AsPathSegmentKind; asns: number[] }[]> {
  return fc.array(fc.record({ kind: fc.constantFrom(...kinds), asns: fc.array(asn, { minLength: 1, maxLength: 8 }) }), { minLength, maxLength: 4 });
}

const extCommunity: fc.Arbitrary<ExtendedCommunity> = fc.oneof(
  fc.record({ kind: fc.constantFrom('route-target' as const, 'route-origin' as const), form: fc.constant('as2' as const), transitive: fc.boolean(), admin: u16, assigned: u32 }),
  fc.record({ kind: fc.constantFrom('route-target' as const, 'route-origin' as const), form: fc.constantFrom('ipv4' as const, 'as4' as const), transitive: fc.boolean(), admin: u32, assigned: u16 }),
  fc.record({ kind: fc.constant('encapsulation' as const), tunnelType: u16 }),
  fc.record({ kind: fc.constant('color' as const), flags: u16, color: u32 }),
  fc.tuple(fc.integer({ min: 0x80, max: 0xbf }), fc.uint8Array({ minLength: 7, maxLength: 7 })).map(([t, rest]) => ({ kind: 'other' as const, raw: Uint8Array.from([t, ...rest]) })),
);

function subTlvArb(tunnelType: number): fc.Arbitrary<TunnelSubTlv> {
  const gre = tunnelType === 2 || tunnelType === 11;
  return fc.oneof(
    gre ? fc.record({ type: fc.constant('encapsulation' as const), key: u32 }) : fc.record({ type: fc.constant('encapsulation' as const), raw: fc.uint8Array({ minLength: 1, maxLength: 8 }) }),
    fc.record({ type: fc.constant('protocol' as const), protocol: fc.integer({ min: 0, max: 0xfffe }) }),
    fc.record({ type: fc.constant('color' as const), color: u32 }),
    fc.record({ type: fc.constant('egress-endpoint' as const), address: fc.oneof(fc.constant(''), v4text, v6text) }),
    fc.record({ type: fc.constant('egress-endpoint' as const), address: v4text, reserved: fc.integer({ min: 1, max: 0xffffffff }) }),
    fc.record({ type: fc.constant('ds-field' as const), ds: fc.integer({ min: 0, max: 255 }) }),
    fc.record({ type: fc.constant('udp-port' as const), port: fc.integer({ min: 1, max: 0xffff }) }),
    fc.record({ type: fc.constant('unknown' as const), code: fc.oneof(fc.integer({ min: 9, max: 127 }), fc.integer({ min: 128, max: 255 }), fc.constant(0)), value: fc.uint8Array({ maxLength: 12 }) }),
  );
}

const tunnelArb: fc.Arbitrary<TunnelTlv> = fc.constantFrom(2, 7, 11, 13).chain((tunnelType) => fc.record({ tunnelType: fc.constant(tunnelType), subTlvs: fc.array(subTlvArb(tunnelType), { maxLength: 5 }) }));

function optionalAttributes(o: Options): fc.Arbitrary<PathAttribute>[] {
  const asn = fc.integer({ min: 1, max: o.fourOctetAs ? 0xffffffff : 0xffff });
  return [
    fc.record({ type: fc.constant('med' as const), med: u32 }),
    fc.record({ type: fc.constant('local-pref' as const), localPref: u32 }),
    fc.constant({ type: 'atomic-aggregate' as const }),
    fc.record({ type: fc.constant('aggregator' as const), asn, address: v4text }),
    fc.record({ type: fc.constant('communities' as const), communities: fc.array(u32, { minLength: 1, maxLength: 80 }) }),
    fc.record({ type: fc.constant('originator-id' as const), originatorId: v4text }),
    fc.record({ type: fc.constant('cluster-list' as const), clusterIds: fc.array(v4text, { minLength: 1, maxLength: 4 }) }),
    fc.record({ type: fc.constant('extended-communities' as const), communities: fc.array(extCommunity, { minLength: 1, maxLength: 6 }) }),
    fc.record({ type: fc.constant('as4-path' as const), segments: segmentsArb(fc.integer({ min: 1, max: 0xffffffff }), ['sequence', 'set'], 1) }),
    fc.record({ type: fc.constant('as4-aggregator' as const), asn: fc.integer({ min: 1, max: 0xffffffff }), address: v4text }),
    fc.record({ type: fc.constant('tunnel-encapsulation' as const), tunnels: fc.array(tunnelArb, { minLength: 1, maxLength: 3 }) }),
    fc.record({ type: fc.constant('large-communities' as const), communities: fc.array(fc.record({ globalAdmin: u32, localData1: u32, localData2: u32 }), { minLength: 1, maxLength: 4 }) }),
    fc.record({ type: fc.constant('unknown' as const), code: fc.constantFrom(200, 201, 230), flags: fc.constantFrom(0x80, 0xc0, 0xe0), value: fc.uint8Array({ maxLength: 300 }) }),
    mpReachArb(o),
    mpUnreachArb(o),
  ];
}

function updateArb(o: Options): fc.Arbitrary<UpdateMessage> {
  const asn = fc.integer({ min: 1, max: o.fourOctetAs ? 0xffffffff : 0xffff });
  const mandatory = fc.tuple(
    fc.record({ type: fc.constant('origin' as const), origin: fc.constantFrom(0 as const, 1 as const, 2 as const) }),
    fc.record({ type: fc.constant('as-path' as const), segments: segmentsArb(asn, ['sequence', 'set', 'confed-sequence', 'confed-set'], 0) }),
    fc.record({ type: fc.constant('next-hop' as const), nextHop: hostV4 }),
  );
  const optional = fc.tuple(...optionalAttributes(o).map((a) => fc.option(a, { nil: undefined })));
  return fc
    .record({ mandatory, optional, withdrawn: fc.array(nlriArb(1, 1, o, true), { maxLength: 6 }), nlri: fc.array(nlriArb(1, 1, o, false), { maxLength: 6 }) })
    .map(({ mandatory: m, optional: opt, withdrawn, nlri }) => ({
      type: 'update' as const,
      withdrawn,
      attributes: sortAttributes([...m, ...opt.filter((a): a is PathAttribute => a !== undefined)]),
      nlri,
      errors: [],
    }));
}

function contextFor(o: Options): CodecContext {
  const families = FAMILIES.map(([a, s]) => `${a}/${s}`);
  return withContext({ fourOctetAs: o.fourOctetAs, ibgp: true, addPath: new Set(o.addPath ? families : []), multipleLabels: new Map([['1/128', 3]]) });
}

describe('UPDATE round trip (property)', () => {
  const optionsArb = fc.record({ addPath: fc.boolean(), fourOctetAs: fc.boolean() });
  it('decode(encode(x)) equals x and encode(decode(b)) equals b', () => {
    fc.assert(
      fc.property(optionsArb.chain((o) => fc.tuple(fc.constant(o), updateArb(o))), ([o, msg]) => {
        const ctx = contextFor(o);
        const bytes = encodeUpdateBody(msg, ctx);
        const back = decodeUpdateBody(bytes, ctx);
        expect(back).toEqual(msg);
        expect(encodeUpdateBody(back, ctx).equals(bytes)).toBe(true);
      }),
      { numRuns: 400 },
    );
  });
});

/** Deterministic PRNG (mulberry32) so a failing mutation can be replayed from its iteration number. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function mutate(src: Buffer, rnd: () => number): Buffer {
  const b = Buffer.from(src);
  const int = (n: number): number => Math.floor(rnd() * n);
  switch (int(4)) {
    case 0: // bit flips
      for (let i = 0, n = 1 + int(4); i < n && b.length > 0; i++) b[int(b.length)] = (b[int(b.length)] as number) ^ (1 << int(8));
      return b;
    case 1: // truncation
      return b.subarray(0, int(b.length + 1));
    case 2: {
      // a length field that lies: overwrite one or two octets with a boundary value
      const at = int(Math.max(1, b.length - 1));
      const v = [0, 1, 0x7f, 0x80, 0xff, int(256)][int(6)] as number;
      b[at] = v;
      if (rnd() < 0.5 && at + 1 < b.length) b[at + 1] = [0, 0xff, int(256)][int(3)] as number;
      return b;
    }
    default: // random octet
      if (b.length > 0) b[int(b.length)] = int(256);
      return b;
  }
}

describe('mutation fuzz over real UPDATEs', () => {
  const seeds = [
    // PROTOCOLS §8 V3 and V6, the 2025-05-20 Prefix-SID UPDATE, an IPv6 MP_REACH with link-local
    '0000003c800e200001800c0000000000000000c000020100700001010000fde8000000640a01014001010040020040050400000064c010080002fde800000064',
    '0000005d800e200001800c0000000000000000c000020100700001010000fde8000000640a01014001010040020040050400000064c010100002fde800000064030c000000000002c0171600020012010400001234060a000000000001c6336407',
    '0000007540010100400222020800000d1c0000232a00002458000210aa00024f1e00021b5d000003d800060a11400304d5f2494980040400000000c0081c0d1c00020d1c00160d1c00640d1c007b0d1c01f70d1c03850d1c0813e0281c00000000000000000000000000000000000000000000000000000000182dc6b8',
    '00000036800e2c00020120' + '20010db8000000000000000000000001fe800000000000000000000000000001' + '003020010db80001' + '40010100400200',
  ].map((h) => hex(h));
  const contexts = [withContext({ fourOctetAs: true, ibgp: true }), withContext({ fourOctetAs: false, ibgp: false, addPath: new Set(['1/1', '1/128', '2/1']) })];

  it('only a decode or a BgpError comes out of 20000 mutations', () => {
    for (const s of seeds) expect(decodeUpdateBody(s, contexts[0] ?? withContext({})).type).toBe('update');
    const rnd = prng(7606);
    const started = Date.now();
    for (let i = 0; i < 20000; i++) {
      const input = mutate(seeds[i % seeds.length] as Buffer, rnd);
      for (const ctx of contexts) {
        try {
          decodeUpdateBody(input, ctx);
        } catch (e) {
          if (!(e instanceof BgpError)) throw new Error(`iteration ${i}: ${String(e)} for ${input.toString('hex')}`);
        }
      }
    }
    expect(Date.now() - started).toBeLessThan(30000);
  });
});
