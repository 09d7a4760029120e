/**
 * Capability TLVs (RFC 5492 §4): Code(1) Length(1) Value, as carried in an
 * OPEN Capabilities optional parameter. Unknown codes are kept byte-exact
 * (RFC 5492 §3: an unrecognised capability is ignored, never an error).
 */
import { CapabilityCode } from '../constants';
import { Reader, Writer } from '../cursor';
import { EncodeError, ErrorCode, OpenSubcode } from '../errors';
import { decodeAddPath, decodeExtendedNextHop, decodeMultiprotocol, encodeAddPath, encodeExtendedNextHop, encodeMultiprotocol } from './families';
import { decodeFqdn, encodeFqdn } from './fqdn';
import { decodeGracefulRestart, decodeLongLivedGracefulRestart, encodeGracefulRestart, encodeLongLivedGracefulRestart } from './graceful-restart';
import { malformedCapability } from './malformed';
import type { Capability } from './types';

const MALFORMED_PARAMETER = { code: ErrorCode.OpenMessage, subcode: OpenSubcode.Unspecific, what: 'malformed Capabilities optional parameter' };

const CAPABILITY_NAMES: Readonly<Record<number, string>> = {
  [CapabilityCode.Multiprotocol]: 'Multiprotocol',
  [CapabilityCode.RouteRefresh]: 'Route Refresh',
  [CapabilityCode.ExtendedNextHop]: 'Extended Next Hop',
  [CapabilityCode.ExtendedMessage]: 'Extended Message',
  [CapabilityCode.GracefulRestart]: 'Graceful Restart',
  [CapabilityCode.FourOctetAs]: '4-octet AS',
  [CapabilityCode.AddPath]: 'ADD-PATH',
  [CapabilityCode.EnhancedRouteRefresh]: 'Enhanced Route Refresh',
  [CapabilityCode.LongLivedGracefulRestart]: 'Long-Lived Graceful Restart',
  [CapabilityCode.Fqdn]: 'FQDN',
};

/** The capability code a value is sent with. */
export function capabilityCode(c: Capability): number {
  switch (c.type) {
    case 'multiprotocol': return CapabilityCode.Multiprotocol;
    case 'route-refresh': return CapabilityCode.RouteRefresh;
    case 'extended-next-hop': return CapabilityCode.ExtendedNextHop;
    case 'extended-message': return CapabilityCode.ExtendedMessage;
    case 'graceful-restart': return CapabilityCode.GracefulRestart;
    case 'four-octet-as': return CapabilityCode.FourOctetAs;
    case 'add-path': return CapabilityCode.AddPath;
    case 'enhanced-route-refresh': return CapabilityCode.EnhancedRouteRefresh;
    case 'long-lived-graceful-restart': return CapabilityCode.LongLivedGracefulRestart;
    case 'fqdn': return CapabilityCode.Fqdn;
    case 'unknown': return c.code;
    default: {
      const never: never = c;
      throw new EncodeError(`unhandled capability ${String(never)}`);
    }
  }
}

/** Route Refresh (RFC 2918 §2), Extended Message (RFC 8654 §3) and Enhanced Route Refresh (RFC 7313 §3) have no value. */
function expectEmpty(r: Reader): void {
  if (!r.atEnd()) r.fail(`length ${r.remaining}, expected 0`);
}

/** Decodes one capability value; `value` spans exactly the Capability Value field. */
export function decodeCapability(code: number, value: Buffer): Capability {
  const name = CAPABILITY_NAMES[code];
  if (name === undefined) return { type: 'unknown', code, value: Buffer.from(value) };
  const r = new Reader(value, malformedCapability(name));
  switch (code) {
    case CapabilityCode.Multiprotocol: return decodeMultiprotocol(r);
    case CapabilityCode.RouteRefresh: expectEmpty(r); return { type: 'route-refresh' };
    case CapabilityCode.ExtendedNextHop: return decodeExtendedNextHop(r);
    case CapabilityCode.ExtendedMessage: expectEmpty(r); return { type: 'extended-message' };
    case CapabilityCode.GracefulRestart: return decodeGracefulRestart(r);
    case CapabilityCode.FourOctetAs: {
      // RFC 6793 §3: the value is exactly the 4-octet AS number.
      if (r.remaining !== 4) r.fail(`length ${r.remaining}, expected 4`);
      return { type: 'four-octet-as', asn: r.u32() };
    }
    case CapabilityCode.AddPath: return decodeAddPath(r);
    case CapabilityCode.EnhancedRouteRefresh: expectEmpty(r); return { type: 'enhanced-route-refresh' };
    case CapabilityCode.LongLivedGracefulRestart: return decodeLongLivedGracefulRestart(r);
    case CapabilityCode.Fqdn: return decodeFqdn(r);
    default: return { type: 'unknown', code, value: Buffer.from(value) };
  }
}

/**
 * Decodes the value of one Capabilities optional parameter: one or more
 * capability TLVs (RFC 5492 §4). A TLV running past the parameter is a
 * malformed recognised parameter, 2/0 (RFC 4271 §6.2).
 */
export function decodeCapabilities(value: Buffer): Capability[] {
  const r = new Reader(value, MALFORMED_PARAMETER);
  const out: Capability[] = [];
  while (!r.atEnd()) {
    const code = r.u8();
    const length = r.u8();
    out.push(decodeCapability(code, r.bytes(length)));
  }
  return out;
}

function writeValue(c: Capability, w: Writer): void {
  switch (c.type) {
    case 'multiprotocol': encodeMultiprotocol(c, w); return;
    case 'route-refresh':
    case 'extended-message':
    case 'enhanced-route-refresh':
      return;
    case 'extended-next-hop': encodeExtendedNextHop(c, w); return;
    case 'graceful-restart': encodeGracefulRestart(c, w); return;
    case 'four-octet-as': w.u32(c.asn); return;
    case 'add-path': encodeAddPath(c, w); return;
    case 'long-lived-graceful-restart': encodeLongLivedGracefulRestart(c, w); return;
    case 'fqdn': encodeFqdn(c, w); return;
    case 'unknown': w.bytes(c.value); return;
    default: {
      const never: never = c;
      throw new EncodeError(`unhandled capability ${String(never)}`);
    }
  }
}

/** Appends one capability TLV to `w`. */
export function writeCapability(c: Capability, w: Writer): void {
  const code = capabilityCode(c);
  if (!Number.isInteger(code) || code < 0 || code > 255) throw new EncodeError(`capability code ${code} is outside 0..255`);
  w.u8(code);
  const lengthAt = w.reserve(1);
  const start = w.pos;
  writeValue(c, w);
  const length = w.pos - start;
  if (length > 255) throw new EncodeError(`capability ${code} value is ${length} octets, at most 255 fit`);
  w.setU8(lengthAt, length);
}

/** One capability TLV. */
export function encodeCapability(c: Capability): Buffer {
  const w = new Writer(32);
  writeCapability(c, w);
  return w.finish();
}

/** The TLVs of several capabilities, back to back (the value of one Capabilities parameter). */
export function encodeCapabilities(caps: readonly Capability[]): Buffer {
  const w = new Writer(64);
  for (const c of caps) writeCapability(c, w);
  return w.finish();
}
