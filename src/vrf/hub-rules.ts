/**
 * Per-target processing at a hub (RFC 7024 §3: traffic between V-spokes goes
 * through the V-hub, which is where policy is applied): the rules as the
 * config defines them, an ordered table matched per packet by destination
 * prefix and client (source) prefix, first match wins, as an ACL: `permit`
 * forwards, `deny` drops, `rate-limit` forwards within a token bucket and
 * drops the excess, `count` counts and goes on.
 *
 * The packets themselves meet these rules in the data plane
 * (src/fib/target-rules.ts), which the daemon feeds with them.
 */
import type { Prefix } from '../bgp/wire/values/prefix';

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
