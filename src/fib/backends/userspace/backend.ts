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
import type { Port, PortKind } from './handler';
import { libcIo, failWithErrno, EFD_CLOEXEC, EFD_NONBLOCK } from './libc-io';
import { CONTROL_FIELDS, CONTROL_MESSAGE_SEQ, CONTROL_STOP, controlBuffer, countersBuffer, readCounters, type PortCounters } from './counters';
import type { FromWorker, PortWorkerData, ToWorker } from './port-worker';

export type { PortCounters } from './counters';

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
}

interface Slot {
  readonly port: Port;
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
  private readonly options: Required<Omit<UserspaceBackendOptions, 'handlerInit'>> & { handlerInit: unknown };
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
    };
    this.countersSab = countersBuffer(this.options.maxPorts);
    this.cells = new Float64Array(this.countersSab);
    this.controlSab = controlBuffer(this.options.maxPorts);
    this.control = new Int32Array(this.controlSab);
  }

  get ports(): readonly Port[] {
    return this.slots.map((s) => s.port);
  }

  /** Registers a descriptor (the backend now owns it). While running, its worker starts at once. */
  addPort(kind: PortKind, fd: number, name: string): Port {
    if (this.state === 'stopping' || this.state === 'stopped') throw new Error('backend is stopped');
    const id = this.slots.length;
    if (id >= this.options.maxPorts) throw new RangeError(`port table full (maxPorts ${this.options.maxPorts})`);
    if (!Number.isInteger(fd) || fd < 0) throw new RangeError(`bad descriptor for port ${name}: ${fd}`);
    const io = libcIo();
    const wakeFd = io.eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
    if (wakeFd < 0) failWithErrno(io, 'eventfd');
    const port: Port = Object.freeze({ id, kind, fd, name });
    const slot: Slot = {
      port,
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
    // A worker that cannot load its handler here fails start() instead of being reported and restarted.
    for (const slot of this.slots) this.spawn(slot, false);
    try {
      await Promise.all(this.slots.map((s) => s.ready));
    } catch (e) {
      await this.stop();
      throw e;
    }
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
    const io = libcIo();
    for (const slot of this.slots) {
      slot.channel?.close();
      io.close(slot.wakeFd);
      io.close(slot.port.fd);
    }
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
        } else this.report(slot, message);
      });
      worker.on('error', (error) => {
        lastError = error;
      });
      worker.on('exit', (code) => {
        resolve();
        if (slot.worker === worker) slot.worker = undefined;
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

  private report(slot: Slot, message: Exclude<FromWorker, { type: 'ready' }>): void {
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

function describe(port: Port): string {
  return `${port.kind} port ${port.id} (${port.name})`;
}
