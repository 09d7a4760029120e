/**
 * Batched datagram I/O for raw-socket ports: sendmmsg(2) and recvmmsg(2) move
 * up to BATCH packets per system call. On this machine (a VM) a system call
 * costs about 1.2 µs before it does any work (docs/packet-io.md), which makes
 * the call count, not JavaScript, the limit of a worker.
 *
 * Native code keeps pointers into the buffers below, so they are allocated
 * once, outside Node's pool (allocUnsafeSlow: their memory never moves) and
 * live as long as the worker. Nothing here allocates per packet.
 */
import koffi from 'koffi';
import { AF_INET, libcIo, MSG_DONTWAIT, type LibcIo } from './libc-io';
import { SOCKADDR_IN_SIZE } from './raw-socket';

/** struct mmsghdr on x86-64: struct msghdr (56 bytes) + unsigned msg_len, padded to 64. */
const MMSGHDR_SIZE = 64;
const MSG_NAME = 0;
const MSG_NAMELEN = 8;
const MSG_IOV = 16;
const MSG_IOVLEN = 24;
const MSG_LEN = 56;
const IOVEC_SIZE = 16;

export const BATCH = 32;
export const SLOT_SIZE = 65536;

interface MmsgCalls {
  sendmmsg(fd: number, msgs: Buffer, count: number, flags: number): number;
  recvmmsg(fd: number, msgs: Buffer, count: number, flags: number, timeout: null): number;
}

let calls: MmsgCalls | undefined;

function mmsgCalls(): MmsgCalls {
  if (calls) return calls;
  const lib = koffi.load('libc.so.6');
  calls = {
    sendmmsg: lib.func('int sendmmsg(int, void *, unsigned int, int)') as MmsgCalls['sendmmsg'],
    recvmmsg: lib.func('int recvmmsg(int, void *, unsigned int, int, void *)') as MmsgCalls['recvmmsg'],
  };
  return calls;
}

/** Writes a 64-bit pointer as two 32-bit halves (no BigInt per call on the hot path). */
function writePointer(buf: Buffer, offset: number, address: bigint): void {
  buf.writeUInt32LE(Number(address & 0xffffffffn), offset);
  buf.writeUInt32LE(Number(address >> 32n), offset + 4);
}

/** BATCH packet buffers with an mmsghdr vector whose entry i points at slot i. */
class SlotVector {
  readonly slots: Buffer[] = [];
  readonly msgs = Buffer.allocUnsafeSlow(BATCH * MMSGHDR_SIZE).fill(0);
  readonly iovs = Buffer.allocUnsafeSlow(BATCH * IOVEC_SIZE).fill(0);

  constructor() {
    for (let i = 0; i < BATCH; i++) {
      const slot = Buffer.allocUnsafeSlow(SLOT_SIZE);
      this.slots.push(slot);
      writePointer(this.iovs, i * IOVEC_SIZE, koffi.address(slot));
      this.iovs.writeUInt32LE(SLOT_SIZE, i * IOVEC_SIZE + 8);
      const m = i * MMSGHDR_SIZE;
      writePointer(this.msgs, m + MSG_IOV, koffi.address(this.iovs) + BigInt(i * IOVEC_SIZE));
      this.msgs.writeUInt32LE(1, m + MSG_IOVLEN);
    }
  }

  slot(i: number): Buffer {
    const s = this.slots[i];
    if (!s) throw new RangeError(`slot ${i} out of ${BATCH}`);
    return s;
  }
}

/**
 * Packets queued for one raw socket, sent with one sendmmsg(). The handler
 * writes straight into `next()`; `commit()` queues it with its destination.
 */
export class SendBatch {
  private readonly vector = new SlotVector();
  private readonly names = Buffer.allocUnsafeSlow(BATCH * SOCKADDR_IN_SIZE).fill(0);
  private readonly lengths = new Int32Array(BATCH);
  private readonly io: LibcIo = libcIo();
  private readonly mmsg = mmsgCalls();
  count = 0;
  /** The port id the queued packets go to (-1: none queued). */
  port = -1;
  fd = -1;

  constructor() {
    for (let i = 0; i < BATCH; i++) {
      const m = i * MMSGHDR_SIZE;
      writePointer(this.vector.msgs, m + MSG_NAME, koffi.address(this.names) + BigInt(i * SOCKADDR_IN_SIZE));
      this.vector.msgs.writeUInt32LE(SOCKADDR_IN_SIZE, m + MSG_NAMELEN);
      this.names.writeUInt16LE(AF_INET, i * SOCKADDR_IN_SIZE);
    }
  }

  /** The buffer the next packet is to be written into. */
  next(): Buffer {
    return this.vector.slot(this.count);
  }

  get full(): boolean {
    return this.count === BATCH;
  }

  /** Queues the packet just written into next(). */
  commit(port: number, fd: number, len: number, dst: number): void {
    const i = this.count;
    this.port = port;
    this.fd = fd;
    this.lengths[i] = len;
    this.vector.iovs.writeUInt32LE(len, i * IOVEC_SIZE + 8);
    this.names.writeUInt32BE(dst >>> 0, i * SOCKADDR_IN_SIZE + 4);
    this.count = i + 1;
  }

  /** Sends everything queued; reports per-outcome totals through the callbacks' arguments. */
  flush(onSent: (port: number, packets: number, bytes: number) => void, onError: (port: number, errno: number) => void): void {
    const { count, fd, port } = this;
    let i = 0;
    while (i < count) {
      // The vector is passed from entry i: a subarray only after a partial send (rare, error path).
      const msgs = i === 0 ? this.vector.msgs : this.vector.msgs.subarray(i * MMSGHDR_SIZE);
      const sent = this.mmsg.sendmmsg(fd, msgs, count - i, 0);
      if (sent > 0) {
        let bytes = 0;
        for (let k = i; k < i + sent; k++) bytes += this.lengths[k] ?? 0;
        onSent(port, sent, bytes);
        i += sent;
      } else {
        // Entry i failed (EAGAIN: send buffer full; ENOBUFS, EMSGSIZE, ...): count it and go on.
        onError(port, this.io.errno());
        i += 1;
      }
    }
    this.count = 0;
    this.port = -1;
  }
}

/** Receives up to BATCH datagrams from one socket with one recvmmsg(). */
export class ReceiveBatch {
  private readonly vector = new SlotVector();
  private readonly mmsg = mmsgCalls();

  /** Number of packets received (0 when none was waiting), or -1 with errno set. */
  receive(fd: number): number {
    return this.mmsg.recvmmsg(fd, this.vector.msgs, BATCH, MSG_DONTWAIT, null);
  }

  packet(i: number): Buffer {
    return this.vector.slot(i);
  }

  length(i: number): number {
    return this.vector.msgs.readUInt32LE(i * MMSGHDR_SIZE + MSG_LEN);
  }
}
