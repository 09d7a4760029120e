import { DEFAULT_CONTEXT } from '../../../../../src/bgp/wire/context';
import { BgpError, EncodeError } from '../../../../../src/bgp/wire/errors';
import { frameMessage } from '../../../../../src/bgp/wire/header';
import {
  decodeNotificationBody,
  decodeShutdownCommunication,
  encodeNotificationBody,
  encodeShutdownCommunication,
  notificationFromError,
  notificationName,
  shutdownNotification,
  truncateNotification,
} from '../../../../../src/bgp/wire/messages/notification';
import type { NotificationMessage } from '../../../../../src/bgp/wire/messages/types';
import { expectBgpError, hex } from '../../../../helpers/bgp';

const V4 = hex('ffffffffffffffffffffffffffffffff 0015 03 04 00');
const V4B = hex('ffffffffffffffffffffffffffffffff00210306020b6d61696e74656e616e6365');

describe('PROTOCOLS.md §8 NOTIFICATION vectors', () => {
  it('V4: Hold Timer Expired', () => {
    const expected: NotificationMessage = { type: 'notification', code: 4, subcode: 0, data: Buffer.alloc(0) };
    expect(decodeNotificationBody(V4.subarray(19))).toEqual(expected);
    expect(frameMessage(3, encodeNotificationBody(expected), DEFAULT_CONTEXT).equals(V4)).toBe(true);
  });

  it('V4b: Cease/Administrative Shutdown with "maintenance" (RFC 9003)', () => {
    const decoded = decodeNotificationBody(V4B.subarray(19));
    expect(decoded).toEqual({ type: 'notification', code: 6, subcode: 2, data: hex('0b6d61696e74656e616e6365'), shutdownMessage: 'maintenance' });
    expect(frameMessage(3, encodeNotificationBody(decoded), DEFAULT_CONTEXT).equals(V4B)).toBe(true);
    expect(frameMessage(3, encodeNotificationBody(shutdownNotification(2, 'maintenance')), DEFAULT_CONTEXT).equals(V4B)).toBe(true);
  });
});

describe('RFC 9003 Shutdown Communication', () => {
  it('is read for Cease 4 (Administrative Reset) too, and an empty one is ""', () => {
    expect(decodeNotificationBody(hex('0604 03 616263')).shutdownMessage).toBe('abc');
    expect(decodeNotificationBody(hex('0604 00')).shutdownMessage).toBe('');
  });

  it('is not read for other Cease subcodes', () => {
    expect(decodeNotificationBody(hex('0603 03 616263')).shutdownMessage).toBeUndefined();
  });

  it('decodes UTF-8 text', () => {
    const text = 'Wartung – bis 18:00 ✓';
    const data = encodeShutdownCommunication(text);
    expect(decodeNotificationBody(Buffer.concat([hex('0602'), data])).shutdownMessage).toBe(text);
  });

  it('gives no message for invalid UTF-8 (MUST NOT interpret) and keeps the data raw', () => {
    const m = decodeNotificationBody(hex('0602 02 c328'));
    expect(m.shutdownMessage).toBeUndefined();
    expect(Buffer.from(m.data).toString('hex')).toBe('02c328');
  });

  it('gives no message when the length overruns the data', () => {
    const m = decodeNotificationBody(hex('0604 40 30313233343536373839'));
    expect(m.shutdownMessage).toBeUndefined();
    expect(Buffer.from(m.data).toString('hex')).toBe('4030313233343536373839');
  });

  it('keeps trailing octets after the message in the raw data', () => {
    const m = decodeNotificationBody(hex('0604 02 6869 ffff'));
    expect(m.shutdownMessage).toBe('hi');
    expect(Buffer.from(m.data).toString('hex')).toBe('026869ffff');
  });

  it('accepts up to 255 octets and cuts longer text at a character boundary', () => {
    expect(decodeShutdownCommunication(encodeShutdownCommunication('x'.repeat(255)))).toBe('x'.repeat(255));
    const cut = encodeShutdownCommunication('é'.repeat(200)); // 400 octets of UTF-8
    expect(cut[0]).toBe(254);
    expect(decodeShutdownCommunication(cut)).toBe('é'.repeat(127));
  });

  it('the encoder builds the RFC 9003 data from shutdownMessage when data is empty', () => {
    const body = encodeNotificationBody({ type: 'notification', code: 6, subcode: 4, data: Buffer.alloc(0), shutdownMessage: 'bye' });
    expect(body.toString('hex')).toBe('060403627965');
  });
});

describe('NOTIFICATION decoding and encoding', () => {
  it('keeps any data raw', () => {
    const m = decodeNotificationBody(hex('0102 1388'));
    expect(m).toEqual({ type: 'notification', code: 1, subcode: 2, data: hex('1388') });
    expect(encodeNotificationBody(m).toString('hex')).toBe('01021388');
  });

  it('a body under 2 octets is 1/2, not a RangeError', () => {
    expectBgpError(() => decodeNotificationBody(hex('06')), 1, 2);
  });

  it('refuses a code outside one octet', () => {
    expect(() => encodeNotificationBody({ type: 'notification', code: 256, subcode: 0, data: Buffer.alloc(0) })).toThrow(EncodeError);
  });

  it('builds the NOTIFICATION for a BgpError', () => {
    const err = new BgpError(1, 2, 'bad length', hex('1388'));
    expect(encodeNotificationBody(notificationFromError(err)).toString('hex')).toBe('01021388');
  });

  it('truncates error data to fit a maximum length', () => {
    const big: NotificationMessage = { type: 'notification', code: 3, subcode: 1, data: Buffer.alloc(5000, 1) };
    const cut = truncateNotification(big, 4096);
    expect(frameMessage(3, encodeNotificationBody(cut), DEFAULT_CONTEXT).length).toBe(4096);
    const small: NotificationMessage = { type: 'notification', code: 4, subcode: 0, data: Buffer.alloc(0) };
    expect(truncateNotification(small, 4096)).toBe(small);
  });
});

describe('notificationName', () => {
  it.each([
    [1, 1, 'Message Header Error/Connection Not Synchronized'],
    [1, 2, 'Message Header Error/Bad Message Length'],
    [1, 3, 'Message Header Error/Bad Message Type'],
    [2, 0, 'OPEN Message Error/Unspecific'],
    [2, 1, 'OPEN Message Error/Unsupported Version Number'],
    [2, 2, 'OPEN Message Error/Bad Peer AS'],
    [2, 3, 'OPEN Message Error/Bad BGP Identifier'],
    [2, 4, 'OPEN Message Error/Unsupported Optional Parameter'],
    [2, 5, 'OPEN Message Error/Authentication Failure (deprecated)'],
    [2, 6, 'OPEN Message Error/Unacceptable Hold Time'],
    [2, 7, 'OPEN Message Error/Unsupported Capability'],
    [2, 11, 'OPEN Message Error/Role Mismatch'],
    [3, 1, 'UPDATE Message Error/Malformed Attribute List'],
    [3, 2, 'UPDATE Message Error/Unrecognized Well-known Attribute'],
    [3, 3, 'UPDATE Message Error/Missing Well-known Attribute'],
    [3, 4, 'UPDATE Message Error/Attribute Flags Error'],
    [3, 5, 'UPDATE Message Error/Attribute Length Error'],
    [3, 6, 'UPDATE Message Error/Invalid ORIGIN Attribute'],
    [3, 7, 'UPDATE Message Error/AS Routing Loop (deprecated)'],
    [3, 8, 'UPDATE Message Error/Invalid NEXT_HOP Attribute'],
    [3, 9, 'UPDATE Message Error/Optional Attribute Error'],
    [3, 10, 'UPDATE Message Error/Invalid Network Field'],
    [3, 11, 'UPDATE Message Error/Malformed AS_PATH'],
    [4, 0, 'Hold Timer Expired'],
    [5, 0, 'Finite State Machine Error/Unspecified Error'],
    [5, 1, 'Finite State Machine Error/Receive Unexpected Message in OpenSent State'],
    [5, 2, 'Finite State Machine Error/Receive Unexpected Message in OpenConfirm State'],
    [5, 3, 'Finite State Machine Error/Receive Unexpected Message in Established State'],
    [6, 1, 'Cease/Maximum Number of Prefixes Reached'],
    [6, 2, 'Cease/Administrative Shutdown'],
    [6, 3, 'Cease/Peer De-configured'],
    [6, 4, 'Cease/Administrative Reset'],
    [6, 5, 'Cease/Connection Rejected'],
    [6, 6, 'Cease/Other Configuration Change'],
    [6, 7, 'Cease/Connection Collision Resolution'],
    [6, 8, 'Cease/Out of Resources'],
    [6, 9, 'Cease/Hard Reset'],
    [6, 10, 'Cease/BFD Down'],
    [7, 1, 'ROUTE-REFRESH Message Error/Invalid Message Length'],
    [8, 0, 'Send Hold Timer Expired'],
    [6, 99, 'Cease/Unknown subcode 99'],
    [4, 1, 'Hold Timer Expired/Unknown subcode 1'],
    [42, 1, 'Unknown error code 42/subcode 1'],
  ])('%i/%i is %p', (code, subcode, name) => {
    expect(notificationName(code, subcode)).toBe(name);
  });
});
