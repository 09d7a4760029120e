import fc from 'fast-check';
import { Ecn } from '../../../src/tunnels/ecn';
import { DropReason, TunnelCodecError } from '../../../src/tunnels/errors';
import { forwardIpv4Ttl, IdentificationCounter, setIpv4Tos } from '../../../src/tunnels/ipv4-header';
import { decapsulateIpip, encapsulateIpip, ipipDecapsulate, ipipEncapsulate, IPIP_OVERHEAD } from '../../../src/tunnels/ipip';
import { createDecapResult, createEncapResult, ipv4TunnelConfig, type Ipv4TunnelConfig } from '../../../src/tunnels/ipv4-tunnel';
import { arbInnerPacket, headerChecksumOk, hex, ip, ipv4Packet } from './packets';

const INNER = hex(
  '45 02 001c' + //    IPv4, IHL 5, TOS 0x02 (DSCP 0, ECT(0)), total length 28
    '1234 4000' + //   identification 0x1234, DF
    '40 01 14a9' + //  TTL 64, ICMP, checksum (sum 0xeb56, complemented)
    '0a000001' + //    10.0.0.1
    '0a000002' + //    10.0.0.2
    '0800 f7ff 00000000', // ICMP echo request, checksum, id 0, seq 0
);

const tunnel = (fields: Partial<Ipv4TunnelConfig> = {}): Ipv4TunnelConfig =>
  ipv4TunnelConfig({ source: ip('192.0.2.1'), destination: ip('192.0.2.2'), identification: new IdentificationCounter(0x0100), ...fields });

function encap(inner: Buffer, config: Ipv4TunnelConfig): { reason: DropReason; packet: Buffer; mtu: number } {
  const buf = Buffer.alloc(IPIP_OVERHEAD + inner.length);
  inner.copy(buf, IPIP_OVERHEAD);
  const out = createEncapResult();
  const reason = encapsulateIpip(buf, IPIP_OVERHEAD, inner.length, config, out);
  return { reason, packet: buf.subarray(out.offset, out.offset + out.length), mtu: out.mtu };
}

function decap(packet: Buffer, copyOuterDscp = false) {
  const buf = Buffer.from(packet);
  const out = createDecapResult();
  const reason = decapsulateIpip(buf, 0, buf.length, { copyOuterDscp }, out);
  return { reason, out, inner: buf.subarray(out.offset, out.offset + out.length) };
}

const withByte = (b: Buffer, index: number, value: number): Buffer => {
  const copy = Buffer.from(b);
  copy[index] = value;
  return copy;
};

/** An outer IP-in-IP packet built by the test's own builder, for feeding the decapsulator bad input. */
const outerAround = (payload: Buffer, tos = 0, protocol = 4) =>
  ipv4Packet({ protocol, tos, payload, source: ip('192.0.2.2'), destination: ip('192.0.2.1') });

describe('IP-in-IP encapsulation (RFC 2003)', () => {
  it('prepends the hand-checked outer header', () => {
    const { reason, packet } = encap(INNER, tunnel());
    expect(reason).toBe(DropReason.Ok);
    expect(packet.subarray(0, 20).toString('hex')).toBe(
      '4502' + //      IPv4, IHL 5, TOS copied (ECN normal mode, DSCP uniform)
        '0030' + //    total length 48 = 20 + 28
        '0100' + //    identification from the tunnel's counter
        '4000' + //    DF copied from the inner header (RFC 2003 §3.1)
        '4004' + //    tunnel TTL 64, protocol 4
        'b5c4' + //    header checksum (computed independently)
        'c0000201' + // 192.0.2.1
        'c0000202', // 192.0.2.2
    );
    expect(packet.subarray(20)).toEqual(INNER);
    expect(ipipEncapsulate(INNER, tunnel())).toEqual(packet);
  });

  it('writes in front of the inner packet, leaving it where it was', () => {
    const buf = Buffer.alloc(64 + INNER.length);
    INNER.copy(buf, 64);
    const out = createEncapResult();
    expect(encapsulateIpip(buf, 64, INNER.length, tunnel(), out)).toBe(DropReason.Ok);
    expect([out.offset, out.length]).toEqual([44, 48]);
  });

  it('copies DF, sets it on request, and never clears an inner DF', () => {
    const noDf = ipv4Packet({ dontFragment: false });
    expect(encap(noDf, tunnel()).packet[6]).toBe(0x00);
    expect(encap(noDf, tunnel({ dontFragment: 'set' })).packet[6]).toBe(0x40);
    expect(encap(ipv4Packet({ dontFragment: true }), tunnel()).packet[6]).toBe(0x40);
  });

  it('answers a DF packet too big for the tunnel with the tunnel MTU (RFC 2003 §5.1)', () => {
    const big = ipv4Packet({ dontFragment: true, payload: Buffer.alloc(1472) }); // 1492 + 20 > 1500
    const { reason, mtu } = encap(big, tunnel());
    expect(reason).toBe(DropReason.FragmentationNeeded);
    expect(mtu).toBe(1480);
    expect(() => ipipEncapsulate(big, tunnel())).toThrow(new TunnelCodecError(DropReason.FragmentationNeeded, 1480));
  });

  it('sends a too-big packet without DF with the outer DF clear, for the stack to fragment', () => {
    const big = ipv4Packet({ dontFragment: false, payload: Buffer.alloc(1472) });
    const { reason, packet } = encap(big, tunnel({ dontFragment: 'set' }));
    expect(reason).toBe(DropReason.Ok);
    expect(packet[6]).toBe(0x00);
  });

  it('drops link padding after the inner Total Length', () => {
    const padded = Buffer.concat([INNER, Buffer.alloc(6)]);
    expect(encap(padded, tunnel()).packet.length).toBe(48);
  });

  it.each<[string, Buffer, Partial<Ipv4TunnelConfig>, DropReason]>([
    ['inner TTL 0 (RFC 2003 §3.1)', ipv4Packet({ ttl: 0 }), {}, DropReason.InnerTtlZero],
    ['a packet from the tunnel destination (RFC 2003 §3.2)', ipv4Packet({ source: ip('192.0.2.2') }), {}, DropReason.TunnelLoop],
    ['a non-IPv4 inner packet', Buffer.from([0x60, ...INNER.subarray(1)]), {}, DropReason.BadIpVersion],
    ['an inner packet shorter than its Total Length', INNER.subarray(0, 27), {}, DropReason.Truncated],
    ['an outer packet over 65535 octets', ipv4Packet({ dontFragment: false, payload: Buffer.alloc(65500) }), { pathMtu: 70000 }, DropReason.PacketTooBig],
  ])('refuses %s', (_name, inner, config, reason) => {
    expect(encap(inner, tunnel(config)).reason).toBe(reason);
  });

  it('refuses when there is no headroom', () => {
    const out = createEncapResult();
    expect(encapsulateIpip(Buffer.from(INNER), 0, INNER.length, tunnel(), out)).toBe(DropReason.NoHeadroom);
  });
});

describe('IP-in-IP decapsulation', () => {
  it('returns the inner packet byte-exact, TTL untouched (RFC 2003 §3.1)', () => {
    const { reason, out, inner } = decap(encap(INNER, tunnel()).packet);
    expect(reason).toBe(DropReason.Ok);
    expect(inner).toEqual(INNER);
    expect([out.outerSource, out.outerDestination, out.key, out.ecnUnexpected]).toEqual([ip('192.0.2.1'), ip('192.0.2.2'), null, false]);
    expect(ipipDecapsulate(encap(INNER, tunnel()).packet)).toEqual(INNER);
  });

  it('decrements the inner TTL exactly once across forward, encapsulate, decapsulate', () => {
    const arriving = ipv4Packet({ ttl: 64 });
    expect(forwardIpv4Ttl(arriving, 0)).toBe(DropReason.Ok);
    const { packet } = encap(arriving, tunnel({ ttl: 30 }));
    expect([packet[8], packet[20 + 8]]).toEqual([30, 63]);
    expect(decap(packet).inner[8]).toBe(63);
  });

  it('carries a CE mark from the tunnel into the inner header, checksum patched (RFC 6040 §4.2)', () => {
    const { packet } = encap(ipv4Packet({ tos: (10 << 2) | Ecn.Ect0 }), tunnel());
    setIpv4Tos(packet, 0, (10 << 2) | Ecn.Ce); // a congested router inside the tunnel
    const { reason, inner } = decap(packet);
    expect(reason).toBe(DropReason.Ok);
    expect(inner[1]).toBe((10 << 2) | Ecn.Ce);
    expect(headerChecksumOk(inner)).toBe(true);
  });

  it('drops inner Not-ECT under outer CE, and flags the unused combinations', () => {
    expect(decap(outerAround(ipv4Packet({ tos: 0 }), Ecn.Ce)).reason).toBe(DropReason.EcnDrop);
    const odd = decap(outerAround(ipv4Packet({ tos: 0 }), Ecn.Ect0));
    expect([odd.reason, odd.out.ecnUnexpected]).toEqual([DropReason.Ok, true]);
  });

  it('copies the outer DSCP only in the uniform model', () => {
    const packet = outerAround(ipv4Packet({ tos: 10 << 2 }), 46 << 2);
    expect(decap(packet).inner[1]).toBe(10 << 2);
    expect(decap(packet, true).inner[1]).toBe(46 << 2);
  });

  it.each<[string, () => Buffer, DropReason]>([
    ['a bad outer checksum', () => withByte(outerAround(INNER), 8, 1), DropReason.BadIpChecksum],
    ['an outer fragment', () => ipv4Packet({ protocol: 4, moreFragments: true, payload: INNER }), DropReason.OuterFragment],
    ['protocol 47', () => outerAround(INNER, 0, 47), DropReason.UnexpectedProtocol],
    ['inner TTL 0 (RFC 2003 §3.1)', () => outerAround(ipv4Packet({ ttl: 0 })), DropReason.InnerTtlZero],
    ['an inner packet cut short', () => outerAround(INNER.subarray(0, 27)), DropReason.Truncated],
    ['a bad inner checksum', () => outerAround(withByte(INNER, 8, 1)), DropReason.BadIpChecksum],
    ['an empty payload', () => outerAround(Buffer.alloc(0)), DropReason.Truncated],
    ['an outer header only half there', () => INNER.subarray(0, 10), DropReason.Truncated],
  ])('refuses %s', (_name, build, reason) => {
    expect(decap(build()).reason).toBe(reason);
  });

  it('allocating helper throws the typed reason', () => {
    expect(() => ipipDecapsulate(outerAround(INNER, 0, 47))).toThrow(TunnelCodecError);
  });
});

describe('IP-in-IP properties', () => {
  const arbConfig = fc.record({
    ttl: fc.integer({ min: 1, max: 255 }),
    dscp: fc.oneof(fc.constant<'copy'>('copy'), fc.integer({ min: 0, max: 63 })),
    ecnMode: fc.constantFrom<'normal' | 'compatibility'>('normal', 'compatibility'),
    dontFragment: fc.constantFrom<'copy' | 'set'>('copy', 'set'),
  });

  it('decapsulate(encapsulate(p)) is p byte for byte, and the outer header follows the rules', () => {
    fc.assert(
      fc.property(arbInnerPacket, arbConfig, (inner, fields) => {
        const { reason, packet } = encap(inner, tunnel(fields));
        expect(reason).toBe(DropReason.Ok);
        expect(headerChecksumOk(packet)).toBe(true);
        const innerTos = inner[1] ?? 0;
        const innerDf = ((inner[6] ?? 0) & 0x40) !== 0;
        const dscp = fields.dscp === 'copy' ? innerTos >>> 2 : fields.dscp;
        const ecn = fields.ecnMode === 'normal' ? innerTos & 3 : 0;
        expect(packet[1]).toBe((dscp << 2) | ecn);
        expect(packet[8]).toBe(fields.ttl);
        expect(packet[9]).toBe(4);
        expect(((packet[6] ?? 0) & 0x40) !== 0).toBe(innerDf || fields.dontFragment === 'set');
        const back = decap(packet);
        expect(back.reason).toBe(DropReason.Ok);
        expect(back.inner).toEqual(inner);
      }),
    );
  });

  it('a CE mark in transit reaches the inner header, or drops a Not-ECT packet', () => {
    fc.assert(
      fc.property(arbInnerPacket, (inner) => {
        const { packet } = encap(inner, tunnel());
        setIpv4Tos(packet, 0, ((packet[1] ?? 0) & 0xfc) | Ecn.Ce);
        const back = decap(packet);
        if (((inner[1] ?? 0) & 3) === Ecn.NotEct) {
          expect(back.reason).toBe(DropReason.EcnDrop);
        } else {
          expect(back.reason).toBe(DropReason.Ok);
          expect(back.inner[1]).toBe(((inner[1] ?? 0) & 0xfc) | Ecn.Ce);
          expect(headerChecksumOk(back.inner)).toBe(true);
          expect(Buffer.concat([back.inner.subarray(0, 1), back.inner.subarray(2, 10), back.inner.subarray(12)])).toEqual(
            Buffer.concat([inner.subarray(0, 1), inner.subarray(2, 10), inner.subarray(12)]),
          );
        }
      }),
    );
  });

  it('never throws on arbitrary bytes or on a valid packet with one octet changed', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 120 }), (bytes) => {
        expect(typeof decap(Buffer.from(bytes)).reason).toBe('number');
      }),
    );
    fc.assert(
      fc.property(arbInnerPacket, fc.nat(), fc.integer({ min: 0, max: 255 }), (inner, at, value) => {
        const { packet } = encap(inner, tunnel());
        const { reason, out } = decap(withByte(packet, at % packet.length, value));
        if (reason === DropReason.Ok) expect(out.offset + out.length).toBeLessThanOrEqual(packet.length);
      }),
    );
  });
});
