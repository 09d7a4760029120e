/**
 * Per-target processing at a hub (RFC 7024 §3: traffic between V-spokes goes
 * through the V-hub, which is where policy is applied), in the data plane.
 * An ordered rule table matched per packet by destination and client
 * (source) prefix, first match wins, as an ACL: `permit` forwards, `deny`
 * drops, `rate-limit` forwards within a token bucket and drops the excess,
 * `count` counts and goes on. A packet no rule decides is forwarded. After a
 * forwarding verdict, hooks (NAT, inspection) may still drop it.
 *
 * Rules are compiled once into shared memory for the packet workers; each
 * worker counts in its own row of a shared counter block (no atomics on the
 * packet path), and the main thread adds the rows up for `hdvpn show hub`.
 * Token buckets are per worker: a rate is enforced per packet socket, which
 * at a hub is the one GRE socket all core traffic arrives on.
 */
import type { FibPrefix } from './changes';

export type TargetAction = 'permit' | 'deny' | 'rate-limit' | 'count';

export interface TargetRule {
  readonly name: string;
  /** Matches when the destination is in any of these; empty: any destination. */
  readonly destination: readonly FibPrefix[];
  /** Matches when the source (the client) is in any of these; empty: any client. */
  readonly client: readonly FibPrefix[];
  readonly action: TargetAction;
  /** rate-limit only: packets per second, and the bucket size (default: one second's worth). */
  readonly rate?: number;
  readonly burst?: number;
}

/** Further processing after the rules, loaded in every packet worker: may drop a packet the rules forward. */
export interface TargetHook {
  readonly name: string;
  /** The inner IPv4 packet is buf[offset, offset + length); src and dst are uint32. */
  process(buf: Buffer, offset: number, length: number, src: number, dst: number): 'forward' | 'drop';
}

const ACTIONS: readonly TargetAction[] = ['permit', 'deny', 'rate-limit', 'count'];
/** Counter rows: one per packet worker (port id), plus one for lookups made on the main thread. */
export const TARGET_COUNTER_ROWS = 65;
/** Per rule: packets, bytes, dropped; then unmatched packets, unmatched bytes, hook drops. */
const PER_RULE = 3;

/** Structured-clonable: handed to workers in the FIB snapshot. */
export interface TargetRulesShared {
  readonly names: readonly string[];
  /** Per rule: action, rate, burst, destination count (-1: only IPv6 given, never matches IPv4), client count, then (address, length) pairs. */
  readonly code: Int32Array;
  readonly counters: SharedArrayBuffer;
}

function prefixWords(list: readonly FibPrefix[]): number[] {
  const v4 = list.filter((p): p is Extract<FibPrefix, { afi: 1 }> => p.afi === 1);
  // A list of IPv6 prefixes only must not turn into "any" for IPv4 packets.
  if (list.length > 0 && v4.length === 0) return [-1];
  return [v4.length, ...v4.flatMap((p) => [p.address | 0, p.length])];
}

export function compileTargetRules(rules: readonly TargetRule[]): TargetRulesShared {
  const words: number[] = [rules.length];
  for (const r of rules) {
    const rate = Math.max(0, Math.round(r.rate ?? 0));
    words.push(ACTIONS.indexOf(r.action), rate, Math.max(1, Math.round(r.burst ?? Math.max(1, rate))), ...prefixWords(r.destination), ...prefixWords(r.client));
  }
  const code = new Int32Array(new SharedArrayBuffer(words.length * 4));
  code.set(words);
  return { names: rules.map((r) => r.name), code, counters: new SharedArrayBuffer(TARGET_COUNTER_ROWS * (rules.length * PER_RULE + 3) * 8) };
}

interface CompiledRule {
  readonly action: number;
  readonly rate: number;
  readonly burst: number;
  /** [address, mask] pairs; null: any; empty: never. */
  readonly destination: Uint32Array | null;
  readonly client: Uint32Array | null;
  tokens: number;
  refilled: number;
}

function readList(code: Int32Array, at: number): [Uint32Array | null, number] {
  const n = code[at] ?? 0;
  if (n === -1) return [new Uint32Array(0), at + 1];
  if (n === 0) return [null, at + 1];
  const out = new Uint32Array(n * 2);
  for (let i = 0; i < n; i++) {
    const len = code[at + 2 + i * 2] ?? 0;
    const mask = len === 0 ? 0 : (0xffffffff << (32 - len)) >>> 0;
    out[i * 2] = ((code[at + 1 + i * 2] ?? 0) & mask) >>> 0;
    out[i * 2 + 1] = mask;
  }
  return [out, at + 1 + n * 2];
}

function inList(list: Uint32Array | null, address: number): boolean {
  if (list === null) return true;
  for (let i = 0; i < list.length; i += 2) if (((address & (list[i + 1] ?? 0)) >>> 0) === list[i]) return true;
  return false;
}

/** One worker's view of a rule table: match, rate-limit, count in its own counter row. */
export class TargetFilter {
  private readonly rules: CompiledRule[] = [];
  private readonly row: Float64Array;
  private readonly unmatched: number;

  constructor(shared: TargetRulesShared, slot: number, private readonly hooks: readonly TargetHook[] = [], private readonly now: () => number = Date.now) {
    const code = shared.code;
    let at = 1;
    const t = now();
    for (let i = 0; i < (code[0] ?? 0); i++) {
      const action = code[at] ?? 0;
      const rate = code[at + 1] ?? 0;
      const burst = code[at + 2] ?? 1;
      const [destination, next] = readList(code, at + 3);
      const [client, end] = readList(code, next);
      at = end;
      this.rules.push({ action, rate, burst, destination, client, tokens: burst, refilled: t });
    }
    const width = this.rules.length * PER_RULE + 3;
    const s = Math.max(0, Math.min(TARGET_COUNTER_ROWS - 1, slot));
    this.row = new Float64Array(shared.counters, s * width * 8, width);
    this.unmatched = this.rules.length * PER_RULE;
  }

  /** True: forward. The packet is buf[offset, offset + length). */
  check(buf: Buffer, offset: number, length: number, src: number, dst: number): boolean {
    const row = this.row;
    let forward = true;
    let decided = false;
    for (let i = 0; i < this.rules.length; i++) {
      const r = this.rules[i];
      if (!r || !inList(r.destination, dst) || !inList(r.client, src)) continue;
      row[i * PER_RULE] = (row[i * PER_RULE] ?? 0) + 1;
      row[i * PER_RULE + 1] = (row[i * PER_RULE + 1] ?? 0) + length;
      if (r.action === 3) continue; // count: and go on
      decided = true;
      if (r.action === 1 || (r.action === 2 && !this.conform(r))) {
        row[i * PER_RULE + 2] = (row[i * PER_RULE + 2] ?? 0) + 1;
        forward = false;
      }
      break;
    }
    if (!decided) {
      row[this.unmatched] = (row[this.unmatched] ?? 0) + 1;
      row[this.unmatched + 1] = (row[this.unmatched + 1] ?? 0) + length;
    }
    if (!forward) return false;
    for (const h of this.hooks) {
      if (h.process(buf, offset, length, src, dst) === 'drop') {
        row[this.unmatched + 2] = (row[this.unmatched + 2] ?? 0) + 1;
        return false;
      }
    }
    return true;
  }

  /** Token bucket: refill by elapsed time at `rate` per second up to `burst`, take one. */
  private conform(r: CompiledRule): boolean {
    const t = this.now();
    r.tokens = Math.min(r.burst, r.tokens + (Math.max(0, t - r.refilled) / 1000) * r.rate);
    r.refilled = t;
    if (r.tokens < 1) return false;
    r.tokens -= 1;
    return true;
  }
}

export interface TargetRuleCounters {
  readonly name: string;
  readonly packets: number;
  readonly bytes: number;
  readonly dropped: number;
}

export interface TargetCounters {
  readonly rules: readonly TargetRuleCounters[];
  readonly unmatched: { readonly packets: number; readonly bytes: number };
  readonly hookDrops: number;
}

/** Every worker's row added up. */
export function readTargetCounters(shared: TargetRulesShared): TargetCounters {
  const n = shared.names.length;
  const width = n * PER_RULE + 3;
  const all = new Float64Array(shared.counters);
  const sum = new Float64Array(width);
  for (let row = 0; row < TARGET_COUNTER_ROWS; row++) for (let i = 0; i < width; i++) sum[i] = (sum[i] ?? 0) + (all[row * width + i] ?? 0);
  return {
    rules: shared.names.map((name, i) => ({ name, packets: sum[i * PER_RULE] ?? 0, bytes: sum[i * PER_RULE + 1] ?? 0, dropped: sum[i * PER_RULE + 2] ?? 0 })),
    unmatched: { packets: sum[n * PER_RULE] ?? 0, bytes: sum[n * PER_RULE + 1] ?? 0 },
    hookDrops: sum[n * PER_RULE + 2] ?? 0,
  };
}
