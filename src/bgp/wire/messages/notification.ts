/**
 * NOTIFICATION body (RFC 4271 §4.5): Error Code(1) Error Subcode(1) Data,
 * with the RFC 9003 Shutdown Communication of Cease subcodes 2 and 4, and the
 * names of every code and subcode for logs.
 */
import { Reader, type ErrorSpec } from '../cursor';
import { type BgpError, CeaseSubcode, EncodeError, ErrorCode, HeaderSubcode } from '../errors';
import type { NotificationMessage } from './types';

const CODE_NAMES: Readonly<Record<number, string>> = {
  1: 'Message Header Error', // RFC 4271 §4.5
  2: 'OPEN Message Error',
  3: 'UPDATE Message Error',
  4: 'Hold Timer Expired',
  5: 'Finite State Machine Error',
  6: 'Cease',
  7: 'ROUTE-REFRESH Message Error', // RFC 7313 §5
  8: 'Send Hold Timer Expired', // RFC 9687
};

const SUBCODE_NAMES: Readonly<Record<number, Readonly<Record<number, string>>>> = {
  // RFC 4271 §6.1
  1: { 1: 'Connection Not Synchronized', 2: 'Bad Message Length', 3: 'Bad Message Type' },
  // RFC 4271 §6.2; 7 RFC 5492 §5; 11 RFC 9234 §4.2
  2: {
    1: 'Unsupported Version Number',
    2: 'Bad Peer AS',
    3: 'Bad BGP Identifier',
    4: 'Unsupported Optional Parameter',
    5: 'Authentication Failure (deprecated)',
    6: 'Unacceptable Hold Time',
    7: 'Unsupported Capability',
    11: 'Role Mismatch',
  },
  // RFC 4271 §6.3
  3: {
    1: 'Malformed Attribute List',
    2: 'Unrecognized Well-known Attribute',
    3: 'Missing Well-known Attribute',
    4: 'Attribute Flags Error',
    5: 'Attribute Length Error',
    6: 'Invalid ORIGIN Attribute',
    7: 'AS Routing Loop (deprecated)',
    8: 'Invalid NEXT_HOP Attribute',
    9: 'Optional Attribute Error',
    10: 'Invalid Network Field',
    11: 'Malformed AS_PATH',
  },
  // RFC 6608 §4 (0 is "Unspecified Error" there, not "Unspecific")
  5: {
    0: 'Unspecified Error',
    1: 'Receive Unexpected Message in OpenSent State',
    2: 'Receive Unexpected Message in OpenConfirm State',
    3: 'Receive Unexpected Message in Established State',
  },
  // RFC 4486 §4 (1-8), RFC 8538 §3 (9), RFC 9384 §3 (10)
  6: {
    1: 'Maximum Number of Prefixes Reached',
    2: 'Administrative Shutdown',
    3: 'Peer De-configured',
    4: 'Administrative Reset',
    5: 'Connection Rejected',
    6: 'Other Configuration Change',
    7: 'Connection Collision Resolution',
    8: 'Out of Resources',
    9: 'Hard Reset',
    10: 'BFD Down',
  },
  // RFC 7313 §5
  7: { 1: 'Invalid Message Length' },
};

/**
 * "Code/Subcode" text for logs, e.g. "Cease/Administrative Shutdown".
 * Codes without subcodes (4, 8) give just the code name when the subcode is 0;
 * subcode 0 elsewhere is "Unspecific" (RFC 4271 §4.5).
 */
export function notificationName(code: number, subcode: number): string {
  const codeName = CODE_NAMES[code];
  if (codeName === undefined) return `Unknown error code ${code}/subcode ${subcode}`;
  const subcodes = SUBCODE_NAMES[code];
  if (subcodes === undefined) return subcode === 0 ? codeName : `${codeName}/Unknown subcode ${subcode}`;
  const subName = subcodes[subcode] ?? (subcode === 0 ? 'Unspecific' : `Unknown subcode ${subcode}`);
  return `${codeName}/${subName}`;
}

/** RFC 9003 §2: the Shutdown Communication may follow Cease subcodes 2 (Administrative Shutdown) and 4 (Administrative Reset). */
export function hasShutdownCommunication(code: number, subcode: number): boolean {
  return code === ErrorCode.Cease && (subcode === CeaseSubcode.AdministrativeShutdown || subcode === CeaseSubcode.AdministrativeReset);
}

/** RFC 9003 §2: at most 255 octets of UTF-8. */
export const MAX_SHUTDOWN_COMMUNICATION = 255;

const strictUtf8 = new TextDecoder('utf-8', { fatal: true });

/**
 * RFC 9003 §2: Length(1) then that many octets of UTF-8. A length that runs
 * past the data, or invalid UTF-8 (which MUST NOT be interpreted), gives
 * undefined; the caller keeps the raw data either way.
 */
export function decodeShutdownCommunication(data: Uint8Array): string | undefined {
  if (data.length < 1) return undefined;
  const length = data[0] ?? 0;
  if (length > data.length - 1) return undefined;
  try {
    return strictUtf8.decode(data.subarray(1, 1 + length));
  } catch {
    return undefined;
  }
}

/** Length octet + UTF-8, cut at a character boundary so it fits the 255-octet limit. */
export function encodeShutdownCommunication(text: string): Buffer {
  let bytes = Buffer.from(text, 'utf8');
  if (bytes.length > MAX_SHUTDOWN_COMMUNICATION) {
    let end = MAX_SHUTDOWN_COMMUNICATION;
    // Back off continuation octets (10xxxxxx) so no character is split.
    while (end > 0 && ((bytes[end] ?? 0) & 0xc0) === 0x80) end--;
    bytes = bytes.subarray(0, end);
  }
  return Buffer.concat([Buffer.from([bytes.length]), bytes]);
}

/** Header checks guarantee 2 octets; a standalone short body is a bad length all the same. */
const SHORT_NOTIFICATION: ErrorSpec = { code: ErrorCode.MessageHeader, subcode: HeaderSubcode.BadMessageLength, what: 'NOTIFICATION' };

/** Decodes a NOTIFICATION body. `data` always holds every octet after the subcode. */
export function decodeNotificationBody(body: Buffer): NotificationMessage {
  const r = new Reader(body, SHORT_NOTIFICATION);
  const code = r.u8();
  const subcode = r.u8();
  const data = r.rest();
  const msg: NotificationMessage = { type: 'notification', code, subcode, data };
  if (!hasShutdownCommunication(code, subcode)) return msg;
  const shutdownMessage = decodeShutdownCommunication(data);
  return shutdownMessage === undefined ? msg : { ...msg, shutdownMessage };
}

/**
 * Encodes a NOTIFICATION body. `data` is sent as given; when it is empty and
 * a `shutdownMessage` is set on Cease 2/4, the RFC 9003 form is built from it.
 */
export function encodeNotificationBody(msg: NotificationMessage): Buffer {
  for (const [name, value] of [['code', msg.code], ['subcode', msg.subcode]] as const) {
    if (!Number.isInteger(value) || value < 0 || value > 255) throw new EncodeError(`NOTIFICATION ${name} ${value} is outside 0..255`);
  }
  const useShutdown = msg.data.length === 0 && msg.shutdownMessage !== undefined && hasShutdownCommunication(msg.code, msg.subcode);
  const data = useShutdown ? encodeShutdownCommunication(msg.shutdownMessage ?? '') : msg.data;
  return Buffer.concat([Buffer.from([msg.code, msg.subcode]), data]);
}

/** The NOTIFICATION to send for a protocol error (RFC 4271 §6). */
export function notificationFromError(err: BgpError): NotificationMessage {
  return { type: 'notification', code: err.code, subcode: err.subcode, data: err.data };
}

/**
 * The NOTIFICATION cut to fit `maxLength` octets (header included): error data
 * such as a whole offending UPDATE (RFC 7313 §5, RFC 4271 §6.3) may not fit
 * the peer's limit (4096 without Extended Message, RFC 8654 §4). Cutting the
 * data keeps the code and subcode deliverable; the encoder itself never truncates.
 */
export function truncateNotification(msg: NotificationMessage, maxLength: number): NotificationMessage {
  const room = Math.max(0, maxLength - 21);
  if (msg.data.length <= room) return msg;
  return { type: 'notification', code: msg.code, subcode: msg.subcode, data: msg.data.subarray(0, room) };
}

/** Cease with an RFC 9003 Shutdown Communication (subcode 2 Administrative Shutdown or 4 Administrative Reset). */
export function shutdownNotification(subcode: 2 | 4, text: string): NotificationMessage {
  const data = encodeShutdownCommunication(text);
  const shutdownMessage = decodeShutdownCommunication(data);
  const msg: NotificationMessage = { type: 'notification', code: ErrorCode.Cease, subcode, data };
  return shutdownMessage === undefined ? msg : { ...msg, shutdownMessage };
}
