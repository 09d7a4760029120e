import { addressAttribute, ciscoAvPair, ciscoAvPairs, stringAttribute, vendorAttribute } from '../../../../src/sessions/radius/attributes';
import { assignmentOf, parseFramedRoute, type PairNames } from '../../../../src/sessions/radius/assignment';
import { RadiusAttribute } from '../../../../src/sessions/radius/packet';

const PAIRS: PairNames[] = [
  { name: 'red', upstream: { name: 'red-up' }, downstream: { name: 'red-down' } },
  { name: 'blue', upstream: { name: 'blue-up' }, downstream: { name: 'blue-down' } },
];
const ip = (a: number, b: number, c: number, d: number): number => ((a << 24) | (b << 16) | (c << 8) | d) >>> 0;
const framed = addressAttribute(RadiusAttribute.framedIpAddress, ip(100, 64, 9, 9));

describe('RADIUS Access-Accept → session assignment', () => {
  it('takes Framed-IP-Address, Framed-IP-Netmask and Framed-Route; no pair named is null', () => {
    const r = assignmentOf([framed, addressAttribute(RadiusAttribute.framedIpNetmask, ip(255, 255, 255, 0)), stringAttribute(RadiusAttribute.framedRoute, '10.99.0.0/24 0.0.0.0 1'), stringAttribute(RadiusAttribute.framedRoute, '10.98.0.0 255.255.0.0 1')], PAIRS);
    expect(r).toEqual({ ok: true, assignment: { address: ip(100, 64, 9, 9), netmaskLength: 24, framedRoutes: ['10.99.0.0/24', '10.98.0.0/16'], pair: null } });
  });

  it('maps hdvpn:pair, lcp:interface-config and ip:vrf-id to a pair, ours first', () => {
    const pair = (...avpairs: string[]) => {
      const r = assignmentOf([framed, ...avpairs.map(ciscoAvPair)], PAIRS);
      return r.ok ? r.assignment.pair : r.reason;
    };
    expect(pair('hdvpn:pair=blue')).toBe('blue');
    expect(pair('lcp:interface-config=ip vrf forwarding red-up downstream red-down')).toBe('red');
    expect(pair('ip:vrf-id=blue-down')).toBe('blue');
    expect(pair('ip:vrf-id=red')).toBe('red');
    expect(pair('ip:vrf-id=red', 'hdvpn:pair=blue')).toBe('blue');
    expect(pair('lcp:interface-config=ip vrf forwarding red-up downstream blue-down')).toMatch(/red-up\/blue-down, which are no configured half-duplex pair/);
    expect(pair('lcp:interface-config=ip unnumbered Loopback0')).toMatch(/not 'ip vrf forwarding UP downstream DOWN'/);
    expect(pair('hdvpn:pair=green')).toMatch(/pair green, which is not configured/);
    expect(pair('ip:vrf-id=green')).toMatch(/VRF green, which belongs to no configured/);
  });

  it('reads several Cisco-AVPairs, also packed in one Vendor-Specific attribute, and ignores other vendors', () => {
    const two = Buffer.concat([Buffer.from([1, 2 + 4]), Buffer.from('a=b1'), Buffer.from([1, 2 + 4]), Buffer.from('c=d2')]);
    const attrs = [vendorAttribute(9, 1, Buffer.from('x=y')), { type: RadiusAttribute.vendorSpecific, value: Buffer.concat([Buffer.from([0, 0, 0, 9]), two]) }, vendorAttribute(311, 1, Buffer.from('ms=1'))];
    expect(ciscoAvPairs(attrs)).toEqual(['x=y', 'a=b1', 'c=d2']);
    // RFC 2865 §5.26 layout: type 26, length, Vendor-Id 9, vendor type 1, vendor length.
    expect(ciscoAvPair('ip:vrf-id=red').value.subarray(0, 6)).toEqual(Buffer.from([0, 0, 0, 9, 1, 15]));
  });

  it('refuses an answer without a usable address or with a bad netmask or route', () => {
    expect(assignmentOf([], PAIRS)).toEqual({ ok: false, reason: 'RADIUS accepted the client but assigned no Framed-IP-Address' });
    // RFC 2865 §5.8: 255.255.255.254 means "the NAS should select": there is no such thing here.
    expect(assignmentOf([addressAttribute(RadiusAttribute.framedIpAddress, ip(255, 255, 255, 254))], PAIRS).ok).toBe(false);
    expect(assignmentOf([framed, addressAttribute(RadiusAttribute.framedIpNetmask, ip(255, 0, 255, 0))], PAIRS)).toEqual({ ok: false, reason: 'RADIUS sent Framed-IP-Netmask 255.0.255.0, which is not a netmask' });
    expect(assignmentOf([framed, stringAttribute(RadiusAttribute.framedRoute, 'default via x')], PAIRS).ok).toBe(false);
  });

  it('parses the Framed-Route forms of RFC 2865 §5.22', () => {
    expect(parseFramedRoute('192.0.2.0/24 0.0.0.0 1')).toBe('192.0.2.0/24');
    expect(parseFramedRoute('192.0.2.0 255.255.255.0 0.0.0.0 1')).toBe('192.0.2.0/24');
    expect(parseFramedRoute('192.0.2.7 192.0.2.1 1')).toBe('192.0.2.7/32');
    expect(parseFramedRoute('2001:db8::/32')).toBeNull();
  });
});
