import { DEFAULT_CONTEXT } from '../../../../../src/bgp/wire/context';
import { EncodeError } from '../../../../../src/bgp/wire/errors';
import { frameMessage } from '../../../../../src/bgp/wire/header';
import { decodeKeepaliveBody, encodeKeepaliveBody } from '../../../../../src/bgp/wire/messages/keepalive';
import { decodeRouteRefreshBody, encodeRouteRefreshBody } from '../../../../../src/bgp/wire/messages/route-refresh';
import type { RouteRefreshMessage } from '../../../../../src/bgp/wire/messages/types';
import { expectBgpError, hex } from '../../../../helpers/bgp';

const MARKER = 'ffffffffffffffffffffffffffffffff';
const V5 = hex('ffffffffffffffffffffffffffffffff00170500010080');

describe('ROUTE-REFRESH (RFC 2918, RFC 7313)', () => {
  it('V5: refresh request for VPNv4', () => {
    const expected: RouteRefreshMessage = { type: 'route-refresh', afi: 1, safi: 128, subtype: 'request' };
    expect(decodeRouteRefreshBody(V5.subarray(19))).toEqual(expected);
    expect(frameMessage(5, encodeRouteRefreshBody(expected), DEFAULT_CONTEXT).equals(V5)).toBe(true);
  });

  it.each([
    ['0001 01 01', { type: 'route-refresh', afi: 1, safi: 1, subtype: 'borr' }],
    ['0002 02 01', { type: 'route-refresh', afi: 2, safi: 1, subtype: 'eorr' }],
    ['0001 07 80', { type: 'route-refresh', afi: 1, safi: 128, subtype: 'unknown', rawSubtype: 7 }],
    ['0001 ff 80', { type: 'route-refresh', afi: 1, safi: 128, subtype: 'unknown', rawSubtype: 255 }],
  ] as [string, RouteRefreshMessage][])('%s decodes and encodes back', (body, expected) => {
    expect(decodeRouteRefreshBody(hex(body))).toEqual(expected);
    expect(encodeRouteRefreshBody(expected).toString('hex')).toBe(hex(body).toString('hex'));
  });

  it('keeps ORF entries of a subtype-0 request raw (RFC 5291)', () => {
    const m = decodeRouteRefreshBody(hex('0001 00 01 | 01 0040 0004 aabbccdd'));
    expect(m.orf && Buffer.from(m.orf).toString('hex')).toBe('010040' + '0004aabbccdd');
    expect(encodeRouteRefreshBody(m).toString('hex')).toBe('00010001010040' + '0004aabbccdd');
  });

  it('a BoRR or EoRR longer than 23 octets is 7/1 with the whole message as data (RFC 7313 §5)', () => {
    const whole = hex(`${MARKER} 0018 05 0001 01 01 00`);
    expectBgpError(() => decodeRouteRefreshBody(whole.subarray(19), whole), 7, 1, whole.toString('hex'));
    // Standalone: the header is rebuilt for the data.
    expectBgpError(() => decodeRouteRefreshBody(hex('0001 02 01 0000')), 7, 1, `${MARKER}00190500010201` + '0000');
  });

  it('a body under 4 octets is 7/1, not a RangeError', () => {
    expectBgpError(() => decodeRouteRefreshBody(hex('0001 00')), 7, 1, `${MARKER}0016050001` + '00');
  });

  it('refuses an unknown subtype without a raw value, and bad AFI/SAFI', () => {
    expect(() => encodeRouteRefreshBody({ type: 'route-refresh', afi: 1, safi: 1, subtype: 'unknown' })).toThrow(EncodeError);
    expect(() => encodeRouteRefreshBody({ type: 'route-refresh', afi: 1, safi: 1, subtype: 'unknown', rawSubtype: 2 })).toThrow(EncodeError);
    expect(() => encodeRouteRefreshBody({ type: 'route-refresh', afi: 70000, safi: 1, subtype: 'request' })).toThrow(EncodeError);
  });
});

describe('KEEPALIVE (RFC 4271 §4.4)', () => {
  it('V1: an empty body', () => {
    expect(decodeKeepaliveBody(Buffer.alloc(0))).toEqual({ type: 'keepalive' });
    expect(frameMessage(4, encodeKeepaliveBody(), DEFAULT_CONTEXT).toString('hex')).toBe(`${MARKER}001304`);
  });

  it('a body is 1/2 with the total length', () => {
    expectBgpError(() => decodeKeepaliveBody(hex('00')), 1, 2, '0014');
  });
});
