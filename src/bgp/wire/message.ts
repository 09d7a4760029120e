/**
 * Whole BGP messages, header included: the top-level decode dispatch and its
 * encoder. Bodies are handled per type in messages/.
 */
import { HEADER_LENGTH, MessageType } from './constants';
import type { CodecContext } from './context';
import { BgpError, EncodeError, ErrorCode, HeaderSubcode } from './errors';
import { decodeHeader, frameMessage } from './header';
import { decodeKeepaliveBody, encodeKeepaliveBody } from './messages/keepalive';
import { decodeNotificationBody, encodeNotificationBody } from './messages/notification';
import { decodeOpenBody, encodeOpenBody } from './messages/open';
import { decodeRouteRefreshBody, encodeRouteRefreshBody } from './messages/route-refresh';
import type { BgpMessage } from './messages/types';
import { decodeUpdateBody, encodeUpdateBody, encodeUpdateMessage } from './messages/update';

/**
 * Decodes one complete message. `buf` must hold exactly the message: a Length
 * field that disagrees with the octets given is a Bad Message Length (1/2)
 * carrying the Length field, as the framer would have cut it differently.
 */
export function decodeMessage(buf: Buffer, ctx: CodecContext): BgpMessage {
  const header = decodeHeader(buf, 0, ctx);
  if (header.length !== buf.length) {
    const data = Buffer.alloc(2);
    data.writeUInt16BE(header.length, 0);
    throw new BgpError(
      ErrorCode.MessageHeader,
      HeaderSubcode.BadMessageLength,
      `Length field says ${header.length} octets but ${buf.length} were given`,
      data,
    );
  }
  const body = buf.subarray(HEADER_LENGTH, header.length);
  switch (header.type) {
    case MessageType.Open:
      return decodeOpenBody(body);
    case MessageType.Update:
      return decodeUpdateBody(body, ctx);
    case MessageType.Notification:
      return decodeNotificationBody(body);
    case MessageType.Keepalive:
      return decodeKeepaliveBody(body);
    case MessageType.RouteRefresh:
      return decodeRouteRefreshBody(body, buf);
    default:
      // decodeHeader rejects every other type with 1/3.
      throw new BgpError(ErrorCode.MessageHeader, HeaderSubcode.BadMessageType, `unknown message type ${header.type}`, Buffer.from([header.type]));
  }
}

function typeCodeAndBody(msg: BgpMessage, ctx: CodecContext): [number, Buffer] {
  switch (msg.type) {
    case 'open':
      return [MessageType.Open, encodeOpenBody(msg)];
    case 'update':
      return [MessageType.Update, encodeUpdateBody(msg, ctx)];
    case 'notification':
      return [MessageType.Notification, encodeNotificationBody(msg)];
    case 'keepalive':
      return [MessageType.Keepalive, encodeKeepaliveBody()];
    case 'route-refresh':
      return [MessageType.RouteRefresh, encodeRouteRefreshBody(msg)];
    default: {
      const never: never = msg;
      throw new EncodeError(`unhandled message ${String(never)}`);
    }
  }
}

/**
 * Encodes one complete message. Throws EncodeError when it would exceed the
 * maximum this session may send for its type (4096, or 65535 for
 * UPDATE/NOTIFICATION/ROUTE-REFRESH with Extended Message, RFC 8654 §4).
 */
export function encodeMessage(msg: BgpMessage, ctx: CodecContext): Buffer {
  if (msg.type === 'update') return encodeUpdateMessage(msg, ctx);
  const [type, body] = typeCodeAndBody(msg, ctx);
  return frameMessage(type, body, ctx);
}
