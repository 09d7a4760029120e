/**
 * Tunnel liveness as a pure state machine (the daemon owns timers and
 * sockets): probes every `intervalMs`; a tunnel that has not answered for
 * `intervalMs * multiplier` is down (BFD's detection time, RFC 5880 §6.8.4);
 * `upAfter` answers in a row bring it back. Time is passed in, so tests
 * drive it by hand.
 */

export type LiveState = 'init' | 'up' | 'down';

export interface LivenessOptions {
  readonly intervalMs: number;
  readonly multiplier: number;
  /** Consecutive answers before a down tunnel is up again (damping). Default 1. */
  readonly upAfter?: number;
}

export interface LivenessEvent {
  readonly tunnel: string;
  readonly state: 'up' | 'down';
  readonly at: number;
  /** down: ms since the last answer (or since probing began); up: ms the tunnel was down. */
  readonly after: number;
}

interface Probe {
  state: LiveState;
  seq: number;
  nextProbe: number;
  /** Last answer, or when probing began. */
  lastAnswer: number;
  downSince: number;
  streak: number;
  lastAnsweredSeq: number;
}

export class LivenessMonitor {
  private readonly probes = new Map<string, Probe>();
  private readonly upAfter: number;

  constructor(private readonly opts: LivenessOptions) {
    if (!(opts.intervalMs > 0) || !(opts.multiplier >= 1)) throw new RangeError('liveness needs an interval > 0 and a multiplier >= 1');
    this.upAfter = Math.max(1, opts.upAfter ?? 1);
  }

  get detectMs(): number {
    return this.opts.intervalMs * this.opts.multiplier;
  }

  add(tunnel: string, now: number): void {
    if (this.probes.has(tunnel)) return;
    this.probes.set(tunnel, { state: 'init', seq: 0, nextProbe: now, lastAnswer: now, downSince: 0, streak: 0, lastAnsweredSeq: -1 });
  }

  remove(tunnel: string): void {
    this.probes.delete(tunnel);
  }

  has(tunnel: string): boolean {
    return this.probes.has(tunnel);
  }

  state(tunnel: string): LiveState | null {
    return this.probes.get(tunnel)?.state ?? null;
  }

  tunnels(): IterableIterator<string> {
    return this.probes.keys();
  }

  /** Probes due at `now`, each with its sequence number; the next ones are scheduled. */
  due(now: number): { tunnel: string; seq: number }[] {
    const out: { tunnel: string; seq: number }[] = [];
    for (const [tunnel, p] of this.probes) {
      if (now < p.nextProbe) continue;
      p.seq = (p.seq + 1) >>> 0;
      p.nextProbe = now + this.opts.intervalMs;
      out.push({ tunnel, seq: p.seq });
    }
    return out;
  }

  /** An answer to probe `seq`; returns the event when it brings the tunnel up. Late duplicates count once. */
  answer(tunnel: string, seq: number, now: number): LivenessEvent | null {
    const p = this.probes.get(tunnel);
    if (!p || seq === p.lastAnsweredSeq || seq > p.seq) return null;
    p.lastAnsweredSeq = seq;
    p.lastAnswer = now;
    p.streak++;
    if (p.state === 'up' || p.streak < this.upAfter) return null;
    const wasDown = p.state === 'down';
    p.state = 'up';
    return wasDown ? { tunnel, state: 'up', at: now, after: now - p.downSince } : { tunnel, state: 'up', at: now, after: 0 };
  }

  /** Tunnels whose detection time ran out at `now`. */
  check(now: number): LivenessEvent[] {
    const out: LivenessEvent[] = [];
    for (const [tunnel, p] of this.probes) {
      if (p.state === 'down' || now - p.lastAnswer < this.detectMs) continue;
      p.state = 'down';
      p.downSince = now;
      p.streak = 0;
      out.push({ tunnel, state: 'down', at: now, after: now - p.lastAnswer });
    }
    return out;
  }
}
