import fc from 'fast-check';
import { DEFAULT_CONTEXT, withContext } from '../../../../src/bgp/wire/context';
import { BgpError, EncodeError } from '../../../../src/bgp/wire/errors';
import { decodeOpenBody } from '../../../../src/bgp/wire/messages/open';
import { decodeMessage, encodeMessage } from '../../../../src/bgp/wire/message';
import type { BgpMessage } from '../../../../src/bgp/wire/messages/types';
import { expectBgpError, hex } from '../../../helpers/bgp';

const MARKER = 'ffffffffffffffffffffffffffffffff';

/** PROTOCOLS.md §8 vectors that are not UPDATEs, with the value each must decode to. */
const VECTORS: [string, string, BgpMessage][] = [
  ['V1 KEEPALIVE', `${MARKER} 0013 04`, { type: 'keepalive' }],
  [
    'V2 OPEN',
    `${MARKER} 002d 01 04 fde8 005a c0000201 10 02 0e 01 04 0001 00 80 02 00 41 04 0000fde8`,
    {
      type: 'open', version: 4, myAs: 65000, holdTime: 90, bgpId: '192.0.2.1',
      capabilities: [{ type: 'multiprotocol', afi: 1, safi: 128 }, { type: 'route-refresh' }, { type: 'four-octet-as', asn: 65000 }],
    },
  ],
  [
    'V2b OPEN with AS_TRANS',
    'ffffffffffffffffffffffffffffffff002d01045ba0005ac000020110020e01040001008002004104fa56ea00',
    {
      type: 'open', version: 4, myAs: 23456, holdTime: 90, bgpId: '192.0.2.1',
      capabilities: [{ type: 'multiprotocol', afi: 1, safi: 128 }, { type: 'route-refresh' }, { type: 'four-octet-as', asn: 4200000000 }],
    },
  ],
  ['V4 NOTIFICATION Hold Timer Expired', `${MARKER} 0015 03 04 00`, { type: 'notification', code: 4, subcode: 0, data: Buffer.alloc(0) }],
  [
    'V4b NOTIFICATION shutdown "maintenance"',
    'ffffffffffffffffffffffffffffffff00210306020b6d61696e74656e616e6365',
    { type: 'notification', code: 6, subcode: 2, data: hex('0b6d61696e74656e616e6365'), shutdownMessage: 'maintenance' },
  ],
  ['V5 ROUTE-REFRESH VPNv4', 'ffffffffffffffffffffffffffffffff00170500010080', { type: 'route-refresh', afi: 1, safi: 128, subtype: 'request' }],
];

describe('decodeMessage / encodeMessage on PROTOCOLS.md §8 vectors', () => {
  it.each(VECTORS)('%s', (_name, text, expected) => {
    const bytes = hex(text);
    expect(decodeMessage(bytes, DEFAULT_CONTEXT)).toEqual(expected);
    expect(encodeMessage(expected, DEFAULT_CONTEXT).toString('hex')).toBe(bytes.toString('hex'));
  });

  it.each([
    ['V7', 'ffffffffffffffffffffffffffffffff005a0104fde8005ac00002013d023b01040001008002000600400680780001808041040000fde84504000180034600470700018000000e104910037065310b6578616d706c652e6e6574'],
    ['V7b', 'ffffffffffffffffffffffffffffffff005e0104fde8005ac0000201ffff003e02003b01040001008002000600400680780001808041040000fde84504000180034600470700018000000e104910037065310b6578616d706c652e6e6574'],
  ])('%s OPEN round-trips byte for byte', (_name, text) => {
    const bytes = hex(text);
    const msg = decodeMessage(bytes, DEFAULT_CONTEXT);
    expect(msg.type).toBe('open');
    expect(encodeMessage(msg, DEFAULT_CONTEXT).equals(bytes)).toBe(true);
  });

  it('dispatches UPDATE bodies (V3d End-of-RIB IPv4 unicast) to the UPDATE codec', () => {
    const bytes = hex('ffffffffffffffffffffffffffffffff00170200000000');
    const msg = decodeMessage(bytes, DEFAULT_CONTEXT);
    expect(msg).toMatchObject({ type: 'update', withdrawn: [], nlri: [], attributes: [] });
    expect(encodeMessage(msg, DEFAULT_CONTEXT).equals(bytes)).toBe(true);
  });
});

describe('decodeMessage errors', () => {
  it('header errors come first', () => {
    expectBgpError(() => decodeMessage(hex(`${MARKER.slice(2)}00 0013 04`), DEFAULT_CONTEXT), 1, 1);
    expectBgpError(() => decodeMessage(hex(`${MARKER} 0013 09`), DEFAULT_CONTEXT), 1, 3, '09');
    expectBgpError(() => decodeMessage(hex(`${MARKER} 0014 04 00`), DEFAULT_CONTEXT), 1, 2, '0014');
  });

  it('a Length field that disagrees with the octets given is 1/2 carrying the Length', () => {
    expectBgpError(() => decodeMessage(hex(`${MARKER} 0017 05 00010080 00`), DEFAULT_CONTEXT), 1, 2, '0017');
    expectBgpError(() => decodeMessage(hex(`${MARKER} 0017 05 000100`), DEFAULT_CONTEXT), 1, 2, '0017');
    expectBgpError(() => decodeMessage(hex(MARKER), DEFAULT_CONTEXT), 1, 2);
  });

  it('body errors keep their own codes', () => {
    expectBgpError(() => decodeMessage(hex(`${MARKER} 001d 01 03 fde8 005a c0000201 00`), DEFAULT_CONTEXT), 2, 1, '0004');
    const borr = hex(`${MARKER} 0018 05 0001 01 01 00`);
    expectBgpError(() => decodeMessage(borr, DEFAULT_CONTEXT), 7, 1, borr.toString('hex'));
  });
});

describe('encodeMessage size limits (RFC 8654 §4)', () => {
  const bigNotification: BgpMessage = { type: 'notification', code: 3, subcode: 1, data: Buffer.alloc(4096 - 21 + 1) };

  it('throws EncodeError past 4096 without Extended Message', () => {
    expect(() => encodeMessage(bigNotification, DEFAULT_CONTEXT)).toThrow(EncodeError);
  });

  it('allows a NOTIFICATION past 4096 with Extended Message, never an OPEN', () => {
    const ctx = withContext({ extendedMessage: true });
    const encoded = encodeMessage(bigNotification, ctx);
    expect(encoded.length).toBe(4097);
    expect(decodeMessage(encoded, ctx)).toEqual(bigNotification);
    const open: BgpMessage = {
      type: 'open', version: 4, myAs: 65000, holdTime: 90, bgpId: '192.0.2.1',
      capabilities: Array.from({ length: 700 }, (_, i) => ({ type: 'multiprotocol' as const, afi: i, safi: 1 })),
    };
    expect(() => encodeMessage(open, ctx)).toThrow(EncodeError);
  });
});

describe('robustness: arbitrary bodies never escape as anything but BgpError', () => {
  it.each([1, 3, 4, 5])('message type %i', (type) => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), (body) => {
        const message = Buffer.concat([hex(MARKER), Buffer.from([0, 0, type]), body]);
        message.writeUInt16BE(message.length, 16);
        try {
          const msg = decodeMessage(message, DEFAULT_CONTEXT);
          // Whatever decodes must encode again without complaint.
          expect(() => encodeMessage(msg, DEFAULT_CONTEXT)).not.toThrow();
        } catch (e) {
          expect(e).toBeInstanceOf(BgpError);
        }
      }),
      { numRuns: 2000 },
    );
  });

  it('OPEN-shaped inputs with random parameters', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 120 }), fc.boolean(), (params, extended) => {
        const head = hex('04 fde8 005a c0000201');
        const lengthPart = extended ? Buffer.from([1, 255, params.length >> 8, params.length & 255]) : Buffer.from([params.length & 255]);
        try {
          decodeOpenBody(Buffer.concat([head, lengthPart, params]));
        } catch (e) {
          expect(e).toBeInstanceOf(BgpError);
        }
      }),
      { numRuns: 3000 },
    );
  });
});
