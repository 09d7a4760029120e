import fc from 'fast-check';
import { DropReason } from '../../../src/tunnels/errors';
import {
  createIpv4Header,
  forwardIpv4Ttl,
  IdentificationCounter,
  parseIpv4Header,
  setIpv4Tos,
  writeIpv4Header,
  type Ipv4Header,
} from '../../../src/tunnels/ipv4-header';
import { headerChecksumOk, hex, ip, ipv4Packet } from './packets';

const KNOWN = hex(
  '45 00' + //        version 4, IHL 5; TOS 0
    '0073' + //       total length 115
    '0000' + //       identification 0
    '4000' + //       DF, offset 0
    '40 11' + //      TTL 64, protocol 17 (UDP)
    'b861' + //       header checksum
    'c0a80001' + //   source 192.168.0.1
    'c0a800c7', //    destination 192.168.0.199
);

function parsed(buf: Buffer, length = buf.length): Ipv4Header {
  const h = createIpv4Header();
  expect(parseIpv4Header(buf, 0, length, h)).toBe(DropReason.Ok);
  return h;
}

describe('parseIpv4Header', () => {
  it('decodes every field of a known header', () => {
    const packet = Buffer.concat([KNOWN, Buffer.alloc(115 - 20)]);
    expect(parsed(packet)).toEqual({
      headerLength: 20,
      totalLength: 115,
      dscp: 0,
      ecn: 0,
      identification: 0,
      dontFragment: true,
      moreFragments: false,
      fragmentOffset: 0,
      ttl: 64,
      protocol: 17,
      checksum: 0xb861,
      source: ip('192.168.0.1'),
      destination: ip('192.168.0.199'),
    });
  });

  it('splits DSCP/ECN and MF/offset', () => {
    // TOS 0xb9 = DSCP 46 (EF) << 2 | ECN 01; flags/offset 0x2005 = MF, offset 5.
    const p = ipv4Packet({ tos: 0xb9, dontFragment: false, moreFragments: true, fragmentOffset: 5 });
    const h = parsed(p);
    expect([h.dscp, h.ecn, h.dontFragment, h.moreFragments, h.fragmentOffset]).toEqual([46, 1, false, true, 5]);
  });

  it.each<[string, Buffer, number, DropReason]>([
    ['fewer than 20 octets', KNOWN.subarray(0, 19), 19, DropReason.Truncated],
    ['version 6', Buffer.from([0x65, ...KNOWN.subarray(1)]), 20, DropReason.BadIpVersion],
    ['IHL 4', Buffer.from([0x44, ...KNOWN.subarray(1)]), 20, DropReason.BadIhl],
    ['IHL 6 with 20 octets', Buffer.from([0x46, ...KNOWN.subarray(1)]), 20, DropReason.Truncated],
    ['total length beyond the buffer', KNOWN, 20, DropReason.Truncated],
  ])('refuses %s', (_name, buf, length, reason) => {
    expect(parseIpv4Header(buf, 0, length, createIpv4Header())).toBe(reason);
  });

  it('refuses a total length below the header length', () => {
    const p = ipv4Packet({ payload: Buffer.alloc(0) });
    p.writeUInt16BE(19, 2); // checksum not fixed: the length check comes first
    expect(parseIpv4Header(p, 0, p.length, createIpv4Header())).toBe(DropReason.BadTotalLength);
  });

  it('refuses a bad checksum unless told not to verify', () => {
    const p = ipv4Packet();
    p[8] = 63; // TTL changed, checksum not
    expect(parseIpv4Header(p, 0, p.length, createIpv4Header())).toBe(DropReason.BadIpChecksum);
    expect(parseIpv4Header(p, 0, p.length, createIpv4Header(), false)).toBe(DropReason.Ok);
  });

  it('never throws on arbitrary bytes', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 80 }), fc.nat(100), (bytes, length) => {
        const r = parseIpv4Header(Buffer.from(bytes), 0, length, createIpv4Header());
        expect(typeof r).toBe('number');
      }),
    );
  });
});

describe('writeIpv4Header', () => {
  it('writes the known header byte for byte', () => {
    const out = Buffer.alloc(20);
    writeIpv4Header(out, 0, parsed(Buffer.concat([KNOWN, Buffer.alloc(95)])), 115);
    expect(out.toString('hex')).toBe(KNOWN.toString('hex'));
  });

  it('round-trips any field values with a checksum that verifies', () => {
    fc.assert(
      fc.property(
        fc.record({
          dscp: fc.integer({ min: 0, max: 63 }),
          ecn: fc.integer({ min: 0, max: 3 }),
          identification: fc.integer({ min: 0, max: 0xffff }),
          dontFragment: fc.boolean(),
          ttl: fc.integer({ min: 0, max: 255 }),
          protocol: fc.integer({ min: 0, max: 255 }),
          source: fc.integer({ min: 0, max: 0xffffffff }),
          destination: fc.integer({ min: 0, max: 0xffffffff }),
        }),
        fc.integer({ min: 20, max: 0xffff }),
        (fields, totalLength) => {
          const out = Buffer.alloc(20);
          writeIpv4Header(out, 0, fields, totalLength);
          expect(headerChecksumOk(out)).toBe(true);
          const h = createIpv4Header();
          expect(parseIpv4Header(out, 0, 20, h)).toBe(totalLength === 20 ? DropReason.Ok : DropReason.Truncated);
          expect(parseIpv4Header(Buffer.concat([out, Buffer.alloc(totalLength - 20)]), 0, totalLength, h)).toBe(DropReason.Ok);
          expect(h).toMatchObject({ ...fields, totalLength, headerLength: 20, moreFragments: false, fragmentOffset: 0 });
        },
      ),
    );
  });
});

describe('forwardIpv4Ttl (RFC 1812 §5.3.1)', () => {
  it('decrements TTL once and keeps the checksum valid', () => {
    const p = ipv4Packet({ ttl: 64 });
    expect(forwardIpv4Ttl(p, 0)).toBe(DropReason.Ok);
    expect(p[8]).toBe(63);
    expect(headerChecksumOk(p)).toBe(true);
  });

  it.each([1, 0])('refuses TTL %i and leaves the packet untouched for the ICMP quote', (ttl) => {
    const p = ipv4Packet({ ttl });
    const before = Buffer.from(p);
    expect(forwardIpv4Ttl(p, 0)).toBe(DropReason.TtlExpired);
    expect(p).toEqual(before);
  });

  it('keeps the checksum valid for every TTL and header, options included', () => {
    fc.assert(
      fc.property(fc.integer({ min: 2, max: 255 }), fc.integer({ min: 0, max: 0xffff }), fc.integer({ min: 0, max: 10 }), (ttl, id, words) => {
        const p = ipv4Packet({ ttl, identification: id, options: Buffer.alloc(words * 4, 1) });
        expect(forwardIpv4Ttl(p, 0)).toBe(DropReason.Ok);
        expect(p[8]).toBe(ttl - 1);
        expect(headerChecksumOk(p)).toBe(true);
      }),
    );
  });
});

describe('setIpv4Tos', () => {
  it('rewrites DSCP and ECN with a valid checksum', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 255 }), fc.integer({ min: 0, max: 255 }), (from, to) => {
        const p = ipv4Packet({ tos: from });
        setIpv4Tos(p, 0, to);
        expect(p[1]).toBe(to);
        expect(headerChecksumOk(p)).toBe(true);
      }),
    );
  });
});

describe('IdentificationCounter', () => {
  it('counts from the seed and wraps at 16 bits', () => {
    const c = new IdentificationCounter(0xfffe);
    expect([c.next(), c.next(), c.next()]).toEqual([0xfffe, 0xffff, 0]);
  });
});
