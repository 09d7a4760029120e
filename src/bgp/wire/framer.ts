/**
 * Splits a TCP byte stream into BGP messages. The header is checked the
 * moment its 19 octets are in, so a bad marker, length or type becomes its
 * NOTIFICATION (1/1, 1/2, 1/3) at once instead of a stall until the hold
 * timer fires while we wait for a body that will never be valid.
 *
 * Chunks are kept in a list and only the octets of a message that straddles
 * chunks are copied (once), so input of any size costs linear time whatever
 * the chunking. A message wholly inside one chunk is returned as a view of
 * that chunk: callers must not reuse pushed buffers (socket data never is).
 */
import { HEADER_LENGTH } from './constants';
import { decodeHeader, type HeaderContext } from './header';

export interface FramerOptions {
  /** RFC 8654 Extended Message negotiated (raises the limit for UPDATE/NOTIFICATION/ROUTE-REFRESH). */
  readonly extendedMessage?: boolean;
}

export class MessageFramer {
  private chunks: Buffer[] = [];
  /** Index of the first live chunk in `chunks` (avoids shifting the array per message). */
  private head = 0;
  /** Octets of chunks[head] already consumed. */
  private headOffset = 0;
  private buffered = 0;
  /** Total length of the message being assembled, once its header was checked. */
  private pendingLength = 0;
  private ctx: HeaderContext;
  private failure: Error | undefined;

  constructor(options: FramerOptions = {}) {
    this.ctx = { extendedMessage: options.extendedMessage ?? false };
  }

  /** Called by the session once capabilities are exchanged (RFC 8654 §3). */
  setExtendedMessage(enabled: boolean): void {
    this.ctx = { extendedMessage: enabled };
  }

  /** Octets received but not yet returned as a message. */
  get bufferedLength(): number {
    return this.buffered;
  }

  /**
   * Adds received octets and returns every message now complete, in order.
   * Throws the header's BgpError as soon as a bad header is complete; after
   * that the stream is unusable (RFC 4271 §6: the connection is closed) and
   * every later push throws the same error.
   */
  push(chunk: Buffer): Buffer[] {
    if (this.failure) throw this.failure;
    if (chunk.length > 0) {
      this.chunks.push(chunk);
      this.buffered += chunk.length;
    }
    const out: Buffer[] = [];
    try {
      for (;;) {
        if (this.pendingLength === 0) {
          if (this.buffered < HEADER_LENGTH) break;
          // Read where it lies when the header sits in one chunk (every message but those cut by a read): no view made.
          const first = this.chunks[this.head];
          this.pendingLength =
            first !== undefined && first.length - this.headOffset >= HEADER_LENGTH
              ? decodeHeader(first, this.headOffset, this.ctx).length
              : decodeHeader(this.peekHeader(), 0, this.ctx).length;
        }
        if (this.buffered < this.pendingLength) break;
        out.push(this.take(this.pendingLength));
        this.pendingLength = 0;
      }
    } catch (e) {
      this.failure = e instanceof Error ? e : new Error(String(e));
      throw e;
    }
    return out;
  }

  /** The next 19 octets, across chunks: a small copy. */
  private peekHeader(): Buffer {
    const header = Buffer.allocUnsafe(HEADER_LENGTH);
    let filled = 0;
    let offset = this.headOffset;
    for (let i = this.head; filled < HEADER_LENGTH && i < this.chunks.length; i++) {
      const c = this.chunks[i];
      if (!c) break;
      const n = Math.min(c.length - offset, HEADER_LENGTH - filled);
      c.copy(header, filled, offset, offset + n);
      filled += n;
      offset = 0;
    }
    return header;
  }

  /** Removes n buffered octets (n <= buffered) and returns them. */
  private take(n: number): Buffer {
    const first = this.chunks[this.head];
    let result: Buffer;
    if (first && first.length - this.headOffset >= n) {
      result = first.subarray(this.headOffset, this.headOffset + n);
      this.advance(n);
    } else {
      result = Buffer.allocUnsafe(n);
      let filled = 0;
      while (filled < n) {
        const c = this.chunks[this.head];
        if (!c) break;
        const count = Math.min(c.length - this.headOffset, n - filled);
        c.copy(result, filled, this.headOffset, this.headOffset + count);
        filled += count;
        this.advance(count);
      }
    }
    this.buffered -= n;
    return result;
  }

  /** Moves the read position by n octets that lie within chunks[head]. */
  private advance(n: number): void {
    this.headOffset += n;
    const c = this.chunks[this.head];
    if (c && this.headOffset >= c.length) {
      this.head++;
      this.headOffset = 0;
      this.compact();
    }
  }

  /** Drops consumed chunk slots now and then, keeping the array short without a shift per message. */
  private compact(): void {
    if (this.head === this.chunks.length) {
      this.chunks = [];
      this.head = 0;
    } else if (this.head >= 1024 && this.head * 2 >= this.chunks.length) {
      this.chunks = this.chunks.slice(this.head);
      this.head = 0;
    }
  }
}
