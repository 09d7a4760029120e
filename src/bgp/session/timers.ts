/**
 * Timer durations of RFC 4271 §8 and §10, and a clock-free table of running
 * timers that a driver (or a test) keeps beside the FSM: the FSM says which
 * timer to start or stop, the table remembers deadlines in whatever time base
 * the caller passes in, and tells which timers are due.
 */
import type { FsmAction, FsmConfig, RandomSource, TimerName } from './fsm-types';

/** RFC 4271 §10: jitter multiplies by a uniform random value in [0.75, 1.0]. */
export const JITTER_MIN = 0.75;

/** RFC 4271 §4.4: KEEPALIVEs MUST NOT be sent more often than once per second. */
export const MIN_KEEPALIVE_MS = 1000;

/** RFC 4271 §10: a new random factor each time; the source is injected so tests are deterministic. */
export function jitter(ms: number, random: RandomSource): number {
  const r = Math.min(1, Math.max(0, random()));
  return Math.round(ms * (JITTER_MIN + (1 - JITTER_MIN) * r));
}

/** RFC 4271 §10: ConnectRetryTimer, jittered. */
export function connectRetryMs(config: FsmConfig): number {
  return jitter(config.connectRetryTime * 1000, config.random);
}

/** Jittered keepalive interval, never below one second (RFC 4271 §4.4, §10). */
export function keepaliveMs(keepaliveSeconds: number, random: RandomSource): number {
  return Math.max(MIN_KEEPALIVE_MS, jitter(keepaliveSeconds * 1000, random));
}

/**
 * The wait before an automatic restart after `failures` consecutive failures:
 * IdleHoldTime for the first, doubled for each further one when
 * DampPeerOscillations is set (FRR doubles its start timer the same way, BIRD
 * its error wait time), never above the configured maximum. 0 before any failure.
 */
export function idleHoldSeconds(config: FsmConfig, failures: number): number {
  if (failures <= 0) return 0;
  if (!config.dampPeerOscillations) return config.idleHoldTime;
  const grown = config.idleHoldTime * 2 ** Math.min(failures - 1, 30);
  return Math.min(config.maxIdleHoldTime, grown);
}

/**
 * Deadlines of the running timers of one session. Pure bookkeeping: the
 * caller supplies `now` from its clock (real or fake) and schedules one wake-up
 * at `nextDeadline()`.
 */
export class SessionTimers {
  private readonly deadlines = new Map<TimerName, number>();

  /** Applies the timer actions among `actions`; other actions are ignored. */
  apply(actions: readonly FsmAction[], now: number): void {
    for (const a of actions) {
      if (a.type === 'start-timer') this.deadlines.set(a.timer, now + a.ms);
      else if (a.type === 'stop-timer') this.deadlines.delete(a.timer);
    }
  }

  isRunning(timer: TimerName): boolean {
    return this.deadlines.has(timer);
  }

  /** Milliseconds until `timer` fires, or null when it is not running. */
  remaining(timer: TimerName, now: number): number | null {
    const d = this.deadlines.get(timer);
    return d === undefined ? null : d - now;
  }

  nextDeadline(): number | null {
    let next: number | null = null;
    for (const d of this.deadlines.values()) if (next === null || d < next) next = d;
    return next;
  }

  /** The earliest timer due at `now`, removed from the table; null when none is. One at a time, so each expiry is stepped before the next is looked at. */
  takeDue(now: number): TimerName | null {
    let best: TimerName | null = null;
    let bestAt = Infinity;
    for (const [timer, at] of this.deadlines) {
      if (at <= now && at < bestAt) {
        best = timer;
        bestAt = at;
      }
    }
    if (best !== null) this.deadlines.delete(best);
    return best;
  }

  clear(): void {
    this.deadlines.clear();
  }
}
