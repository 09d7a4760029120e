/**
 * What the daemon hands the FIB (STYLE.md: the FIB is fed, never reaches
 * back): batches of changes derived from VRF table events, session starts and
 * stops, and tunnel state. The FIB imports neither bgp/ nor vrf/; prefixes
 * are plain values of the same shape the rest of hdvpn uses.
 */
import type { NextHop } from './next-hop';
import type { TargetRule } from './target-rules';

export interface FibIpv4Prefix {
  readonly afi: 1;
  readonly length: number;
  /** uint32, host bits zero. */
  readonly address: number;
}

export interface FibIpv6Prefix {
  readonly afi: 2;
  readonly length: number;
  readonly address: Uint8Array;
}

export type FibPrefix = FibIpv4Prefix | FibIpv6Prefix;

/**
 * What a table is for. `upstream` and `downstream` are the halves of a
 * half-duplex pair (RFC 7024): client traffic is looked up in the upstream
 * half only; `downstream` is reachable only from the core, by label.
 */
export type TableRole = 'global' | 'vrf' | 'upstream' | 'downstream' | 'hub';

/** Where a packet entered: a session's own interface, a client tunnel, or the core. */
export type Ingress =
  | { readonly kind: 'port'; readonly port: number; readonly session: string }
  | {
      readonly kind: 'tunnel';
      readonly type: 'gre' | 'ipip';
      readonly remote: number;
      readonly key: number | null;
      readonly session: string;
      /** The tunnel's name (as next hops toward it name it), for its counters. */
      readonly tunnel: string;
    };

/** Where a label received from the core leads (RFC 4364 §5): a table (per-VRF label) or straight to next hops (per-prefix label). */
export type LabelTarget = { readonly table: string } | { readonly nextHops: readonly NextHop[] };

export type FibChange =
  | { readonly type: 'table'; readonly table: string; readonly role: TableRole }
  | { readonly type: 'table-remove'; readonly table: string }
  /** Replaces the prefix's next hops (several: ECMP). */
  | { readonly type: 'route'; readonly table: string; readonly prefix: FibPrefix; readonly nextHops: readonly NextHop[] }
  | { readonly type: 'route-remove'; readonly table: string; readonly prefix: FibPrefix }
  /** Binds an ingress to the table its packets are looked up in; null unbinds. */
  | { readonly type: 'ingress'; readonly ingress: Ingress; readonly table: string | null }
  | { readonly type: 'label'; readonly label: number; readonly target: LabelTarget | null }
  | { readonly type: 'tunnel-state'; readonly tunnel: string; readonly up: boolean }
  /** Per-target rules of a hub table (RFC 7024 §3), applied after its lookups; empty: none. */
  | { readonly type: 'targets'; readonly table: string; readonly rules: readonly TargetRule[] };
