/** MRT (RFC 6396, RFC 8050): record types, framing, decoding and encoding. Pure: Buffers in and out. */
export * from './constants';
export * from './types';
export { decodeMrtHeader, encodeMrtHeader, MrtFramer, type MrtFrame } from './header';
export { decodeFrame, decodeMrtRecord, readMrtBuffer } from './record';
export { nlriEntryLength } from './fields';
export { encodeMessage, encodeMrtRecord, encodePeerIndexTable, encodeRib, encodeRibGeneric, encodeStateChange, isWritableMrtRecord, type WritableMrtRecord } from './writer';
