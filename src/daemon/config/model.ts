/**
 * The validated configuration of one hdvpnd node. Everything here is already
 * parsed into the value types of src/bgp/wire/values (text forms live there
 * only), defaults are filled in, and the whole tree is frozen by the loader.
 * Key names and meaning: docs/config.md; the stable core: INTERFACE.md.
 */
import type { LargeCommunity } from '../../bgp/wire/values/large-community';
import type { RouteTargetLike } from '../../bgp/wire/values/ext-community';
import type { Prefix } from '../../bgp/wire/values/prefix';
import type { RouteDistinguisher } from '../../bgp/wire/values/rd';
import type { PolicyDefinition, PrefixListDefinition } from '../../bgp/policy/definitions';

export type { PolicyDefinition, PrefixListDefinition } from '../../bgp/policy/definitions';

/** The four family names INTERFACE.md allows in config, in their canonical print order. */
export const CONFIG_FAMILIES = ['ipv4-unicast', 'ipv6-unicast', 'vpnv4-unicast', 'vpnv6-unicast'] as const;
export type ConfigFamily = (typeof CONFIG_FAMILIES)[number];

export type LogLevel = 'error' | 'warn' | 'info' | 'debug';
export const LOG_LEVELS: readonly LogLevel[] = ['error', 'warn', 'info', 'debug'];
export type LogFormat = 'text' | 'json';

/** A reference to a secret; the secret itself is read only when needed (secrets.ts) and never kept in the model. */
export type SecretRef = { readonly source: 'file'; readonly path: string } | { readonly source: 'env'; readonly variable: string };

/** `listen: false` and `port: 0` both mean the node never accepts BGP connections (it may still connect out). */
export type ListenConfig = { readonly enabled: false } | { readonly enabled: true; readonly address: string; readonly port: number };

export interface ControlConfig {
  readonly socket: string;
}

/** Client sessions (issue 6): where sessions and leases are kept across restarts. */
export interface SessionsConfig {
  /** The SQLite file; null: `hdvpnd-sessions.db` next to the control socket. */
  readonly store: string | null;
}

/** Which backend moves packets through the FIB (issue 7): none (the FIB is kept and shown only), userspace, kernel. */
export type FibBackendName = 'none' | 'userspace' | 'kernel';

/** The forwarding plane (docs/fib.md). */
export interface FibConfig {
  readonly backend: FibBackendName;
  /** Outer source address of GRE, IP-in-IP and the core encapsulation; null: the router id. */
  readonly tunnelSource: number | null;
  /** Best-effort plain IP while a tunnel or the core path is down. */
  readonly fallback: boolean;
  /** MTU of the paths to tunnel endpoints, outer header included (RFC 2003 §5.1). */
  readonly pathMtu: number;
  /** Tunnel liveness probes (src/tunnels/liveness.ts): every this many ms; 0: no probing (tunnels are taken as up). */
  readonly probeInterval: number;
  /** Probes missed in a row before a tunnel is down (detection time = interval x multiplier). */
  readonly probeMultiplier: number;
  /**
   * The central policy's marks (issue 8): a route carrying `noFallback` never falls back to best-effort IP; one
   * carrying `noTunnel` is sent as plain IP, not through a tunnel. The route server sets them; every edge obeys.
   */
  readonly noFallbackCommunity: number | null;
  readonly noTunnelCommunity: number | null;
  /**
   * Userspace backend: devices whose GRE to this node goes through AF_XDP sockets instead of the raw GRE socket
   * (an XDP program redirects it; everything else still reaches the kernel), and whose packets leave the same way
   * once the next hop's MAC is known (docs/packet-io.md, "AF_XDP ports").
   */
  readonly afXdp: readonly string[];
}

/** Informing client routers (issue 8): VPN client routes as IPv4 unicast with an RFC 9012 tunnel attribute. */
export interface InformClientsConfig {
  readonly tunnel: 'gre' | 'ipip';
}

/** hdvpnd on a client router (issue 8): the tunnel to the backbone and the prefixes behind this router. */
export interface ClientRouterConfig {
  readonly backbone: { readonly type: 'gre' | 'ipip'; readonly remote: number; readonly key: number | null };
  /** Delivered into the LAN TUN device (hd-lan); everything else learnt from the backbone goes into the tunnel. */
  readonly lan: readonly Prefix[];
}

export interface LoggingConfig {
  readonly level: LogLevel;
  readonly format: LogFormat;
  /** null: log to the console (stderr for warn and error, stdout otherwise). */
  readonly file: string | null;
}

/** RFC 5082 GTSM: accept only packets whose TTL shows at most `hops` hops. */
export type TtlSecurity = { readonly enabled: false } | { readonly enabled: true; readonly hops: number };

/** Per-neighbor maximum-prefix limit (RFC 4486 Cease/1 when exceeded, unless warning-only). */
export type MaxPrefix =
  | { readonly action: 'warning-only'; readonly limit: number; readonly warningThreshold: number }
  /** restartInterval 0: stay down until an operator resets the neighbor. */
  | { readonly action: 'teardown'; readonly limit: number; readonly warningThreshold: number; readonly restartInterval: number };

/** RFC 4724 graceful restart, both as receiving (helper) and restarting speaker. */
export type GracefulRestart =
  | { readonly enabled: false }
  | { readonly enabled: true; readonly restartTime: number; readonly staleRoutesTime: number };

export type AddPathMode = 'send' | 'receive' | 'both';

/** Options shared by configured and dynamic neighbors. */
export interface SessionOptions {
  readonly asn: number;
  readonly families: readonly ConfigFamily[];
  readonly description: string | null;
  readonly password: SecretRef | null;
  readonly routeServerClient: boolean;
  readonly routeReflectorClient: boolean;
  /** Seconds; 0 (no keepalives, no hold timer) or 3..65535 (RFC 4271 §4.2). */
  readonly holdTime: number;
  readonly keepalive: number;
  readonly connectRetry: number;
  readonly ttlSecurity: TtlSecurity;
  readonly maxPrefix: MaxPrefix | null;
  readonly gracefulRestart: GracefulRestart;
  /** RFC 7911, per family; a family absent here has no ADD-PATH. */
  readonly addPath: Readonly<Partial<Record<ConfigFamily, AddPathMode>>>;
  /** Policy names applied in order to routes received from the neighbor; empty: accept all. */
  readonly importPolicy: readonly string[];
  /** Policy names applied in order to routes sent to the neighbor; empty: accept all. */
  readonly exportPolicy: readonly string[];
}

export interface NeighborConfig extends SessionOptions {
  /** Canonical text form (RFC 5952 for IPv6). */
  readonly address: string;
  readonly port: number;
  readonly passive: boolean;
  /** Source address for outgoing connections; null lets the kernel choose. */
  readonly localAddress: string | null;
}

/** Sessions accepted from any address in `prefix` (route servers need this). Always passive. */
export interface DynamicNeighborConfig extends SessionOptions {
  readonly prefix: Prefix;
  /** The most sessions this range may hold at once. */
  readonly limit: number;
}

/** Path attributes common to every originated route. */
export interface RouteAttributes {
  readonly prefix: Prefix;
  /** null: next-hop-self (the local address of each session). */
  readonly nextHop: string | null;
  readonly communities: readonly number[];
  readonly largeCommunities: readonly LargeCommunity[];
  readonly med: number | null;
  readonly localPref: number | null;
}

/** Originated routes differ in where they live: the global table, the VPN table (with explicit RD/RTs/label), or a VRF. */
export type RouteConfig =
  | (RouteAttributes & { readonly kind: 'unicast' })
  | (RouteAttributes & { readonly kind: 'vpn'; readonly rd: RouteDistinguisher; readonly routeTargets: readonly RouteTargetLike[]; readonly label: number })
  | (RouteAttributes & { readonly kind: 'vrf'; readonly vrf: string });

export type LabelMode = 'per-vrf' | 'per-prefix';

export type HubAction = 'permit' | 'deny' | 'rate-limit' | 'count';
export const HUB_ACTIONS: readonly HubAction[] = ['permit', 'deny', 'rate-limit', 'count'];

/** One rule of a hub's per-target processing: first match decides, `count` goes on. */
export interface HubRuleConfig {
  readonly name: string;
  /** Destination prefixes; empty: any destination. */
  readonly destination: readonly Prefix[];
  /** Client (source) prefixes; empty: any client. */
  readonly client: readonly Prefix[];
  readonly action: HubAction;
  /** rate-limit only: packets per second and bucket size (null: one second's worth). */
  readonly rate: number | null;
  readonly burst: number | null;
}

/** The hub role (RFC 7024 V-hub): import every spoke RT, announce `announce` with the export (hub) RTs. */
export interface HubConfig {
  readonly announce: readonly Prefix[];
  readonly rules: readonly HubRuleConfig[];
}

export interface VrfConfig {
  readonly name: string;
  readonly rd: RouteDistinguisher;
  readonly import: readonly RouteTargetLike[];
  readonly export: readonly RouteTargetLike[];
  readonly labelMode: LabelMode;
  /** Policy names applied in order to VPN routes entering the VRF; empty: accept all. */
  readonly importPolicy: readonly string[];
  /** Policy names applied in order to the VRF's routes leaving as VPN routes; empty: accept all. */
  readonly exportPolicy: readonly string[];
  readonly hub: HubConfig | null;
  /** Networks attached to this VRF on this node: exported like static routes, with this node as next hop. */
  readonly connected: readonly Prefix[];
}

/** One half of a pair: a VRF whose role is fixed by its position. */
export interface HalfVrfConfig {
  readonly name: string;
  readonly rd: RouteDistinguisher;
  readonly import: readonly RouteTargetLike[];
  readonly export: readonly RouteTargetLike[];
  readonly importPolicy: readonly string[];
  readonly exportPolicy: readonly string[];
  /** Connected networks (downstream halves only: in an upstream VRF they would be a shortcut between clients). */
  readonly connected: readonly Prefix[];
}

export type AddressServer = 'pool' | 'radius';

export interface HalfDuplexConfig {
  readonly name: string;
  readonly upstream: HalfVrfConfig;
  readonly downstream: HalfVrfConfig;
  readonly pool: readonly Prefix[];
  readonly poolExclude: readonly Prefix[];
  readonly addressServer: AddressServer;
}

export interface RadiusServerConfig {
  readonly address: string;
  readonly authPort: number;
  readonly accountingPort: number;
  readonly secret: SecretRef;
}

export interface RadiusConfig {
  /** Tried in order; the next one on timeout (fail-over). */
  readonly servers: readonly RadiusServerConfig[];
  /** Seconds to wait for one answer before a retransmission. */
  readonly timeout: number;
  readonly retries: number;
  readonly nasIdentifier: string;
  /** Seconds between Interim accounting updates; 0 = none. */
  readonly interimInterval: number;
}

/** The central policy of a route server (RFC 7947), applied to every route-server client after the client's own. */
export interface RouteServerConfig {
  readonly importPolicy: readonly string[];
  readonly exportPolicy: readonly string[];
}

/** Knobs of the decision process (RFC 4271 §9.1.2.2). */
export interface DecisionConfig {
  /** Compare MED between routes from different neighbor ASes too (RFC 4271 §9.1.2.2(c) compares only within one AS). */
  readonly alwaysCompareMed: boolean;
}

export interface Config {
  readonly asn: number;
  /** BGP Identifier as uint32 (RFC 6286: any non-zero value). */
  readonly routerId: number;
  readonly listen: ListenConfig;
  readonly control: ControlConfig;
  readonly logging: LoggingConfig;
  readonly neighbors: readonly NeighborConfig[];
  readonly dynamicNeighbors: readonly DynamicNeighborConfig[];
  readonly routes: readonly RouteConfig[];
  readonly vrfs: readonly VrfConfig[];
  readonly halfDuplex: readonly HalfDuplexConfig[];
  readonly radius: RadiusConfig | null;
  readonly sessions: SessionsConfig;
  readonly fib: FibConfig;
  /** null: this node does not announce VPN clients to client routers. */
  readonly informClients: InformClientsConfig | null;
  /** null: not a client router. */
  readonly clientRouter: ClientRouterConfig | null;
  readonly prefixLists: readonly PrefixListDefinition[];
  readonly policies: readonly PolicyDefinition[];
  readonly routeServer: RouteServerConfig;
  /** RFC 4456 CLUSTER_ID as uint32; null: the router id. */
  readonly clusterId: number | null;
  readonly decision: DecisionConfig;
}
