import fc from 'fast-check';
import { DropReason } from '../../../src/tunnels/errors';
import { greTunnelOptions } from '../../../src/tunnels/gre-ipv4';
import { IdentificationCounter } from '../../../src/tunnels/ipv4-header';
import { ipv4TunnelConfig, type Ipv4TunnelConfig } from '../../../src/tunnels/ipv4-tunnel';
import {
  createLabelStack,
  createMplsDecapResult,
  decapsulateMplsGre,
  encodeLabelStackEntry,
  isBottomOfStack,
  labelOf,
  labelPush,
  mplsGreEncapsulate,
  parseLabelStack,
  pushLabelStack,
  trafficClassOf,
  ttlOf,
} from '../../../src/tunnels/mpls';
import { decapsulateMplsUdp, mplsUdpEncapsulate, mplsUdpSourcePort } from '../../../src/tunnels/mpls-udp';
import { headerChecksumOk, hex, ip, ipv4Packet } from './packets';

const INNER = hex('4502001c12344000400114a90a0000010a0000020800f7ff00000000'); // as in ipip.test.ts

const tunnel = (seed: number, fields: Partial<Ipv4TunnelConfig> = {}): Ipv4TunnelConfig =>
  ipv4TunnelConfig({ source: ip('192.0.2.1'), destination: ip('192.0.2.2'), identification: new IdentificationCounter(seed), ...fields });

describe('label stack entries (RFC 3032 §2.1)', () => {
  it.each<[string, number, number, boolean, number, string]>([
    ['label 16, TC 0, bottom, TTL 64', 16, 0, true, 64, '00010140'],
    ['the largest label, TC 7, not bottom, TTL 255', 0xfffff, 7, false, 255, 'fffffeff'],
    ['IPv4 explicit null, TTL 1', 0, 0, true, 1, '00000101'],
  ])('encodes %s', (_name, label, tc, bottom, ttl, bytes) => {
    const entry = encodeLabelStackEntry(label, tc, bottom, ttl);
    expect(entry.toString(16).padStart(8, '0')).toBe(bytes);
    expect([labelOf(entry), trafficClassOf(entry), isBottomOfStack(entry), ttlOf(entry)]).toEqual([label, tc, bottom, ttl]);
  });

  it('pushes a stack in front of the payload, S on the last entry only', () => {
    const buf = Buffer.alloc(12);
    expect(pushLabelStack(buf, 12, labelPush([100, 200, 300], 3, 63))).toBe(DropReason.Ok);
    expect(buf.toString('hex')).toBe(
      '00064' + '63f' + // label 100, TC 3 (0110 binary with S=0), TTL 63
        '000c8' + '63f' + // label 200
        '0012c' + '73f', // label 300, S=1
    );
    expect(pushLabelStack(buf, 8, labelPush([1, 2, 3]))).toBe(DropReason.NoHeadroom);
  });

  it.each<[string, string, DropReason]>([
    ['a stack with no bottom entry', '00064000 000c8000', DropReason.Truncated],
    ['a partial entry', '000641', DropReason.Truncated],
    ['implicit null on the wire', '00003140', DropReason.MplsBadLabel],
    ['more entries than the result holds', '00001000 00002000 00003000', DropReason.MplsStackTooDeep],
  ])('refuses %s', (_name, bytes, reason) => {
    expect(parseLabelStack(hex(bytes), 0, hex(bytes).length, createLabelStack(2))).toBe(reason);
  });

  it('round-trips any stack', () => {
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: 4, max: 0xfffff }), { minLength: 1, maxLength: 8 }),
        fc.integer({ min: 0, max: 7 }),
        fc.integer({ min: 0, max: 255 }),
        (labels, tc, ttl) => {
          const buf = Buffer.alloc(labels.length * 4 + 3);
          expect(pushLabelStack(buf, labels.length * 4, labelPush(labels, tc, ttl))).toBe(DropReason.Ok);
          const stack = createLabelStack(8);
          expect(parseLabelStack(buf, 0, buf.length, stack)).toBe(DropReason.Ok);
          expect([...stack.entries.subarray(0, stack.depth)].map(labelOf)).toEqual(labels);
          expect(stack.payloadOffset).toBe(labels.length * 4);
        },
      ),
    );
  });
});

describe('MPLS in GRE (RFC 4023 §3)', () => {
  const push = () => labelPush([1000, 16], 5, 63);

  it('builds the hand-checked packet', () => {
    const packet = mplsGreEncapsulate(INNER, push(), tunnel(0x0102));
    expect(packet).toEqual(
      hex(
        '4500 003c 0102 0000' + //     IPv4, TOS 0, total 60, id, no DF (payload is opaque)
          '402f f58d' + //             TTL 64, GRE, checksum (computed independently)
          'c0000201 c0000202' + //     192.0.2.1 -> 192.0.2.2
          '0000 8847' + //             GRE, no options, MPLS unicast
          '003e8a3f' + //              label 1000, TC 5, S=0, TTL 63
          '00010b3f' + //              label 16, TC 5, S=1, TTL 63
          INNER.toString('hex'),
      ),
    );
  });

  it('decapsulates to the label stack and the payload', () => {
    const out = createMplsDecapResult();
    const packet = mplsGreEncapsulate(INNER, push(), tunnel(1), greTunnelOptions({ key: 9, checksum: true }), 0xb8);
    expect(decapsulateMplsGre(packet, 0, packet.length, out)).toBe(DropReason.Ok);
    expect([...out.entries.subarray(0, out.depth)].map(labelOf)).toEqual([1000, 16]);
    expect(packet.subarray(out.payloadOffset, out.payloadOffset + out.payloadLength)).toEqual(INNER);
    expect([out.key, out.outerTos, out.outerSource]).toEqual([9, 0xb8, ip('192.0.2.1')]);
  });

  it('refuses GRE carrying IPv4, and a stack running past the packet', () => {
    const out = createMplsDecapResult();
    const ipv4InGre = ipv4Packet({ protocol: 47, payload: Buffer.concat([hex('0000 0800'), INNER]) });
    expect(decapsulateMplsGre(ipv4InGre, 0, ipv4InGre.length, out)).toBe(DropReason.UnexpectedProtocol);
    const noBottom = ipv4Packet({ protocol: 47, payload: hex('0000 8847 003e8a3f') });
    expect(decapsulateMplsGre(noBottom, 0, noBottom.length, out)).toBe(DropReason.Truncated);
  });
});

describe('MPLS in UDP (RFC 7510)', () => {
  it('builds the hand-checked packet with a UDP checksum', () => {
    const packet = mplsUdpEncapsulate(INNER, labelPush([299792]), tunnel(0x0103), { sourcePort: 49153, checksum: true }, 0xb8);
    expect(packet).toEqual(
      hex(
        '45b8 003c 0103 0000' + //     IPv4, TOS 0xb8 (EF), total 60, id, no DF
          '4011 f4f2' + //             TTL 64, UDP, checksum (computed independently)
          'c0000201 c0000202' + //     192.0.2.1 -> 192.0.2.2
          'c001 19eb' + //             source port 49153 (entropy), destination port 6635
          '0028 567d' + //             UDP length 40, checksum with pseudo-header (computed independently)
          '493101ff' + //              label 299792, TC 0, S=1, TTL 255
          INNER.toString('hex'),
      ),
    );
  });

  it('decapsulates with and without a UDP checksum (zero allowed over IPv4)', () => {
    for (const checksum of [true, false]) {
      const packet = mplsUdpEncapsulate(INNER, labelPush([299792, 17]), tunnel(1), { sourcePort: 50000, checksum });
      expect(packet.readUInt16BE(26) === 0).toBe(!checksum);
      const out = createMplsDecapResult();
      expect(decapsulateMplsUdp(packet, 0, packet.length, out)).toBe(DropReason.Ok);
      expect([out.depth, out.sourcePort, labelOf(out.entries[1] ?? 0)]).toEqual([2, 50000, 17]);
      expect(packet.subarray(out.payloadOffset, out.payloadOffset + out.payloadLength)).toEqual(INNER);
    }
  });

  const udpAround = (udp: Buffer) => ipv4Packet({ protocol: 17, payload: udp });

  it.each<[string, Buffer, DropReason]>([
    ['another destination port', udpAround(hex('c001 0035 000c 0000 00000140')), DropReason.UdpBadPort],
    ['a UDP length below 8', udpAround(hex('c001 19eb 0007 0000 00000140')), DropReason.UdpBadLength],
    ['a UDP length past the packet', udpAround(hex('c001 19eb 0010 0000 00000140')), DropReason.UdpBadLength],
    ['a wrong UDP checksum', udpAround(hex('c001 19eb 000c 1234 00000140')), DropReason.UdpBadChecksum],
    ['a UDP header cut short', udpAround(hex('c001 19eb 00')), DropReason.Truncated],
  ])('refuses %s', (_name, packet, reason) => {
    expect(decapsulateMplsUdp(packet, 0, packet.length, createMplsDecapResult())).toBe(reason);
  });

  it('keeps source ports in 49152-65535 (RFC 7510 §3)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 0xffffffff }), (hash) => {
        const port = mplsUdpSourcePort(hash);
        expect(port).toBeGreaterThanOrEqual(49152);
        expect(port).toBeLessThanOrEqual(65535);
      }),
    );
  });

  it('round-trips any payload and stack, checksums valid', () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ maxLength: 200 }),
        fc.array(fc.integer({ min: 16, max: 0xfffff }), { minLength: 1, maxLength: 4 }),
        fc.boolean(),
        fc.integer({ min: 0, max: 0xffff }),
        (payload, labels, checksum, sourcePort) => {
          const packet = mplsUdpEncapsulate(Buffer.from(payload), labelPush(labels), tunnel(1), { sourcePort, checksum });
          expect(headerChecksumOk(packet)).toBe(true);
          const out = createMplsDecapResult();
          expect(decapsulateMplsUdp(packet, 0, packet.length, out)).toBe(DropReason.Ok);
          expect([...out.entries.subarray(0, out.depth)].map(labelOf)).toEqual(labels);
          expect(packet.subarray(out.payloadOffset, out.payloadOffset + out.payloadLength)).toEqual(Buffer.from(payload));
        },
      ),
    );
  });
});
