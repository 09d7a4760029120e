/**
 * MP_REACH_NLRI (14) and MP_UNREACH_NLRI (15), RFC 4760 §3-4:
 *   MP_REACH:   AFI(2) SAFI(1) NHLen(1) NextHop Reserved(1) NLRI...
 *   MP_UNREACH: AFI(2) SAFI(1) Withdrawn...
 * Framing errors (too short, next hop overrun or bad length) are 3/1, NLRI
 * syntax errors 3/9 (RFC 4760 §7); both reset the session because no NLRI can
 * be withdrawn (RFC 7606 §5.3, §7.11), as FRR does.
 */
import { BgpError, ErrorCode, UpdateSubcode } from '../errors';
import type { Writer } from '../cursor';
import type { CodecContext } from '../context';
import { decodeNlriListWith, writeNlriList } from '../nlri';
import type { MpReachAttr, MpUnreachAttr } from './types';
import { decodeMpNextHop, writeMpNextHop } from './next-hop-mp';

function framingError(reason: string): BgpError {
  return new BgpError(ErrorCode.UpdateMessage, UpdateSubcode.MalformedAttributeList, reason, undefined, 'session-reset');
}

export function decodeMpReach(value: Buffer, ctx: CodecContext): MpReachAttr {
  if (value.length < 5) throw framingError(`MP_REACH_NLRI length ${value.length} < 5`);
  const afi = value.readUInt16BE(0);
  const safi = value[2] as number;
  const nhLen = value[3] as number;
  // The reserved octet after the next hop must be there too.
  if (4 + nhLen + 1 > value.length) throw framingError(`MP_REACH_NLRI: next hop length ${nhLen} overruns the attribute`);
  const { nextHop, rawNextHop } = decodeMpNextHop(afi, safi, value.subarray(4, 4 + nhLen));
  // RFC 4760 §3: the former SNPA count octet is reserved and ignored on receipt.
  const nlri = decodeNlriListWith(afi, safi, value.subarray(5 + nhLen), ctx, false, UpdateSubcode.OptionalAttributeError);
  return rawNextHop ? { type: 'mp-reach', afi, safi, nextHop, rawNextHop, nlri } : { type: 'mp-reach', afi, safi, nextHop, nlri };
}

/**
 * RFC 6396 §4.3.4: in TABLE_DUMP_V2 RIB entries MP_REACH_NLRI holds only
 * NHLen(1) and the next hop; the family comes from the record subtype. Some
 * writers put the full attribute there anyway (bgpdump accepts both), so a
 * value whose first octet does not give its length is read as the full form.
 */
export function decodeMpReachMrt(value: Buffer, ctx: CodecContext, afi: number, safi: number): MpReachAttr {
  if (value.length === 0 || (value[0] as number) + 1 !== value.length) return decodeMpReach(value, ctx);
  const { nextHop, rawNextHop } = decodeMpNextHop(afi, safi, value.subarray(1));
  return rawNextHop ? { type: 'mp-reach', afi, safi, nextHop, rawNextHop, nlri: [] } : { type: 'mp-reach', afi, safi, nextHop, nlri: [] };
}

export function decodeMpUnreach(value: Buffer, ctx: CodecContext): MpUnreachAttr {
  if (value.length < 3) throw framingError(`MP_UNREACH_NLRI length ${value.length} < 3`);
  const afi = value.readUInt16BE(0);
  const safi = value[2] as number;
  const nlri = decodeNlriListWith(afi, safi, value.subarray(3), ctx, true, UpdateSubcode.OptionalAttributeError);
  return { type: 'mp-unreach', afi, safi, nlri };
}

export function encodeMpReach(a: MpReachAttr, ctx: CodecContext, w: Writer, mrtRib: boolean): void {
  if (mrtRib) {
    writeMpNextHop(w, a.afi, a.safi, a.nextHop, a.rawNextHop);
    return;
  }
  w.u16(a.afi).u8(a.safi);
  writeMpNextHop(w, a.afi, a.safi, a.nextHop, a.rawNextHop);
  w.u8(0);
  writeNlriList(w, a.afi, a.safi, a.nlri, ctx, false);
}

export function encodeMpUnreach(a: MpUnreachAttr, ctx: CodecContext, w: Writer): void {
  w.u16(a.afi).u8(a.safi);
  writeNlriList(w, a.afi, a.safi, a.nlri, ctx, true);
}
