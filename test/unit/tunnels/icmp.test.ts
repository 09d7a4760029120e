import fc from 'fast-check';
import { DropReason } from '../../../src/tunnels/errors';
import { greIpv4Overhead, encapsulateGreIpv4, greTunnelOptions } from '../../../src/tunnels/gre-ipv4';
import {
  buildIcmpFragmentationNeeded,
  buildIcmpTimeExceeded,
  icmpErrorOrigin,
  icmpErrorSuppression,
  ICMP_ERROR_MAX_LENGTH,
  writeIcmpTimeExceeded,
} from '../../../src/tunnels/icmp';
import { forwardIpv4Ttl, IdentificationCounter } from '../../../src/tunnels/ipv4-header';
import { createEncapResult, ipv4TunnelConfig } from '../../../src/tunnels/ipv4-tunnel';
import { headerChecksumOk, hex, ip, ipv4Packet, referenceChecksum } from './packets';

/** A UDP datagram 10.0.0.1 -> 8.8.8.8 arriving with TTL 1. */
const ORIGINAL = hex(
  '4500 001c 1234 0000' + // IPv4, TOS 0, total 28, id, no flags
    '01 11 8d8d' + //        TTL 1, UDP, checksum
    '0a000001 08080808' + // 10.0.0.1 -> 8.8.8.8
    '3039 0035 0008 0000', // UDP 12345 -> 53, length 8, no checksum
);

const origin = () => icmpErrorOrigin(ip('198.51.100.1'), 64, new IdentificationCounter(7));

function checkIcmp(packet: Buffer): void {
  expect(headerChecksumOk(packet)).toBe(true);
  expect(referenceChecksum(packet.subarray(20))).toBe(0);
  expect(packet.readUInt16BE(2)).toBe(packet.length);
}

describe('Time Exceeded (RFC 792, RFC 1812 §5.3.1)', () => {
  it('is what a router sends for TTL 1, byte for byte', () => {
    const packet = Buffer.from(ORIGINAL);
    expect(forwardIpv4Ttl(packet, 0)).toBe(DropReason.TtlExpired);
    const icmp = buildIcmpTimeExceeded(packet, origin());
    expect(icmp).toEqual(
      hex(
        '45c0 0038 0007 0000' + //  IPv4, precedence 6 (RFC 1812 §4.3.2.5), total 56, id from the counter
          '40 01 45c9' + //         TTL 64, ICMP, checksum (computed independently)
          'c6336401 0a000001' + //  198.51.100.1 -> the original source
          '0b 00 c489' + //         type 11, code 0, ICMP checksum (computed independently)
          '00000000' + //           unused
          ORIGINAL.toString('hex'), // the whole original, as received
      ),
    );
  });

  it('quotes as much as fits in 576 octets (RFC 1812 §4.3.2.3)', () => {
    const big = ipv4Packet({ ttl: 1, payload: Buffer.alloc(1480, 0xab) });
    const icmp = buildIcmpTimeExceeded(big, origin());
    expect(icmp?.length).toBe(ICMP_ERROR_MAX_LENGTH);
    if (icmp === null) return;
    checkIcmp(icmp);
    expect(icmp.subarray(28)).toEqual(big.subarray(0, 548));
  });

  it('quotes less into a smaller buffer, and refuses one without room for header + 8 octets', () => {
    const big = ipv4Packet({ ttl: 1, payload: Buffer.alloc(200) });
    const small = Buffer.alloc(100);
    expect(writeIcmpTimeExceeded(small, 0, big, 0, big.length, origin())).toBe(100);
    checkIcmp(small);
    expect(writeIcmpTimeExceeded(Buffer.alloc(55), 0, big, 0, big.length, origin())).toBe(0);
  });
});

describe('Fragmentation Needed (RFC 1191 §4)', () => {
  it('carries the next-hop MTU in the low 16 bits of the second word', () => {
    const icmp = buildIcmpFragmentationNeeded(ORIGINAL, 1476, origin());
    expect(icmp?.subarray(20, 28)).toEqual(
      hex(
        '03 04' + //   type 3 (destination unreachable), code 4 (fragmentation needed and DF set)
          'c6c1' + //  checksum (computed independently)
          '0000' + //  unused
          '05c4', //   next-hop MTU 1476
      ),
    );
    if (icmp) checkIcmp(icmp);
  });

  it('reports the tunnel MTU for a DF packet too big for a GRE tunnel', () => {
    const gre = greTunnelOptions({ key: 5 });
    const inner = ipv4Packet({ dontFragment: true, payload: Buffer.alloc(1480) });
    const buf = Buffer.alloc(greIpv4Overhead(gre) + inner.length);
    inner.copy(buf, greIpv4Overhead(gre));
    const out = createEncapResult();
    const config = ipv4TunnelConfig({ source: ip('192.0.2.1'), destination: ip('192.0.2.2') });
    expect(encapsulateGreIpv4(buf, greIpv4Overhead(gre), inner.length, config, gre, out)).toBe(DropReason.FragmentationNeeded);
    const icmp = buildIcmpFragmentationNeeded(inner, out.mtu, origin());
    expect(icmp?.readUInt16BE(26)).toBe(1472);
    expect(icmp?.readUInt32BE(16)).toBe(ip('10.0.0.1'));
  });
});

describe('when no ICMP error may be sent (RFC 1812 §4.3.2.7)', () => {
  it.each<[string, Buffer, DropReason]>([
    ['an ICMP error', ipv4Packet({ protocol: 1, payload: hex('0300 0000 00000000') }), DropReason.IcmpAboutIcmpError],
    ['an ICMP type it does not know', ipv4Packet({ protocol: 1, payload: hex('2a00 0000') }), DropReason.IcmpAboutIcmpError],
    ['a fragment other than the first', ipv4Packet({ fragmentOffset: 185 }), DropReason.IcmpAboutLaterFragment],
    ['a packet to 255.255.255.255', ipv4Packet({ destination: ip('255.255.255.255') }), DropReason.IcmpAboutBroadcast],
    ['a packet to a multicast group', ipv4Packet({ destination: ip('224.0.0.5') }), DropReason.IcmpAboutBroadcast],
    ['a packet from 0.0.0.0', ipv4Packet({ source: 0 }), DropReason.IcmpInvalidSource],
    ['a packet from loopback', ipv4Packet({ source: ip('127.0.0.1') }), DropReason.IcmpInvalidSource],
    ['a packet from a multicast address', ipv4Packet({ source: ip('239.1.1.1') }), DropReason.IcmpInvalidSource],
    ['a packet failing header validation', Buffer.from([0x45, ...ipv4Packet().subarray(1, 10), 0, 0, ...ipv4Packet().subarray(12)]), DropReason.BadIpChecksum],
  ])('not for %s', (_name, packet, reason) => {
    expect(icmpErrorSuppression(packet, 0, packet.length)).toBe(reason);
    expect(buildIcmpTimeExceeded(packet, origin())).toBeNull();
  });

  it.each<[string, Buffer]>([
    ['an echo request', ipv4Packet({ protocol: 1, payload: hex('0800 f7ff 00000000') })],
    ['a first fragment', ipv4Packet({ moreFragments: true, dontFragment: false })],
  ])('but for %s', (_name, packet) => {
    expect(icmpErrorSuppression(packet, 0, packet.length)).toBe(DropReason.Ok);
    expect(buildIcmpTimeExceeded(packet, origin())).not.toBeNull();
  });

  it('never throws, and every error it builds verifies', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 700 }), (bytes) => {
        const icmp = buildIcmpTimeExceeded(Buffer.from(bytes), origin());
        if (icmp !== null) checkIcmp(icmp);
      }),
    );
  });
});
