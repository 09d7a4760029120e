/** UPDATE body codec against the hand-built, tshark-checked vectors of PROTOCOLS §8. */
import { decodeUpdateBody, encodeUpdateBody, endOfRib, isEndOfRib } from '../../../../../src/bgp/wire/messages/update';
import type { UpdateMessage } from '../../../../../src/bgp/wire/messages/types';
import { withContext } from '../../../../../src/bgp/wire/context';
import { expectBgpError, hex } from '../../../../helpers/bgp';

const ibgp = withContext({ ibgp: true });
const ebgp = withContext({ ibgp: false });

/** Strips the 19-octet header after checking marker, length and type 2. */
function body(message: string): Buffer {
  const b = hex(message);
  expect(b.subarray(0, 16).equals(Buffer.alloc(16, 0xff))).toBe(true);
  expect(b.readUInt16BE(16)).toBe(b.length);
  expect(b[18]).toBe(2);
  return b.subarray(19);
}

const RD_65000_100 = { type: 0, admin: 65000, assigned: 100 };
const V3_ROUTE = { kind: 'vpn', prefix: { afi: 1, length: 24, address: 0x0a010100 }, rd: RD_65000_100, labels: [16] } as const;

const V3 = `ffffffffffffffffffffffffffffffff 0053 02
  0000
  003c
  800e 20 0001 80 0c 0000000000000000 c0000201 00
          70 000101 0000fde800000064 0a0101
  4001 01 00
  4002 00
  4005 04 00000064
  c010 08 0002 fde8 00000064`;

const V3_EXPECTED: UpdateMessage = {
  type: 'update',
  withdrawn: [],
  attributes: [
    { type: 'mp-reach', afi: 1, safi: 128, nextHop: { address: '192.0.2.1', rd: { type: 0, admin: 0, assigned: 0 } }, nlri: [V3_ROUTE] },
    { type: 'origin', origin: 0 },
    { type: 'as-path', segments: [] },
    { type: 'local-pref', localPref: 100 },
    { type: 'extended-communities', communities: [{ kind: 'route-target', form: 'as2', transitive: true, admin: 65000, assigned: 100 }] },
  ],
  nlri: [],
  errors: [],
};

const V6 =
  'ffffffffffffffffffffffffffffffff0074020000005d800e200001800c0000000000000000c000020100700001010000fde8000000640a01014001010040020040050400000064c010100002fde800000064030c000000000002c0171600020012010400001234060a000000000001c6336407';

describe('UPDATE vectors (PROTOCOLS §8)', () => {
  it('V3: VPNv4 announcement decodes to the expected values and encodes back byte for byte', () => {
    const b = body(V3);
    const msg = decodeUpdateBody(b, ibgp);
    expect(msg).toStrictEqual(V3_EXPECTED);
    expect(encodeUpdateBody(msg, ibgp).toString('hex')).toBe(b.toString('hex'));
    expect(encodeUpdateBody(V3_EXPECTED, ibgp).toString('hex')).toBe(b.toString('hex'));
  });

  it('V3 from an eBGP peer: LOCAL_PREF discarded, the route stays usable', () => {
    const msg = decodeUpdateBody(body(V3), ebgp);
    expect(msg.attributes.map((a) => a.type)).toEqual(['mp-reach', 'origin', 'as-path', 'extended-communities']);
    expect(msg.errors).toEqual([expect.objectContaining({ attributeType: 5, action: 'attribute-discard' })]);
  });

  it('V3b: VPNv4 withdrawal with compatibility field 0x800000 (RFC 8277 §2.4)', () => {
    const b = body('ffffffffffffffffffffffffffffffff002c0200000015800f12000180708000000000fde8000000640a0101');
    const msg = decodeUpdateBody(b, ibgp);
    expect(msg).toStrictEqual({
      type: 'update',
      withdrawn: [],
      attributes: [{ type: 'mp-unreach', afi: 1, safi: 128, nlri: [{ ...V3_ROUTE, labels: [] }] }],
      nlri: [],
      errors: [],
    });
    expect(encodeUpdateBody(msg, ibgp).equals(b)).toBe(true);
    // An announced label stack is not echoed: the compatibility value is sent instead.
    const fromRoute = encodeUpdateBody({ ...msg, attributes: [{ type: 'mp-unreach', afi: 1, safi: 128, nlri: [V3_ROUTE] }] }, ibgp);
    expect(fromRoute.equals(b)).toBe(true);
  });

  it('V3c: End-of-RIB for VPNv4', () => {
    const b = body('ffffffffffffffffffffffffffffffff001d0200000006800f03000180');
    const msg = decodeUpdateBody(b, ibgp);
    expect(isEndOfRib(msg)).toEqual({ afi: 1, safi: 128 });
    expect(msg.errors).toEqual([]);
    expect(encodeUpdateBody(endOfRib(1, 128), ibgp).equals(b)).toBe(true);
  });

  it('V3d: End-of-RIB for IPv4 unicast', () => {
    const b = body('ffffffffffffffffffffffffffffffff00170200000000');
    const msg = decodeUpdateBody(b, ibgp);
    expect(msg).toStrictEqual(endOfRib(1, 1));
    expect(isEndOfRib(msg)).toEqual({ afi: 1, safi: 1 });
    expect(encodeUpdateBody(endOfRib(1, 1), ibgp).equals(b)).toBe(true);
  });

  it('V6: V3 plus Encapsulation EC and a GRE tunnel TLV with key and egress endpoint', () => {
    const b = body(V6);
    const msg = decodeUpdateBody(b, ibgp);
    expect(msg.errors).toEqual([]);
    expect(msg.attributes[4]).toStrictEqual({
      type: 'extended-communities',
      communities: [
        { kind: 'route-target', form: 'as2', transitive: true, admin: 65000, assigned: 100 },
        { kind: 'encapsulation', tunnelType: 2 },
      ],
    });
    expect(msg.attributes[5]).toStrictEqual({
      type: 'tunnel-encapsulation',
      tunnels: [{ tunnelType: 2, subTlvs: [{ type: 'encapsulation', key: 0x1234 }, { type: 'egress-endpoint', address: '198.51.100.7' }] }],
    });
    expect(encodeUpdateBody(msg, ibgp).equals(b)).toBe(true);
  });

  it('is not End-of-RIB when there are routes or other attributes', () => {
    expect(isEndOfRib(decodeUpdateBody(body(V3), ibgp))).toBeNull();
    expect(isEndOfRib({ ...endOfRib(1, 1), nlri: [{ kind: 'unicast', safi: 1, prefix: { afi: 1, length: 8, address: 0x0a000000 } }] })).toBeNull();
  });
});

describe('UPDATE framing (RFC 7606 §3(b), §4, §5.3)', () => {
  it('resets with 3/1 when Withdrawn Routes Length overruns the body', () => {
    expectBgpError(() => decodeUpdateBody(hex('0005 0000'), ibgp), 3, 1);
  });

  it('resets with 3/1 when Total Path Attribute Length overruns the body', () => {
    expectBgpError(() => decodeUpdateBody(hex('0000 0004 400101'), ibgp), 3, 1);
    expectBgpError(() => decodeUpdateBody(hex('000000'), ibgp), 3, 1);
  });

  it('resets with 3/10 on a withdrawn prefix longer than 32 bits', () => {
    expectBgpError(() => decodeUpdateBody(hex('0002 2100 0000'), ibgp), 3, 10);
  });

  it('resets with 3/10 on an NLRI prefix that overruns the message', () => {
    const attrs = '40010100 40020600010000fde9 400304c0000201';
    const len = hex(attrs).length.toString(16).padStart(4, '0');
    expectBgpError(() => decodeUpdateBody(hex(`0000 ${len} ${attrs} 18 0a01`), ebgp), 3, 10);
  });

  it('keeps the NLRI when the last attribute overruns the attribute block, treat-as-withdraw (RFC 7606 §4)', () => {
    const attrs = '40010100 40020602010000fde9 400304c0000201 c0080801020304';
    const len = hex(attrs).length.toString(16).padStart(4, '0');
    const msg = decodeUpdateBody(hex(`0000 ${len} ${attrs} 18 0a0101`), ebgp);
    expect(msg.nlri).toHaveLength(1);
    expect(msg.errors).toEqual([expect.objectContaining({ attributeType: 8, action: 'treat-as-withdraw' })]);
  });

  it('resets when MP_REACH_NLRI appears twice (RFC 7606 §3(g))', () => {
    const mp = '800e0b 0001 01 04 c0000201 00 080a';
    const attrs = `${mp} ${mp} 40010100 400200`;
    const len = hex(attrs).length.toString(16).padStart(4, '0');
    expectBgpError(() => decodeUpdateBody(hex(`0000 ${len} ${attrs}`), ibgp), 3, 1);
  });

  it('keeps the first copy of a repeated attribute and discards the rest', () => {
    const attrs = '40010100 40010102 400200 400304c0000201';
    const len = hex(attrs).length.toString(16).padStart(4, '0');
    const msg = decodeUpdateBody(hex(`0000 ${len} ${attrs} 080a`), ibgp);
    expect(msg.attributes[0]).toEqual({ type: 'origin', origin: 0 });
    expect(msg.errors).toEqual([expect.objectContaining({ attributeType: 1, action: 'attribute-discard' })]);
  });

  it('reports missing ORIGIN, AS_PATH and NEXT_HOP as treat-as-withdraw (RFC 7606 §3(d))', () => {
    const attrs = '40050400000064';
    const msg = decodeUpdateBody(hex(`0000 0007 ${attrs} 080a`), ibgp);
    expect(msg.errors.map((e) => [e.attributeType, e.action, e.subcode])).toEqual([
      [1, 'treat-as-withdraw', 3],
      [2, 'treat-as-withdraw', 3],
      [3, 'treat-as-withdraw', 3],
    ]);
  });

  it('does not require NEXT_HOP when routes come only in MP_REACH_NLRI (RFC 4760 §3)', () => {
    const msg = decodeUpdateBody(body(V3), ibgp);
    expect(msg.errors).toEqual([]);
  });

  it('resets when an error needs more than attribute discard and the UPDATE has no NLRI (RFC 7606 §5.2)', () => {
    expectBgpError(() => decodeUpdateBody(hex('0000 0004 40010103'), ibgp), 3, 6);
  });

  it('does not reset for an attribute-discard error in an UPDATE without NLRI', () => {
    const msg = decodeUpdateBody(hex('0000 0004 40060100'), ibgp);
    expect(msg.errors).toEqual([expect.objectContaining({ attributeType: 6, action: 'attribute-discard' })]);
  });
});
