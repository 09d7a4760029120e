/**
 * The RADIUS packet (RFC 2865 §3, RFC 2866 §3): pure functions over Buffer,
 * no I/O. A packet is a code, an identifier, an authenticator and a list of
 * raw attributes; the attribute values are interpreted in attributes.ts.
 *
 * Authenticators:
 * - Access-Request: 16 random octets (RFC 2865 §3), plus a
 *   Message-Authenticator (RFC 3579 §3.2, HMAC-MD5 over the packet with the
 *   attribute zeroed).
 * - Accounting-Request: MD5(Code+Identifier+Length+16 zero octets+Attributes+Secret) (RFC 2866 §3).
 * - Responses: MD5(Code+Identifier+Length+RequestAuthenticator+Attributes+Secret) (RFC 2865 §3).
 */
import { createHash, createHmac, randomBytes } from 'node:crypto';

export const RADIUS_HEADER_LENGTH = 20;
/** RFC 2865 §3: the maximum length of a packet. */
export const RADIUS_MAX_LENGTH = 4096;

/** RFC 2865 §3 / RFC 2866 §3 codes this client sends or accepts. */
export const RadiusCode = {
  accessRequest: 1,
  accessAccept: 2,
  accessReject: 3,
  accountingRequest: 4,
  accountingResponse: 5,
  accessChallenge: 11,
} as const;

export const RadiusAttribute = {
  userName: 1,
  userPassword: 2,
  nasIpAddress: 4,
  serviceType: 6,
  framedProtocol: 7,
  framedIpAddress: 8,
  framedIpNetmask: 9,
  replyMessage: 18,
  framedRoute: 22,
  vendorSpecific: 26,
  nasIdentifier: 32,
  acctStatusType: 40,
  acctDelaySeconds: 41,
  acctInputOctets: 42,
  acctOutputOctets: 43,
  acctSessionId: 44,
  acctSessionTime: 46,
  acctTerminateCause: 49,
  eventTimestamp: 55,
  messageAuthenticator: 80,
} as const;

export interface RawAttribute {
  readonly type: number;
  readonly value: Buffer;
}

export interface RadiusPacket {
  readonly code: number;
  readonly identifier: number;
  readonly authenticator: Buffer;
  readonly attributes: readonly RawAttribute[];
}

/** A packet that cannot be a RADIUS packet, or whose authenticator does not check out: RFC 2865 §3 says silently discard it; the caller logs. */
export class RadiusDecodeError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'RadiusDecodeError';
  }
}

export function encodeAttributes(attributes: readonly RawAttribute[]): Buffer {
  const parts: Buffer[] = [];
  for (const a of attributes) {
    // RFC 2865 §5: Length covers type and length octets; at most 253 octets of value.
    if (a.value.length > 253) throw new RangeError(`RADIUS attribute ${a.type} is longer than 253 octets`);
    parts.push(Buffer.from([a.type, a.value.length + 2]), a.value);
  }
  return Buffer.concat(parts);
}

export function decodeAttributes(bytes: Buffer): RawAttribute[] {
  const out: RawAttribute[] = [];
  let at = 0;
  while (at < bytes.length) {
    if (at + 2 > bytes.length) throw new RadiusDecodeError('truncated attribute header');
    const type = bytes[at] as number;
    const length = bytes[at + 1] as number;
    if (length < 2 || at + length > bytes.length) throw new RadiusDecodeError(`attribute ${type} has a bad length ${length}`);
    out.push({ type, value: bytes.subarray(at + 2, at + length) });
    at += length;
  }
  return out;
}

/** The packet with its authenticator field as given (callers fill it in). */
export function encodePacket(packet: RadiusPacket): Buffer {
  if (packet.authenticator.length !== 16) throw new RangeError('a RADIUS authenticator has 16 octets');
  const attributes = encodeAttributes(packet.attributes);
  const length = RADIUS_HEADER_LENGTH + attributes.length;
  if (length > RADIUS_MAX_LENGTH) throw new RangeError(`RADIUS packet of ${length} octets is longer than ${RADIUS_MAX_LENGTH}`);
  const header = Buffer.alloc(4);
  header.writeUInt8(packet.code, 0);
  header.writeUInt8(packet.identifier, 1);
  header.writeUInt16BE(length, 2);
  return Buffer.concat([header, packet.authenticator, attributes]);
}

export function decodePacket(bytes: Buffer): RadiusPacket {
  if (bytes.length < RADIUS_HEADER_LENGTH) throw new RadiusDecodeError(`packet of ${bytes.length} octets is shorter than the header`);
  const length = bytes.readUInt16BE(2);
  // RFC 2865 §3: octets past Length are padding and ignored; a packet shorter than Length is discarded.
  if (length < RADIUS_HEADER_LENGTH || length > RADIUS_MAX_LENGTH || length > bytes.length) throw new RadiusDecodeError(`bad packet length ${length}`);
  return {
    code: bytes[0] as number,
    identifier: bytes[1] as number,
    authenticator: bytes.subarray(4, 20),
    attributes: decodeAttributes(bytes.subarray(20, length)),
  };
}

function md5(...parts: Buffer[]): Buffer {
  const h = createHash('md5');
  for (const p of parts) h.update(p);
  return h.digest();
}

/** RFC 2865 §5.2: User-Password hidden with the secret and the Request Authenticator. */
export function hidePassword(password: Buffer, secret: Buffer, requestAuthenticator: Buffer): Buffer {
  const padded = Buffer.alloc(Math.max(16, Math.ceil(password.length / 16) * 16));
  password.copy(padded);
  if (padded.length > 128) throw new RangeError('a User-Password is at most 128 octets');
  const out = Buffer.alloc(padded.length);
  let previous = requestAuthenticator;
  for (let i = 0; i < padded.length; i += 16) {
    const b = md5(secret, previous);
    for (let j = 0; j < 16; j++) out[i + j] = (padded[i + j] as number) ^ (b[j] as number);
    previous = out.subarray(i, i + 16);
  }
  return out;
}

/** The inverse of hidePassword, trailing NUL padding removed. */
export function revealPassword(hidden: Buffer, secret: Buffer, requestAuthenticator: Buffer): Buffer {
  if (hidden.length === 0 || hidden.length % 16 !== 0) throw new RadiusDecodeError('a hidden User-Password is a multiple of 16 octets');
  const out = Buffer.alloc(hidden.length);
  let previous = requestAuthenticator;
  for (let i = 0; i < hidden.length; i += 16) {
    const b = md5(secret, previous);
    for (let j = 0; j < 16; j++) out[i + j] = (hidden[i + j] as number) ^ (b[j] as number);
    previous = hidden.subarray(i, i + 16);
  }
  let end = out.length;
  while (end > 0 && out[end - 1] === 0) end--;
  return out.subarray(0, end);
}

const ZERO16 = Buffer.alloc(16);

/** The offset of the Message-Authenticator value in an encoded packet, or -1. */
function messageAuthenticatorOffset(bytes: Buffer): number {
  let at = RADIUS_HEADER_LENGTH;
  const end = bytes.readUInt16BE(2);
  while (at + 2 <= end) {
    const length = bytes[at + 1] as number;
    if (length < 2) return -1;
    if (bytes[at] === RadiusAttribute.messageAuthenticator && length === 18) return at + 2;
    at += length;
  }
  return -1;
}

/** RFC 3579 §3.2: HMAC-MD5 over the packet with the Message-Authenticator value zeroed and `authenticator` in the header. */
function messageAuthenticator(bytes: Buffer, offset: number, authenticator: Buffer, secret: Buffer): Buffer {
  const copy = Buffer.from(bytes.subarray(0, bytes.readUInt16BE(2)));
  authenticator.copy(copy, 4);
  ZERO16.copy(copy, offset);
  return createHmac('md5', secret).update(copy).digest();
}

/**
 * An Access-Request ready to send: the given attributes plus a
 * Message-Authenticator, with `authenticator` (random if not given) as
 * Request Authenticator.
 */
export function encodeAccessRequest(identifier: number, attributes: readonly RawAttribute[], secret: Buffer, authenticator: Buffer = randomBytes(16)): Buffer {
  const withMa = [...attributes, { type: RadiusAttribute.messageAuthenticator, value: ZERO16 }];
  const bytes = encodePacket({ code: RadiusCode.accessRequest, identifier, authenticator, attributes: withMa });
  const offset = messageAuthenticatorOffset(bytes);
  messageAuthenticator(bytes, offset, authenticator, secret).copy(bytes, offset);
  return bytes;
}

/** RFC 2866 §3: the Request Authenticator of an Accounting-Request. */
export function encodeAccountingRequest(identifier: number, attributes: readonly RawAttribute[], secret: Buffer): Buffer {
  const bytes = encodePacket({ code: RadiusCode.accountingRequest, identifier, authenticator: ZERO16, attributes });
  md5(bytes, secret).copy(bytes, 4);
  return bytes;
}

/** Checks the Request Authenticator of an Accounting-Request (what a server does; used by tests). */
export function verifyAccountingRequest(bytes: Buffer, secret: Buffer): boolean {
  const length = bytes.readUInt16BE(2);
  const copy = Buffer.from(bytes.subarray(0, length));
  ZERO16.copy(copy, 4);
  return md5(copy, secret).equals(bytes.subarray(4, 20));
}

/** RFC 2865 §3: the Response Authenticator for a response to a request with `requestAuthenticator`. */
export function responseAuthenticator(bytes: Buffer, requestAuthenticator: Buffer, secret: Buffer): Buffer {
  const length = bytes.readUInt16BE(2);
  return md5(bytes.subarray(0, 4), requestAuthenticator, bytes.subarray(20, length), secret);
}

/**
 * Encodes a response (server side; for tests and the fake server): the
 * Response Authenticator, and a Message-Authenticator when the attributes
 * carry one (its value is computed here).
 */
export function encodeResponse(code: number, identifier: number, attributes: readonly RawAttribute[], requestAuthenticator: Buffer, secret: Buffer): Buffer {
  const bytes = encodePacket({ code, identifier, authenticator: requestAuthenticator, attributes });
  const offset = messageAuthenticatorOffset(bytes);
  if (offset >= 0) messageAuthenticator(bytes, offset, requestAuthenticator, secret).copy(bytes, offset);
  responseAuthenticator(bytes, requestAuthenticator, secret).copy(bytes, 4);
  return bytes;
}

/**
 * Decodes a response to the request whose authenticator is given and checks
 * it: the Response Authenticator, and the Message-Authenticator if present
 * (RFC 3579 §3.2: a wrong one means silently discard).
 */
export function decodeResponse(bytes: Buffer, requestAuthenticator: Buffer, secret: Buffer): RadiusPacket {
  const packet = decodePacket(bytes);
  if (!responseAuthenticator(bytes, requestAuthenticator, secret).equals(packet.authenticator)) {
    throw new RadiusDecodeError('the Response Authenticator does not match (wrong shared secret?)');
  }
  const offset = messageAuthenticatorOffset(bytes);
  if (offset >= 0 && !messageAuthenticator(bytes, offset, requestAuthenticator, secret).equals(bytes.subarray(offset, offset + 16))) {
    throw new RadiusDecodeError('the Message-Authenticator does not match');
  }
  return packet;
}
