/** KEEPALIVE (RFC 4271 §4.4): a header with no body, always exactly 19 octets. */
import { BgpError, ErrorCode, HeaderSubcode } from '../errors';
import type { KeepaliveMessage } from './types';

export const KEEPALIVE: KeepaliveMessage = { type: 'keepalive' };

/** The header check already enforces length 19; a standalone non-empty body is the same 1/2 error. */
export function decodeKeepaliveBody(body: Buffer): KeepaliveMessage {
  if (body.length !== 0) {
    const data = Buffer.alloc(2);
    data.writeUInt16BE((19 + body.length) & 0xffff, 0);
    throw new BgpError(ErrorCode.MessageHeader, HeaderSubcode.BadMessageLength, `KEEPALIVE with a ${body.length}-octet body`, data);
  }
  return KEEPALIVE;
}

export function encodeKeepaliveBody(): Buffer {
  return Buffer.alloc(0);
}
