/** NEXT_HOP (type 3), RFC 4271 §5.1.3, with the martian check FRR and BIRD apply. */
import { UpdateSubcode } from '../errors';
import type { Writer } from '../cursor';
import type { NextHopAttr } from './types';
import { ipv4Value, malformed, readIpv4Text } from './common';

/** The value is the `len` octets at `buf[p]`. */
export function decodeNextHop(buf: Buffer, p: number, len: number): NextHopAttr {
  // RFC 7606 §7.3: a length other than 4 is treat-as-withdraw.
  if (len !== 4) throw malformed(UpdateSubcode.AttributeLengthError, `NEXT_HOP length ${len} != 4`);
  return { type: 'next-hop', nextHop: readIpv4Text(buf, p) };
}

export function encodeNextHop(a: NextHopAttr, w: Writer): void {
  w.u32(ipv4Value(a.nextHop));
}

/**
 * RFC 4271 §6.3: a NEXT_HOP that is not a valid IP host address is a
 * semantic error (3/8); RFC 7606 makes it treat-as-withdraw. "Not a valid
 * host address" as FRR (bgp_nexthop.c, ipv4_martian) reads it: 0.0.0.0/8,
 * 127.0.0.0/8 and 224.0.0.0/3 (multicast and class E). Returns the reason, or
 * null when the address is usable. Checks that need the session (our own
 * address, the eBGP shared subnet) belong to the session layer.
 */
export function nextHopMartianReason(nextHop: string): string | null {
  const v = ipv4Value(nextHop);
  const first = v >>> 24;
  if (first === 0) return `NEXT_HOP ${nextHop} is in 0.0.0.0/8`;
  if (first === 127) return `NEXT_HOP ${nextHop} is a loopback address`;
  if (first >= 224) return `NEXT_HOP ${nextHop} is multicast or reserved (224.0.0.0/3)`;
  return null;
}
