import { decodeHeader, encodeHeader, frameMessage, maxMessageLength } from '../../../../src/bgp/wire/header';
import { EncodeError } from '../../../../src/bgp/wire/errors';
import { expectBgpError, hex } from '../../../helpers/bgp';

const MARKER = 'ffffffffffffffffffffffffffffffff';
const plain = { extendedMessage: false };
const extended = { extendedMessage: true };

function header(length: number, type: number): Buffer {
  return hex(`${MARKER}${length.toString(16).padStart(4, '0')}${type.toString(16).padStart(2, '0')}`);
}

describe('decodeHeader', () => {
  it('reads length and type of V1 KEEPALIVE', () => {
    expect(decodeHeader(hex(`${MARKER} 0013 04`), 0, plain)).toEqual({ length: 19, type: 4 });
  });

  it('reads a header at an offset', () => {
    const buf = Buffer.concat([Buffer.from([1, 2, 3]), header(45, 1)]);
    expect(decodeHeader(buf, 3, plain)).toEqual({ length: 45, type: 1 });
  });

  it('rejects a marker that is not all ones with 1/1 and no data', () => {
    const buf = header(19, 4);
    buf[7] = 0xfe;
    expectBgpError(() => decodeHeader(buf, 0, plain), 1, 1, '');
  });

  it.each([
    ['shorter than the header', 18, 4],
    ['zero', 0, 2],
    ['KEEPALIVE longer than 19', 20, 4],
    ['OPEN below 29', 28, 1],
    ['UPDATE below 23', 22, 2],
    ['NOTIFICATION below 21', 20, 3],
    ['ROUTE-REFRESH below 23', 22, 5],
    ['above 4096', 4097, 2],
  ])('rejects length %s with 1/2 carrying the length', (_name, length, type) => {
    expectBgpError(() => decodeHeader(header(length, type), 0, plain), 1, 2, length.toString(16).padStart(4, '0'));
  });

  it('accepts the per-type minimums and 4096', () => {
    expect(decodeHeader(header(29, 1), 0, plain).length).toBe(29);
    expect(decodeHeader(header(23, 2), 0, plain).length).toBe(23);
    expect(decodeHeader(header(21, 3), 0, plain).length).toBe(21);
    expect(decodeHeader(header(23, 5), 0, plain).length).toBe(23);
    expect(decodeHeader(header(4096, 2), 0, plain).length).toBe(4096);
  });

  it('allows 65535 only for UPDATE, NOTIFICATION and ROUTE-REFRESH with Extended Message (RFC 8654 §4)', () => {
    for (const type of [2, 3, 5]) {
      expect(decodeHeader(header(65535, type), 0, extended).length).toBe(65535);
      expectBgpError(() => decodeHeader(header(4097, type), 0, plain), 1, 2, '1001');
    }
    expectBgpError(() => decodeHeader(header(4097, 1), 0, extended), 1, 2, '1001');
    expectBgpError(() => decodeHeader(header(4097, 4), 0, extended), 1, 2, '1001');
    expect(maxMessageLength(1, extended)).toBe(4096);
  });

  it.each([0, 6, 128, 255])('rejects unknown type %i with 1/3 carrying the type', (type) => {
    expectBgpError(() => decodeHeader(header(19, type), 0, plain), 1, 3, type.toString(16).padStart(2, '0'));
  });

  it('checks the marker before the length and the length before the type (RFC 4271 §6.1)', () => {
    const badBoth = header(5, 9);
    expectBgpError(() => decodeHeader(badBoth, 0, plain), 1, 2, '0005');
    badBoth[0] = 0;
    expectBgpError(() => decodeHeader(badBoth, 0, plain), 1, 1);
  });

  it('throws 1/2 rather than RangeError for fewer than 19 octets', () => {
    expectBgpError(() => decodeHeader(hex(MARKER), 0, plain), 1, 2, '0010');
    expectBgpError(() => decodeHeader(Buffer.alloc(0), 5, plain), 1, 2, '0000');
  });
});

describe('encodeHeader / frameMessage', () => {
  it('encodes the V1 header', () => {
    expect(encodeHeader(4, 19).toString('hex')).toBe(`${MARKER}001304`);
  });

  it('frames a body and refuses messages over the maximum with EncodeError', () => {
    expect(frameMessage(5, hex('00010080'), plain).toString('hex')).toBe(`${MARKER}00170500010080`);
    expect(() => frameMessage(2, Buffer.alloc(4096 - 18), plain)).toThrow(EncodeError);
    expect(frameMessage(2, Buffer.alloc(4096 - 18), extended).length).toBe(4097);
    expect(() => frameMessage(1, Buffer.alloc(4096 - 18), extended)).toThrow(EncodeError);
    expect(() => encodeHeader(4, 18)).toThrow(EncodeError);
  });
});
