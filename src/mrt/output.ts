/**
 * A buffered writer that respects backpressure: formatters write into a
 * ByteSink, the writer sends it in one write once it passes a threshold, and
 * the caller waits for 'drain' when the stream asks it to. A reader that
 * closes early (`| head`) ends the output quietly instead of failing with EPIPE.
 */
import type { Writable } from 'node:stream';
import { ByteSink } from './text-sink';

export class BufferedWriter {
  readonly sink: ByteSink;
  private closed = false;
  private failure: Error | null = null;

  /**
   * `latin1` is the fast path for pure-ASCII text (bgpdump lines); JSON, which
   * may carry UTF-8 view names, uses `utf8`. The output goes in writes of about
   * `threshold` octets: few enough that the cost of a write and of a fresh
   * buffer per write does not show (a megabyte is a few hundred lines of a RIB
   * dump, or thousands of update lines), small enough to stream.
   */
  constructor(
    private readonly out: Writable,
    encoding: 'latin1' | 'utf8' = 'utf8',
    private readonly threshold = 1 << 20,
  ) {
    // Room past the threshold for the record that crosses it, so the buffer rarely grows.
    this.sink = new ByteSink(encoding, threshold + (1 << 16));
    out.on('error', (e: NodeJS.ErrnoException) => {
      if (e.code === 'EPIPE' || e.code === 'ERR_STREAM_DESTROYED') this.closed = true;
      else this.failure = e;
    });
  }

  /** True once the reader went away; producers can stop. */
  get isClosed(): boolean {
    return this.closed;
  }

  /** True when enough is buffered that `flush()` should be awaited. */
  get full(): boolean {
    return this.sink.pos >= this.threshold;
  }

  /** Writes what is buffered and waits while the stream is over its high-water mark. */
  async flush(): Promise<void> {
    if (this.failure) throw this.failure;
    const chunk = this.sink.take();
    if (chunk.length === 0 || this.closed) return;
    if (!this.out.write(chunk)) await this.drained();
    if (this.failure) throw this.failure;
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
