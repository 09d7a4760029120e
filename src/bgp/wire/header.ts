/**
 * The 19-octet BGP message header (RFC 4271 §4.1) and its checks (§6.1).
 * Used by the stream framer the moment 19 octets are in, and by
 * decodeMessage for a whole message.
 */
import { HEADER_LENGTH, MAX_EXTENDED_MESSAGE_LENGTH, MAX_MESSAGE_LENGTH, MessageType } from './constants';
import type { CodecContext } from './context';
import { BgpError, EncodeError, ErrorCode, HeaderSubcode } from './errors';

export interface MessageHeader {
  /** Total message length, header included. */
  readonly length: number;
  /** Message type code (1..5). */
  readonly type: number;
}

/** What header checks need from the session: only whether RFC 8654 Extended Message was negotiated. */
export type HeaderContext = Pick<CodecContext, 'extendedMessage'>;

const MARKER_LENGTH = 16;

/** RFC 4271 §4.1-4.4, RFC 2918 §3: smallest legal total length per type. */
const MIN_LENGTH: Readonly<Record<number, number>> = {
  [MessageType.Open]: 29,
  [MessageType.Update]: 23,
  [MessageType.Notification]: 21,
  [MessageType.Keepalive]: HEADER_LENGTH,
  [MessageType.RouteRefresh]: 23,
};

export function isKnownMessageType(type: number): boolean {
  return MIN_LENGTH[type] !== undefined;
}

/** Smallest legal total length of a message of this type, or undefined for an unknown type. */
export function minMessageLength(type: number): number | undefined {
  return MIN_LENGTH[type];
}

/**
 * Largest legal total length of a message of this type. RFC 8654 §4: only
 * UPDATE, NOTIFICATION and ROUTE-REFRESH may exceed 4096, and only once
 * Extended Message was both sent and received; OPEN and KEEPALIVE never.
 */
export function maxMessageLength(type: number, ctx: HeaderContext): number {
  if (!ctx.extendedMessage) return MAX_MESSAGE_LENGTH;
  switch (type) {
    case MessageType.Update:
    case MessageType.Notification:
    case MessageType.RouteRefresh:
      return MAX_EXTENDED_MESSAGE_LENGTH;
    default:
      return MAX_MESSAGE_LENGTH;
  }
}

function badLength(length: number, reason: string): BgpError {
  // RFC 4271 §6.1: the Data field carries the erroneous Length field.
  const data = Buffer.alloc(2);
  data.writeUInt16BE(length & 0xffff, 0);
  return new BgpError(ErrorCode.MessageHeader, HeaderSubcode.BadMessageLength, `bad message length ${length}: ${reason}`, data);
}

/**
 * Reads and checks the header at `offset`. Needs 19 octets there; with fewer
 * it throws 1/2 carrying the number of octets available (a truncated message).
 * Check order follows RFC 4271 §6.1: marker, length, type, then the per-type length rules.
 */
export function decodeHeader(buf: Buffer, offset: number, ctx: HeaderContext): MessageHeader {
  const available = buf.length - offset;
  if (available < HEADER_LENGTH) throw badLength(Math.max(available, 0), `only ${available} octet(s), a header needs 19`);
  for (let i = offset; i < offset + MARKER_LENGTH; i++) {
    // RFC 4271 §6.1: a marker that is not all ones is "Connection Not Synchronized" (1/1), no data.
    if (buf[i] !== 0xff) {
      throw new BgpError(ErrorCode.MessageHeader, HeaderSubcode.ConnectionNotSynchronized, 'header marker is not all ones');
    }
  }
  const length = buf.readUInt16BE(offset + MARKER_LENGTH);
  const type = buf.readUInt8(offset + MARKER_LENGTH + 2);
  const absoluteMax = ctx.extendedMessage ? MAX_EXTENDED_MESSAGE_LENGTH : MAX_MESSAGE_LENGTH;
  if (length < HEADER_LENGTH) throw badLength(length, 'shorter than the header');
  if (length > absoluteMax) throw badLength(length, `longer than ${absoluteMax}`);
  const min = MIN_LENGTH[type];
  if (min === undefined) {
    throw new BgpError(ErrorCode.MessageHeader, HeaderSubcode.BadMessageType, `unknown message type ${type}`, Buffer.from([type]));
  }
  // RFC 4271 §6.1: KEEPALIVE must be exactly 19; every type has a minimum.
  if (type === MessageType.Keepalive && length !== HEADER_LENGTH) throw badLength(length, 'a KEEPALIVE is exactly 19 octets');
  if (length < min) throw badLength(length, `type ${type} needs at least ${min}`);
  const max = maxMessageLength(type, ctx);
  if (length > max) throw badLength(length, `type ${type} allows at most ${max}`);
  return { length, type };
}

/** Writes a header into `out` at `offset` (marker, length, type). */
export function writeHeader(out: Buffer, offset: number, type: number, length: number): void {
  out.fill(0xff, offset, offset + MARKER_LENGTH);
  out.writeUInt16BE(length, offset + MARKER_LENGTH);
  out.writeUInt8(type, offset + MARKER_LENGTH + 2);
}

/** A lone 19-octet header. */
export function encodeHeader(type: number, length: number): Buffer {
  if (!Number.isInteger(length) || length < HEADER_LENGTH || length > MAX_EXTENDED_MESSAGE_LENGTH) {
    throw new EncodeError(`header length ${length} out of range`);
  }
  const out = Buffer.allocUnsafe(HEADER_LENGTH);
  writeHeader(out, 0, type, length);
  return out;
}

/**
 * Header + body as one message; throws EncodeError when the result exceeds
 * what this session may send for the type (RFC 4271 §4, RFC 8654 §4).
 */
export function frameMessage(type: number, body: Uint8Array, ctx: HeaderContext): Buffer {
  const length = HEADER_LENGTH + body.length;
  const max = maxMessageLength(type, ctx);
  if (length > max) throw new EncodeError(`message type ${type} of ${length} octets exceeds the maximum ${max}`);
  const out = Buffer.allocUnsafe(length);
  writeHeader(out, 0, type, length);
  out.set(body, HEADER_LENGTH);
  return out;
}
