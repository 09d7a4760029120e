/** Shared pieces of the per-attribute codecs. */
import { BgpError, ErrorCode, type Rfc7606Action } from '../errors';
import type { CodecContext } from '../context';
import { formatIpv4, parseIpv4 } from '../values/ip';

/** What an attribute decoder is given besides its value. */
export interface AttrInput {
  readonly ctx: CodecContext;
  /** RFC 6396 §4.3.4: decoding a TABLE_DUMP_V2 RIB entry, MP_REACH abbreviated, family from the record. */
  readonly mrtRib?: { readonly afi: number; readonly safi: number };
}

/**
 * A malformed attribute. `action` is set only when it differs from the
 * attribute's row in the RFC 7606 table (e.g. MP errors that reset).
 */
export function malformed(subcode: number, reason: string, action?: Rfc7606Action): BgpError {
  return new BgpError(ErrorCode.UpdateMessage, subcode, reason, undefined, action);
}

export function readIpv4Text(b: Buffer, o: number): string {
  return formatIpv4(b.readUInt32BE(o));
}

/** IPv4 text to uint32; throws RangeError on text we built ourselves being wrong (a caller bug, not a peer error). */
export function ipv4Value(text: string): number {
  const v = parseIpv4(text);
  if (v === null) throw new RangeError(`not an IPv4 address: ${text}`);
  return v;
}
