/**
 * A 32-bit hash of an IPv4 packet's flow, for ECMP choice and the MPLS in UDP
 * source port (RFC 7510 §3). MurmurHash3's block mix and finaliser over
 * source, destination, protocol and, for TCP and UDP, the ports: integer
 * math only, no allocation, good avalanche so that the low bits alone
 * (14 for a source port, a few for a path index) are well spread.
 */
import { u16, u32, u8 } from './bytes';
import { IpProtocol } from './ipv4-header';

const C1 = 0xcc9e2d51;
const C2 = 0x1b873593;

function mixBlock(hash: number, block: number): number {
  let k = Math.imul(block, C1);
  k = (k << 15) | (k >>> 17);
  k = Math.imul(k, C2);
  let h = hash ^ k;
  h = (h << 13) | (h >>> 19);
  return (Math.imul(h, 5) + 0xe6546b64) | 0;
}

function finalise(hash: number, length: number): number {
  let h = hash ^ length;
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/**
 * The flow hash of the IPv4 packet at buf[offset], `length` octets
 * available. Ports are used only for TCP and UDP packets that are not
 * fragmented at all: a first fragment has them and later ones do not, so
 * using them would send one datagram's fragments down different paths.
 * Returns 0 for something too short to be an IPv4 header (one bucket for
 * junk is fine). `seed` varies the hash per node, against polarisation.
 */
export function flowHashIpv4(buf: Buffer, offset: number, length: number, seed = 0): number {
  if (length < 20 || offset + length > buf.length) return 0;
  const headerLength = (u8(buf, offset) & 0x0f) * 4;
  const protocol = u8(buf, offset + 9);
  let h = mixBlock(seed | 0, u32(buf, offset + 12));
  h = mixBlock(h, u32(buf, offset + 16));
  h = mixBlock(h, protocol);
  const fragmented = (u16(buf, offset + 6) & 0x3fff) !== 0; // MF or a fragment offset
  if ((protocol === IpProtocol.Tcp || protocol === IpProtocol.Udp) && !fragmented && headerLength >= 20 && headerLength + 4 <= length) {
    h = mixBlock(h, u32(buf, offset + headerLength));
    return finalise(h, 16);
  }
  return finalise(h, 12);
}
