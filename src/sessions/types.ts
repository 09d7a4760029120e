/**
 * A hosted client session (issue 6): a client id, the half-duplex pair it
 * joins, its address, the prefixes it put into the pair's downstream VRF, and
 * its attachment. The tunnel is only recorded here; the data plane that
 * carries it is issue 8.
 */
import type { Json } from '../bgp/wire/json';

export type TunnelType = 'gre' | 'ipip';

/** GRE (RFC 2784, key RFC 2890) or IP-in-IP (RFC 2003) toward the client's router. */
export interface TunnelSpec {
  readonly type: TunnelType;
  readonly remote: string;
  /** GRE key; null: none (always null for IP-in-IP). */
  readonly key: number | null;
}

/** `up`: routes installed; `down`: restored from the store but its pair is gone from the config. */
export type SessionState = 'up' | 'down';

export interface Session {
  readonly client: string;
  readonly pair: string;
  /** IPv4 address as uint32. */
  readonly address: number;
  /** Every prefix the session put into the downstream VRF, text form: the host route first, then framed routes. */
  readonly routes: readonly string[];
  readonly tunnel: TunnelSpec | null;
  state: SessionState;
  /** Milliseconds since the epoch when the session started (kept across restarts). */
  readonly since: number;
}

export interface SessionRequest {
  readonly client: string;
  /** Undefined: the only pair whose address server is the built-in pool. */
  readonly pair?: string;
  readonly tunnel?: TunnelSpec;
}

/** The JSON of `hdvpn show sessions -j` (INTERFACE.md fixes these seven keys). */
export function sessionView(s: Session, formatAddress: (a: number) => string): Json {
  return {
    client: s.client,
    pair: s.pair,
    address: formatAddress(s.address),
    routes: [...s.routes],
    tunnel: s.tunnel ? { type: s.tunnel.type, remote: s.tunnel.remote, key: s.tunnel.key } : null,
    state: s.state,
    since: new Date(s.since).toISOString(),
  };
}
