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
  ENOBUFS,
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
import { XskSocket, type XskRegion } from './xsk';
import { xskMapSet } from './xdp-program';
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
  /** One Int32 per port: XSK_OPEN while this worker holds the port's XSK socket (see XSK_* below). */
  readonly xskState: SharedArrayBuffer;
  readonly messages: MessagePort;
}

/**
 * States of an XSK socket in PortWorkerData.xskState: set by the owning worker, read by the main thread when the
 * worker has exited. OPEN there means the worker died without closing it, and the main thread releases it.
 */
export const XSK_NONE = 0;
export const XSK_OPEN = 1;
export const XSK_CLOSING = 2;

/**
 * Where packets to `dst` (an outer IPv4 destination, uint32) leave: through XSK
 * port `port` with Ethernet destination `mac`, or (port -1) through the raw
 * socket the handler chose, as before. Sent by the main thread (neighbours.ts).
 */
export interface NeighbourUpdate {
  readonly dst: number;
  readonly port: number;
  readonly mac: string | null;
}

/** Main thread → worker, on the worker's own channel. */
export type ToWorker =
  | { type: 'user'; message: unknown }
  | { type: 'port-added'; port: Port }
  | { type: 'neighbours'; set: readonly NeighbourUpdate[]; forget: readonly number[] };

/** Worker → main thread, on parentPort. */
export type FromWorker =
  | { type: 'ready' }
  | { type: 'handler-error'; message: string; stack: string | undefined; suppressed: number }
  | { type: 'port-error'; message: string }
  /** XSK sockets this worker opened (port id → descriptor), for statistics. */
  | { type: 'xsk-open'; port: number; fd: number; regions: XskRegion[] }
  /** Packets to `dst` went out of a raw socket because no neighbour entry says otherwise: please resolve. */
  | { type: 'neighbour-miss'; dst: number };

/** An XSK egress entry: the socket and the Ethernet header to put in front. */
interface XskRoute {
  readonly socket: XskSocket;
  readonly port: number;
  readonly mtu: number;
  /** destination MAC, source MAC, EtherType 0x0800 */
  readonly header: Buffer;
}

/**
 * The handler writes straight into a TX frame only when the frame has this much room beyond the received packet
 * (for an encapsulation or an ICMP error built from it); a larger packet gets the 64 KiB buffer and is copied.
 */
const SPECULATE_SLACK = 256;
/** A destination's miss is reported again after this long if nothing was heard back. */
const MISS_REPORT_MS = 1000;

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
  /** This worker's receiving XSK socket, when its port is one. */
  private readonly xskRx: XskSocket | undefined;
  /** The port id the handler is told packets came from (ingressAs for an XSK port). */
  private readonly ingressId: number;
  /** XSK sockets this worker owns, by port id. */
  private readonly xskByPort: (XskSocket | undefined)[] = [];
  private readonly xskOwned: { port: Port; socket: XskSocket }[] = [];
  private readonly xskState: Int32Array;
  /** Outer destination → XSK egress (null: the raw socket, resolved so by the main thread). */
  private readonly neighbours = new Map<number, XskRoute | null>();
  private readonly missReportedAt = new Map<number, number>();
  /** The XSK socket the last packet left by: the next packet is written straight into one of its frames. */
  private txGuess: XskSocket | undefined;
  private lastDst = NaN;
  private lastRoute: XskRoute | null = null;
  private ipId = 0;
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
    this.ports = [...data.ports];
    this.xskState = new Int32Array(data.xskState);
    this.ingressId = self.xsk ? self.xsk.ingressAs : data.portId;
    try {
      for (const p of this.ports) this.openXskIfOwned(p);
    } catch (e) {
      this.closeXsk();
      throw e;
    }
    this.xskRx = self.kind === 'xsk' && self.xsk?.receive === true ? this.xskByPort[self.id] : undefined;
    this.fd = self.kind === 'xsk' ? (this.xskRx?.fd ?? -1) : self.fd;
    this.cells = new Float64Array(data.counters);
    this.control = new Int32Array(data.control);
    this.row = data.portId * rowLength(data.maxPorts);
    this.txRow = this.row + RX_FIELDS;
    this.stopIndex = data.portId * CONTROL_FIELDS + CONTROL_STOP;
    this.seqIndex = data.portId * CONTROL_FIELDS + CONTROL_MESSAGE_SEQ;
    this.egressFd = new Int32Array(data.maxPorts).fill(-1);
    this.egressRaw = new Uint8Array(data.maxPorts);
    for (const p of this.ports) this.setEgress(p);
    if (self.kind !== 'xsk') setNonBlocking(this.io, this.fd);
    this.pollFds.writeInt32LE(this.fd, 0);
    this.pollFds.writeInt16LE(POLLIN, 4);
    this.pollFds.writeInt32LE(data.wakeFd, 8);
    this.pollFds.writeInt16LE(POLLIN, 12);
    this.sendBatch = data.batchIo ? new SendBatch() : undefined;
    this.receiveBatch = data.batchIo && self.kind === 'raw' ? new ReceiveBatch() : undefined;
    try {
      this.handler = loadHandler(data, this.ports);
    } catch (e) {
      this.closeXsk();
      throw e;
    }
  }

  /**
   * Opens the XSK socket of `port` if this worker owns it: the port's own
   * worker for a receiving port, the named owner for a transmit-only one. A
   * receiving socket goes into the device's XSKMAP once bound.
   */
  private openXskIfOwned(port: Port): void {
    const x = port.xsk;
    if (port.kind !== 'xsk' || !x || x.owner !== this.data.portId || this.xskByPort[port.id]) return;
    const socket = new XskSocket({ ifname: x.ifname, queue: x.queue, rx: x.receive, tx: true, frames: x.frames, frameSize: x.frameSize, ringSize: x.ringSize });
    try {
      if (x.receive) xskMapSet(x.mapFd, x.queue, socket.fd);
    } catch (e) {
      socket.close();
      throw e;
    }
    this.xskByPort[port.id] = socket;
    this.xskOwned.push({ port, socket });
    post({ type: 'xsk-open', port: port.id, fd: socket.fd, regions: socket.regions });
    Atomics.store(this.xskState, port.id, XSK_OPEN);
  }

  /** Closes every XSK socket of this worker (unmapping its rings and UMEM). */
  closeXsk(): void {
    for (const { port, socket } of this.xskOwned) {
      // CLOSING while half done: a worker terminated in the middle leaves a state the main thread will not touch.
      Atomics.store(this.xskState, port.id, XSK_CLOSING);
      socket.close();
      this.xskByPort[port.id] = undefined;
      Atomics.store(this.xskState, port.id, XSK_NONE);
    }
    this.xskOwned.length = 0;
    this.neighbours.clear();
    this.lastDst = NaN;
    this.txGuess = undefined;
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
    const empty = this.xskRx ? this.drainXsk(this.xskRx) : this.receiveBatch ? this.drainBatched(this.receiveBatch) : this.drainOneByOne();
    if (this.sendBatch && this.sendBatch.count > 0) this.flushSendBatch();
    this.publishXsk();
    return empty;
  }

  /**
   * The RX ring of an XSK port: up to 64 descriptors at a time, each handled in
   * place in its UMEM frame (after the 14-byte Ethernet header), then all of
   * them handed back to the kernel through the fill ring.
   */
  private drainXsk(rx: XskSocket): boolean {
    for (let i = 0; i < this.data.batchLimit; ) {
      const n = rx.rxAvailable(64);
      if (n === 0) {
        if (rx.fillNeedsWakeup()) rx.rxWakeup();
        return true;
      }
      for (let k = 0; k < n; k++) {
        const frameLength = rx.rxLength(k);
        const frame = rx.view(rx.rxAddress(k) + 14);
        // The XDP program passed only IPv4; trust the IPv4 total length over the frame (Ethernet pads short frames).
        let len = frameLength - 14;
        if (len >= 20 && (frame[0] ?? 0) >> 4 === 4) {
          const total = ((frame[2] ?? 0) << 8) | (frame[3] ?? 0);
          if (total >= 20 && total < len) len = total;
        }
        this.process(frame, len);
      }
      rx.rxRelease(n);
      i += n;
    }
    return false;
  }

  /** Hands every XSK frame queued in this batch to the kernel (a sendto() kick in copy mode). */
  private publishXsk(): void {
    const owned = this.xskOwned;
    for (let i = 0; i < owned.length; i++) {
      const o = owned[i];
      if (!o || o.socket.txPending === 0) continue;
      const errno = o.socket.txPublish();
      if (errno !== 0) this.onSendError(o.port.id, errno);
    }
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
    // The handler writes straight into where the packet will probably leave from: a free frame of the XSK socket
    // the previous packet left by, or else the next send slot (send batching) or the scratch buffer.
    const guess = this.txGuess;
    let frame = -1;
    let out: Buffer | undefined;
    if (guess !== undefined) {
      frame = guess.txFrame();
      if (frame >= 0) {
        out = guess.view(frame + 14);
        if (out.length < n + SPECULATE_SLACK) {
          guess.txUnused(frame);
          frame = -1;
          out = undefined;
        }
      }
    }
    if (out === undefined) out = this.sendBatch ? this.sendBatch.next() : this.out;
    let len: number;
    try {
      len = this.handler.handle(inBuf, n, this.ingressId, out, result);
    } catch (e) {
      if (frame >= 0) guess?.txUnused(frame);
      this.handlerError(e);
      return;
    }
    if (len > 0) frame = this.emit(out, len, guess, frame);
    else cells[row + DROPS] = (cells[row + DROPS] ?? 0) + 1;
    if (frame >= 0) guess?.txUnused(frame);
  }

  /**
   * Sends the handler's packet. `guess`/`frame`: the XSK frame `out` is (frame
   * -1: none). Returns the frame if it was not used (the caller gives it back).
   */
  private emit(out: Buffer, len: number, guess: XskSocket | undefined, frame: number): number {
    const { io, result } = this;
    const egress = result.port;
    const fd = egress >= 0 && egress < this.data.maxPorts ? (this.egressFd[egress] ?? -1) : -1;
    if (fd < 0 || len > out.length) {
      this.handlerError(new RangeError(`handler emitted ${len} bytes to unknown port ${egress}`));
      return frame;
    }
    if (this.egressRaw[egress] !== 1) {
      this.countSend(egress, io.write(fd, out, len), len);
      return frame;
    }
    if (this.xskOwned.length > 0) {
      // A one-entry cache in front of the map: a flood is mostly one destination after another.
      const dst = result.dst >>> 0;
      let route: XskRoute | null | undefined;
      if (dst === this.lastDst) route = this.lastRoute;
      else {
        route = this.neighbours.get(dst);
        if (route !== undefined) {
          this.lastDst = dst;
          this.lastRoute = route;
        }
      }
      if (route) {
        if (this.sendXsk(route, out, len, guess === route.socket ? frame : -1)) {
          this.txGuess = route.socket;
          return guess === route.socket ? -1 : frame;
        }
      } else if (route === undefined) this.reportMiss(dst);
    }
    this.txGuess = undefined;
    const batch = this.sendBatch;
    if (!batch) {
      this.sockaddr.writeUInt32BE(result.dst >>> 0, 4);
      this.countSend(egress, io.sendto(fd, out, len, 0, this.sockaddr, SOCKADDR_IN_SIZE), len);
      return frame;
    }
    if (batch.count > 0 && batch.port !== egress) this.flushSendBatch();
    const slot = batch.next();
    if (out !== slot) out.copy(slot, 0, 0, len);
    batch.commit(egress, fd, len, result.dst);
    if (batch.full) this.flushSendBatch();
    return frame;
  }

  /**
   * Queues the packet on an XSK socket's TX ring with its Ethernet header, and
   * does for the IPv4 header what the kernel does for a raw IP_HDRINCL socket
   * (raw(7)): total length and checksum always, the ID when it is zero. False
   * when it must go the raw-socket way instead (no free frame or ring slot,
   * larger than the device MTU, or no source address in the header).
   */
  private sendXsk(route: XskRoute, out: Buffer, len: number, frame: number): boolean {
    const socket = route.socket;
    // Plain byte accesses throughout: Buffer's read/write methods are not always inlined into this hot path.
    if (len > route.mtu || len < 20 || (out[0] ?? 0) >> 4 !== 4 || ((out[12] ?? 0) | (out[13] ?? 0) | (out[14] ?? 0) | (out[15] ?? 0)) === 0) return false;
    if (socket.txRoom() === 0) {
      socket.txPublish();
      if (socket.txRoom() === 0) return this.xskFull(route);
    }
    let f = frame;
    if (f < 0) {
      f = socket.txFrame();
      if (f < 0) {
        socket.txPublish();
        f = socket.txFrame();
        if (f < 0) return this.xskFull(route);
      }
      out.copy(socket.view(f + 14), 0, 0, len);
    }
    const packet = socket.view(f + 14);
    // Not through a view of f (one cached view per frame, and that one is f + 14); a loop beats set() at 14 bytes.
    const bytes = socket.umem.bytes;
    const header = route.header;
    for (let i = 0; i < 14; i++) bytes[f + i] = header[i] ?? 0;
    const ihl = ((packet[0] ?? 0) & 0x0f) * 4;
    packet[2] = len >>> 8;
    packet[3] = len & 0xff;
    // RFC 791: the ID matters for fragments only, so a DF packet may keep 0 (RFC 6864); the kernel fills it in otherwise.
    if (((packet[4] ?? 0) | (packet[5] ?? 0)) === 0 && ((packet[6] ?? 0) & 0x40) === 0) {
      this.ipId = (this.ipId + 1) & 0xffff;
      packet[4] = this.ipId >>> 8;
      packet[5] = this.ipId & 0xff;
    }
    const sum = ipv4HeaderChecksum(packet, ihl);
    packet[10] = sum >>> 8;
    packet[11] = sum & 0xff;
    socket.txQueue(f, len + 14);
    this.onSent(route.port, 1, len);
    return true;
  }

  /** Every frame and ring slot in flight: the packet takes the raw socket, and the XSK port counts an ENOBUFS. */
  private xskFull(route: XskRoute): false {
    this.onSendError(route.port, ENOBUFS);
    return false;
  }

  private reportMiss(dst: number): void {
    const now = Date.now();
    const last = this.missReportedAt.get(dst);
    if (last !== undefined && now - last < MISS_REPORT_MS) return;
    if (this.missReportedAt.size > 4096) this.missReportedAt.clear();
    this.missReportedAt.set(dst, now);
    post({ type: 'neighbour-miss', dst });
  }

  private applyNeighbours(set: readonly NeighbourUpdate[], forget: readonly number[]): void {
    this.lastDst = NaN;
    for (const dst of forget) {
      this.neighbours.delete(dst);
      this.missReportedAt.delete(dst);
    }
    for (const u of set) {
      this.missReportedAt.delete(u.dst);
      const socket = u.port >= 0 ? this.xskByPort[u.port] : undefined;
      const port = this.ports[u.port];
      if (!socket || !port?.xsk || u.mac === null) {
        this.neighbours.set(u.dst, null);
        continue;
      }
      const header = Buffer.alloc(14);
      writeMac(header, 0, u.mac);
      writeMac(header, 6, port.xsk.mac);
      header.writeUInt16BE(0x0800, 12);
      this.neighbours.set(u.dst, { socket, port: u.port, mtu: port.xsk.mtu, header });
    }
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
        try {
          this.openXskIfOwned(message.port);
        } catch (e) {
          post({ type: 'port-error', message: `XSK port ${message.port.id} (${message.port.name}): ${e instanceof Error ? e.message : String(e)}` });
        }
        this.guard(() => this.handler.portAdded?.(message.port));
      } else if (message.type === 'neighbours') {
        this.applyNeighbours(message.set, message.forget);
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

/** RFC 1071 checksum of the IPv4 header at b[0, ihl), its checksum field counted as zero. */
function ipv4HeaderChecksum(b: Buffer, ihl: number): number {
  let sum = 0;
  for (let i = 0; i < ihl; i += 2) if (i !== 10) sum += ((b[i] ?? 0) << 8) | (b[i + 1] ?? 0);
  sum = (sum & 0xffff) + (sum >>> 16);
  sum = (sum & 0xffff) + (sum >>> 16);
  return ~sum & 0xffff;
}

function writeMac(b: Buffer, offset: number, mac: string): void {
  const parts = mac.split(':');
  if (parts.length !== 6) throw new RangeError(`bad MAC address ${mac}`);
  for (let i = 0; i < 6; i++) b[offset + i] = parseInt(parts[i] ?? '', 16);
}

if (!isMainThread && parentPort) {
  const data = workerData as PortWorkerData;
  let loop: PortLoop | undefined;
  try {
    loop = new PortLoop(data);
    loop.run();
  } finally {
    loop?.closeXsk();
    // An open MessagePort would keep this thread alive after the loop returns.
    data.messages.close();
  }
}
