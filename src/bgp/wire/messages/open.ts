/**
 * OPEN body (RFC 4271 §4.2) with Capabilities parameters (RFC 5492) in the
 * classic or the RFC 9072 extended optional-parameter format. Only the checks
 * that need no configuration live here (version, hold time, BGP Identifier,
 * AS 0, parameter types); peer AS and identifier collisions are the session's.
 */
import { decodeCapabilities, encodeCapabilities } from '../capabilities/codec';
import type { Capability } from '../capabilities/types';
import { Reader, Writer, type ErrorSpec } from '../cursor';
import { BgpError, EncodeError, ErrorCode, OpenSubcode } from '../errors';
import { formatIpv4, parseIpv4 } from '../values/ip';
import type { OpaqueOptionalParameter, OpenMessage } from './types';

/** RFC 4271 §4.2: the only version we speak. */
export const BGP_VERSION = 4;

/** RFC 5492 §4 / RFC 9072 §2 optional parameter types. */
export const OptionalParameterType = { Authentication: 1, Capabilities: 2, ExtendedLength: 255 } as const;

/** RFC 4271 §6.2: a recognised but malformed parameter, or lengths that do not add up, is 2/0. */
const MALFORMED_OPEN: ErrorSpec = { code: ErrorCode.OpenMessage, subcode: OpenSubcode.Unspecific, what: 'malformed OPEN' };

function openError(subcode: number, message: string, data?: Uint8Array): BgpError {
  return new BgpError(ErrorCode.OpenMessage, subcode, message, data);
}

interface RawParameter {
  readonly type: number;
  readonly value: Buffer;
}

/**
 * RFC 9072 §2 receiver rule: when Non-Ext OP Len is non-zero and the next
 * octet is 255, the extended format follows (its Non-Ext OP Len value is then
 * meaningless); otherwise the RFC 4271 format. Either way the parameters must
 * end exactly at the end of the message.
 */
function readParameters(r: Reader): { params: RawParameter[]; extended: boolean } {
  const nonExtLength = r.u8();
  const params: RawParameter[] = [];
  if (nonExtLength === 0) {
    if (!r.atEnd()) r.fail(`${r.remaining} octet(s) after an empty parameter list`);
    return { params, extended: false };
  }
  const extended = r.remaining > 0 && r.buf.readUInt8(r.pos) === OptionalParameterType.ExtendedLength;
  let region: Reader;
  if (extended) {
    r.u8();
    region = r.sub(r.u16());
  } else {
    region = r.sub(nonExtLength);
  }
  if (!r.atEnd()) r.fail(`${r.remaining} octet(s) after the optional parameters`);
  while (!region.atEnd()) {
    const type = region.u8();
    const length = extended ? region.u16() : region.u8();
    params.push({ type, value: region.bytes(length) });
  }
  return { params, extended };
}

function capabilitiesOf(params: readonly RawParameter[]): Capability[] {
  const caps: Capability[] = [];
  for (const p of params) {
    // RFC 4271 §6.2: an unrecognised parameter type is 2/4; type 1 (Authentication) is deprecated
    // (RFC 5492 §1) and we do not support it; 255 is only valid as the RFC 9072 marker.
    if (p.type !== OptionalParameterType.Capabilities) {
      throw openError(OpenSubcode.UnsupportedOptionalParameter, `unsupported optional parameter type ${p.type}`);
    }
    // RFC 5492 §4: one parameter may carry many capabilities, or one each; both are accepted.
    for (const c of decodeCapabilities(p.value)) caps.push(c);
  }
  return caps;
}

/** RFC 7607 §2: AS 0 as the peer AS (My AS, or the 4-octet AS capability that replaces it) is Bad Peer AS. */
function checkPeerAs(myAs: number, caps: readonly Capability[]): void {
  let peerAs = myAs;
  for (const c of caps) if (c.type === 'four-octet-as') peerAs = c.asn;
  if (peerAs === 0) throw openError(OpenSubcode.BadPeerAs, 'peer AS 0 (RFC 7607)');
}

function asOctets(asn: number): Buffer {
  const b = Buffer.alloc(2);
  b.writeUInt16BE(asn & 0xffff, 0);
  return b;
}

/** Decodes an OPEN body (the octets after the 19-octet header). */
export function decodeOpenBody(body: Buffer): OpenMessage {
  const r = new Reader(body, MALFORMED_OPEN);
  const version = r.u8();
  if (version !== BGP_VERSION) {
    // RFC 4271 §6.2: Data = the largest locally supported version number, 2 octets.
    throw openError(OpenSubcode.UnsupportedVersionNumber, `unsupported BGP version ${version}`, asOctets(BGP_VERSION));
  }
  const myAs = r.u16();
  const holdTime = r.u16();
  const bgpIdentifier = r.u32();
  // RFC 4271 §4.2, §6.2: Hold Time MUST be 0 or at least 3; 1 and 2 are rejected.
  if (holdTime === 1 || holdTime === 2) throw openError(OpenSubcode.UnacceptableHoldTime, `unacceptable hold time ${holdTime}`);
  // RFC 6286 §2.2: the BGP Identifier is a non-zero 4-octet value.
  if (bgpIdentifier === 0) throw openError(OpenSubcode.BadBgpIdentifier, 'BGP Identifier 0');
  const { params, extended } = readParameters(r);
  const capabilities = capabilitiesOf(params);
  checkPeerAs(myAs, capabilities);
  const msg: OpenMessage = { type: 'open', version, myAs, holdTime, bgpId: formatIpv4(bgpIdentifier), capabilities };
  return extended ? { ...msg, extendedParameters: true } : msg;
}

function parametersOf(msg: OpenMessage): OpaqueOptionalParameter[] {
  const params: OpaqueOptionalParameter[] = [];
  if (msg.capabilities.length > 0) params.push({ type: OptionalParameterType.Capabilities, value: encodeCapabilities(msg.capabilities) });
  for (const p of msg.otherParameters ?? []) params.push(p);
  return params;
}

function writeParameters(w: Writer, params: readonly OpaqueOptionalParameter[], forceExtended: boolean): void {
  const classicLength = params.reduce((n, p) => n + 2 + p.value.length, 0);
  const fitsClassic = classicLength <= 255 && params.every((p) => p.value.length <= 255);
  // RFC 9072 §2: the extended format MUST be used when the parameters exceed 255 octets.
  if (fitsClassic && !forceExtended) {
    w.u8(classicLength);
    for (const p of params) w.u8(p.type).u8(p.value.length).bytes(p.value);
    return;
  }
  const extendedLength = params.reduce((n, p) => n + 3 + p.value.length, 0);
  if (extendedLength > 0xffff) throw new EncodeError(`optional parameters of ${extendedLength} octets do not fit`);
  w.u8(255).u8(OptionalParameterType.ExtendedLength).u16(extendedLength);
  for (const p of params) w.u8(p.type).u16(p.value.length).bytes(p.value);
}

/** Encodes an OPEN body: all capabilities in one Capabilities parameter, then any other parameters. */
export function encodeOpenBody(msg: OpenMessage): Buffer {
  const bgpIdentifier = parseIpv4(msg.bgpId);
  if (bgpIdentifier === null) throw new EncodeError(`BGP Identifier ${msg.bgpId} is not a dotted quad`);
  for (const [name, value, max] of [['version', msg.version, 0xff], ['My AS', msg.myAs, 0xffff], ['hold time', msg.holdTime, 0xffff]] as const) {
    if (!Number.isInteger(value) || value < 0 || value > max) throw new EncodeError(`OPEN ${name} ${value} is outside 0..${max}`);
  }
  const w = new Writer(64);
  w.u8(msg.version).u16(msg.myAs).u16(msg.holdTime).u32(bgpIdentifier);
  writeParameters(w, parametersOf(msg), msg.extendedParameters === true);
  return w.finish();
}
