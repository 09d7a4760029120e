import { decodeCapabilities, decodeCapability, encodeCapabilities, encodeCapability } from '../../../../../src/bgp/wire/capabilities/codec';
import type { Capability } from '../../../../../src/bgp/wire/capabilities/types';
import { EncodeError } from '../../../../../src/bgp/wire/errors';
import { expectBgpError, hex } from '../../../../helpers/bgp';

/** [name, TLV hex (code | length | value), decoded value]: each hand-checked against its RFC layout. */
const VECTORS: [string, string, Capability][] = [
  ['multiprotocol VPNv4 (RFC 4760 §8)', '01 04 | 0001 00 80', { type: 'multiprotocol', afi: 1, safi: 128 }],
  ['multiprotocol IPv6 unicast', '01 04 | 0002 00 01', { type: 'multiprotocol', afi: 2, safi: 1 }],
  ['route refresh (RFC 2918)', '02 00', { type: 'route-refresh' }],
  [
    'extended next hop IPv4 unicast + VPNv4 over IPv6 (RFC 8950)',
    '05 0c | 0001 0001 0002 | 0001 0080 0002',
    { type: 'extended-next-hop', families: [{ afi: 1, safi: 1, nextHopAfi: 2 }, { afi: 1, safi: 128, nextHopAfi: 2 }] },
  ],
  ['extended message (RFC 8654)', '06 00', { type: 'extended-message' }],
  [
    'graceful restart R=1 N=0 120 s, VPNv4 F=1 (RFC 4724)',
    '40 06 | 8078 | 0001 80 80',
    { type: 'graceful-restart', restarting: true, notification: false, restartTime: 120, families: [{ afi: 1, safi: 128, forwardingPreserved: true }] },
  ],
  [
    'graceful restart N=1 4095 s, two families, F=0 then F=1 (RFC 8538)',
    '40 0a | 4fff | 0001 01 00 | 0002 01 80',
    {
      type: 'graceful-restart',
      restarting: false,
      notification: true,
      restartTime: 4095,
      families: [{ afi: 1, safi: 1, forwardingPreserved: false }, { afi: 2, safi: 1, forwardingPreserved: true }],
    },
  ],
  ['graceful restart, helper only (no families)', '40 02 | 0000', { type: 'graceful-restart', restarting: false, notification: false, restartTime: 0, families: [] }],
  ['4-octet AS 4200000000 (RFC 6793)', '41 04 | fa56ea00', { type: 'four-octet-as', asn: 4200000000 }],
  [
    'ADD-PATH IPv4 receive, VPNv4 send, IPv6 both (RFC 7911)',
    '45 0c | 0001 01 01 | 0001 80 02 | 0002 01 03',
    { type: 'add-path', families: [{ afi: 1, safi: 1, mode: 'receive' }, { afi: 1, safi: 128, mode: 'send' }, { afi: 2, safi: 1, mode: 'both' }] },
  ],
  ['enhanced route refresh (RFC 7313)', '46 00', { type: 'enhanced-route-refresh' }],
  [
    'LLGR VPNv4 F=1 LLST 3600 (RFC 9494)',
    '47 07 | 0001 80 80 000e10',
    { type: 'long-lived-graceful-restart', families: [{ afi: 1, safi: 128, forwardingPreserved: true, staleTime: 3600 }] },
  ],
  ['LLGR with no families', '47 00', { type: 'long-lived-graceful-restart', families: [] }],
  ['FQDN pe1 / example.net', '49 10 | 03 706531 | 0b 6578616d706c652e6e6574', { type: 'fqdn', hostname: 'pe1', domain: 'example.net' }],
  ['FQDN with empty domain', '49 05 | 03 706531 | 00', { type: 'fqdn', hostname: 'pe1', domain: '' }],
  ['unknown Cisco route refresh 128, kept', '80 00', { type: 'unknown', code: 128, value: new Uint8Array() }],
  ['unknown BGP role 9, kept byte-exact', '09 01 | 03', { type: 'unknown', code: 9, value: Buffer.from([3]) }],
];

describe('capability vectors', () => {
  it.each(VECTORS)('%s decodes and encodes back to the same octets', (_name, tlv, expected) => {
    const bytes = hex(tlv);
    const [decoded, ...rest] = decodeCapabilities(bytes);
    expect(rest).toEqual([]);
    expect(decoded).toEqual(expected);
    expect(encodeCapability(expected).toString('hex')).toBe(bytes.toString('hex'));
  });

  it('decodes a sequence of TLVs in order and encodes them back', () => {
    const bytes = Buffer.concat(VECTORS.map(([, tlv]) => hex(tlv)));
    const caps = decodeCapabilities(bytes);
    expect(caps).toEqual(VECTORS.map(([, , c]) => c));
    expect(encodeCapabilities(caps).equals(bytes)).toBe(true);
  });

  it('keeps unknown values as copies, not views of the message', () => {
    const bytes = hex('fe 02 aabb');
    const [cap] = decodeCapabilities(bytes);
    bytes[2] = 0;
    expect(cap).toEqual({ type: 'unknown', code: 254, value: Buffer.from([0xaa, 0xbb]) });
  });
});

describe('malformed known capabilities are OPEN 2/0 (RFC 4271 §6.2)', () => {
  it.each([
    ['multiprotocol of 3 octets', '01 03 000100'],
    ['multiprotocol of 5 octets', '01 05 0001008000'],
    ['route refresh with a value', '02 01 00'],
    ['extended next hop of 4 octets', '05 04 00010001'],
    ['extended message with a value', '06 01 00'],
    ['graceful restart of 0 octets', '40 00'],
    ['graceful restart of 2 + 3 octets', '40 05 0078 000101'],
    ['4-octet AS of 2 octets', '41 02 fde8'],
    ['ADD-PATH of 5 octets', '45 05 0001010300'],
    ['enhanced route refresh with a value', '46 01 00'],
    ['LLGR of 6 octets', '47 06 000180800000'],
    ['FQDN hostname running past the value', '49 03 05 6162'],
    ['FQDN missing the domain length', '49 02 01 61'],
    ['FQDN with trailing octets', '49 04 00 00 0000'],
    ['TLV running past the parameter', '01 04 0001'],
    ['TLV missing its length', '01'],
  ])('%s', (_name, tlv) => {
    expectBgpError(() => decodeCapabilities(hex(tlv)), 2, 0);
  });
});

describe('ADD-PATH Send/Receive values (RFC 7911 §4)', () => {
  it('ignores a tuple with a value other than 1..3 and keeps the others', () => {
    expect(decodeCapability(69, hex('0001 01 00 | 0001 80 03 | 0002 01 04'))).toEqual({
      type: 'add-path',
      families: [{ afi: 1, safi: 128, mode: 'both' }],
    });
  });
});

describe('capability encoding guards', () => {
  it('refuses values the wire cannot carry', () => {
    expect(() => encodeCapability({ type: 'graceful-restart', restarting: false, notification: false, restartTime: 4096, families: [] })).toThrow(EncodeError);
    expect(() => encodeCapability({ type: 'long-lived-graceful-restart', families: [{ afi: 1, safi: 1, forwardingPreserved: false, staleTime: 0x1000000 }] })).toThrow(EncodeError);
    expect(() => encodeCapability({ type: 'fqdn', hostname: 'h'.repeat(256), domain: '' })).toThrow(EncodeError);
    expect(() => encodeCapability({ type: 'unknown', code: 200, value: Buffer.alloc(256) })).toThrow(EncodeError);
    expect(() => encodeCapability({ type: 'unknown', code: 256, value: Buffer.alloc(0) })).toThrow(EncodeError);
  });
});
