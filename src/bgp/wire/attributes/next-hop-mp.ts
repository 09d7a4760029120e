/**
 * MP_REACH_NLRI next hops by family (RFC 4760 §3, RFC 4364 §4.3.2, RFC 4659,
 * RFC 8950, RFC 4684 §4; PROTOCOLS §3.4). A length the family does not allow
 * is malformed and resets the session (RFC 7606 §7.11; we do not use AFI/SAFI
 * disable).
 */
import { ErrorCode, UpdateSubcode, BgpError } from '../errors';
import type { Writer } from '../cursor';
import { Afi, Safi } from '../constants';
import { formatIpv4, formatIpv6, parseIp } from '../values/ip';
import { decodeRd, encodeRd, ZERO_RD } from '../values/rd';
import type { MpNextHop } from './types';

type NextHopForm = 'plain' | 'vpn' | 'raw';

function formOf(afi: number, safi: number): NextHopForm {
  if (afi !== Afi.Ipv4 && afi !== Afi.Ipv6) return 'raw';
  switch (safi) {
    case Safi.Unicast:
    case Safi.Multicast:
    case Safi.Labeled:
    case Safi.RtConstraint:
      return 'plain';
    case Safi.MplsVpn:
    case Safi.VpnMulticast:
      return 'vpn';
    default:
      return 'raw';
  }
}

/** Lengths each family accepts; IPv4 families take IPv6 too (RFC 8950). */
function allowedLengths(afi: number, safi: number, form: NextHopForm): readonly number[] {
  if (form === 'vpn') return afi === Afi.Ipv4 ? [12, 24, 48] : [24, 48];
  if (safi === Safi.RtConstraint) return [4, 16];
  return afi === Afi.Ipv4 ? [4, 16, 32] : [16, 32];
}

function nextHopLengthError(afi: number, safi: number, len: number): BgpError {
  return new BgpError(ErrorCode.UpdateMessage, UpdateSubcode.MalformedAttributeList, `MP_REACH_NLRI: next hop length ${len} invalid for ${afi}/${safi} (RFC 7606 §7.11)`, undefined, 'session-reset');
}

function address(b: Buffer, o: number, len: 4 | 16): string {
  return len === 4 ? formatIpv4(b.readUInt32BE(o)) : formatIpv6(b.subarray(o, o + 16));
}

export interface DecodedNextHop {
  readonly nextHop: MpNextHop;
  readonly rawNextHop?: Uint8Array;
}

export function decodeMpNextHop(afi: number, safi: number, nh: Buffer): DecodedNextHop {
  const form = formOf(afi, safi);
  if (form === 'raw') {
    // Families we do not parse: keep the octets; show the address when the length says which family it is.
    const text = nh.length === 4 || nh.length === 16 ? address(nh, 0, nh.length) : '';
    return { nextHop: { address: text }, rawNextHop: Uint8Array.from(nh) };
  }
  if (!allowedLengths(afi, safi, form).includes(nh.length)) throw nextHopLengthError(afi, safi, nh.length);
  if (form === 'plain') {
    if (nh.length === 4) return { nextHop: { address: address(nh, 0, 4) } };
    if (nh.length === 16) return { nextHop: { address: address(nh, 0, 16) } };
    return { nextHop: { address: address(nh, 0, 16), linkLocal: address(nh, 16, 16) } };
  }
  // VPN: each address is preceded by an RD, which RFC 4364 §4.3.2 sets to 0.
  const rd = decodeRd(nh, 0);
  if (nh.length === 12) return { nextHop: { address: address(nh, 8, 4), rd } };
  if (nh.length === 24) return { nextHop: { address: address(nh, 8, 16), rd } };
  return { nextHop: { address: address(nh, 8, 16), linkLocal: address(nh, 32, 16), rd } };
}

function ipBytes(text: string): Uint8Array {
  const b = parseIp(text);
  if (b === null) throw new RangeError(`not an IP address: ${text}`);
  return b;
}

/** Writes NH Len and the next hop. */
export function writeMpNextHop(w: Writer, afi: number, safi: number, nextHop: MpNextHop, rawNextHop: Uint8Array | undefined): void {
  if (rawNextHop !== undefined) {
    w.u8(rawNextHop.length).bytes(rawNextHop);
    return;
  }
  if (nextHop.address === '') {
    w.u8(0);
    return;
  }
  const vpn = formOf(afi, safi) === 'vpn';
  const rd = encodeRd(nextHop.rd ?? ZERO_RD);
  const parts: Uint8Array[] = [];
  if (vpn) parts.push(rd);
  parts.push(ipBytes(nextHop.address));
  if (nextHop.linkLocal !== undefined) {
    if (vpn) parts.push(rd);
    parts.push(ipBytes(nextHop.linkLocal));
  }
  const len = parts.reduce((n, p) => n + p.length, 0);
  w.u8(len);
  for (const p of parts) w.bytes(p);
}
