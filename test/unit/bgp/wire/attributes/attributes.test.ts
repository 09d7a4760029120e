/** Path attribute vectors: each kind decoded to its value and encoded back byte for byte. */
import { decodeAttributeList, encodeAttributeList, sortAttributes } from '../../../../../src/bgp/wire/attributes';
import type { PathAttribute } from '../../../../../src/bgp/wire/attributes/types';
import { withContext } from '../../../../../src/bgp/wire/context';
import { parseIpv6 } from '../../../../../src/bgp/wire/values/ip';
import { expectBgpError, hex } from '../../../../helpers/bgp';

const ctx4 = withContext({ fourOctetAs: true, ibgp: true });
const ctx2 = withContext({ fourOctetAs: false, ibgp: true });

const VECTORS: [string, string, PathAttribute, boolean?][] = [
  ['ORIGIN INCOMPLETE', '40010102', { type: 'origin', origin: 2 }],
  ['AS_PATH 4-octet seq + set', '4002 10 02 02 0000fde8 fa56ea00 01 01 0000fde9', { type: 'as-path', segments: [{ kind: 'sequence', asns: [65000, 4200000000] }, { kind: 'set', asns: [65001] }] }],
  ['AS_PATH confed segments', '4002 0c 03 01 0000fdea 04 01 0000fdeb', { type: 'as-path', segments: [{ kind: 'confed-sequence', asns: [65002] }, { kind: 'confed-set', asns: [65003] }] }],
  ['AS_PATH empty (iBGP origination)', '400200', { type: 'as-path', segments: [] }],
  ['NEXT_HOP', '400304c0000201', { type: 'next-hop', nextHop: '192.0.2.1' }],
  ['MED', '80040400000032', { type: 'med', med: 50 }],
  ['LOCAL_PREF', '400504000000c8', { type: 'local-pref', localPref: 200 }],
  ['ATOMIC_AGGREGATE', '400600', { type: 'atomic-aggregate' }],
  ['AGGREGATOR 4-octet', 'c00708 fa56ea00 c0000201', { type: 'aggregator', asn: 4200000000, address: '192.0.2.1' }],
  ['COMMUNITIES', 'c00808 fde80064 ffffff01', { type: 'communities', communities: [0xfde80064, 0xffffff01] }],
  ['ORIGINATOR_ID', '800904 0a000001', { type: 'originator-id', originatorId: '10.0.0.1' }],
  ['CLUSTER_LIST', '800a08 0a000001 0a000002', { type: 'cluster-list', clusterIds: ['10.0.0.1', '10.0.0.2'] }],
  ['EXTENDED_COMMUNITIES RT ipv4 + as4 + color + other', 'c01020 0102c00002010007 0202fa56ea000007 030b000000000064 4004fde800000064', {
    type: 'extended-communities',
    communities: [
      { kind: 'route-target', form: 'ipv4', transitive: true, admin: 0xc0000201, assigned: 7 },
      { kind: 'route-target', form: 'as4', transitive: true, admin: 4200000000, assigned: 7 },
      { kind: 'color', flags: 0, color: 100 },
      { kind: 'other', raw: Uint8Array.from(hex('4004fde800000064')) },
    ],
  }],
  ['AS4_PATH', 'c0110a 02 02 0000fde8 fa56ea00', { type: 'as4-path', segments: [{ kind: 'sequence', asns: [65000, 4200000000] }] }],
  ['AS4_AGGREGATOR', 'c01208 fa56ea00 c0000201', { type: 'as4-aggregator', asn: 4200000000, address: '192.0.2.1' }],
  ['LARGE_COMMUNITY', 'c0200c fa56ea00 00000001 00000002', { type: 'large-communities', communities: [{ globalAdmin: 4200000000, localData1: 1, localData2: 2 }] }],
  ['MP_UNREACH IPv6', '800f09 0002 01 20 20010db8 00', { type: 'mp-unreach', afi: 2, safi: 1, nlri: [{ kind: 'unicast', safi: 1, prefix: { afi: 2, length: 32, address: parseIpv6('2001:db8::') ?? new Uint8Array() } }, { kind: 'unicast', safi: 1, prefix: { afi: 2, length: 0, address: new Uint8Array(16) } }] }],
  ['MP_REACH IPv6 global + link-local', '800e2c 0002 01 20 20010db8000000000000000000000001 fe800000000000000000000000000001 00 30 20010db80001', {
    type: 'mp-reach', afi: 2, safi: 1, nextHop: { address: '2001:db8::1', linkLocal: 'fe80::1' },
    nlri: [{ kind: 'unicast', safi: 1, prefix: { afi: 2, length: 48, address: parseIpv6('2001:db8:1::') ?? new Uint8Array() } }],
  }],
  ['MP_REACH IPv4 NLRI with IPv6 next hop (RFC 8950)', '800e19 0001 01 10 20010db8000000000000000000000001 00 18 0a0101', {
    type: 'mp-reach', afi: 1, safi: 1, nextHop: { address: '2001:db8::1' }, nlri: [{ kind: 'unicast', safi: 1, prefix: { afi: 1, length: 24, address: 0x0a010100 } }],
  }],
  ['MP_REACH VPNv6 (24-octet next hop)', '800e2f 0002 80 18 0000000000000000 20010db8000000000000000000000001 00 88 000101 0000fde800000064 20010db80001', {
    type: 'mp-reach', afi: 2, safi: 128, nextHop: { address: '2001:db8::1', rd: { type: 0, admin: 0, assigned: 0 } },
    nlri: [{ kind: 'vpn', prefix: { afi: 2, length: 48, address: parseIpv6('2001:db8:1::') ?? new Uint8Array() }, rd: { type: 0, admin: 65000, assigned: 100 }, labels: [16] }],
  }],
  ['MP_REACH EVPN kept opaque with raw next hop', '800e10 0019 46 04 c0000201 00 02 05 0102030405', {
    type: 'mp-reach', afi: 25, safi: 70, nextHop: { address: '192.0.2.1' }, rawNextHop: Uint8Array.from(hex('c0000201')),
    nlri: [{ kind: 'opaque', afi: 25, safi: 70, bytes: Uint8Array.from(hex('02050102030405')) }],
  }],
  ['TUNNEL_ENCAPSULATION IP-in-IP: protocol, color, v6 endpoint, DS, UDP port, unknown sub-TLVs', 'c0173f 0007 003b 0202 0800 0408 030b000000000064 0616 00000000 0002 20010db8000000000000000000000001 0701 b8 0802 12b5 0903 010203 8000 03 aabbcc 0601 ff', {
    type: 'tunnel-encapsulation',
    tunnels: [{ tunnelType: 7, subTlvs: [
      { type: 'protocol', protocol: 0x0800 },
      { type: 'color', color: 100 },
      { type: 'egress-endpoint', address: '2001:db8::1' },
      { type: 'ds-field', ds: 0xb8 },
      { type: 'udp-port', port: 4789 },
      { type: 'unknown', code: 9, value: Uint8Array.from([1, 2, 3]) },
      { type: 'unknown', code: 128, value: Uint8Array.from([0xaa, 0xbb, 0xcc]) },
      { type: 'unknown', code: 6, value: Uint8Array.from([0xff]) },
    ] }],
  }],
  ['TUNNEL_ENCAPSULATION GRE, egress AFI 0 with reserved kept', 'c01714 0002 0010 0104 00001234 0606 00000005 0000 0000', { type: 'tunnel-encapsulation', tunnels: [{ tunnelType: 2, subTlvs: [{ type: 'encapsulation', key: 0x1234 }, { type: 'egress-endpoint', address: '', reserved: 5 }, { type: 'unknown', code: 0, value: new Uint8Array() }] }] }],
  ['unknown optional transitive, Partial set', 'e0fe03 010203', { type: 'unknown', code: 254, flags: 0xe0, value: Uint8Array.from([1, 2, 3]) }],
  ['COMMUNITIES with Extended Length on a short value', 'd0080004 fde80064', { type: 'communities', flags: 0xd0, communities: [0xfde80064] }],
];

describe('attribute vectors', () => {
  it.each(VECTORS)('%s', (_name, bytesHex, expected) => {
    const bytes = hex(bytesHex);
    const { attributes, errors } = decodeAttributeList(bytes, ctx4);
    expect(errors).toEqual([]);
    expect(attributes).toEqual([expected]);
    expect(encodeAttributeList([expected], ctx4).toString('hex')).toBe(bytes.toString('hex'));
  });

  it('2-octet AS sessions: AS_PATH and AGGREGATOR with 2-octet ASNs, AS_TRANS for big ones', () => {
    const bytes = hex('4002 06 02 02 fde8 5ba0 | c00706 fde8 c0000201');
    expect(decodeAttributeList(bytes, ctx2).attributes).toEqual([
      { type: 'as-path', segments: [{ kind: 'sequence', asns: [65000, 23456] }] },
      { type: 'aggregator', asn: 65000, address: '192.0.2.1' },
    ]);
    const big: PathAttribute[] = [{ type: 'as-path', segments: [{ kind: 'sequence', asns: [65000, 4200000000] }] }];
    expect(encodeAttributeList(big, ctx2).equals(hex('4002 06 02 02 fde8 5ba0'))).toBe(true);
  });

  it('sets Extended Length for values over 255 octets', () => {
    const communities = Array.from({ length: 70 }, (_, i) => i + 1);
    const bytes = encodeAttributeList([{ type: 'communities', communities }], ctx4);
    expect(bytes.subarray(0, 4).toString('hex')).toBe('d0080118');
    expect(decodeAttributeList(bytes, ctx4).attributes).toEqual([{ type: 'communities', communities }]);
  });

  it('a value that outgrows the one-octet length moves by one octet and nothing around it changes', () => {
    const communities = Array.from({ length: 70 }, (_, i) => i + 1);
    const list: PathAttribute[] = [{ type: 'origin', origin: 0 }, { type: 'communities', communities }, { type: 'med', med: 7 }];
    const alone = Buffer.concat(list.map((a) => encodeAttributeList([a], ctx4)));
    const bytes = encodeAttributeList(list, ctx4);
    expect(bytes.toString('hex')).toBe(alone.toString('hex'));
    expect(bytes.subarray(4, 8).toString('hex')).toBe('d0080118');
    expect(bytes.subarray(-7).toString('hex')).toBe('80040400000007');
  });

  it('a short value received with Extended Length keeps its 2-octet length field', () => {
    const bytes = hex('5002 0006 02 01 0000fde8 40010100');
    const { attributes } = decodeAttributeList(bytes, ctx4);
    expect(encodeAttributeList(attributes, ctx4).toString('hex')).toBe(bytes.toString('hex'));
  });

  it('splits AS_PATH segments longer than 255 ASNs', () => {
    const asns = Array.from({ length: 300 }, (_, i) => 64512 + i);
    const bytes = encodeAttributeList([{ type: 'as-path', segments: [{ kind: 'sequence', asns }] }], ctx4);
    const back = decodeAttributeList(bytes, ctx4).attributes[0];
    expect(back?.type === 'as-path' ? back.segments.map((s) => s.asns.length) : []).toEqual([255, 45]);
  });

  it('sortAttributes puts MP attributes first, then ascending type', () => {
    const sorted = sortAttributes([{ type: 'local-pref', localPref: 1 }, { type: 'origin', origin: 0 }, { type: 'mp-reach', afi: 1, safi: 1, nextHop: { address: '192.0.2.1' }, nlri: [] }, { type: 'unknown', code: 200, flags: 0xc0, value: new Uint8Array() }]);
    expect(sorted.map((a) => a.type)).toEqual(['mp-reach', 'origin', 'local-pref', 'unknown']);
  });
});

describe('MRT RIB entries (RFC 6396 §4.3.4)', () => {
  it('decodes and encodes the abbreviated MP_REACH_NLRI', () => {
    const bytes = hex('800e11 10 20010db8000000000000000000000001');
    const { attributes } = decodeAttributeList(bytes, ctx4, { mrtRib: { afi: 2, safi: 1 } });
    expect(attributes).toEqual([{ type: 'mp-reach', afi: 2, safi: 1, nextHop: { address: '2001:db8::1' }, nlri: [] }]);
    expect(encodeAttributeList(attributes, ctx4, { mrtRib: true }).equals(bytes)).toBe(true);
  });

  it('also accepts the full form some writers put there', () => {
    const bytes = hex('800e1a 0002 01 10 20010db8000000000000000000000001 00 20 20010db8');
    const { attributes } = decodeAttributeList(bytes, ctx4, { mrtRib: { afi: 2, safi: 1 } });
    expect(attributes[0]).toMatchObject({ type: 'mp-reach', afi: 2, safi: 1, nlri: [expect.objectContaining({ kind: 'unicast' })] });
  });
});

describe('MP attribute errors reset the session (RFC 7606 §7.11, §5.3)', () => {
  it('next hop length wrong for the family → 3/1 with the attribute as data', () => {
    expectBgpError(() => decodeAttributeList(hex('800e0b 0001 80 04 c0000201 00 0000'), ctx4), 3, 1, '800e0b00018004c0000201000000');
  });
  it('MP_REACH shorter than 5 octets → 3/1; MP_UNREACH shorter than 3 → 3/1', () => {
    expectBgpError(() => decodeAttributeList(hex('800e03 000101'), ctx4), 3, 1);
    expectBgpError(() => decodeAttributeList(hex('800f02 0001'), ctx4), 3, 1);
  });
  it('MP NLRI syntax error → 3/9', () => {
    expectBgpError(() => decodeAttributeList(hex('800e0b 0001 01 04 c0000201 00 210a'), ctx4), 3, 9);
  });
  it('wrong flags on MP_REACH → 3/4', () => {
    expectBgpError(() => decodeAttributeList(hex('c00e0b 0001 01 04 c0000201 00 080a'), ctx4), 3, 4);
  });
});
