/**
 * Per-port packet counters in shared memory, written by the port workers and
 * read by the main thread without messaging.
 *
 * Every cell has exactly one writer, so plain Float64Array stores suffice (no
 * Atomics on the hot path; a float64 counts exactly up to 2^53): worker w owns
 * row w. The row holds w's receive side (its own port) and, per egress port e,
 * what w sent to e — any worker may write to any port, so a port's transmit
 * counters are the sum of column e over all rows.
 */

export interface PortCounters {
  rxPackets: number;
  rxBytes: number;
  /** read() failures other than EAGAIN/EINTR on this port. */
  rxErrors: number;
  txPackets: number;
  txBytes: number;
  /** The handler returned 0 for a packet received on this port. */
  drops: number;
  /** The handler threw, or emitted to a port that does not exist, for a packet received on this port. */
  handlerErrors: number;
  /** write()/sendto() to this port failed. */
  errors: number;
  /** errno of the most recent failed write()/sendto() to this port (0: none). */
  lastErrno: number;
}

// Receive side of a row.
export const RX_PACKETS = 0;
export const RX_BYTES = 1;
export const RX_ERRORS = 2;
export const DROPS = 3;
export const HANDLER_ERRORS = 4;
export const RX_FIELDS = 5;
// Per egress port within a row.
export const TX_PACKETS = 0;
export const TX_BYTES = 1;
export const TX_ERRORS = 2;
export const TX_LAST_ERRNO = 3;
/** Date.now() of that error, so the reader can pick the most recent errno across rows. */
export const TX_LAST_ERROR_AT = 4;
export const TX_FIELDS = 5;

export function rowLength(maxPorts: number): number {
  return RX_FIELDS + maxPorts * TX_FIELDS;
}

export function countersBuffer(maxPorts: number): SharedArrayBuffer {
  return new SharedArrayBuffer(maxPorts * rowLength(maxPorts) * Float64Array.BYTES_PER_ELEMENT);
}

export function readCounters(cells: Float64Array, maxPorts: number, portId: number): PortCounters {
  const row = rowLength(maxPorts);
  const at = (i: number): number => cells[i] ?? 0;
  const own = portId * row;
  const c: PortCounters = {
    rxPackets: at(own + RX_PACKETS),
    rxBytes: at(own + RX_BYTES),
    rxErrors: at(own + RX_ERRORS),
    drops: at(own + DROPS),
    handlerErrors: at(own + HANDLER_ERRORS),
    txPackets: 0,
    txBytes: 0,
    errors: 0,
    lastErrno: 0,
  };
  let lastErrorAt = -1;
  for (let w = 0; w < maxPorts; w++) {
    const base = w * row + RX_FIELDS + portId * TX_FIELDS;
    c.txPackets += at(base + TX_PACKETS);
    c.txBytes += at(base + TX_BYTES);
    c.errors += at(base + TX_ERRORS);
    if (at(base + TX_ERRORS) > 0 && at(base + TX_LAST_ERROR_AT) > lastErrorAt) {
      lastErrorAt = at(base + TX_LAST_ERROR_AT);
      c.lastErrno = at(base + TX_LAST_ERRNO);
    }
  }
  return c;
}

// Control words per worker (Int32Array over a SharedArrayBuffer).
export const CONTROL_STOP = 0;
/** Bumped by the main thread after posting a message on the worker's channel. */
export const CONTROL_MESSAGE_SEQ = 1;
export const CONTROL_FIELDS = 2;

export function controlBuffer(maxPorts: number): SharedArrayBuffer {
  return new SharedArrayBuffer(maxPorts * CONTROL_FIELDS * Int32Array.BYTES_PER_ELEMENT);
}
