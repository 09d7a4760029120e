/**
 * The part of a node:net Socket the session driver uses, so tests can hand it
 * an in-memory stream pair instead of a TCP connection.
 */
export interface BgpSocket {
  write(data: Buffer): boolean;
  /** Optional write batching (net.Socket has it): writes between cork and uncork leave in one writev. */
  cork?(): void;
  uncork?(): void;
  end(): void;
  destroy(): void;
  pause(): void;
  resume(): void;
  on(event: 'data', listener: (chunk: Buffer) => void): this;
  on(event: 'error', listener: (err: Error) => void): this;
  on(event: 'drain' | 'close' | 'connect', listener: () => void): this;
  readonly destroyed: boolean;
  readonly remoteAddress?: string | undefined;
  readonly remotePort?: number | undefined;
  /** Our end of the connection: the next hop we announce as "self" (RFC 4271 §5.1.3). */
  readonly localAddress?: string | undefined;
}

const ERRNO_TEXT: Readonly<Record<string, string>> = {
  ECONNREFUSED: 'connection refused',
  ECONNRESET: 'connection reset by peer',
  ETIMEDOUT: 'connection timed out',
  EHOSTUNREACH: 'host unreachable',
  ENETUNREACH: 'network unreachable',
  EADDRNOTAVAIL: 'local address not available',
  EPIPE: 'connection closed by peer',
};

/** A socket error as the short text `show neighbors` prints ("connection refused"). */
export function socketErrorText(err: Error): string {
  const code = (err as { code?: unknown }).code;
  if (typeof code === 'string') return ERRNO_TEXT[code] ?? `socket error ${code}`;
  return err.message;
}

/** "::ffff:192.0.2.1" (an IPv4 peer on a dual-stack listener) → "192.0.2.1". */
export function normalizeAddress(address: string): string {
  const lower = address.toLowerCase();
  return lower.startsWith('::ffff:') && lower.includes('.') ? lower.slice(7) : lower;
}
