/** Messages in and out by type, for `show neighbors` (the BGP MIB's bgpPeerInTotalMessages and friends, split by type). */
import { MessageType } from '../wire/constants';
import type { BgpMessageType } from '../wire/messages/types';

export type MessageCount = Record<BgpMessageType, number>;

export interface MessageCounters {
  readonly received: MessageCount;
  readonly sent: MessageCount;
}

export function emptyCount(): MessageCount {
  return { open: 0, update: 0, notification: 0, keepalive: 0, 'route-refresh': 0 };
}

export function newCounters(): MessageCounters {
  return { received: emptyCount(), sent: emptyCount() };
}

const TYPE_NAMES: Readonly<Record<number, BgpMessageType>> = {
  [MessageType.Open]: 'open',
  [MessageType.Update]: 'update',
  [MessageType.Notification]: 'notification',
  [MessageType.Keepalive]: 'keepalive',
  [MessageType.RouteRefresh]: 'route-refresh',
};

/** Counts the framed message at `offset` by its header's Type octet (offset 18); unknown types are not counted. */
export function countMessage(count: MessageCount, frame: Buffer, offset = 0): void {
  const name = TYPE_NAMES[frame[offset + 18] ?? 0];
  if (name !== undefined) count[name]++;
}

/** `countMessage` of each message in `frames`, whole messages back to back (the speaker's chunks of UPDATEs). */
export function countMessages(count: MessageCount, frames: Buffer): void {
  for (let p = 0; p + 19 <= frames.length; ) {
    countMessage(count, frames, p);
    const length = frames.readUInt16BE(p + 16);
    if (length < 19) return;
    p += length;
  }
}
