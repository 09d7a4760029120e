/**
 * One instance of the RFC 4271 §8 state machine with what it drives: at most
 * one TCP connection and its timers. A peer has one slot normally and two while
 * a connection collision (§6.8) is undecided, since "each connection has its
 * own FSM" until one is chosen.
 *
 * The slot only steps the pure FSM and keeps the timers armed on the clock;
 * the owning Peer performs every other action.
 */
import type { Clock, TimerHandle } from './clock';
import type { Connection } from './connection';
import { initialState, step } from './fsm';
import { TimerEvent, type FsmConfig, type FsmEvent, type SessionState, type StepResult } from './fsm-types';
import { SessionTimers } from './timers';

export class SessionSlot {
  private current: SessionState = initialState();
  private readonly timers = new SessionTimers();
  private wakeUp: TimerHandle | null = null;
  /** The connection this FSM runs on; null in Idle, in Active while listening, in Connect before the socket exists. */
  connection: Connection | null = null;
  /** Why the last outgoing connection could not even be attempted (bind, socket option); for "last error". */
  connectError: string | null = null;
  private disposed = false;

  constructor(
    /** A name for tests and diagnostics: 'main' or 'collision'. */
    readonly label: string,
    private readonly clock: Clock,
    /** Called when a timer expires, with the timer's event (RFC 4271 §8.1.3). */
    private readonly onTimer: (slot: SessionSlot, event: FsmEvent) => void,
  ) {}

  get state(): SessionState {
    return this.current;
  }

  get isDisposed(): boolean {
    return this.disposed;
  }

  /** Steps the FSM and re-arms the timers it started or stopped; the other actions are returned for the caller. */
  step(event: FsmEvent, config: FsmConfig): StepResult {
    const result = step(this.current, event, config);
    this.current = result.state;
    this.timers.apply(result.actions, this.clock.now());
    this.schedule();
    return result;
  }

  /** Stops the timers and closes the connection without a word; the slot is unusable afterwards. */
  dispose(): void {
    this.disposed = true;
    this.timers.clear();
    this.cancelWakeUp();
    this.connection?.close(false);
    this.connection = null;
  }

  /** Milliseconds until `timer` fires; for tests and `show neighbors`. */
  remaining(timer: Parameters<SessionTimers['remaining']>[0]): number | null {
    return this.timers.remaining(timer, this.clock.now());
  }

  private cancelWakeUp(): void {
    if (this.wakeUp !== null) this.clock.clearTimer(this.wakeUp);
    this.wakeUp = null;
  }

  /**
   * One clock timer per slot, at or before the earliest deadline. A wake-up
   * already armed no later than that deadline is kept: every UPDATE received
   * restarts the HoldTimer (RFC 4271 §8.2.2) and every one sent the
   * KeepaliveTimer, which only moves deadlines later, and re-arming a real
   * timer per message showed in the ingest profile. An early wake-up finds
   * nothing due and arms again for the deadline then in force (fireDue).
   */
  private schedule(): void {
    if (this.disposed) {
      this.cancelWakeUp();
      return;
    }
    const next = this.timers.nextDeadline();
    if (next === null) {
      this.cancelWakeUp();
      return;
    }
    if (this.wakeUp !== null && this.wakeAt <= next) return;
    this.cancelWakeUp();
    this.wakeAt = next;
    this.wakeUp = this.clock.setTimer(Math.max(0, next - this.clock.now()), () => {
      this.wakeUp = null;
      this.fireDue();
    });
  }

  /** The deadline the armed wake-up was set for. */
  private wakeAt = 0;

  private fireDue(): void {
    if (this.disposed) return;
    const timer = this.timers.takeDue(this.clock.now());
    // A real timer may wake a hair before the deadline: just re-arm.
    if (timer === null) this.schedule();
    else this.onTimer(this, TimerEvent[timer]);
  }
}
