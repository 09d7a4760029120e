/**
 * The userspace packet backend, main-thread side: one worker thread per port
 * (port-worker.ts), shared-memory counters, control messages, shutdown. Packets
 * never cross into this thread, so a flood cannot stall the BGP event loop.
 *
 * The backend owns the descriptors given to addPort(): stop() closes them after
 * every worker has exited (any worker may be writing to any port until then).
 */
import path from 'node:path';
import { MessageChannel, Worker, type MessagePort } from 'node:worker_threads';
import type { Port, PortKind, XskPortInfo } from './handler';
import { libcIo, failWithErrno, AF_INET, EFD_CLOEXEC, EFD_NONBLOCK, SOCK_CLOEXEC } from './libc-io';
import { XdpProgram, type XdpMode, type XskFilter } from './xdp-program';
import { ifIndex, readXskStatistics, releaseXsk, type XskRegion, type XskStatistics } from './xsk';
import { NeighbourResolver, type NeighbourTableReader, type RouteLookup } from './neighbours';
import { CONTROL_FIELDS, CONTROL_MESSAGE_SEQ, CONTROL_STOP, controlBuffer, countersBuffer, readCounters, type PortCounters } from './counters';
import { XSK_CLOSING, XSK_NONE, XSK_OPEN, type FromWorker, type PortWorkerData, type ToWorker } from './port-worker';

export type { PortCounters } from './counters';
export type { XskFilter, XdpMode } from './xdp-program';
export type { XskStatistics } from './xsk';

/** backend.addXskPort(): an AF_XDP socket on one queue of one device (docs/packet-io.md, "AF_XDP ports"). */
export interface XskPortOptions {
  ifname: string;
  /** Receive queue (and the queue transmitted on). Default 0. */
  queue?: number;
  /**
   * Receive: attach an XDP program to the device that redirects the packets this
   * filter matches to the socket (the rest go to the kernel as before). The port
   * then gets its own worker. Omit for a transmit-only port.
   */
  receive?: XskFilter;
  /** The port id the handler sees as ingress for received packets (e.g. the raw GRE socket's). Default: this port. */
  ingressAs?: number;
  /** Transmit-only port: the port whose worker owns it (only that worker sends through it). */
  owner?: number;
  /** XDP attach mode; default native (driver) mode, generic (SKB) mode if native fails. */
  xdpMode?: XdpMode;
  /** UMEM frames (power of two; half receive, half transmit on a receiving port). Default 4096. */
  frames?: number;
  /** 2048 or 4096. Default 2048. */
  frameSize?: number;
  /** Descriptors per ring (power of two). Default 2048. */
  ringSize?: number;
}
export interface UserspaceBackendOptions {
  /** Absolute path of a compiled .js module exporting `createHandler` (handler.ts). */
  handlerModule: string;
  /** Structured-clonable data handed to `createHandler` in every worker (SharedArrayBuffers are shared, not copied). */
  handlerInit?: unknown;
  /** Errors from workers and handlers; the backend keeps running. Default: process.emitWarning. */
  onError?: (error: Error, port: Port | undefined) => void;
  /** Capacity of the port table (counters are sized for it up front). Default 64. */
  maxPorts?: number;
  /** Packets read per batch before idle() and a control check even if more are waiting. Default 256. */
  batchLimit?: number;
  /** recvmmsg()/sendmmsg() for raw-socket ports (up to 32 packets per system call). Default true. */
  batchIo?: boolean;
  /** The compiled worker script. Default: port-worker.js next to this file. */
  workerScript?: string;
  /** First delay before restarting a crashed worker; doubles per quick crash, capped at 5 s. Default 100 ms. */
  restartDelayMs?: number;
  /** How long stop() waits for a worker before terminate(). Default 2000 ms. */
  stopTimeoutMs?: number;
  /** XSK neighbour resolution (neighbours.ts): how often the kernel's ARP table is re-read. Default 1000 ms. */
  neighbourRefreshMs?: number;
  /** Replaces `ip -j route get` (tests). */
  routeLookup?: RouteLookup;
  /** Replaces reading /proc/net/arp (tests). */
  readNeighbours?: NeighbourTableReader;
}

interface Slot {
  readonly port: Port;
  /** A transmit-only XSK port: no worker of its own. */
  readonly passive: boolean;
  readonly wakeFd: number;
  worker: Worker | undefined;
  channel: MessagePort | undefined;
  /** Resolves once the worker has loaded its handler; rejects if it dies first. */
  ready: Promise<void>;
  exited: Promise<void>;
  startedAt: number;
  restartDelay: number;
  restartTimer: NodeJS.Timeout | undefined;
}

const MAX_RESTART_DELAY_MS = 5000;
/** A worker that ran longer than this before crashing restarts after the initial delay again. */
const STABLE_MS = 10000;

export class UserspaceBackend {
  private readonly options: Required<Omit<UserspaceBackendOptions, 'handlerInit' | 'routeLookup' | 'readNeighbours'>> &
    Pick<UserspaceBackendOptions, 'routeLookup' | 'readNeighbours'> & { handlerInit: unknown };
  /** XDP programs of receiving XSK ports, by port id; closed (detached) by stop(). */
  private readonly xdp = new Map<number, XdpProgram>();
  /** XSK socket descriptors and mappings as reported by their workers, by port id. */
  private readonly xskFds = new Map<number, { fd: number; regions: XskRegion[] }>();
  /** XSK_* per port, written by the owning worker (port-worker.ts). */
  private readonly xskStateSab: SharedArrayBuffer;
  private readonly xskState: Int32Array;
  private readonly resolver: NeighbourResolver;
  private readonly slots: Slot[] = [];
  private readonly countersSab: SharedArrayBuffer;
  private readonly cells: Float64Array;
  private readonly control: Int32Array;
  private readonly controlSab: SharedArrayBuffer;
  private readonly wakeValue = Buffer.from([1, 0, 0, 0, 0, 0, 0, 0]);
  private state: 'new' | 'running' | 'stopping' | 'stopped' = 'new';

  constructor(options: UserspaceBackendOptions) {
    if (!path.isAbsolute(options.handlerModule)) throw new RangeError(`handlerModule must be an absolute path: ${options.handlerModule}`);
    this.options = {
      handlerModule: options.handlerModule,
      handlerInit: options.handlerInit,
      onError: options.onError ?? ((error) => process.emitWarning(error)),
      maxPorts: options.maxPorts ?? 64,
      batchLimit: options.batchLimit ?? 256,
      batchIo: options.batchIo ?? true,
      workerScript: options.workerScript ?? path.join(__dirname, 'port-worker.js'),
      restartDelayMs: options.restartDelayMs ?? 100,
      stopTimeoutMs: options.stopTimeoutMs ?? 2000,
      neighbourRefreshMs: options.neighbourRefreshMs ?? 1000,
      routeLookup: options.routeLookup,
      readNeighbours: options.readNeighbours,
    };
    this.resolver = new NeighbourResolver({
      xskPortFor: (worker, dev) => this.xskPortFor(worker, dev),
      send: (worker, set, forget) => {
        const slot = this.slots[worker];
        if (slot) this.send(slot, { type: 'neighbours', set, forget });
      },
      routeLookup: this.options.routeLookup,
      readNeighbours: this.options.readNeighbours,
      refreshMs: this.options.neighbourRefreshMs,
      onError: (e) => this.options.onError(e, undefined),
    });
    this.countersSab = countersBuffer(this.options.maxPorts);
    this.cells = new Float64Array(this.countersSab);
    this.controlSab = controlBuffer(this.options.maxPorts);
    this.control = new Int32Array(this.controlSab);
    this.xskStateSab = new SharedArrayBuffer(this.options.maxPorts * Int32Array.BYTES_PER_ELEMENT);
    this.xskState = new Int32Array(this.xskStateSab);
  }

  get ports(): readonly Port[] {
    return this.slots.map((s) => s.port);
  }

  /** Registers a descriptor (the backend now owns it). While running, its worker starts at once. */
  addPort(kind: Exclude<PortKind, 'xsk'>, fd: number, name: string): Port {
    if (!Number.isInteger(fd) || fd < 0) throw new RangeError(`bad descriptor for port ${name}: ${fd}`);
    return this.register({ id: this.checkRoom(), kind, fd, name }, false);
  }

  /**
   * Adds an AF_XDP port (docs/packet-io.md, "AF_XDP ports"). With `receive`, an
   * XDP program is attached to the device now (native mode if it can be) and the
   * port gets a worker that opens the socket and drains it; packets reach the
   * handler as from port `ingressAs`. Either way the owning worker sends through
   * this socket whatever the handler emits to a raw port once the destination's
   * neighbour is known to be on this device (neighbours.ts); until then, and
   * from every other worker, packets keep leaving by the raw port.
   */
  addXskPort(options: XskPortOptions): Port {
    const id = this.checkRoom();
    const queue = options.queue ?? 0;
    const receive = options.receive !== undefined;
    const owner = receive ? id : options.owner;
    if (owner === undefined || !Number.isInteger(owner) || owner < 0 || owner > id) {
      throw new RangeError(`a transmit-only XSK port needs the id of an existing owner port: ${String(owner)}`);
    }
    if (!receive && this.slots[owner]?.passive !== false) throw new RangeError(`XSK owner ${owner} is not a port with a worker`);
    const ingressAs = options.ingressAs ?? id;
    const ifindex = ifIndex(options.ifname);
    const { mac, mtu } = linkInfo(options.ifname);
    let program: XdpProgram | undefined;
    if (options.receive) program = XdpProgram.attach(ifindex, options.receive, { mode: options.xdpMode, queues: queue + 1 });
    const xsk: XskPortInfo = Object.freeze({
      ifname: options.ifname,
      ifindex,
      queue,
      receive,
      ingressAs,
      owner,
      mapFd: program ? program.mapFd : -1,
      mac,
      mtu,
      frames: options.frames ?? 4096,
      frameSize: options.frameSize ?? 2048,
      ringSize: options.ringSize ?? 2048,
    });
    try {
      const port = this.register({ id, kind: 'xsk', fd: -1, name: `${options.ifname}:${queue}`, xsk }, !receive);
      if (program) this.xdp.set(id, program);
      if (this.state === 'running') this.resolver.start();
      return port;
    } catch (e) {
      program?.close();
      throw e;
    }
  }

  /** The XDP attach mode of a receiving XSK port ('native' or 'generic'). */
  xdpMode(portId: number): XdpMode | undefined {
    return this.xdp.get(portId)?.mode;
  }

  /** The kernel's statistics of an XSK port's socket (getsockopt XDP_STATISTICS), once its worker opened it. */
  xskStatistics(portId: number): XskStatistics | undefined {
    const x = this.xskFds.get(portId);
    return x === undefined ? undefined : readXskStatistics(x.fd);
  }

  private checkRoom(): number {
    if (this.state === 'stopping' || this.state === 'stopped') throw new Error('backend is stopped');
    const id = this.slots.length;
    if (id >= this.options.maxPorts) throw new RangeError(`port table full (maxPorts ${this.options.maxPorts})`);
    return id;
  }

  /** The XSK port owned by `worker` that transmits on device `dev`, or -1. */
  private xskPortFor(worker: number, dev: string): number {
    for (const s of this.slots) {
      const x = s.port.xsk;
      if (x && x.owner === worker && x.ifname === dev) return s.port.id;
    }
    return -1;
  }

  private register(fields: Port, passive: boolean): Port {
    const io = libcIo();
    const wakeFd = io.eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
    if (wakeFd < 0) failWithErrno(io, 'eventfd');
    const port: Port = Object.freeze(fields);
    const slot: Slot = {
      port,
      passive,
      wakeFd,
      worker: undefined,
      channel: undefined,
      ready: Promise.resolve(),
      exited: Promise.resolve(),
      startedAt: 0,
      restartDelay: this.options.restartDelayMs,
      restartTimer: undefined,
    };
    this.slots.push(slot);
    if (this.state === 'running') {
      for (const other of this.slots) if (other !== slot) this.send(other, { type: 'port-added', port });
      this.spawn(slot);
      slot.ready.catch(() => undefined); // reported through onError by the exit handler
    }
    return port;
  }

  /** Starts one worker per port; resolves when every handler is loaded. On failure everything is stopped and closed. */
  async start(): Promise<void> {
    if (this.state !== 'new') throw new Error(`cannot start a backend that is ${this.state}`);
    this.state = 'running';
    if (this.hasXskPorts()) this.resolver.start();
    // A worker that cannot load its handler here fails start() instead of being reported and restarted.
    for (const slot of this.slots) this.spawn(slot, false);
    try {
      await Promise.all(this.slots.map((s) => s.ready));
    } catch (e) {
      await this.stop();
      throw e;
    }
  }

  private hasXskPorts(): boolean {
    return this.slots.some((s) => s.port.kind === 'xsk');
  }

  /** Resolves when the worker of `portId` has loaded its handler (for ports added while running; at once before start()). */
  ready(portId: number): Promise<void> {
    const slot = this.slots[portId];
    if (!slot) return Promise.reject(new RangeError(`no port ${portId}`));
    return slot.ready;
  }

  /** Broadcasts a control message to every worker (handler.control), waking those blocked in poll. */
  post(message: unknown): void {
    if (this.state !== 'running') return;
    for (const slot of this.slots) this.send(slot, { type: 'user', message });
  }

  counters(portId: number): PortCounters {
    if (portId < 0 || portId >= this.slots.length) throw new RangeError(`no port ${portId}`);
    return readCounters(this.cells, this.options.maxPorts, portId);
  }

  /** Stops and joins every worker, then closes the wake-up and port descriptors. */
  async stop(): Promise<void> {
    if (this.state === 'stopped' || this.state === 'stopping') return;
    const wasRunning = this.state === 'running';
    this.state = 'stopping';
    if (wasRunning) {
      for (const slot of this.slots) {
        if (slot.restartTimer) clearTimeout(slot.restartTimer);
        slot.restartTimer = undefined;
        Atomics.store(this.control, slot.port.id * CONTROL_FIELDS + CONTROL_STOP, 1);
        this.wake(slot);
      }
      await Promise.all(this.slots.map((slot) => this.join(slot)));
    }
    this.resolver.stop();
    const io = libcIo();
    for (const slot of this.slots) {
      slot.channel?.close();
      io.close(slot.wakeFd);
      if (slot.port.fd >= 0) io.close(slot.port.fd);
    }
    // The workers closed their XSK sockets; closing the BPF links detaches the programs.
    for (const program of this.xdp.values()) program.close();
    this.xdp.clear();
    this.xskFds.clear();
    this.state = 'stopped';
  }

  private async join(slot: Slot): Promise<void> {
    const worker = slot.worker;
    if (!worker) return;
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<boolean>((resolve) => {
      timer = setTimeout(() => resolve(true), this.options.stopTimeoutMs);
    });
    const late = await Promise.race([slot.exited.then(() => false), timedOut]);
    clearTimeout(timer);
    if (late) {
      this.options.onError(new Error(`worker for ${describe(slot.port)} did not stop within ${this.options.stopTimeoutMs} ms; terminating`), slot.port);
      await worker.terminate();
    }
  }

  private spawn(slot: Slot, restartIfNeverReady = true): void {
    if (slot.passive) return; // ready and exited stay resolved
    const { port1, port2 } = new MessageChannel();
    const data: PortWorkerData = {
      portId: slot.port.id,
      ports: this.slots.map((s) => s.port),
      handlerModule: this.options.handlerModule,
      handlerInit: this.options.handlerInit,
      wakeFd: slot.wakeFd,
      maxPorts: this.options.maxPorts,
      batchLimit: this.options.batchLimit,
      batchIo: this.options.batchIo,
      counters: this.countersSab,
      control: this.controlSab,
      xskState: this.xskStateSab,
      messages: port2,
    };
    Atomics.store(this.control, slot.port.id * CONTROL_FIELDS + CONTROL_STOP, 0);
    const worker = new Worker(this.options.workerScript, { workerData: data, transferList: [port2] });
    slot.worker = worker;
    slot.channel?.close();
    slot.channel = port1;
    slot.startedAt = Date.now();
    let isReady = false;
    let lastError: Error | undefined;
    let resolveReady: () => void = () => undefined;
    let rejectReady: (e: Error) => void = () => undefined;
    slot.ready = new Promise<void>((resolve, reject) => {
      resolveReady = resolve;
      rejectReady = reject;
    });
    slot.exited = new Promise<void>((resolve) => {
      worker.on('message', (message: FromWorker) => {
        if (message.type === 'ready') {
          isReady = true;
          resolveReady();
        } else if (message.type === 'xsk-open') this.xskFds.set(message.port, { fd: message.fd, regions: message.regions });
        else if (message.type === 'neighbour-miss') this.resolver.miss(slot.port.id, message.dst);
        else this.report(slot, message);
      });
      worker.on('error', (error) => {
        lastError = error;
      });
      worker.on('exit', (code) => {
        resolve();
        if (slot.worker === worker) slot.worker = undefined;
        this.resolver.forgetWorker(slot.port.id);
        this.releaseXskOf(slot);
        if (this.state !== 'running') {
          if (!isReady) rejectReady(lastError ?? new Error(`worker for ${describe(slot.port)} exited (code ${code}) before it was ready`));
          return;
        }
        const error = lastError ?? new Error(`worker for ${describe(slot.port)} exited with code ${code}`);
        if (!isReady) {
          rejectReady(error);
          if (!restartIfNeverReady) return;
        }
        this.options.onError(error, slot.port);
        this.scheduleRestart(slot);
      });
    });
  }

  /**
   * After a worker exited: the XSK sockets it still held (it died without
   * closing them: process.exit in a handler, terminate()) are unmapped and
   * closed here, so that the queue is free for its successor.
   */
  private releaseXskOf(slot: Slot): void {
    for (const s of this.slots) {
      const id = s.port.id;
      if (s.port.xsk?.owner !== slot.port.id) continue;
      const x = this.xskFds.get(id);
      this.xskFds.delete(id);
      const state = Atomics.load(this.xskState, id);
      if (state === XSK_OPEN && x) releaseXsk(x.fd, x.regions);
      else if (state === XSK_CLOSING) this.options.onError(new Error(`XSK socket of ${describe(s.port)} was left half closed by its worker`), s.port);
      Atomics.store(this.xskState, id, XSK_NONE);
    }
  }

  private scheduleRestart(slot: Slot): void {
    if (Date.now() - slot.startedAt > STABLE_MS) slot.restartDelay = this.options.restartDelayMs;
    const delay = slot.restartDelay;
    slot.restartDelay = Math.min(slot.restartDelay * 2, MAX_RESTART_DELAY_MS);
    slot.restartTimer = setTimeout(() => {
      slot.restartTimer = undefined;
      if (this.state !== 'running') return;
      this.spawn(slot);
      slot.ready.catch(() => undefined);
    }, delay);
  }

  private report(slot: Slot, message: Extract<FromWorker, { type: 'handler-error' | 'port-error' }>): void {
    if (message.type === 'handler-error') {
      const more = message.suppressed > 0 ? ` (${message.suppressed} more since the last report)` : '';
      const error = new Error(`packet handler failed on ${describe(slot.port)}: ${message.message}${more}`);
      if (message.stack !== undefined) error.stack = `${error.message}\n${message.stack}`;
      this.options.onError(error, slot.port);
    } else {
      this.options.onError(new Error(message.message), slot.port);
    }
  }

  private send(slot: Slot, message: ToWorker): void {
    if (!slot.channel || !slot.worker) return;
    slot.channel.postMessage(message);
    // Posted first, then the sequence bump: a worker that sees the new value finds the message queued.
    Atomics.add(this.control, slot.port.id * CONTROL_FIELDS + CONTROL_MESSAGE_SEQ, 1);
    this.wake(slot);
  }

  private wake(slot: Slot): void {
    libcIo().write(slot.wakeFd, this.wakeValue, 8);
  }
}

const SIOCGIFMTU = 0x8921;
const SIOCGIFHWADDR = 0x8927;
const IFREQ_SIZE = 40;

/** The MAC address and MTU of a device (SIOCGIFHWADDR, SIOCGIFMTU on a datagram socket, netdevice(7)). */
export function linkInfo(ifname: string): { mac: string; mtu: number } {
  const io = libcIo();
  const fd = io.socket(AF_INET, 2 /* SOCK_DGRAM */ | SOCK_CLOEXEC, 0);
  if (fd < 0) failWithErrno(io, 'socket(AF_INET, SOCK_DGRAM)');
  try {
    const req = Buffer.alloc(IFREQ_SIZE);
    req.write(ifname, 0, 15, 'latin1');
    if (io.ioctlPtr(fd, SIOCGIFHWADDR, req) < 0) failWithErrno(io, `SIOCGIFHWADDR ${ifname}`);
    // struct sockaddr at offset 16: sa_family (u16), then the address bytes.
    const mac = [...req.subarray(18, 24)].map((b) => b.toString(16).padStart(2, '0')).join(':');
    req.fill(0, 16);
    if (io.ioctlPtr(fd, SIOCGIFMTU, req) < 0) failWithErrno(io, `SIOCGIFMTU ${ifname}`);
    return { mac, mtu: req.readInt32LE(16) };
  } finally {
    io.close(fd);
  }
}

function describe(port: Port): string {
  return `${port.kind} port ${port.id} (${port.name})`;
}
