/**
 * RFC 4271 §6.2: a recognised optional parameter that is malformed is an OPEN
 * Message Error with subcode 0 (Unspecific). RFC 5492 defines no subcode for
 * a malformed *known* capability (2/7 is for capabilities we do not support),
 * so a capability whose value breaks its own layout is treated the same way.
 */
import type { ErrorSpec } from '../cursor';
import { EncodeError, ErrorCode, OpenSubcode } from '../errors';

export function malformedCapability(name: string): ErrorSpec {
  return { code: ErrorCode.OpenMessage, subcode: OpenSubcode.Unspecific, what: `malformed ${name} capability` };
}

/** Throws EncodeError unless `value` is an integer in [0, max]. */
export function checkRange(value: number, max: number, what: string): number {
  if (!Number.isInteger(value) || value < 0 || value > max) throw new EncodeError(`${what} ${value} is outside 0..${max}`);
  return value;
}
