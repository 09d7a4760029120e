/**
 * Defaults: the values a key takes when it is absent, and the built-in config
 * hdvpnd runs without --config (a laptop: loopback, unprivileged port, private AS).
 */
import { parseIpv4 } from '../../bgp/wire/values/ip';
import type { Config, DecisionConfig, GracefulRestart, LoggingConfig, RouteServerConfig, SessionsConfig, FibConfig } from './model';
import { deepFreeze } from './freeze';

/** RFC 4271 §10 suggested values. */
export const DEFAULT_HOLD_TIME = 90;
export const DEFAULT_CONNECT_RETRY = 120;
export const BGP_PORT = 179;
/** RFC 4724 §3: the restart time is a 12-bit field. */
export const MAX_RESTART_TIME = 4095;
export const DEFAULT_RESTART_TIME = 120;
export const DEFAULT_STALE_ROUTES_TIME = 360;
export const DEFAULT_GRACEFUL_RESTART: GracefulRestart = { enabled: true, restartTime: DEFAULT_RESTART_TIME, staleRoutesTime: DEFAULT_STALE_ROUTES_TIME };
export const DEFAULT_MAX_PREFIX_THRESHOLD = 75;
export const DEFAULT_DYNAMIC_LIMIT = 100;
export const DEFAULT_LOGGING: LoggingConfig = { level: 'info', format: 'text', file: null };
export const RADIUS_AUTH_PORT = 1812;
export const RADIUS_ACCOUNTING_PORT = 1813;
export const DEFAULT_RADIUS_TIMEOUT = 3;
export const DEFAULT_RADIUS_RETRIES = 2;
/** RFC 4271 §9.1.2.2(c): MEDs are compared only between routes from the same neighbor AS unless told otherwise. */
export const DEFAULT_DECISION: DecisionConfig = { alwaysCompareMed: false };
export const DEFAULT_SESSIONS: SessionsConfig = { store: null };
export const DEFAULT_FIB: FibConfig = { backend: 'none', tunnelSource: null, fallback: true, pathMtu: 1500, probeInterval: 0, probeMultiplier: 3, noFallbackCommunity: null, noTunnelCommunity: null, afXdp: [] };
export const NO_ROUTE_SERVER_POLICY: RouteServerConfig = { importPolicy: [], exportPolicy: [] };
/** RFC 4271 §5.1.2 leaves prepending unbounded; more than this is a typo, not traffic engineering. */
export const MAX_AS_PATH_PREPEND = 16;

/** RFC 4271 §10: keepalive one third of the hold time; 0 when the hold time is 0. */
export function defaultKeepalive(holdTime: number): number {
  return Math.floor(holdTime / 3);
}

export { defaultControlSocket } from '../../control/socket-path';
import { defaultControlSocket } from '../../control/socket-path';

/** AS 65000: the first 2-octet private AS (RFC 6996), so the default never clashes with a real network. */
export const BUILTIN_ASN = 65000;
/** 1179: BGP's 179 moved above 1024 so no privilege is needed. */
export const BUILTIN_PORT = 1179;
const LOOPBACK = '127.0.0.1';

function builtinConfigUnfrozen(env: NodeJS.ProcessEnv = process.env, uid: number | undefined = process.getuid?.()): Config {
  const routerId = parseIpv4(LOOPBACK) ?? 0x7f000001;
  return {
    asn: BUILTIN_ASN,
    routerId,
    listen: { enabled: true, address: LOOPBACK, port: BUILTIN_PORT },
    control: { socket: defaultControlSocket(env, uid) },
    logging: DEFAULT_LOGGING,
    neighbors: [],
    dynamicNeighbors: [],
    routes: [],
    vrfs: [],
    halfDuplex: [],
    radius: null,
    sessions: DEFAULT_SESSIONS,
    fib: DEFAULT_FIB,
    informClients: null,
    clientRouter: null,
    prefixLists: [],
    policies: [],
    routeServer: NO_ROUTE_SERVER_POLICY,
    clusterId: null,
    decision: DEFAULT_DECISION,
  };
}

/** The config hdvpnd runs on without --config; docs/config.md shows it as YAML. */
export function builtinConfig(env: NodeJS.ProcessEnv = process.env, uid: number | undefined = process.getuid?.()): Config {
  return deepFreeze(builtinConfigUnfrozen(env, uid));
}
