/**
 * The bounded queue of encoded UPDATEs (and ROUTE-REFRESH / End-of-RIB, which
 * must stay in order with them) between the speaker and one socket.
 *
 * Two limits keep memory bounded however slow the peer reads (issue 3: "a slow
 * peer never makes the daemon buffer without bound"):
 *  - the socket: once `write()` returns false nothing more is handed to it
 *    until 'drain', so the kernel and Node buffers hold at most about one
 *    socket high-water mark plus one message;
 *  - this queue: `enqueue` returns false once `highWatermark` bytes wait here,
 *    and `onWritable` fires when it has drained to `lowWatermark`. The message
 *    that crossed the mark is still queued (dropping an UPDATE would desynchronise
 *    the Adj-RIB-Out); the producer is expected to stop until 'writable'.
 * Since each peer has its own queue and nothing here blocks, a stalled peer
 * costs the others nothing.
 */

export interface Watermarks {
  /** Queued bytes at which `enqueue` starts returning false. */
  readonly highWatermark: number;
  /** Queued bytes at or below which a full queue reports writable again. */
  readonly lowWatermark: number;
}

export const DEFAULT_WATERMARKS: Watermarks = { highWatermark: 1 << 20, lowWatermark: 256 << 10 };

export interface QueueCallbacks {
  /** Hands one message to the socket; false means "stop until drained" (socket.write semantics). */
  readonly write: (message: Buffer) => boolean;
  /** `count` messages were handed to the socket (the FSM restarts its KeepaliveTimer, RFC 4271 §8.2.2). */
  readonly sent: (count: number) => void;
  /** The queue was full and has drained to the low watermark. */
  readonly writable: () => void;
}

export class OutboundQueue {
  private items: Buffer[] = [];
  private head = 0;
  private bytes = 0;
  /** The socket returned false from write() and has not drained yet. */
  private socketBlocked = false;
  /** enqueue() returned false and 'writable' is owed. */
  private full = false;

  constructor(
    private readonly callbacks: QueueCallbacks,
    private readonly marks: Watermarks = DEFAULT_WATERMARKS,
  ) {
    if (marks.lowWatermark > marks.highWatermark) throw new RangeError('lowWatermark must not exceed highWatermark');
  }

  /** Bytes waiting in this queue (not yet handed to the socket). */
  get queuedBytes(): number {
    return this.bytes;
  }

  get queuedMessages(): number {
    return this.items.length - this.head;
  }

  /** True while the producer should wait for 'writable'. */
  get isFull(): boolean {
    return this.full;
  }

  /** True while the socket refuses more (write returned false, no 'drain' yet). */
  get isBlocked(): boolean {
    return this.socketBlocked;
  }

  /** Queues one encoded message and writes what the socket accepts. False: stop producing until `writable`. */
  enqueue(message: Buffer): boolean {
    this.items.push(message);
    this.bytes += message.length;
    this.flush();
    if (this.bytes >= this.marks.highWatermark) this.full = true;
    return !this.full;
  }

  /** The socket emitted 'drain'. */
  drained(): void {
    this.socketBlocked = false;
    this.flush();
  }

  /** Forgets everything queued (the connection is going away); no 'writable' follows. */
  clear(): void {
    this.items = [];
    this.head = 0;
    this.bytes = 0;
    this.full = false;
  }

  private flush(): void {
    let sent = 0;
    while (!this.socketBlocked && this.head < this.items.length) {
      const message = this.items[this.head];
      this.items[this.head] = EMPTY;
      this.head++;
      if (message === undefined) continue;
      this.bytes -= message.length;
      sent++;
      this.socketBlocked = !this.callbacks.write(message);
    }
    if (this.head === this.items.length) {
      this.items = [];
      this.head = 0;
    } else if (this.head >= 1024 && this.head * 2 >= this.items.length) {
      this.items = this.items.slice(this.head);
      this.head = 0;
    }
    if (sent > 0) this.callbacks.sent(sent);
    if (this.full && this.bytes <= this.marks.lowWatermark) {
      this.full = false;
      this.callbacks.writable();
    }
  }
}

const EMPTY = Buffer.alloc(0);
