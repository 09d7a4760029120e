/**
 * ROUTE-REFRESH body (RFC 2918 §3, RFC 7313 §3): AFI(2) Message Subtype(1)
 * SAFI(1), then ORF entries (RFC 5291) for a subtype-0 request.
 */
import { MessageType } from '../constants';
import { Reader, Writer, type ErrorSpec } from '../cursor';
import { BgpError, EncodeError, ErrorCode, RouteRefreshSubcode } from '../errors';
import { encodeHeader } from '../header';
import type { RouteRefreshMessage, RouteRefreshSubtype } from './types';

const SUBTYPES: Readonly<Record<number, RouteRefreshSubtype>> = { 0: 'request', 1: 'borr', 2: 'eorr' };
const SUBTYPE_CODES: Readonly<Record<Exclude<RouteRefreshSubtype, 'unknown'>, number>> = { request: 0, borr: 1, eorr: 2 };

/** RFC 7313 §5: Data = the complete ROUTE-REFRESH message, header included. */
function invalidLength(body: Buffer, message: Buffer | undefined): BgpError {
  const whole = message ?? Buffer.concat([encodeHeader(MessageType.RouteRefresh, 19 + body.length), body]);
  return new BgpError(ErrorCode.RouteRefreshMessage, RouteRefreshSubcode.InvalidMessageLength, `ROUTE-REFRESH of ${whole.length} octets`, whole);
}

/**
 * Decodes a ROUTE-REFRESH body. `message` is the whole message (header
 * included) for the 7/1 error data; without it the header is rebuilt.
 * A BoRR or EoRR longer than 4 octets is 7/1 (RFC 7313 §5). An unknown
 * subtype decodes as 'unknown' so the caller can ignore and log it (§3).
 */
export function decodeRouteRefreshBody(body: Buffer, message?: Buffer): RouteRefreshMessage {
  const spec: ErrorSpec = { code: ErrorCode.RouteRefreshMessage, subcode: RouteRefreshSubcode.InvalidMessageLength, what: 'ROUTE-REFRESH' };
  if (body.length < 4) throw invalidLength(body, message);
  const r = new Reader(body, spec);
  const afi = r.u16();
  const rawSubtype = r.u8();
  const safi = r.u8();
  const subtype = SUBTYPES[rawSubtype] ?? 'unknown';
  if ((subtype === 'borr' || subtype === 'eorr') && !r.atEnd()) throw invalidLength(body, message);
  const rest = r.rest();
  const msg: RouteRefreshMessage = subtype === 'unknown' ? { type: 'route-refresh', afi, safi, subtype, rawSubtype } : { type: 'route-refresh', afi, safi, subtype };
  return rest.length > 0 ? { ...msg, orf: rest } : msg;
}

function subtypeCode(msg: RouteRefreshMessage): number {
  if (msg.subtype !== 'unknown') return SUBTYPE_CODES[msg.subtype];
  const raw = msg.rawSubtype;
  if (raw === undefined || !Number.isInteger(raw) || raw < 3 || raw > 255) {
    throw new EncodeError(`ROUTE-REFRESH subtype 'unknown' needs a rawSubtype in 3..255, got ${String(raw)}`);
  }
  return raw;
}

export function encodeRouteRefreshBody(msg: RouteRefreshMessage): Buffer {
  if (!Number.isInteger(msg.afi) || msg.afi < 0 || msg.afi > 0xffff) throw new EncodeError(`AFI ${msg.afi} is outside 0..65535`);
  if (!Number.isInteger(msg.safi) || msg.safi < 0 || msg.safi > 0xff) throw new EncodeError(`SAFI ${msg.safi} is outside 0..255`);
  const w = new Writer(8);
  w.u16(msg.afi).u8(subtypeCode(msg)).u8(msg.safi);
  if (msg.orf) w.bytes(msg.orf);
  return w.finish();
}
