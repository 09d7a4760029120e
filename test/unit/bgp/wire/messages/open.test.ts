import fc from 'fast-check';
import type { Capability } from '../../../../../src/bgp/wire/capabilities/types';
import { DEFAULT_CONTEXT } from '../../../../../src/bgp/wire/context';
import { EncodeError } from '../../../../../src/bgp/wire/errors';
import { decodeHeader, frameMessage } from '../../../../../src/bgp/wire/header';
import { decodeOpenBody, encodeOpenBody } from '../../../../../src/bgp/wire/messages/open';
import type { OpenMessage } from '../../../../../src/bgp/wire/messages/types';
import { expectBgpError, hex } from '../../../../helpers/bgp';

const MARKER = 'ffffffffffffffffffffffffffffffff';

function decodeOpen(message: Buffer): OpenMessage {
  const h = decodeHeader(message, 0, DEFAULT_CONTEXT);
  expect(h).toEqual({ length: message.length, type: 1 });
  return decodeOpenBody(message.subarray(19));
}

function encodeOpen(msg: OpenMessage): Buffer {
  return frameMessage(1, encodeOpenBody(msg), DEFAULT_CONTEXT);
}

/** An OPEN body: version, My AS, hold time, BGP ID, then the optional parameter octets as given. */
function body(params: string, { version = '04', myAs = 'fde8', hold = '005a', id = 'c0000201' } = {}): Buffer {
  return hex(`${version} ${myAs} ${hold} ${id} ${params}`);
}

const V2 = hex(`${MARKER} 002d 01 | 04 fde8 005a c0000201 10 | 02 0e | 01 04 0001 00 80 | 02 00 | 41 04 0000fde8`);
const V2B = hex('ffffffffffffffffffffffffffffffff002d01045ba0005ac000020110020e01040001008002004104fa56ea00');
const V7 = hex(
  'ffffffffffffffffffffffffffffffff005a0104fde8005ac00002013d023b01040001008002000600400680780001808041040000fde84504000180034600470700018000000e104910037065310b6578616d706c652e6e6574',
);
const V7B = hex(
  'ffffffffffffffffffffffffffffffff005e0104fde8005ac0000201ffff003e02003b01040001008002000600400680780001808041040000fde84504000180034600470700018000000e104910037065310b6578616d706c652e6e6574',
);

const V2_CAPS: Capability[] = [{ type: 'multiprotocol', afi: 1, safi: 128 }, { type: 'route-refresh' }, { type: 'four-octet-as', asn: 65000 }];

const V7_CAPS: Capability[] = [
  { type: 'multiprotocol', afi: 1, safi: 128 },
  { type: 'route-refresh' },
  { type: 'extended-message' },
  { type: 'graceful-restart', restarting: true, notification: false, restartTime: 120, families: [{ afi: 1, safi: 128, forwardingPreserved: true }] },
  { type: 'four-octet-as', asn: 65000 },
  { type: 'add-path', families: [{ afi: 1, safi: 128, mode: 'both' }] },
  { type: 'enhanced-route-refresh' },
  { type: 'long-lived-graceful-restart', families: [{ afi: 1, safi: 128, forwardingPreserved: false, staleTime: 3600 }] },
  { type: 'fqdn', hostname: 'pe1', domain: 'example.net' },
];

describe('PROTOCOLS.md §8 OPEN vectors', () => {
  it('V2: AS 65000, hold 90, ID 192.0.2.1, MP VPNv4 + route refresh + 4-octet AS', () => {
    const expected: OpenMessage = { type: 'open', version: 4, myAs: 65000, holdTime: 90, bgpId: '192.0.2.1', capabilities: V2_CAPS };
    expect(decodeOpen(V2)).toEqual(expected);
    expect(encodeOpen(expected).toString('hex')).toBe(V2.toString('hex'));
  });

  it('V2b: AS_TRANS in My AS and 4200000000 in the capability (RFC 6793)', () => {
    const msg = decodeOpen(V2B);
    expect(msg.myAs).toBe(23456);
    expect(msg.capabilities[2]).toEqual({ type: 'four-octet-as', asn: 4200000000 });
    expect(encodeOpen(msg).equals(V2B)).toBe(true);
  });

  it('V7: nine capabilities in one classic parameter', () => {
    const expected: OpenMessage = { type: 'open', version: 4, myAs: 65000, holdTime: 90, bgpId: '192.0.2.1', capabilities: V7_CAPS };
    expect(decodeOpen(V7)).toEqual(expected);
    expect(encodeOpen(expected).toString('hex')).toBe(V7.toString('hex'));
  });

  it('V7b: the same capabilities in the RFC 9072 extended format', () => {
    const expected: OpenMessage = { type: 'open', version: 4, myAs: 65000, holdTime: 90, bgpId: '192.0.2.1', capabilities: V7_CAPS, extendedParameters: true };
    expect(decodeOpen(V7B)).toEqual(expected);
    expect(encodeOpen(expected).toString('hex')).toBe(V7B.toString('hex'));
  });
});

describe('OPEN optional parameters', () => {
  it('accepts no optional parameters', () => {
    expect(decodeOpenBody(body('00')).capabilities).toEqual([]);
    expect(encodeOpenBody({ type: 'open', version: 4, myAs: 65000, holdTime: 90, bgpId: '192.0.2.1', capabilities: [] }).toString('hex')).toBe('04fde8005ac000020100');
  });

  it('accepts one Capabilities parameter per capability (RFC 5492 §4)', () => {
    const msg = decodeOpenBody(body('14 | 02 06 01 04 0001 00 80 | 02 02 02 00 | 02 06 41 04 0000fde8'));
    expect(msg.capabilities).toEqual(V2_CAPS);
  });

  it('accepts an empty Capabilities parameter', () => {
    expect(decodeOpenBody(body('02 | 02 00')).capabilities).toEqual([]);
  });

  it('keeps identical duplicate capabilities (RFC 5492 §4)', () => {
    expect(decodeOpenBody(body('04 | 02 02 | 02 00 | ')).capabilities).toEqual([{ type: 'route-refresh' }]);
    expect(decodeOpenBody(body('06 | 02 04 | 02 00 02 00')).capabilities).toEqual([{ type: 'route-refresh' }, { type: 'route-refresh' }]);
  });

  it('extended format: one parameter per capability with 2-octet lengths', () => {
    const msg = decodeOpenBody(body('01 | ff | 000a | 02 0002 0200 | 02 0002 4600'));
    expect(msg.capabilities).toEqual([{ type: 'route-refresh' }, { type: 'enhanced-route-refresh' }]);
    expect(msg.extendedParameters).toBe(true);
  });

  it('extended format: the Non-Ext OP Len value is ignored (RFC 9072 §2)', () => {
    expect(decodeOpenBody(body('07 | ff | 0003 | 02 0000')).extendedParameters).toBe(true);
  });

  it('the encoder switches to the extended format when parameters exceed 255 octets (RFC 9072 §2)', () => {
    const capabilities: Capability[] = Array.from({ length: 70 }, (_, i) => ({ type: 'multiprotocol', afi: 1, safi: i }));
    const msg: OpenMessage = { type: 'open', version: 4, myAs: 65000, holdTime: 90, bgpId: '192.0.2.1', capabilities };
    const encoded = encodeOpenBody(msg);
    // 70 × 6 = 420 octets of capabilities: ff ff | 0x01a7 | 02 | 0x01a4 | ...
    expect(encoded.subarray(9, 16).toString('hex')).toBe('ffff01a70201a4');
    expect(encoded.length).toBe(9 + 1 + 1 + 2 + 3 + 420);
    expect(decodeOpenBody(encoded)).toEqual({ ...msg, extendedParameters: true });
  });

  it('encodes other optional parameters after the capabilities', () => {
    const msg: OpenMessage = {
      type: 'open', version: 4, myAs: 1, holdTime: 0, bgpId: '10.0.0.1', capabilities: [{ type: 'route-refresh' }],
      otherParameters: [{ type: 1, value: Buffer.from([9]) }],
    };
    expect(encodeOpenBody(msg).toString('hex')).toBe(hex('04 0001 0000 0a000001' + '07' + '02020200' + '010109').toString('hex'));
  });
});

describe('OPEN errors (RFC 4271 §6.2)', () => {
  it.each([3, 5, 0, 255])('version %i is 2/1 with data = 2-octet version 4', (v) => {
    expectBgpError(() => decodeOpenBody(body('00', { version: v.toString(16).padStart(2, '0') })), 2, 1, '0004');
  });

  it.each([1, 2])('hold time %i is 2/6', (h) => {
    expectBgpError(() => decodeOpenBody(body('00', { hold: h.toString(16).padStart(4, '0') })), 2, 6, '');
  });

  it.each([0, 3, 65535])('hold time %i is accepted', (h) => {
    expect(decodeOpenBody(body('00', { hold: h.toString(16).padStart(4, '0') })).holdTime).toBe(h);
  });

  it('BGP Identifier 0 is 2/3', () => {
    expectBgpError(() => decodeOpenBody(body('00', { id: '00000000' })), 2, 3, '');
  });

  it('peer AS 0 is 2/2 (RFC 7607), in My AS or in the 4-octet AS capability', () => {
    expectBgpError(() => decodeOpenBody(body('00', { myAs: '0000' })), 2, 2, '');
    expectBgpError(() => decodeOpenBody(body('08 | 02 06 41 04 00000000', { myAs: '5ba0' })), 2, 2, '');
    expect(decodeOpenBody(body('08 | 02 06 41 04 0000fde8', { myAs: '0000' })).myAs).toBe(0);
  });

  it.each([
    ['Authentication (1, deprecated)', '03 | 01 01 00'],
    ['unassigned type 3', '02 | 03 00'],
    ['255 outside the extended-length position', '04 | 02 00 | ff 00'],
    ['unknown type in extended format', '01 | ff | 0003 | 07 0000'],
  ])('unsupported optional parameter %s is 2/4', (_name, params) => {
    expectBgpError(() => decodeOpenBody(body(params)), 2, 4, '');
  });

  it.each([
    ['parameter length past the parameters', '04 | 02 05 0200'],
    ['Opt Parm Len past the message', '09 | 02 02 0200'],
    ['octets after the parameters', '02 | 02 00 | 00'],
    ['octets after an empty list', '00 | 00'],
    ['missing Opt Parm Len', ''],
    ['extended length past the message', '01 | ff | 0010 | 02 0000'],
    ['extended format without its length', '01 | ff | 00'],
    ['extended parameter header cut short', '01 | ff | 0002 | 02 00'],
    ['malformed capability inside', '06 | 02 04 | 41 02 fde8'],
  ])('%s is 2/0', (_name, params) => {
    expectBgpError(() => decodeOpenBody(body(params)), 2, 0);
  });

  it('a body shorter than the fixed fields is 2/0, not a RangeError', () => {
    expectBgpError(() => decodeOpenBody(hex('04 fde8 00')), 2, 0);
    expectBgpError(() => decodeOpenBody(Buffer.alloc(0)), 2, 0);
  });
});

describe('OPEN encoding', () => {
  it('refuses fields the wire cannot carry', () => {
    const base: OpenMessage = { type: 'open', version: 4, myAs: 65000, holdTime: 90, bgpId: '192.0.2.1', capabilities: [] };
    expect(() => encodeOpenBody({ ...base, myAs: 65536 })).toThrow(EncodeError);
    expect(() => encodeOpenBody({ ...base, holdTime: -1 })).toThrow(EncodeError);
    expect(() => encodeOpenBody({ ...base, bgpId: 'pe1' })).toThrow(EncodeError);
  });

  it('round-trips random OPENs', () => {
    const family = fc.record({ afi: fc.integer({ min: 0, max: 0xffff }), safi: fc.integer({ min: 0, max: 0xff }) });
    const capability: fc.Arbitrary<Capability> = fc.oneof(
      family.map((f) => ({ type: 'multiprotocol' as const, ...f })),
      fc.constant({ type: 'route-refresh' as const }),
      fc.constant({ type: 'extended-message' as const }),
      fc.integer({ min: 1, max: 0xffffffff }).map((asn) => ({ type: 'four-octet-as' as const, asn })),
      fc.array(fc.record({ afi: fc.integer({ min: 0, max: 0xffff }), safi: fc.integer({ min: 0, max: 0xff }), mode: fc.constantFrom('receive' as const, 'send' as const, 'both' as const) }), { maxLength: 4 })
        .map((families) => ({ type: 'add-path' as const, families })),
      fc.record({ restarting: fc.boolean(), notification: fc.boolean(), restartTime: fc.integer({ min: 0, max: 4095 }), families: fc.array(fc.record({ afi: fc.integer({ min: 0, max: 0xffff }), safi: fc.integer({ min: 0, max: 0xff }), forwardingPreserved: fc.boolean() }), { maxLength: 3 }) })
        .map((g) => ({ type: 'graceful-restart' as const, ...g })),
      fc.record({ hostname: fc.string({ maxLength: 20 }), domain: fc.string({ maxLength: 20 }) }).map((f) => ({ type: 'fqdn' as const, ...f })),
      fc.record({ code: fc.constantFrom(3, 7, 9, 128, 200), value: fc.uint8Array({ maxLength: 10 }) }).map((u) => ({ type: 'unknown' as const, code: u.code, value: Buffer.from(u.value) })),
    );
    const open = fc.record({
      myAs: fc.integer({ min: 1, max: 0xffff }),
      holdTime: fc.oneof(fc.constant(0), fc.integer({ min: 3, max: 0xffff })),
      id: fc.integer({ min: 1, max: 0xffffffff }),
      capabilities: fc.array(capability, { maxLength: 60 }),
      extendedParameters: fc.boolean(),
    });
    fc.assert(
      fc.property(open, (o) => {
        const bgpId = `${o.id >>> 24}.${(o.id >>> 16) & 255}.${(o.id >>> 8) & 255}.${o.id & 255}`;
        // A 4-octet AS capability of its own would otherwise decide the peer AS.
        const msg: OpenMessage = { type: 'open', version: 4, myAs: o.myAs, holdTime: o.holdTime, bgpId, capabilities: o.capabilities };
        const withFlag = o.extendedParameters ? { ...msg, extendedParameters: true } : msg;
        const decoded = decodeOpenBody(encodeOpenBody(withFlag));
        const { extendedParameters: _ignored, ...rest } = decoded;
        expect(rest).toEqual(msg);
        if (o.extendedParameters) expect(decoded.extendedParameters).toBe(true);
      }),
    );
  });
});
