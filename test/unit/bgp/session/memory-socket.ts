/**
 * In-memory socket pairs for driver tests: what one end writes the other
 * reads, asynchronously like TCP. `mute` drops what an end writes (a peer that
 * stops sending), without closing anything.
 */
import { Duplex } from 'node:stream';

export class MemorySocket extends Duplex {
  peer: MemorySocket | null = null;
  /** Drop everything written from this end. */
  mute = false;
  readonly remoteAddress: string;
  readonly remotePort = 179;

  constructor(remoteAddress: string) {
    super({ allowHalfOpen: false });
    this.remoteAddress = remoteAddress;
  }

  /** This end vanishes without a FIN or RST reaching the other end (a crashed host). */
  crash(): void {
    this.peer = null;
    this.destroy();
  }

  override _read(): void {
    // Data is pushed by the other end.
  }

  override _write(chunk: Buffer, _encoding: BufferEncoding, callback: (error?: Error | null) => void): void {
    const p = this.peer;
    if (!this.mute && p !== null && !p.destroyed) p.push(chunk);
    callback();
  }

  override _final(callback: (error?: Error | null) => void): void {
    this.peer?.push(null);
    callback();
  }

  override _destroy(error: Error | null, callback: (error?: Error | null) => void): void {
    const p = this.peer;
    this.peer = null;
    if (p !== null && !p.destroyed) p.destroy();
    callback(error);
  }
}

/** Two connected ends; `a` sees `bAddress` as its remote address and vice versa. */
export function socketPair(aAddress: string, bAddress: string): [MemorySocket, MemorySocket] {
  const a = new MemorySocket(bAddress);
  const b = new MemorySocket(aAddress);
  a.peer = b;
  b.peer = a;
  return [a, b];
}

/** Lets stream events (nextTick, microtasks, immediates) run. */
export async function settle(rounds = 5): Promise<void> {
  for (let i = 0; i < rounds; i++) await new Promise<void>((resolve) => setImmediate(resolve));
}
