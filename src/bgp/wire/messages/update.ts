/**
 * UPDATE message body (RFC 4271 §4.3), the message without its 19-octet header:
 *   WithdrawnLen(2) Withdrawn | TotalPathAttrLen(2) Attributes | NLRI
 * RFC 7606: attribute problems come back in `errors` with their action;
 * only session-reset cases throw a BgpError. On treat-as-withdraw the caller
 * handles every NLRI of the message (NLRI field and MP_REACH) as withdrawn.
 */
import { Afi, HEADER_LENGTH, MessageType, Safi } from '../constants';
import { familyKey, type CodecContext } from '../context';
import { Writer } from '../cursor';
import { BgpError, EncodeError, ErrorCode, UpdateSubcode, type AttributeError } from '../errors';
import { decodeAttributeBlock, nextHopMartianReason, writeAttribute, type AttributeDecodeOptions } from '../attributes';
import type { PathAttribute } from '../attributes/types';
import { decodeNlriList, writeNlriList } from '../nlri';
import { countIpv4List } from '../nlri/unicast';
import type { Nlri } from '../nlri/types';
import { FieldUpdate } from './field-update';
import { cleanAttributes } from '../attributes/clean-block';
import { maxMessageLength, writeHeader } from '../header';
import { escalationForMissingNlri, missingMandatory, type UpdateShape } from '../rfc7606';
import type { UpdateMessage } from './types';

function malformedList(reason: string): BgpError {
  return new BgpError(ErrorCode.UpdateMessage, UpdateSubcode.MalformedAttributeList, reason, undefined, 'session-reset');
}

export function decodeUpdateBody(body: Buffer, ctx: CodecContext): UpdateMessage {
  // RFC 7606 §3(b) / RFC 4271 §6.3: lengths that do not fit the message reset with 3/1.
  if (body.length < 4) throw malformedList(`UPDATE body of ${body.length} octets < 4`);
  const withdrawnLength = body.readUInt16BE(0);
  if (2 + withdrawnLength + 2 > body.length) throw malformedList(`Withdrawn Routes Length ${withdrawnLength} overruns the message`);
  const attrLength = body.readUInt16BE(2 + withdrawnLength);
  const attrStart = 4 + withdrawnLength;
  if (attrStart + attrLength > body.length) throw malformedList(`Total Path Attribute Length ${attrLength} overruns the message`);
  // Most UPDATEs withdraw nothing: no view of an empty field, no empty list made for it.
  const withdrawn = withdrawnLength === 0 ? NO_NLRI : decodeNlriList(Afi.Ipv4, Safi.Unicast, body.subarray(2, 2 + withdrawnLength), ctx, true);
  const field = body.subarray(attrStart + attrLength);
  const fieldOnly = ctx.ipv4FieldOnly === true && !ctx.addPath.has(IPV4_UNICAST);
  if (fieldOnly && field.length > 0) {
    // A table transfer's UPDATE: the block is checked in place, and decoded only if someone reads it.
    const clean = cleanAttributes(body, attrStart, attrStart + attrLength, ctx);
    if (clean !== null && countIpv4List(field, UpdateSubcode.InvalidNetworkField) > 0) {
      return new FieldUpdate(withdrawn, null, field, NO_ERRORS, clean, body, attrStart, attrStart + attrLength, ctx);
    }
  }
  const block = decodeAttributeBlock(body, ctx, ALL_ATTRIBUTES, attrStart, attrStart + attrLength);
  if (fieldOnly) {
    const count = countIpv4List(field, UpdateSubcode.InvalidNetworkField);
    const errors = messageChecks(block.attributes, block.errors, block.seenTypes, block.count, count);
    return new FieldUpdate(withdrawn, block.attributes, field, errors);
  }
  const nlri = decodeNlriList(Afi.Ipv4, Safi.Unicast, field, ctx, false);
  const errors = messageChecks(block.attributes, block.errors, block.seenTypes, block.count, nlri.length);
  return { type: 'update', withdrawn, attributes: block.attributes, nlri, errors };
}

const IPV4_UNICAST = familyKey(Afi.Ipv4, Safi.Unicast);
const NO_NLRI: readonly Nlri[] = Object.freeze([]);
const NO_ERRORS: readonly AttributeError[] = Object.freeze([]);
/** Options for a full decode, made once rather than per UPDATE. */
const ALL_ATTRIBUTES: AttributeDecodeOptions = Object.freeze({});

/** The checks that need the whole message: mandatory attributes, next-hop sanity, RFC 7606 §5.2. */
function messageChecks(attributes: readonly PathAttribute[], attrErrors: readonly AttributeError[], seenTypes: UpdateShape['seenTypes'], count: number, nlriFieldCount: number): AttributeError[] {
  let mpReachNlriCount = 0;
  let hasMpReach = false;
  let hasMpUnreach = false;
  for (const a of attributes) {
    if (a.type === 'mp-reach') {
      hasMpReach = true;
      mpReachNlriCount = a.nlri.length;
    } else if (a.type === 'mp-unreach') hasMpUnreach = true;
  }
  const shape: UpdateShape = { seenTypes, nlriFieldCount, hasMpReach, mpReachNlriCount, hasMpUnreach, attributeCount: count };
  const missing = missingMandatory(shape);
  // A fresh array either way (the next-hop check may add to it), but no iterators for the usual clean UPDATE.
  const errors = attrErrors.length === 0 && missing.length === 0 ? [] : [...attrErrors, ...missing];
  if (nlriFieldCount > 0) {
    // RFC 4271 §6.3 semantic check; NEXT_HOP is ignored when only MP_REACH carries routes (RFC 4760 §3).
    const nh = attributes.find((a) => a.type === 'next-hop');
    const reason = nh?.type === 'next-hop' ? nextHopMartianReason(nh.nextHop) : null;
    if (reason !== null) errors.push({ attributeType: 3, action: 'treat-as-withdraw', code: ErrorCode.UpdateMessage, subcode: UpdateSubcode.InvalidNextHopAttribute, reason });
  }
  const escalate = escalationForMissingNlri(shape, errors);
  if (escalate) {
    throw new BgpError(escalate.code, escalate.subcode, `${escalate.reason}; the UPDATE has no NLRI to treat as withdrawn (RFC 7606 §5.2)`, undefined, 'session-reset');
  }
  return errors;
}

/** Encodes the body; attributes in the order given, `errors` ignored. Throws RangeError if a length field would overflow. */
export function encodeUpdateBody(msg: UpdateMessage, ctx: CodecContext): Buffer {
  const w = new Writer(256);
  writeUpdateBody(w, msg, ctx);
  return w.finish();
}

/**
 * The whole UPDATE, header included, built in one Writer: body and framing
 * as separate Buffers cost two copies of every UPDATE sent. Same checks and
 * errors as encodeUpdateBody then frameMessage (RangeError, then EncodeError
 * past the session's maximum, RFC 8654 §4).
 */
export function encodeUpdateMessage(msg: UpdateMessage, ctx: CodecContext): Buffer {
  // Not reentrant (nothing below encodes a message), so one scratch buffer serves every UPDATE; finish() copies out.
  const w = scratch.reset();
  w.reserve(HEADER_LENGTH);
  writeUpdateBody(w, msg, ctx);
  const length = w.pos;
  const max = maxMessageLength(MessageType.Update, ctx);
  if (length > max) throw new EncodeError(`message type ${MessageType.Update} of ${length} octets exceeds the maximum ${max}`);
  const out = w.finish();
  writeHeader(out, 0, MessageType.Update, length);
  return out;
}

const scratch = new Writer(4096);

function writeUpdateBody(w: Writer, msg: UpdateMessage, ctx: CodecContext): void {
  const withdrawnAt = w.reserve(2);
  writeNlriList(w, Afi.Ipv4, Safi.Unicast, msg.withdrawn, ctx, true);
  const withdrawnLength = w.pos - withdrawnAt - 2;
  const attrAt = w.reserve(2);
  for (const a of msg.attributes) writeAttribute(w, a, ctx);
  const attrLength = w.pos - attrAt - 2;
  if (withdrawnLength > 0xffff || attrLength > 0xffff) throw new RangeError('UPDATE withdrawn routes or attributes exceed 65535 octets');
  w.setU16(withdrawnAt, withdrawnLength);
  w.setU16(attrAt, attrLength);
  writeNlriList(w, Afi.Ipv4, Safi.Unicast, msg.nlri, ctx, false);
}

/**
 * RFC 4724 §2 End-of-RIB: for IPv4 unicast an UPDATE with nothing in it; for
 * any other family one holding only an empty MP_UNREACH_NLRI. Null otherwise.
 */
export function isEndOfRib(msg: UpdateMessage): { afi: number; safi: number } | null {
  // The field's octets when kept (FieldUpdate), so that asking does not make `nlri`.
  if (msg.withdrawn.length > 0 || (msg.ipv4Field ?? msg.nlri).length > 0) return null;
  if (msg.attributes.length === 0) return msg.errors.length === 0 ? { afi: Afi.Ipv4, safi: Safi.Unicast } : null;
  const only = msg.attributes[0];
  if (msg.attributes.length !== 1 || only === undefined || only.type !== 'mp-unreach' || only.nlri.length > 0) return null;
  return { afi: only.afi, safi: only.safi };
}

export function endOfRib(afi: number, safi: number): UpdateMessage {
  if (afi === Afi.Ipv4 && safi === Safi.Unicast) return { type: 'update', withdrawn: [], attributes: [], nlri: [], errors: [] };
  return { type: 'update', withdrawn: [], attributes: [{ type: 'mp-unreach', afi, safi, nlri: [] }], nlri: [], errors: [] };
}
