/**
 * Per-target processing at a hub (RFC 7024 §3: traffic between V-spokes goes
 * through the V-hub, which is where policy is applied). An ordered rule table
 * matched per packet by destination prefix and client (source) prefix, first
 * match wins, as an ACL: `permit` forwards, `deny` drops, `rate-limit`
 * forwards within a token bucket and drops the excess, `count` counts and
 * goes on to the next rule. A packet no rule decides is forwarded. After a
 * forwarding verdict, hooks (NAT, inspection) may still drop the packet.
 *
 * This is a data structure the FIB calls (issue 7); it does no I/O. Every
 * rule counts packets and bytes for `hdvpn show hub`.
 */
import type { Prefix } from '../bgp/wire/values/prefix';
import { addressInPrefix, formatPrefix } from '../bgp/wire/values/prefix';

export type HubAction = 'permit' | 'deny' | 'rate-limit' | 'count';

export interface HubRuleDefinition {
  readonly name: string;
  /** Matches when the destination is in any of these; empty: any destination. */
  readonly destination: readonly Prefix[];
  /** Matches when the source (the client) is in any of these; empty: any client. */
  readonly client: readonly Prefix[];
  readonly action: HubAction;
  /** rate-limit only: packets per second, and the bucket size (default: one second's worth). */
  readonly rate?: number;
  readonly burst?: number;
}

/** The parts of a packet the rules look at. Addresses are 4 (IPv4) or 16 (IPv6) octets. */
export interface HubPacket {
  readonly source: Uint8Array;
  readonly destination: Uint8Array;
  /** Octets, for the byte counters. */
  readonly length: number;
}

export interface HubVerdict {
  readonly action: 'forward' | 'drop';
  /** The rule that decided; null: no rule did (default forward) or a hook dropped it (see `hook`). */
  readonly rule: string | null;
  /** The hook that dropped the packet, if one did. */
  readonly hook?: string;
}

/** Further processing after the rules (NAT, inspection): may drop a packet the rules forward. */
export interface HubHook {
  readonly name: string;
  process(packet: HubPacket): 'forward' | 'drop';
}

export interface HubRuleCounters {
  readonly name: string;
  readonly action: HubAction;
  readonly destination: readonly string[];
  readonly client: readonly string[];
  /** Packets and bytes that matched the rule. */
  readonly packets: number;
  readonly bytes: number;
  /** Matched packets the rule dropped (deny, or rate-limit over its rate). */
  readonly dropped: number;
}

export interface HubCounters {
  readonly rules: readonly HubRuleCounters[];
  /** Packets no rule decided (forwarded). */
  readonly unmatched: { readonly packets: number; readonly bytes: number };
  readonly hookDrops: number;
}

function anyContains(list: readonly Prefix[], address: Uint8Array): boolean {
  if (list.length === 0) return true;
  for (const p of list) if (addressInPrefix(address, p)) return true;
  return false;
}

class Rule {
  packets = 0;
  bytes = 0;
  dropped = 0;
  /** Token bucket (rate-limit): tokens left and when they were last refilled (ms). */
  private tokens: number;
  private refilled: number;
  private readonly rate: number;
  private readonly burst: number;

  constructor(readonly def: HubRuleDefinition, now: number) {
    this.rate = def.rate ?? 0;
    this.burst = def.burst ?? Math.max(1, this.rate);
    this.tokens = this.burst;
    this.refilled = now;
  }

  matches(p: HubPacket): boolean {
    return anyContains(this.def.destination, p.destination) && anyContains(this.def.client, p.source);
  }

  /** rate-limit: takes a token if one is left. */
  conform(now: number): boolean {
    const elapsed = Math.max(0, now - this.refilled) / 1000;
    this.tokens = Math.min(this.burst, this.tokens + elapsed * this.rate);
    this.refilled = now;
    if (this.tokens < 1) return false;
    this.tokens -= 1;
    return true;
  }
}

export class HubRuleTable {
  private readonly rules: Rule[];
  private readonly hooks: HubHook[] = [];
  private unmatchedPackets = 0;
  private unmatchedBytes = 0;
  private hookDrops = 0;

  /** `now`: milliseconds, injected so tests drive the rate limiter by hand. */
  constructor(rules: readonly HubRuleDefinition[], private readonly now: () => number = Date.now) {
    const t = now();
    this.rules = rules.map((r) => new Rule(r, t));
  }

  addHook(hook: HubHook): void {
    this.hooks.push(hook);
  }

  removeHook(name: string): void {
    const i = this.hooks.findIndex((h) => h.name === name);
    if (i >= 0) this.hooks.splice(i, 1);
  }

  classify(packet: HubPacket): HubVerdict {
    const verdict = this.rulesVerdict(packet);
    if (verdict.action === 'drop') return verdict;
    for (const h of this.hooks) {
      if (h.process(packet) === 'drop') {
        this.hookDrops++;
        return { action: 'drop', rule: verdict.rule, hook: h.name };
      }
    }
    return verdict;
  }

  counters(): HubCounters {
    return {
      rules: this.rules.map((r) => ({
        name: r.def.name,
        action: r.def.action,
        destination: r.def.destination.map(formatPrefix),
        client: r.def.client.map(formatPrefix),
        packets: r.packets,
        bytes: r.bytes,
        dropped: r.dropped,
      })),
      unmatched: { packets: this.unmatchedPackets, bytes: this.unmatchedBytes },
      hookDrops: this.hookDrops,
    };
  }

  private rulesVerdict(packet: HubPacket): HubVerdict {
    for (const r of this.rules) {
      if (!r.matches(packet)) continue;
      r.packets++;
      r.bytes += packet.length;
      switch (r.def.action) {
        case 'count':
          continue;
        case 'permit':
          return { action: 'forward', rule: r.def.name };
        case 'deny':
          r.dropped++;
          return { action: 'drop', rule: r.def.name };
        case 'rate-limit':
          if (r.conform(this.now())) return { action: 'forward', rule: r.def.name };
          r.dropped++;
          return { action: 'drop', rule: r.def.name };
        default: {
          const never: never = r.def.action;
          throw new Error(`unknown hub action ${String(never)}`);
        }
      }
    }
    this.unmatchedPackets++;
    this.unmatchedBytes += packet.length;
    return { action: 'forward', rule: null };
  }
}
