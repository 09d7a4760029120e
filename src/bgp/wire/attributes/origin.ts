/** ORIGIN (type 1), RFC 4271 §4.3 / §5.1.1. */
import { UpdateSubcode } from '../errors';
import type { Writer } from '../cursor';
import type { OriginValue } from '../constants';
import type { OriginAttr } from './types';
import { malformed } from './common';

/** The value is the `len` octets at `buf[p]` (decoders read in place: no Buffer view per attribute received). */
export function decodeOrigin(buf: Buffer, p: number, len: number): OriginAttr {
  // RFC 7606 §7.1: length other than 1, or an undefined value, is treat-as-withdraw.
  if (len !== 1) throw malformed(UpdateSubcode.AttributeLengthError, `ORIGIN length ${len} != 1`);
  const v = buf[p] as number;
  if (v > 2) throw malformed(UpdateSubcode.InvalidOriginAttribute, `ORIGIN value ${v} undefined`);
  return { type: 'origin', origin: v as OriginValue };
}

export function encodeOrigin(a: OriginAttr, w: Writer): void {
  w.u8(a.origin);
}
