/**
 * The handler module the userspace backend loads in each packet worker: the
 * FIB forwarder (src/fib/forwarder.ts). New FIB snapshots arrive as control
 * messages; routes and next-hop states need none (shared memory).
 */
import type { FibSnapshot } from '../../data-plane';
import { Forwarder, type ForwarderInit } from '../../forwarder';
import type { EmitResult, HandlerFactory, PacketHandler } from './handler';

/** The control message the daemon broadcasts when the FIB publishes a snapshot. */
export interface SnapshotMessage {
  readonly type: 'fib-snapshot';
  readonly snapshot: FibSnapshot;
}

function isSnapshotMessage(m: unknown): m is SnapshotMessage {
  return typeof m === 'object' && m !== null && (m as { type?: unknown }).type === 'fib-snapshot';
}

export const createHandler: HandlerFactory = (init: unknown): PacketHandler => {
  const forwarder = new Forwarder(init as ForwarderInit);
  return {
    handle: (inBuf: Buffer, len: number, ingress: number, out: Buffer, result: EmitResult): number => forwarder.handle(inBuf, len, ingress, out, result),
    idle: (): void => forwarder.idle(),
    control: (message: unknown): void => {
      if (isSnapshotMessage(message)) forwarder.update(message.snapshot);
    },
  };
};
