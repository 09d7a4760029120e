/**
 * The public API of the BGP wire codec: types, value helpers, and the
 * decode/encode functions for whole messages, bodies, capabilities and the
 * stream framer. Everything is pure (no I/O, clock or logging).
 */
export * from './constants';
export * from './context';
export * from './errors';
export { Reader, Writer, type ErrorSpec } from './cursor';

export * from './values/ip';
export * from './values/asn';
export * from './values/prefix';
export * from './values/rd';
export * from './values/community';
export * from './values/ext-community';
export * from './values/large-community';
export * from './values/as-path';

export * from './capabilities/types';
export * from './messages/types';
export * from './attributes/types';
export * from './nlri/types';

export * from './header';
export { MessageFramer, type FramerOptions } from './framer';
export { decodeMessage, encodeMessage } from './message';
export { capabilityCode, decodeCapabilities, decodeCapability, encodeCapabilities, encodeCapability, writeCapability } from './capabilities/codec';
export { BGP_VERSION, OptionalParameterType, decodeOpenBody, encodeOpenBody } from './messages/open';
export {
  MAX_SHUTDOWN_COMMUNICATION,
  decodeNotificationBody,
  decodeShutdownCommunication,
  encodeNotificationBody,
  encodeShutdownCommunication,
  hasShutdownCommunication,
  notificationFromError,
  notificationName,
  shutdownNotification,
  truncateNotification,
} from './messages/notification';
export { KEEPALIVE, decodeKeepaliveBody, encodeKeepaliveBody } from './messages/keepalive';
export { decodeRouteRefreshBody, encodeRouteRefreshBody } from './messages/route-refresh';
export { decodeUpdateBody, encodeUpdateBody, endOfRib, isEndOfRib } from './messages/update';
export {
  ATTRIBUTE_CODE,
  attributeCode,
  decodeAttributeBlock,
  decodeAttributeList,
  encodeAttributeList,
  nextHopMartianReason,
  sortAttributes,
  writeAttribute,
  type AttributeBlock,
  type AttributeDecodeOptions,
  type AttributeEncodeOptions,
} from './attributes';
export { TunnelType, SubTlvCode } from './attributes/tunnel-encapsulation';
export { WITHDRAW_COMPAT_LABEL, decodeNlriList, encodeNlri, encodeNlriList, isParsedFamily } from './nlri';
export * from './json';
