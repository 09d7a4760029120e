/**
 * The worker thread behind one port: it owns the port's receive side, runs the
 * packet handler and writes each result to whichever port the handler chose
 * (descriptors are process-wide). It never posts packets to the main thread:
 * the event loop that runs BGP stays free (docs/packet-io.md).
 *
 * Loop: read until EAGAIN (or `batchLimit` packets), handle, emit; then
 * handler.idle(); then poll() on the port and the wake-up eventfd with no
 * timeout. The main thread stops or signals a worker through shared control
 * words plus one write to the eventfd.
 */
import { isMainThread, parentPort, receiveMessageOnPort, workerData, type MessagePort } from 'node:worker_threads';
import type { EmitResult, HandlerFactory, PacketHandler, Port } from './handler';
import {
  libcIo,
  setNonBlocking,
  EAGAIN,
  EINTR,
  POLLERR,
  POLLFD_SIZE,
  POLLHUP,
  POLLIN,
  POLLNVAL,
  type LibcIo,
} from './libc-io';
import { SOCKADDR_IN_SIZE, sockaddrIn } from './raw-socket';
import { ReceiveBatch, SendBatch } from './mmsg';
import {
  CONTROL_FIELDS,
  CONTROL_MESSAGE_SEQ,
  CONTROL_STOP,
  DROPS,
  HANDLER_ERRORS,
  RX_BYTES,
  RX_ERRORS,
  RX_FIELDS,
  RX_PACKETS,
  TX_BYTES,
  TX_ERRORS,
  TX_FIELDS,
  TX_LAST_ERRNO,
  TX_LAST_ERROR_AT,
  TX_PACKETS,
  rowLength,
} from './counters';

export interface PortWorkerData {
  readonly portId: number;
  readonly ports: readonly Port[];
  /** Absolute path of a compiled .js module exporting `createHandler`. */
  readonly handlerModule: string;
  readonly handlerInit: unknown;
  readonly wakeFd: number;
  readonly maxPorts: number;
  readonly batchLimit: number;
  /** recvmmsg()/sendmmsg() on raw sockets instead of one system call per packet. */
  readonly batchIo: boolean;
  readonly counters: SharedArrayBuffer;
  readonly control: SharedArrayBuffer;
  readonly messages: MessagePort;
}

/** Main thread → worker, on the worker's own channel. */
export type ToWorker = { type: 'user'; message: unknown } | { type: 'port-added'; port: Port };

/** Worker → main thread, on parentPort. */
export type FromWorker =
  | { type: 'ready' }
  | { type: 'handler-error'; message: string; stack: string | undefined; suppressed: number }
  | { type: 'port-error'; message: string };

const BUFFER_SIZE = 65536;
/** At most one handler-error report per second; the counters keep the full count. */
const REPORT_INTERVAL_MS = 1000;

function post(message: FromWorker): void {
  parentPort?.postMessage(message);
}

function loadHandler(data: PortWorkerData, ports: readonly Port[]): PacketHandler {
  const mod: unknown = require(data.handlerModule);
  const factory = typeof mod === 'object' && mod !== null ? (mod as { createHandler?: unknown }).createHandler : undefined;
  if (typeof factory !== 'function') throw new TypeError(`${data.handlerModule} does not export createHandler()`);
  const handler: unknown = (factory as HandlerFactory)(data.handlerInit, ports);
  if (typeof handler !== 'object' || handler === null || typeof (handler as PacketHandler).handle !== 'function') {
    throw new TypeError(`createHandler() of ${data.handlerModule} did not return a PacketHandler`);
  }
  return handler as PacketHandler;
}

class PortLoop {
  private readonly io: LibcIo = libcIo();
  private readonly fd: number;
  private readonly ports: Port[];
  private readonly handler: PacketHandler;
  private readonly cells: Float64Array;
  private readonly control: Int32Array;
  /** Egress table by port id: descriptor (-1: none) and whether it is a raw socket. */
  private readonly egressFd: Int32Array;
  private readonly egressRaw: Uint8Array;
  private readonly inBuf = Buffer.allocUnsafeSlow(BUFFER_SIZE);
  private readonly out = Buffer.allocUnsafeSlow(BUFFER_SIZE);
  private readonly result: EmitResult = { port: -1, dst: 0 };
  private readonly sockaddr = sockaddrIn(0);
  private readonly pollFds = Buffer.alloc(2 * POLLFD_SIZE);
  private readonly wakeBuf = Buffer.alloc(8);
  /** sendmmsg() queue for raw egress and recvmmsg() vector for a raw ingress port (batchIo). */
  private readonly sendBatch: SendBatch | undefined;
  private readonly receiveBatch: ReceiveBatch | undefined;
  private readonly row: number;
  private readonly txRow: number;
  private readonly stopIndex: number;
  private readonly seqIndex: number;
  private seenSeq = -1;
  /** Set after a permanent read error: the loop then only waits for control. */
  private portDisabled = false;
  private lastReportAt = 0;
  private suppressedReports = 0;

  constructor(private readonly data: PortWorkerData) {
    const self = data.ports[data.portId];
    if (!self) throw new RangeError(`port ${data.portId} is not in the ports table`);
    this.fd = self.fd;
    this.ports = [...data.ports];
    this.cells = new Float64Array(data.counters);
    this.control = new Int32Array(data.control);
    this.row = data.portId * rowLength(data.maxPorts);
    this.txRow = this.row + RX_FIELDS;
    this.stopIndex = data.portId * CONTROL_FIELDS + CONTROL_STOP;
    this.seqIndex = data.portId * CONTROL_FIELDS + CONTROL_MESSAGE_SEQ;
    this.egressFd = new Int32Array(data.maxPorts).fill(-1);
    this.egressRaw = new Uint8Array(data.maxPorts);
    for (const p of this.ports) this.setEgress(p);
    setNonBlocking(this.io, this.fd);
    this.pollFds.writeInt32LE(this.fd, 0);
    this.pollFds.writeInt16LE(POLLIN, 4);
    this.pollFds.writeInt32LE(data.wakeFd, 8);
    this.pollFds.writeInt16LE(POLLIN, 12);
    this.sendBatch = data.batchIo ? new SendBatch() : undefined;
    this.receiveBatch = data.batchIo && self.kind === 'raw' ? new ReceiveBatch() : undefined;
    this.handler = loadHandler(data, this.ports);
  }

  run(): void {
    const { io, control, pollFds } = this;
    post({ type: 'ready' });
    for (;;) {
      if (Atomics.load(control, this.stopIndex) !== 0) return;
      if (Atomics.load(control, this.seqIndex) !== this.seenSeq) this.receiveMessages();
      const drained = this.portDisabled || this.drain();
      this.guard(() => this.handler.idle?.());
      if (!drained) continue; // batch limit hit: more is waiting, skip poll
      pollFds.writeInt16LE(0, 6);
      pollFds.writeInt16LE(0, 14);
      if (io.poll(pollFds, 2, -1) < 0 && io.errno() !== EINTR) throw new Error(`poll: errno ${io.errno()}`);
      if ((pollFds.readInt16LE(14) & POLLIN) !== 0) io.read(this.data.wakeFd, this.wakeBuf, 8);
      if ((pollFds.readInt16LE(6) & (POLLERR | POLLHUP | POLLNVAL)) !== 0 && (pollFds.readInt16LE(6) & POLLIN) === 0) {
        this.disablePort(`poll reported ${pollFds.readInt16LE(6)} on ${this.describe()}`);
      }
    }
  }

  /** Reads up to batchLimit packets; true when the descriptor is empty (EAGAIN). */
  private drain(): boolean {
    const empty = this.receiveBatch ? this.drainBatched(this.receiveBatch) : this.drainOneByOne();
    if (this.sendBatch && this.sendBatch.count > 0) this.flushSendBatch();
    return empty;
  }

  /** One read() per packet: TUN descriptors (one packet per read, no batch call exists for them). */
  private drainOneByOne(): boolean {
    const { io, fd, inBuf } = this;
    for (let i = 0; i < this.data.batchLimit; i++) {
      const n = io.read(fd, inBuf, BUFFER_SIZE);
      if (n > 0) {
        this.process(inBuf, n);
        continue;
      }
      if (n === 0) return true;
      const errno = io.errno();
      if (errno === EAGAIN) return true;
      if (errno !== EINTR) return this.readFailed(errno);
    }
    return false;
  }

  /** recvmmsg(): up to BATCH packets per call from a raw socket. */
  private drainBatched(batch: ReceiveBatch): boolean {
    for (let i = 0; i < this.data.batchLimit; ) {
      const n = batch.receive(this.fd);
      if (n < 0) {
        const errno = this.io.errno();
        if (errno === EAGAIN) return true;
        if (errno === EINTR) continue;
        return this.readFailed(errno);
      }
      if (n === 0) return true;
      for (let k = 0; k < n; k++) this.process(batch.packet(k), batch.length(k));
      i += n;
    }
    return false;
  }

  private readFailed(errno: number): true {
    this.cells[this.row + RX_ERRORS] = (this.cells[this.row + RX_ERRORS] ?? 0) + 1;
    this.disablePort(`read from ${this.describe()}: errno ${errno}`);
    return true;
  }

  /** One packet through the handler and out. */
  private process(inBuf: Buffer, n: number): void {
    const { cells, row, result } = this;
    cells[row + RX_PACKETS] = (cells[row + RX_PACKETS] ?? 0) + 1;
    cells[row + RX_BYTES] = (cells[row + RX_BYTES] ?? 0) + n;
    result.port = -1;
    result.dst = 0;
    // With send batching the handler writes straight into the next free send slot.
    const out = this.sendBatch ? this.sendBatch.next() : this.out;
    let len: number;
    try {
      len = this.handler.handle(inBuf, n, this.data.portId, out, result);
    } catch (e) {
      this.handlerError(e);
      return;
    }
    if (len > 0) this.emit(out, len);
    else cells[row + DROPS] = (cells[row + DROPS] ?? 0) + 1;
  }

  private emit(out: Buffer, len: number): void {
    const { io, result } = this;
    const egress = result.port;
    const fd = egress >= 0 && egress < this.data.maxPorts ? (this.egressFd[egress] ?? -1) : -1;
    if (fd < 0 || len > BUFFER_SIZE) {
      this.handlerError(new RangeError(`handler emitted ${len} bytes to unknown port ${egress}`));
      return;
    }
    if (this.egressRaw[egress] !== 1) {
      this.countSend(egress, io.write(fd, out, len), len);
      return;
    }
    const batch = this.sendBatch;
    if (!batch) {
      this.sockaddr.writeUInt32BE(result.dst >>> 0, 4);
      this.countSend(egress, io.sendto(fd, out, len, 0, this.sockaddr, SOCKADDR_IN_SIZE), len);
      return;
    }
    if (batch.count > 0 && batch.port !== egress) {
      this.flushSendBatch();
      batch.moveNextToFront(out, len);
    }
    batch.commit(egress, fd, len, result.dst);
    if (batch.full) this.flushSendBatch();
  }

  private countSend(egress: number, written: number, len: number): void {
    if (written < 0) this.onSendError(egress, this.io.errno());
    else this.onSent(egress, 1, len);
  }

  private flushSendBatch(): void {
    this.sendBatch?.flush(this.onSent, this.onSendError);
  }

  private readonly onSent = (egress: number, packets: number, bytes: number): void => {
    const base = this.txRow + egress * TX_FIELDS;
    this.cells[base + TX_PACKETS] = (this.cells[base + TX_PACKETS] ?? 0) + packets;
    this.cells[base + TX_BYTES] = (this.cells[base + TX_BYTES] ?? 0) + bytes;
  };

  private readonly onSendError = (egress: number, errno: number): void => {
    const base = this.txRow + egress * TX_FIELDS;
    this.cells[base + TX_ERRORS] = (this.cells[base + TX_ERRORS] ?? 0) + 1;
    this.cells[base + TX_LAST_ERRNO] = errno;
    this.cells[base + TX_LAST_ERROR_AT] = Date.now();
  };

  private receiveMessages(): void {
    this.seenSeq = Atomics.load(this.control, this.seqIndex);
    for (;;) {
      const received = receiveMessageOnPort(this.data.messages);
      if (!received) return;
      const message = received.message as ToWorker;
      if (message.type === 'port-added') {
        this.ports[message.port.id] = message.port;
        this.setEgress(message.port);
        this.guard(() => this.handler.portAdded?.(message.port));
      } else {
        this.guard(() => this.handler.control?.(message.message));
      }
    }
  }

  private setEgress(port: Port): void {
    if (port.id < 0 || port.id >= this.data.maxPorts) return;
    this.egressFd[port.id] = port.fd;
    this.egressRaw[port.id] = port.kind === 'raw' ? 1 : 0;
  }

  /** A descriptor in a permanent error state would spin poll(); stop watching it and say so once. */
  private disablePort(reason: string): void {
    this.portDisabled = true;
    this.pollFds.writeInt32LE(-1, 0);
    post({ type: 'port-error', message: `${reason}; no longer reading this port` });
  }

  private guard(call: () => void): void {
    try {
      call();
    } catch (e) {
      this.handlerError(e);
    }
  }

  private handlerError(e: unknown): void {
    const row = this.row;
    this.cells[row + HANDLER_ERRORS] = (this.cells[row + HANDLER_ERRORS] ?? 0) + 1;
    const now = Date.now();
    if (now - this.lastReportAt < REPORT_INTERVAL_MS) {
      this.suppressedReports++;
      return;
    }
    this.lastReportAt = now;
    const error = e instanceof Error ? e : new Error(String(e));
    post({ type: 'handler-error', message: error.message, stack: error.stack, suppressed: this.suppressedReports });
    this.suppressedReports = 0;
  }

  private describe(): string {
    const self = this.ports[this.data.portId];
    return self ? `${self.kind} port ${self.id} (${self.name})` : `port ${this.data.portId}`;
  }
}

if (!isMainThread && parentPort) {
  const data = workerData as PortWorkerData;
  try {
    new PortLoop(data).run();
  } finally {
    // An open MessagePort would keep this thread alive after the loop returns.
    data.messages.close();
  }
}
