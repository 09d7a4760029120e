/** NLRI lists by family: hand-checked vectors, masking, limits, ADD-PATH, labels, and decode speed. */
import { decodeNlriList, encodeNlriList } from '../../../../../src/bgp/wire/nlri';
import { decodeNlriListWith } from '../../../../../src/bgp/wire/nlri';
import { withContext } from '../../../../../src/bgp/wire/context';
import type { Nlri } from '../../../../../src/bgp/wire/nlri/types';
import { parseIpv6 } from '../../../../../src/bgp/wire/values/ip';
import { expectBgpError, hex } from '../../../../helpers/bgp';

const ctx = withContext({});
const v4 = (address: number, length: number): Nlri => ({ kind: 'unicast', safi: 1, prefix: { afi: 1, length, address } });
const v6addr = (text: string): Uint8Array => parseIpv6(text) ?? new Uint8Array(16);

describe('IPv4 unicast prefixes (RFC 4271 §4.3)', () => {
  it('decodes /0, /8, /24, /32 and encodes back', () => {
    const bytes = hex('00 | 08 0a | 18 c00002 | 20 c0000201');
    const nlri = decodeNlriList(1, 1, bytes, ctx, false);
    expect(nlri).toEqual([v4(0, 0), v4(0x0a000000, 8), v4(0xc0000200, 24), v4(0xc0000201, 32)]);
    expect(encodeNlriList(1, 1, nlri, ctx, false).equals(bytes)).toBe(true);
  });

  it('masks host bits beyond the prefix length (bgpdump does too)', () => {
    expect(decodeNlriList(1, 1, hex('17 0a0101'), ctx, false)).toEqual([v4(0x0a010000, 23)]);
    expect(decodeNlriList(1, 1, hex('01 ff'), ctx, false)).toEqual([v4(0x80000000, 1)]);
  });

  it('rejects a length over 32 and an overrun with 3/10', () => {
    expectBgpError(() => decodeNlriList(1, 1, hex('21 0a000000 00'), ctx, false), 3, 10);
    expectBgpError(() => decodeNlriList(1, 1, hex('18 0a01'), ctx, false), 3, 10);
  });

  it('uses the caller subcode inside MP attributes (3/9)', () => {
    expectBgpError(() => decodeNlriListWith(1, 1, hex('18 0a01'), ctx, false, 9), 3, 9);
  });

  it('reads and writes RFC 7911 path identifiers when ADD-PATH is on for the family', () => {
    const ap = withContext({ addPath: new Set(['1/1']) });
    const bytes = hex('00000007 18 0a0101 00000008 00');
    const nlri = decodeNlriList(1, 1, bytes, ap, false);
    expect(nlri).toEqual([{ ...v4(0x0a010100, 24), pathId: 7 }, { ...v4(0, 0), pathId: 8 }]);
    expect(encodeNlriList(1, 1, nlri, ap, false).equals(bytes)).toBe(true);
    expectBgpError(() => decodeNlriList(1, 1, hex('000000'), ap, false), 3, 10);
  });
});

describe('IPv6 unicast prefixes', () => {
  it('decodes and encodes /0, /32, /64, /128 with host bits masked', () => {
    const bytes = hex('00 | 20 20010db8 | 40 20010db800010002 | 80 20010db8000000000000000000000001');
    const nlri = decodeNlriList(2, 1, bytes, ctx, false);
    expect(nlri.map((n) => (n.kind === 'unicast' ? n.prefix.length : -1))).toEqual([0, 32, 64, 128]);
    expect(nlri[2]).toEqual({ kind: 'unicast', safi: 1, prefix: { afi: 2, length: 64, address: v6addr('2001:db8:1:2::') } });
    expect(encodeNlriList(2, 1, nlri, ctx, false).equals(bytes)).toBe(true);
    expect(decodeNlriList(2, 1, hex('21 20010db8ff'), ctx, false)[0]).toEqual({ kind: 'unicast', safi: 1, prefix: { afi: 2, length: 33, address: v6addr('2001:db8:8000::') } });
  });

  it('rejects a length over 128', () => {
    expectBgpError(() => decodeNlriList(2, 1, Buffer.concat([hex('81'), Buffer.alloc(17)]), ctx, false), 3, 10);
  });
});

describe('VPN NLRI (RFC 8277 §2, RFC 4364)', () => {
  const rd = { type: 0, admin: 65000, assigned: 100 };
  const route = { kind: 'vpn', prefix: { afi: 1, length: 24, address: 0x0a010100 }, rd, labels: [16] } as const;

  it('decodes the V3 route: 112 bits, label 16 S=1, RD 65000:100, 10.1.1.0/24', () => {
    const bytes = hex('70 000101 0000fde800000064 0a0101');
    expect(decodeNlriList(1, 128, bytes, ctx, false)).toEqual([route]);
    expect(encodeNlriList(1, 128, [route], ctx, false).equals(bytes)).toBe(true);
  });

  it('ignores the S bit when Multiple Labels was not negotiated (§2.2)', () => {
    expect(decodeNlriList(1, 128, hex('70 000100 0000fde800000064 0a0101'), ctx, false)).toEqual([route]);
  });

  it('walks the label stack to the S bit under Multiple Labels (§2.3) and rejects a stack without one', () => {
    const ml = withContext({ multipleLabels: new Map([['1/128', 2]]) });
    const two = { ...route, labels: [16, 17] };
    const bytes = hex('88 000100 000111 0000fde800000064 0a0101');
    expect(decodeNlriList(1, 128, bytes, ml, false)).toEqual([two]);
    expect(encodeNlriList(1, 128, [two], ml, false).equals(bytes)).toBe(true);
    expectBgpError(() => decodeNlriList(1, 128, hex('88 000100 000110 0000fde800000064 0a0101'), ml, false), 3, 10);
  });

  it('decodes the VPN default route (RD only, 88 bits, RFC 7024 §1)', () => {
    expect(decodeNlriList(1, 128, hex('58 000101 0000fde800000064'), ctx, false)).toEqual([{ ...route, prefix: { afi: 1, length: 0, address: 0 } }]);
  });

  it('ignores the withdrawal compatibility field, 0x800000 or 0x000000 (§2.4)', () => {
    const w = { ...route, labels: [] };
    expect(decodeNlriList(1, 128, hex('70 800000 0000fde800000064 0a0101'), ctx, true)).toEqual([w]);
    expect(decodeNlriList(1, 128, hex('70 000000 0000fde800000064 0a0101'), ctx, true)).toEqual([w]);
    expect(encodeNlriList(1, 128, [route], ctx, true).toString('hex')).toBe('708000000000fde8000000640a0101');
  });

  it('rejects a prefix part longer than 32 bits or shorter than the RD', () => {
    expectBgpError(() => decodeNlriList(1, 128, Buffer.concat([hex('79 000101 0000fde800000064'), Buffer.alloc(5)]), ctx, false), 3, 10);
    expectBgpError(() => decodeNlriList(1, 128, hex('50 000101 0000fde80000'), ctx, false), 3, 10);
  });

  it('decodes VPNv6 with ADD-PATH', () => {
    const ap = withContext({ addPath: new Set(['2/128']) });
    const v6route: Nlri = { kind: 'vpn', prefix: { afi: 2, length: 48, address: v6addr('2001:db8:1::') }, rd: { type: 1, admin: 0xc0000201, assigned: 7 }, labels: [1000], pathId: 3 };
    const bytes = encodeNlriList(2, 128, [v6route], ap, false);
    expect(bytes.toString('hex')).toBe('00000003' + '88' + '003e81' + '0001c00002010007' + '20010db80001');
    expect(decodeNlriList(2, 128, bytes, ap, false)).toEqual([v6route]);
  });
});

describe('labeled unicast (SAFI 4) and opaque families', () => {
  it('round-trips a labeled IPv4 route', () => {
    const r: Nlri = { kind: 'labeled', prefix: { afi: 1, length: 24, address: 0xc6336500 }, labels: [800] };
    const bytes = hex('30 003201 c63365');
    expect(decodeNlriList(1, 4, bytes, ctx, false)).toEqual([r]);
    expect(encodeNlriList(1, 4, [r], ctx, false).equals(bytes)).toBe(true);
  });

  it('keeps EVPN NLRI whole and gives no NLRI for an empty field', () => {
    const bytes = hex('02 21 0001c0000201000a');
    expect(decodeNlriList(25, 70, bytes, ctx, false)).toEqual([{ kind: 'opaque', afi: 25, safi: 70, bytes: Uint8Array.from(bytes) }]);
    expect(encodeNlriList(25, 70, decodeNlriList(25, 70, bytes, ctx, false), ctx, false).equals(bytes)).toBe(true);
    expect(decodeNlriList(25, 70, Buffer.alloc(0), ctx, true)).toEqual([]);
  });
});
