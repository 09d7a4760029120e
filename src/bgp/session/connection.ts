/**
 * One TCP connection of a BGP session: bytes in → framed, decoded messages →
 * FSM events; messages out → encoded bytes, UPDATEs through the bounded
 * OutboundQueue, KEEPALIVE/OPEN/NOTIFICATION straight to the socket (they are
 * small and rare, and must not wait behind a table dump or the HoldTimer of a
 * slow peer would expire).
 *
 * The connection knows nothing of the FSM's state: it reports events to its
 * owner (one `SessionSlot`) and is told the negotiated session when the OPEN
 * exchange completes, from which point it reads and writes with the session's
 * codec contexts (ADD-PATH, 4-octet AS, Extended Message).
 */
import { DEFAULT_CONTEXT, withContext, type CodecContext } from '../wire/context';
import { MAX_EXTENDED_MESSAGE_LENGTH, MAX_MESSAGE_LENGTH } from '../wire/constants';
import { BgpError, ErrorCode } from '../wire/errors';
import { MessageFramer } from '../wire/framer';
import { decodeMessage, encodeMessage } from '../wire/message';
import { truncateNotification } from '../wire/messages/notification';
import type { BgpMessage } from '../wire/messages/types';
import type { Clock, TimerHandle } from './clock';
import type { Initiator } from './collision';
import type { FsmEvent } from './fsm-types';
import type { NegotiatedSession } from './negotiate-types';
import { countMessage, countMessages, type MessageCounters } from './message-counters';
import { OutboundQueue, type Watermarks } from './outbound-queue';
import type { BgpSocket } from './socket';
import { socketErrorText } from './socket';


export interface ConnectionHandler {
  /** A TCP or message event for this connection's FSM. */
  event(connection: Connection, event: FsmEvent): void;
  /** `count` UPDATE-queue messages reached the socket. */
  updatesSent(connection: Connection, count: number): void;
  /** The UPDATE queue was full and has drained below its low watermark. */
  writable(connection: Connection): void;
  /** Messages of one socket read are about to be handled (`reading` true), or have all been (false). */
  reading(connection: Connection, reading: boolean): void;
}

export interface ConnectionOptions {
  readonly initiator: Initiator;
  readonly clock: Clock;
  readonly counters: MessageCounters;
  readonly watermarks?: Watermarks;
  /** How long a NOTIFICATION may take to flush before the socket is destroyed anyway, ms. */
  readonly lingerMs?: number;
}

const DEFAULT_LINGER_MS = 2000;

export class Connection {
  readonly initiator: Initiator;
  private readonly framer = new MessageFramer();
  private readonly queue: OutboundQueue;
  private decodeContext: CodecContext = DEFAULT_CONTEXT;
  private encodeContext: CodecContext = DEFAULT_CONTEXT;
  /** Closed by us or by the peer: no event reaches the handler any more. */
  private detached = false;
  private lingerTimer: TimerHandle | null = null;
  /** The socket error that ended (or will end) the connection, as text for `show neighbors`. */
  private failureText: string | null = null;
  /** Resolves once the socket is fully closed (for an orderly shutdown). */
  readonly closed: Promise<void>;
  private resolveClosed: () => void = () => undefined;

  constructor(
    private readonly socket: BgpSocket,
    private readonly handler: ConnectionHandler,
    private readonly options: ConnectionOptions,
  ) {
    this.initiator = options.initiator;
    this.closed = new Promise((resolve) => {
      this.resolveClosed = resolve;
    });
    this.queue = new OutboundQueue(
      {
        write: (buf) => this.writeBatched(buf),
        sent: (n) => this.handler.updatesSent(this, n),
        writable: () => this.handler.writable(this),
      },
      options.watermarks,
    );
    socket.on('data', (chunk: Buffer) => this.onData(chunk));
    socket.on('drain', () => this.queue.drained());
    socket.on('error', (err: Error) => {
      this.failureText ??= socketErrorText(err);
    });
    socket.on('close', () => this.onClose());
    if (options.initiator === 'local') socket.on('connect', () => this.report({ type: 'Tcp_CR_Acked' }));
    // Closed before we attached (an accepted socket the peer reset at once): 'close' will not come again.
    if (socket.destroyed) queueMicrotask(() => this.onClose());
  }

  get remoteAddress(): string | undefined {
    return this.socket.remoteAddress;
  }

  get localAddress(): string | undefined {
    return this.socket.localAddress;
  }

  get isOpen(): boolean {
    return !this.detached;
  }

  /** Why the connection failed, when a socket error said so. */
  get failure(): string | null {
    return this.failureText;
  }

  get queuedBytes(): number {
    return this.queue.queuedBytes;
  }

  get isFull(): boolean {
    return this.queue.isFull;
  }

  /** RFC 4271 §8: from the OPEN exchange on, the negotiated capabilities shape the codec. */
  setSession(session: NegotiatedSession): void {
    // The RIB reads the NLRI field's prefixes from its octets (FieldUpdate).
    this.decodeContext = withContext({ ipv4FieldOnly: true }, session.decodeContext);
    this.encodeContext = session.encodeContext;
    // RFC 8654 §3: the larger limit applies once both sides announced Extended Message.
    this.framer.setExtendedMessage(session.extendedMessage);
  }

  /**
   * Sends a message. UPDATE and ROUTE-REFRESH go through the bounded queue
   * (false: the queue is full, wait for `writable`); the others are written at once.
   * Throws EncodeError when the message cannot be encoded for this session.
   */
  /** `send` of an UPDATE already encoded for this session: through the bounded queue. */
  /** Queues UPDATEs already in wire form: one or more whole messages back to back, one queue item. */
  sendEncoded(updates: Buffer): boolean {
    if (this.detached) return false;
    return this.queue.enqueue(updates);
  }

  send(message: BgpMessage): boolean {
    if (this.detached) return false;
    switch (message.type) {
      case 'update':
      case 'route-refresh':
        return this.queue.enqueue(encodeMessage(message, this.encodeContext));
      case 'notification': {
        // Error data (a whole offending UPDATE) may not fit the peer's limit (RFC 8654 §4); the code and subcode must get through.
        const max = this.encodeContext.extendedMessage ? MAX_EXTENDED_MESSAGE_LENGTH : MAX_MESSAGE_LENGTH;
        this.write(encodeMessage(truncateNotification(message, max), this.encodeContext));
        return true;
      }
      case 'open':
      case 'keepalive':
        this.write(encodeMessage(message, this.encodeContext));
        return true;
      default: {
        const never: never = message;
        return never;
      }
    }
  }

  /**
   * Closes the connection. With `flush`, what was written (a NOTIFICATION,
   * RFC 4271 §6) is sent before the FIN, waiting at most the linger time for a
   * peer that does not read; queued UPDATEs are dropped either way.
   */
  close(flush: boolean): void {
    if (this.detached) return;
    this.detached = true;
    this.queue.clear();
    if (!flush || this.socket.destroyed) {
      this.socket.destroy();
      return;
    }
    this.socket.end();
    // Keep reading (and discarding) so the peer's FIN is seen and the socket closes without waiting for the linger timer.
    this.socket.resume();
    this.lingerTimer = this.options.clock.setTimer(this.options.lingerMs ?? DEFAULT_LINGER_MS, () => {
      this.lingerTimer = null;
      this.socket.destroy();
    });
  }

  private write(buf: Buffer): boolean {
    countMessage(this.options.counters.sent, buf);
    return this.socket.write(buf);
  }

  /**
   * Queued messages (UPDATEs): a pump step queues hundreds in one go; corked
   * until the next tick, they leave in one writev instead of one system call
   * (and one stream write request) each. OPEN, KEEPALIVE and NOTIFICATION go
   * out at once (write above).
   */
  private writeBatched(buf: Buffer): boolean {
    // Queued items may hold several UPDATEs (the speaker's chunks): each is counted.
    countMessages(this.options.counters.sent, buf);
    if (!this.corked && this.socket.cork && this.socket.uncork) {
      this.corked = true;
      this.socket.cork();
      process.nextTick(() => {
        this.corked = false;
        if (!this.socket.destroyed) this.socket.uncork?.();
      });
    }
    return this.socket.write(buf);
  }

  private corked = false;

  private report(event: FsmEvent): void {
    if (!this.detached) this.handler.event(this, event);
  }

  private onData(chunk: Buffer): void {
    if (this.detached) return;
    let frames: Buffer[];
    try {
      frames = this.framer.push(chunk);
    } catch (e) {
      // RFC 4271 §6.1: a bad marker, length or type gets its NOTIFICATION now, not at hold expiry.
      this.socket.pause();
      this.report(decodeFailure(e, true));
      return;
    }
    if (frames.length === 0) return;
    // The messages of one read are handled as one step: the speaker sends what they changed once, after the last.
    this.handler.reading(this, true);
    try {
      for (const frame of frames) {
        if (this.detached) return;
        countMessage(this.options.counters.received, frame);
        // Decoded one at a time: the OPEN just handled may have changed the context for the next.
        this.report(this.decode(frame));
      }
    } finally {
      this.handler.reading(this, false);
    }
  }

  private decode(frame: Buffer): FsmEvent {
    let message: BgpMessage;
    try {
      message = decodeMessage(frame, this.decodeContext);
    } catch (e) {
      return decodeFailure(e, false, frame[18]);
    }
    switch (message.type) {
      case 'open':
        return { type: 'BGPOpen', open: message };
      case 'update':
        return { type: 'UpdateMsg', update: message };
      case 'notification':
        return { type: 'NotifMsg', notification: message };
      case 'keepalive':
        return { type: 'KeepAliveMsg' };
      case 'route-refresh':
        return { type: 'RouteRefreshMsg', message };
      default: {
        const never: never = message;
        return never;
      }
    }
  }

  private onClose(): void {
    this.resolveClosed();
    if (this.lingerTimer !== null) {
      this.options.clock.clearTimer(this.lingerTimer);
      this.lingerTimer = null;
    }
    if (this.detached) return;
    this.failureText ??= 'connection closed by peer';
    this.report({ type: 'TcpConnectionFails' });
    this.detached = true;
    this.queue.clear();
  }
}

const OPEN_TYPE = 1;

/**
 * A codec failure as the FSM event RFC 4271 §8.1.5 names: header errors
 * (code 1) are BGPHeaderErr (21), OPEN errors BGPOpenMsgErr (22), and every
 * other message error, UPDATE (code 3) and ROUTE-REFRESH (code 7, RFC 7313
 * §5) alike, UpdateMsgErr (28), whose NOTIFICATION is the one the codec chose.
 */
function decodeFailure(e: unknown, header: boolean, messageType?: number): FsmEvent {
  // Not a BgpError: a decoder bug. The session cannot continue safely; Cease/Unspecific says so without blaming the peer.
  const error = e instanceof BgpError ? e : { code: ErrorCode.Cease, subcode: 0, data: new Uint8Array(0) };
  if (header || error.code === ErrorCode.MessageHeader) return { type: 'BGPHeaderErr', error };
  if (messageType === OPEN_TYPE) return { type: 'BGPOpenMsgErr', error };
  return { type: 'UpdateMsgErr', error };
}
