/**
 * The pump's UPDATEs in wire form, written back to back into chunks that
 * go to the session whole: one Buffer, one queue item and one socket write
 * per chunk instead of per UPDATE. A table transfer sends tens of
 * thousands of UPDATEs; while a slow receiver keeps them queued, one
 * object each outlived the young generation and the collector copied them
 * (bench:ingest). A chunk handed on is a view of its buffer; the rest of
 * the buffer holds the next chunk.
 */
import type { MessageSink } from '../rib/update-builder';

/** Room for several UPDATEs of the usual size (100 to 4,096 octets); a larger message gets a buffer of its own size. */
const CHUNK_SIZE = 16 * 1024;

export class EncodedChunks implements MessageSink {
  buffer: Buffer = Buffer.alloc(0);
  /** Octets of `buffer` written since the last `flush`. */
  private used = 0;

  /** `send` gets each chunk: whole messages, back to back. */
  constructor(private readonly send: (chunk: Buffer) => void) {}

  reserve(length: number): number {
    if (this.used + length > this.buffer.length) {
      this.flush();
      this.buffer = Buffer.allocUnsafe(Math.max(CHUNK_SIZE, length));
    }
    const at = this.used;
    this.used += length;
    return at;
  }

  /** Hands on what was written; call before anything else goes to the session, so the order holds. */
  flush(): void {
    if (this.used === 0) return;
    const chunk = this.buffer.subarray(0, this.used);
    this.buffer = this.buffer.subarray(this.used);
    this.used = 0;
    this.send(chunk);
  }
}
