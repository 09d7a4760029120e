import fc from 'fast-check';
import { DropReason } from '../../../src/tunnels/errors';
import {
  decapsulateGreIpv4,
  encapsulateGreIpv4,
  greIpv4Decapsulate,
  greIpv4Encapsulate,
  greIpv4Overhead,
  greTunnelOptions,
  type GreTunnelOptions,
} from '../../../src/tunnels/gre-ipv4';
import { IdentificationCounter } from '../../../src/tunnels/ipv4-header';
import { createDecapResult, createEncapResult, ipv4TunnelConfig, type Ipv4TunnelConfig } from '../../../src/tunnels/ipv4-tunnel';
import { arbInnerPacket, headerChecksumOk, hex, ip, ipv4Packet, referenceChecksum } from './packets';

const INNER = hex('4502001c12344000400114a90a0000010a0000020800f7ff00000000'); // as in ipip.test.ts

const tunnel = (fields: Partial<Ipv4TunnelConfig> = {}): Ipv4TunnelConfig =>
  ipv4TunnelConfig({ source: ip('192.0.2.1'), destination: ip('192.0.2.2'), identification: new IdentificationCounter(0x0101), ...fields });

function decap(packet: Buffer) {
  const buf = Buffer.from(packet);
  const out = createDecapResult();
  const reason = decapsulateGreIpv4(buf, 0, buf.length, { copyOuterDscp: false }, out);
  return { reason, out, inner: buf.subarray(out.offset, out.offset + out.length) };
}

describe('GRE over IPv4 encapsulation (RFC 2784 §2.1, RFC 2890)', () => {
  it('builds the hand-checked packet with checksum, key and sequence number', () => {
    const packet = greIpv4Encapsulate(INNER, tunnel(), greTunnelOptions({ checksum: true, key: 100, sequenceNumbers: true, nextSequence: 7 }));
    expect(packet.subarray(0, 36)).toEqual(
      hex(
      '4502 0040 0101 4000' + //      IPv4, TOS copied, total 64, id 0x0101, DF copied
        '402f b588' + //              TTL 64, protocol 47, header checksum (computed independently)
        'c0000201 c0000202' + //      192.0.2.1 -> 192.0.2.2
        'b000 0800' + //              GRE: C, K, S; version 0; IPv4
        '4794 0000' + //              GRE checksum over GRE header + payload; Reserved1
        '00000064' + //               key 100
        '00000007', //                sequence number 7
      ),
    );
    expect(packet.subarray(36)).toEqual(INNER);
  });

  it('needs only 4 octets of GRE without options', () => {
    const packet = greIpv4Encapsulate(INNER, tunnel(), greTunnelOptions());
    expect(packet.length).toBe(20 + 4 + 28);
    expect(packet.subarray(20, 24).toString('hex')).toBe('00000800');
  });

  it('numbers packets 0, 1, 2 ... per tunnel, wrapping at 2^32 (RFC 2890 §2.2)', () => {
    const gre = greTunnelOptions({ sequenceNumbers: true, nextSequence: 0xfffffffe });
    const seqs = [0, 1, 2].map(() => decap(greIpv4Encapsulate(INNER, tunnel(), gre)).out.sequence);
    expect(seqs).toEqual([0xfffffffe, 0xffffffff, 0]);
  });

  it('consumes no sequence number for a refused packet', () => {
    const gre = greTunnelOptions({ sequenceNumbers: true });
    expect(() => greIpv4Encapsulate(ipv4Packet({ ttl: 0 }), tunnel(), gre)).toThrow();
    expect(gre.nextSequence).toBe(0);
  });

  it('reports the tunnel MTU net of IP and GRE headers', () => {
    const gre = greTunnelOptions({ key: 1 });
    const buf = Buffer.alloc(greIpv4Overhead(gre) + 1500);
    ipv4Packet({ payload: Buffer.alloc(1480) }).copy(buf, greIpv4Overhead(gre));
    const out = createEncapResult();
    expect(encapsulateGreIpv4(buf, greIpv4Overhead(gre), 1500, tunnel(), gre, out)).toBe(DropReason.FragmentationNeeded);
    expect(out.mtu).toBe(1500 - 20 - 8);
  });
});

describe('GRE over IPv4 decapsulation', () => {
  it('returns the inner packet and the key for the tunnel lookup', () => {
    const { reason, out, inner } = decap(greIpv4Encapsulate(INNER, tunnel(), greTunnelOptions({ checksum: true, key: 42 })));
    expect(reason).toBe(DropReason.Ok);
    expect(inner).toEqual(INNER);
    expect([out.key, out.sequence, out.outerSource]).toEqual([42, null, ip('192.0.2.1')]);
  });

  const outerAround = (gre: Buffer) => ipv4Packet({ protocol: 47, payload: gre, source: ip('192.0.2.2'), destination: ip('192.0.2.1') });

  it.each<[string, Buffer, DropReason]>([
    ['MPLS payload', outerAround(Buffer.concat([hex('0000 8847'), INNER])), DropReason.UnexpectedProtocol],
    ['GRE version 1', outerAround(Buffer.concat([hex('0001 0800'), INNER])), DropReason.GreBadVersion],
    ['GRE routing bit', outerAround(Buffer.concat([hex('4000 0800'), INNER])), DropReason.GreReservedBits],
    ['a wrong GRE checksum', outerAround(Buffer.concat([hex('8000 0800 0001 0000'), INNER])), DropReason.GreBadChecksum],
    ['a GRE header cut short', outerAround(hex('2000 0800 0000')), DropReason.Truncated],
    ['IP protocol 4', ipv4Packet({ protocol: 4, payload: INNER }), DropReason.UnexpectedProtocol],
    ['inner TTL 0', outerAround(Buffer.concat([hex('0000 0800'), ipv4Packet({ ttl: 0 })])), DropReason.InnerTtlZero],
  ])('refuses %s', (_name, packet, reason) => {
    expect(decap(packet).reason).toBe(reason);
  });

  it('accepts a GRE checksum computed by the test itself', () => {
    const gre = Buffer.concat([hex('8000 0800 0000 0000'), INNER]);
    gre.writeUInt16BE(referenceChecksum(gre), 4);
    expect(greIpv4Decapsulate(outerAround(gre))).toEqual(INNER);
  });
});

describe('GRE over IPv4 properties', () => {
  const arbGre: fc.Arbitrary<GreTunnelOptions> = fc
    .record({
      checksum: fc.boolean(),
      key: fc.option(fc.integer({ min: 0, max: 0xffffffff })),
      sequenceNumbers: fc.boolean(),
      nextSequence: fc.integer({ min: 0, max: 0xffffffff }),
    })
    .map((r) => greTunnelOptions(r));

  it('decapsulate(encapsulate(p)) is p byte for byte, key and sequence carried', () => {
    fc.assert(
      fc.property(arbInnerPacket, arbGre, fc.constantFrom<'normal' | 'compatibility'>('normal', 'compatibility'), (inner, gre, ecnMode) => {
        const sequence = gre.sequenceNumbers ? gre.nextSequence : null;
        const packet = greIpv4Encapsulate(inner, tunnel({ ecnMode }), gre);
        expect(headerChecksumOk(packet)).toBe(true);
        const { reason, out, inner: back } = decap(packet);
        expect(reason).toBe(DropReason.Ok);
        expect(back).toEqual(inner);
        expect([out.key, out.sequence]).toEqual([gre.key, sequence]);
      }),
    );
  });

  it('never throws on a valid packet with one octet changed', () => {
    fc.assert(
      fc.property(arbInnerPacket, arbGre, fc.nat(), fc.integer({ min: 0, max: 255 }), (inner, gre, at, value) => {
        const packet = Buffer.from(greIpv4Encapsulate(inner, tunnel(), gre));
        packet[at % packet.length] = value;
        const { reason, out } = decap(packet);
        if (reason === DropReason.Ok) expect(out.offset + out.length).toBeLessThanOrEqual(packet.length);
      }),
    );
  });
});
