import fc from 'fast-check';
import { formatIpv4, formatIpv6, parseIpv4, parseIpv6 } from '../../../../../src/bgp/wire/values/ip';
import { formatPrefix, parsePrefix, ipv4Prefix } from '../../../../../src/bgp/wire/values/prefix';
import { decodeRd, encodeRd, formatRd, parseRd } from '../../../../../src/bgp/wire/values/rd';
import { formatCommunity, parseCommunity, WellKnownCommunity } from '../../../../../src/bgp/wire/values/community';
import { formatLargeCommunity, parseLargeCommunity } from '../../../../../src/bgp/wire/values/large-community';
import { decodeExtCommunity, encodeExtCommunity, formatExtCommunity, parseRouteTarget } from '../../../../../src/bgp/wire/values/ext-community';
import { asPathLength, formatAsPath, parseAsPath } from '../../../../../src/bgp/wire/values/as-path';
import { formatAsnDot, parseAsn } from '../../../../../src/bgp/wire/values/asn';

describe('IPv4 text', () => {
  it('formats and parses dotted quads', () => {
    expect(formatIpv4(0xc0000201)).toBe('192.0.2.1');
    expect(parseIpv4('192.0.2.1')).toBe(0xc0000201);
    expect(parseIpv4('255.255.255.255')).toBe(0xffffffff);
    expect(parseIpv4('0.0.0.0')).toBe(0);
    expect(parseIpv4('10.0.0.100')).toBe(0x0a000064);
  });
  it.each(['256.1.1.1', '1.2.3', '01.2.3.4', 'a.b.c.d', '1.2.3.4.5', '', '1.2.3.4 ', ' 1.2.3.4', '1.2.3.4\n', '1..3.4', '1.2.3.', '1234.1.1.1', '1.2.3.0400', '10.0.0.00', '1.2.3.-4', '1.2.3.4/24', '::1'])('rejects %p', (t) => {
    expect(parseIpv4(t)).toBeNull();
  });
  it('round-trips any uint32', () => {
    fc.assert(fc.property(fc.nat({ max: 0xffffffff }), (n) => parseIpv4(formatIpv4(n)) === n));
  });
});

describe('IPv6 text (RFC 5952)', () => {
  it.each([
    ['2001:db8::1', '2001:db8::1'],
    ['2001:DB8:0:0:1:0:0:1', '2001:db8::1:0:0:1'],
    ['::', '::'],
    ['::1', '::1'],
    ['fe80::', 'fe80::'],
    ['2001:db8:0:1:1:1:1:1', '2001:db8:0:1:1:1:1:1'],
    ['::ffff:192.0.2.1', '::ffff:192.0.2.1'],
  ])('%s prints as %s', (input, want) => {
    const b = parseIpv6(input);
    expect(b).not.toBeNull();
    expect(formatIpv6(b as Uint8Array)).toBe(want);
  });
  it.each(['1:2:3:4:5:6:7:8:9', '1::2::3', 'g::1', '12345::', ':'])('rejects %p', (t) => {
    expect(parseIpv6(t)).toBeNull();
  });
  it('round-trips any 16 octets', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 16, maxLength: 16 }), (b) => {
        const back = parseIpv6(formatIpv6(b));
        return back !== null && Buffer.from(back).equals(Buffer.from(b));
      }),
    );
  });
});

describe('prefixes', () => {
  it('parses and formats both families', () => {
    expect(formatPrefix(parsePrefix('10.1.0.0/16') as never)).toBe('10.1.0.0/16');
    expect(formatPrefix(parsePrefix('2001:db8::/32') as never)).toBe('2001:db8::/32');
    expect(formatPrefix(parsePrefix('0.0.0.0/0') as never)).toBe('0.0.0.0/0');
  });
  it('rejects host bits unless allowed, and bad lengths', () => {
    expect(parsePrefix('10.1.2.3/16')).toBeNull();
    expect(formatPrefix(parsePrefix('10.1.2.3/16', true) as never)).toBe('10.1.0.0/16');
    expect(parsePrefix('10.0.0.0/33')).toBeNull();
    expect(parsePrefix('2001:db8::/129')).toBeNull();
    expect(parsePrefix('10.0.0.0')).toBeNull();
  });
  it('masks host bits', () => {
    expect(ipv4Prefix(0x0b0f0000, 13).address).toBe(0x0b080000);
  });
});

describe('route distinguishers (RFC 4364 §4.2)', () => {
  it.each([
    ['65000:100', '0000fde800000064', 0],
    ['192.0.2.1:7', '0001c00002010007', 1],
    ['4200000000:1', '0002fa56ea000001', 2],
  ])('%s encodes as %s (type %d)', (text, hex, type) => {
    const rd = parseRd(text);
    expect(rd?.type).toBe(type);
    expect(encodeRd(rd as never).toString('hex')).toBe(hex);
    expect(formatRd(decodeRd(Buffer.from(hex, 'hex'), 0))).toBe(text);
  });
  it('accepts asdot for type 2', () => {
    expect(parseRd('64086.59904:100')).toEqual({ type: 2, admin: 4200000000, assigned: 100 });
  });
  it.each(['65000', ':1', '65000:x', '192.0.2.1:70000', '4200000000:70000', '1.2.3.4.5:1'])('rejects %p', (t) => {
    expect(parseRd(t)).toBeNull();
  });
});

describe('communities', () => {
  it('formats as ASN:value and parses names', () => {
    expect(formatCommunity(0xfde80064)).toBe('65000:100');
    expect(parseCommunity('65000:100')).toBe(0xfde80064);
    expect(parseCommunity('no-export')).toBe(WellKnownCommunity.NoExport);
    expect(parseCommunity('NO_ADVERTISE')).toBe(WellKnownCommunity.NoAdvertise);
    expect(parseCommunity('65536:1')).toBeNull();
  });
  it('large communities (RFC 8092)', () => {
    const c = parseLargeCommunity('4200000000:1:2');
    expect(c).toEqual({ globalAdmin: 4200000000, localData1: 1, localData2: 2 });
    expect(formatLargeCommunity(c as never)).toBe('4200000000:1:2');
    expect(parseLargeCommunity('1:2')).toBeNull();
  });
});

describe('extended communities', () => {
  it.each([
    ['rt:65000:100', '0002fde800000064', 'RT:65000:100'],
    ['RT:192.0.2.1:7', '0102c00002010007', 'RT:192.0.2.1:7'],
    ['target:4200000000:1', '0202fa56ea000001', 'RT:4200000000:1'],
    ['65001:1', '0002fde900000001', 'RT:65001:1'],
  ])('%s encodes as %s', (text, hex, printed) => {
    const rt = parseRouteTarget(text);
    expect(rt).not.toBeNull();
    const b = Buffer.alloc(8);
    encodeExtCommunity(rt as never, b, 0);
    expect(b.toString('hex')).toBe(hex);
    expect(formatExtCommunity(decodeExtCommunity(b, 0))).toBe(printed);
  });
  it('decodes encapsulation and keeps unknown types raw (RFC 7606 §7.14)', () => {
    const enc = decodeExtCommunity(Buffer.from('030c000000000002', 'hex'), 0);
    expect(enc).toEqual({ kind: 'encapsulation', tunnelType: 2 });
    const other = Buffer.from('4004fde800000001', 'hex');
    const d = decodeExtCommunity(other, 0);
    expect(d.kind).toBe('other');
    const out = Buffer.alloc(8);
    encodeExtCommunity(d, out, 0);
    expect(out.equals(other)).toBe(true);
  });
  it('non-transitive route target keeps the T bit', () => {
    const b = Buffer.from('4002fde800000064', 'hex');
    const d = decodeExtCommunity(b, 0);
    expect(d).toMatchObject({ kind: 'route-target', transitive: false });
    const out = Buffer.alloc(8);
    encodeExtCommunity(d, out, 0);
    expect(out.equals(b)).toBe(true);
  });
});

describe('AS paths', () => {
  it('text form round trip', () => {
    const p = parseAsPath('65002 65003 {65004,65005} (65010 65011) [65012,65013] 4200000000');
    expect(p).toEqual([
      { kind: 'sequence', asns: [65002, 65003] },
      { kind: 'set', asns: [65004, 65005] },
      { kind: 'confed-sequence', asns: [65010, 65011] },
      { kind: 'confed-set', asns: [65012, 65013] },
      { kind: 'sequence', asns: [4200000000] },
    ]);
    expect(formatAsPath(p as never)).toBe('65002 65003 {65004,65005} (65010 65011) [65012,65013] 4200000000');
    expect(asPathLength(p as never)).toBe(4);
  });
  it('empty and malformed', () => {
    expect(parseAsPath('')).toEqual([]);
    expect(parseAsPath('65001 x')).toBeNull();
    expect(parseAsPath('4294967296')).toBeNull();
  });
  it('AS numbers: asplain and asdot', () => {
    expect(parseAsn('4200000000')).toBe(4200000000);
    expect(parseAsn('64086.59904')).toBe(4200000000);
    expect(formatAsnDot(4200000000)).toBe('64086.59904');
    expect(parseAsn('4294967296')).toBeNull();
  });
});
