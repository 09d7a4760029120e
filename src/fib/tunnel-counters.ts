/**
 * Packets and bytes per tunnel, each way, counted by the packet workers in
 * shared memory: every worker writes only its own row (its port id), so the
 * packet path needs no atomics; the main thread adds the rows up for
 * `hdvpn show tunnels`. The block is a growable SharedArrayBuffer laid out
 * tunnel-major, so new tunnels only ever append and every thread sees the
 * growth without a message.
 */

/** Rows: one per port (worker) of the userspace backend, plus one spare. */
export const TUNNEL_COUNTER_ROWS = 65;
/** rx packets, rx bytes, tx packets, tx bytes, last rx time (ms since the epoch). */
const FIELDS = 5;
const STRIDE = TUNNEL_COUNTER_ROWS * FIELDS;
const MAX_TUNNELS = 1 << 18;

export interface TunnelCountersShared {
  readonly buffer: SharedArrayBuffer;
}

export interface TunnelTraffic {
  readonly rxPackets: number;
  readonly rxBytes: number;
  readonly txPackets: number;
  readonly txBytes: number;
  /** When a packet last arrived through the tunnel (ms since the epoch); 0: never. */
  readonly lastRx: number;
}

export function createTunnelCounters(): TunnelCountersShared {
  return { buffer: new SharedArrayBuffer(64 * STRIDE * 8, { maxByteLength: MAX_TUNNELS * STRIDE * 8 }) };
}

/** Makes room for tunnel ids below `count` (main thread, before any record names them). */
export function ensureTunnelCapacity(shared: TunnelCountersShared, count: number): void {
  if (count > MAX_TUNNELS) throw new RangeError(`at most ${MAX_TUNNELS} tunnels`);
  const needed = count * STRIDE * 8;
  if (needed > shared.buffer.byteLength) shared.buffer.grow(Math.min(shared.buffer.maxByteLength, Math.max(needed, shared.buffer.byteLength * 2)));
}

/** A worker's writer: its row of every tunnel. */
export class TunnelCounterWriter {
  private cells: Float64Array;

  constructor(private readonly shared: TunnelCountersShared, private readonly row: number) {
    this.cells = fixedView(shared.buffer);
  }

  private at(tunnel: number): number {
    // A fixed-length view, re-made after growth: V8 11 runs each access to a length-tracking view of a growable
    // buffer through the runtime, about 10x slower, and this runs per packet.
    if ((tunnel + 1) * STRIDE > this.cells.length) this.cells = fixedView(this.shared.buffer);
    return tunnel * STRIDE + Math.min(this.row, TUNNEL_COUNTER_ROWS - 1) * FIELDS;
  }

  rx(tunnel: number, bytes: number, now: number): void {
    if (tunnel < 0) return;
    const i = this.at(tunnel);
    if (i + FIELDS > this.cells.length) return;
    this.cells[i] = (this.cells[i] ?? 0) + 1;
    this.cells[i + 1] = (this.cells[i + 1] ?? 0) + bytes;
    this.cells[i + 4] = now;
  }

  tx(tunnel: number, bytes: number): void {
    if (tunnel < 0) return;
    const i = this.at(tunnel);
    if (i + FIELDS > this.cells.length) return;
    this.cells[i + 2] = (this.cells[i + 2] ?? 0) + 1;
    this.cells[i + 3] = (this.cells[i + 3] ?? 0) + bytes;
  }
}

function fixedView(buffer: SharedArrayBuffer): Float64Array {
  return new Float64Array(buffer, 0, buffer.byteLength >>> 3);
}

/** One tunnel's traffic, every worker's row added up. */
export function readTunnelTraffic(shared: TunnelCountersShared, tunnel: number): TunnelTraffic {
  const cells = new Float64Array(shared.buffer);
  let rxPackets = 0;
  let rxBytes = 0;
  let txPackets = 0;
  let txBytes = 0;
  let lastRx = 0;
  const base = tunnel * STRIDE;
  if (tunnel < 0 || base + STRIDE > cells.length) return { rxPackets, rxBytes, txPackets, txBytes, lastRx };
  for (let r = 0; r < TUNNEL_COUNTER_ROWS; r++) {
    const i = base + r * FIELDS;
    rxPackets += cells[i] ?? 0;
    rxBytes += cells[i + 1] ?? 0;
    txPackets += cells[i + 2] ?? 0;
    txBytes += cells[i + 3] ?? 0;
    lastRx = Math.max(lastRx, cells[i + 4] ?? 0);
  }
  return { rxPackets, rxBytes, txPackets, txBytes, lastRx };
}
