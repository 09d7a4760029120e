import fc from 'fast-check';
import { DropReason } from '../../../src/tunnels/errors';
import { createGreHeader, greHeaderLength, GreProtocol, parseGreHeader, writeGreChecksum, writeGreHeader } from '../../../src/tunnels/gre';
import { hex } from './packets';

/** The 28-octet inner packet of the hand-checked vectors: IPv4 ICMP echo 10.0.0.1 -> 10.0.0.2. */
const INNER = hex('4502001c12344000400114a90a0000010a0000020800f7ff00000000');

function parse(buf: Buffer, verify = true) {
  const h = createGreHeader();
  return { reason: parseGreHeader(buf, 0, buf.length, h, verify), header: h };
}

describe('GRE header vectors', () => {
  it('encodes the minimal RFC 2784 header', () => {
    const b = Buffer.alloc(4);
    expect(writeGreHeader(b, 0, GreProtocol.Ipv4, false, null, null)).toBe(4);
    expect(b.toString('hex')).toBe(
      '0000' + // C=0, K=0, S=0, reserved 0, version 0
        '0800', // protocol type IPv4
    );
  });

  it('encodes checksum, key and sequence number (RFC 2890) with a hand-checked checksum', () => {
    const b = Buffer.concat([Buffer.alloc(16), INNER]);
    expect(writeGreHeader(b, 0, GreProtocol.Ipv4, true, 100, 7)).toBe(16);
    writeGreChecksum(b, 0, b.length);
    expect(b.subarray(0, 16).toString('hex')).toBe(
      'b000' + //      C=1, K=1, S=1 (bits 0, 2, 3), version 0
        '0800' + //    protocol type IPv4
        '4794' + //    checksum over GRE header and payload (computed independently)
        '0000' + //    Reserved1
        '00000064' + // key 100
        '00000007', // sequence number 7
    );
    const { reason, header } = parse(b);
    expect(reason).toBe(DropReason.Ok);
    expect(header).toEqual({ protocol: 0x0800, checksumPresent: true, key: 100, sequence: 7, headerLength: 16 });
  });

  it('decodes key without sequence, and sequence without key', () => {
    expect(parse(hex('2000 8847 deadbeef')).header).toEqual({ protocol: 0x8847, checksumPresent: false, key: 0xdeadbeef, sequence: null, headerLength: 8 });
    expect(parse(hex('1000 86dd 00000001')).header).toEqual({ protocol: 0x86dd, checksumPresent: false, key: null, sequence: 1, headerLength: 8 });
  });

  it('returns unknown protocol types for the caller to refuse (RFC 2784 §2.4)', () => {
    expect(parse(hex('0000 6558')).header.protocol).toBe(0x6558);
  });
});

describe('GRE header refusals', () => {
  it.each<[string, string, DropReason]>([
    ['version 1 (PPTP)', '0001 880b', DropReason.GreBadVersion],
    ['bit 1 (RFC 1701 routing present)', '4000 0800', DropReason.GreReservedBits],
    ['bit 4 (strict source route)', '0800 0800', DropReason.GreReservedBits],
    ['bit 5 (recursion control)', '0400 0800', DropReason.GreReservedBits],
    ['three octets', '0000 08', DropReason.Truncated],
    ['K set with no key', '2000 0800', DropReason.Truncated],
    ['C, K and S set with 12 octets', 'b000 0800 0000 0000 00000001', DropReason.Truncated],
    ['a wrong checksum', '8000 0800 1234 0000', DropReason.GreBadChecksum],
  ])('refuses %s', (_name, bytes, reason) => {
    expect(parse(hex(bytes)).reason).toBe(reason);
  });

  it('ignores bits 6-12 on receipt (RFC 2784 §2.3)', () => {
    expect(parse(hex('03f8 0800')).reason).toBe(DropReason.Ok);
  });

  it('skips the checksum check when told to', () => {
    expect(parse(hex('8000 0800 1234 0000'), false).reason).toBe(DropReason.Ok);
  });

  it('never throws on arbitrary bytes', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 40 }), (bytes) => {
        expect(typeof parse(Buffer.from(bytes)).reason).toBe('number');
      }),
    );
  });
});

describe('GRE round trip', () => {
  it('decodes what it encodes, for any options and payload', () => {
    fc.assert(
      fc.property(
        fc.boolean(),
        fc.option(fc.integer({ min: 0, max: 0xffffffff })),
        fc.option(fc.integer({ min: 0, max: 0xffffffff })),
        fc.constantFrom(GreProtocol.Ipv4, GreProtocol.Ipv6, GreProtocol.MplsUnicast),
        fc.uint8Array({ maxLength: 100 }),
        (checksum, key, sequence, protocol, payload) => {
          const length = greHeaderLength(checksum, key !== null, sequence !== null);
          const b = Buffer.concat([Buffer.alloc(length), payload]);
          writeGreHeader(b, 0, protocol, checksum, key, sequence);
          if (checksum) writeGreChecksum(b, 0, b.length);
          const { reason, header } = parse(b);
          expect(reason).toBe(DropReason.Ok);
          expect(header).toEqual({ protocol, checksumPresent: checksum, key, sequence, headerLength: length });
        },
      ),
    );
  });
});
