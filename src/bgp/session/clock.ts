/**
 * Time for the session driver, injected so tests advance it by hand instead
 * of sleeping (STYLE.md: timers go through an injected clock). `now()` is
 * monotonic and drives the FSM timers; `wallClock()` is only for display
 * ("last down at" in `show neighbors`).
 */

/** An armed timer: cancel() (or clock.clearTimer) disarms it; cancelling twice or after it fired is harmless. */
export interface TimerHandle {
  readonly id: number;
  cancel(): void;
}

export interface Clock {
  /** Monotonic milliseconds (never jumps with the wall clock). */
  now(): number;
  /** Milliseconds since the epoch, for display only. */
  wallClock(): number;
  /** Calls `fn` once after `ms` milliseconds. */
  setTimer(ms: number, fn: () => void): TimerHandle;
  clearTimer(handle: { readonly id: number }): void;
}

/** The clock of a running daemon: performance.now() and setTimeout. */
export class RealClock implements Clock {
  private nextId = 1;
  private readonly timers = new Map<number, NodeJS.Timeout>();

  now(): number {
    return performance.now();
  }

  wallClock(): number {
    return Date.now();
  }

  setTimer(ms: number, fn: () => void): TimerHandle {
    const id = this.nextId++;
    const t = setTimeout(() => {
      this.timers.delete(id);
      fn();
    }, Math.max(0, ms));
    this.timers.set(id, t);
    return { id, cancel: () => this.clearTimer({ id }) };
  }

  clearTimer(handle: { readonly id: number }): void {
    const t = this.timers.get(handle.id);
    if (t === undefined) return;
    clearTimeout(t);
    this.timers.delete(handle.id);
  }

  /** Timers still armed; a test asserts 0 after cleanup. */
  get pending(): number {
    return this.timers.size;
  }
}

interface ManualTimer {
  readonly id: number;
  readonly at: number;
  readonly fn: () => void;
}

/** A clock that only moves when `advance` is called; timers fire in deadline order. */
export class ManualClock implements Clock {
  private time = 0;
  private nextId = 1;
  private timers: ManualTimer[] = [];

  constructor(private readonly epoch = Date.UTC(2026, 0, 1)) {}

  now(): number {
    return this.time;
  }

  wallClock(): number {
    return this.epoch + this.time;
  }

  setTimer(ms: number, fn: () => void): TimerHandle {
    const id = this.nextId++;
    this.timers.push({ id, at: this.time + Math.max(0, ms), fn });
    return { id, cancel: () => this.clearTimer({ id }) };
  }

  clearTimer(handle: { readonly id: number }): void {
    this.timers = this.timers.filter((t) => t.id !== handle.id);
  }

  /** Moves time forward by `ms`, firing every timer that falls due, each at its own deadline. */
  advance(ms: number): void {
    const end = this.time + ms;
    for (;;) {
      let next: ManualTimer | undefined;
      for (const t of this.timers) if (t.at <= end && (next === undefined || t.at < next.at || (t.at === next.at && t.id < next.id))) next = t;
      if (next === undefined) break;
      const due = next;
      this.timers = this.timers.filter((t) => t.id !== due.id);
      this.time = Math.max(this.time, due.at);
      due.fn();
    }
    this.time = end;
  }

  get pending(): number {
    return this.timers.length;
  }
}
