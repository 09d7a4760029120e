/**
 * A buffered text writer that respects backpressure: text collects in memory
 * up to a threshold, then goes out in one write, and the caller waits for
 * 'drain' when the stream asks it to. A reader that closes early (`| head`)
 * ends the output quietly instead of failing with EPIPE.
 */
import type { Writable } from 'node:stream';

export class BufferedWriter {
  /** Text is encoded into this buffer as it arrives (no long strings are built). */
  private buf = Buffer.allocUnsafe(1 << 17);
  private pos = 0;
  private closed = false;
  private failure: Error | null = null;

  /**
   * `latin1` is the fast path for pure-ASCII text (bgpdump lines); JSON, which
   * may carry UTF-8 view names, uses `utf8`.
   */
  constructor(
    private readonly out: Writable,
    private readonly encoding: 'latin1' | 'utf8' = 'utf8',
    private readonly threshold = 1 << 16,
  ) {
    out.on('error', (e: NodeJS.ErrnoException) => {
      if (e.code === 'EPIPE' || e.code === 'ERR_STREAM_DESTROYED') this.closed = true;
      else this.failure = e;
    });
  }

  /** True once the reader went away; producers can stop. */
  get isClosed(): boolean {
    return this.closed;
  }

  /** Adds text; returns true when the buffer is full and `flush()` should be awaited. */
  add(text: string): boolean {
    if (text.length === 0) return false;
    const max = this.encoding === 'latin1' ? text.length : text.length * 3;
    if (this.pos + max > this.buf.length) this.grow(max);
    this.pos += this.encoding === 'latin1' ? this.buf.latin1Write(text, this.pos) : this.buf.utf8Write(text, this.pos);
    return this.pos >= this.threshold;
  }

  /** Writes what is buffered and waits while the stream is over its high-water mark. */
  async flush(): Promise<void> {
    if (this.failure) throw this.failure;
    const chunk = this.buf.subarray(0, this.pos);
    this.buf = Buffer.allocUnsafe(Math.max(1 << 17, this.threshold * 2));
    this.pos = 0;
    if (chunk.length === 0 || this.closed) return;
    if (!this.out.write(chunk)) await this.drained();
    if (this.failure) throw this.failure;
  }

  private grow(extra: number): void {
    const next = Buffer.allocUnsafe(Math.max(this.buf.length * 2, this.pos + extra));
    this.buf.copy(next, 0, 0, this.pos);
    this.buf = next;
  }

  private drained(): Promise<void> {
    return new Promise((resolve) => {
      const done = (): void => {
        this.out.off('drain', done);
        this.out.off('close', done);
        this.out.off('error', done);
        resolve();
      };
      this.out.once('drain', done);
      this.out.once('close', done);
      this.out.once('error', done);
    });
  }
}
