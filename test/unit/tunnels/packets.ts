/**
 * Test packets for the tunnel codecs, built without the code under test: a
 * reference RFC 1071 checksum and a plain IPv4 builder, plus fast-check
 * arbitraries for random inner packets.
 */
import fc from 'fast-check';
import { parseIpv4 } from '../../../src/bgp/wire/values/ip';

export function ip(text: string): number {
  const v = parseIpv4(text);
  if (v === null) throw new Error(`bad address ${text}`);
  return v;
}

export const hex = (text: string): Buffer => Buffer.from(text.replace(/\s+/g, ''), 'hex');

/** RFC 1071 done the slow, obvious way: 16-bit words, fold as we go. */
export function referenceChecksum(bytes: Uint8Array, initial = 0): number {
  let sum = initial;
  for (let i = 0; i < bytes.length; i += 2) {
    sum += ((bytes[i] ?? 0) << 8) | (bytes[i + 1] ?? 0);
    sum = (sum & 0xffff) + (sum >>> 16);
  }
  return ~sum & 0xffff;
}

/** True when the IPv4 header at packet[0] carries a correct checksum. */
export function headerChecksumOk(packet: Buffer, offset = 0): boolean {
  const ihl = ((packet[offset] ?? 0) & 0x0f) * 4;
  return referenceChecksum(packet.subarray(offset, offset + ihl)) === 0;
}

export interface PacketSpec {
  tos: number;
  identification: number;
  dontFragment: boolean;
  moreFragments: boolean;
  fragmentOffset: number;
  ttl: number;
  protocol: number;
  source: number;
  destination: number;
  options: Buffer;
  payload: Buffer;
}

export const defaultSpec: PacketSpec = {
  tos: 0,
  identification: 0x1234,
  dontFragment: true,
  moreFragments: false,
  fragmentOffset: 0,
  ttl: 64,
  protocol: 17,
  source: 0x0a000001,
  destination: 0x0a000002,
  options: Buffer.alloc(0),
  payload: Buffer.from([0x30, 0x39, 0x00, 0x35, 0x00, 0x0c, 0x00, 0x00, 0xde, 0xad, 0xbe, 0xef]),
};

/** An IPv4 packet with a correct header checksum. */
export function ipv4Packet(partial: Partial<PacketSpec> = {}): Buffer {
  const s = { ...defaultSpec, ...partial };
  const headerLength = 20 + s.options.length;
  const b = Buffer.alloc(headerLength + s.payload.length);
  b[0] = 0x40 | (headerLength / 4);
  b[1] = s.tos;
  b.writeUInt16BE(b.length, 2);
  b.writeUInt16BE(s.identification, 4);
  b.writeUInt16BE((s.dontFragment ? 0x4000 : 0) | (s.moreFragments ? 0x2000 : 0) | s.fragmentOffset, 6);
  b[8] = s.ttl;
  b[9] = s.protocol;
  b.writeUInt32BE(s.source >>> 0, 12);
  b.writeUInt32BE(s.destination >>> 0, 16);
  s.options.copy(b, 20);
  s.payload.copy(b, headerLength);
  b.writeUInt16BE(referenceChecksum(b.subarray(0, headerLength)), 10);
  return b;
}

/** Random valid inner packets: any TOS, TTL 1-255, options up to 40 octets, payload up to 300. */
export const arbInnerPacket: fc.Arbitrary<Buffer> = fc
  .record({
    tos: fc.integer({ min: 0, max: 255 }),
    identification: fc.integer({ min: 0, max: 0xffff }),
    dontFragment: fc.boolean(),
    ttl: fc.integer({ min: 1, max: 255 }),
    protocol: fc.constantFrom(1, 6, 17, 47, 50, 253),
    // 198.18.0.0/15 sources never collide with the tunnel endpoints used in tests.
    source: fc.integer({ min: 0xc6120000, max: 0xc613ffff }),
    destination: fc.integer({ min: 0, max: 0xffffffff }),
    optionWords: fc.integer({ min: 0, max: 10 }),
    payload: fc.uint8Array({ maxLength: 300 }),
  })
  .map((r) =>
    ipv4Packet({
      ...r,
      moreFragments: false,
      fragmentOffset: 0,
      options: Buffer.alloc(r.optionWords * 4, 1), // NOP options
      payload: Buffer.from(r.payload),
    }),
  );
