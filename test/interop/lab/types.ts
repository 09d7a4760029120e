/** The typed description of a peer's config, and the normalized shapes every peer's CLI is parsed into. */

export type Family = 'ipv4-unicast' | 'vpnv4';
export const ALL_FAMILIES: readonly Family[] = ['ipv4-unicast', 'vpnv4'];

export interface NeighborSpec {
  address: string;
  as: number;
  /** TCP port to connect to (default 179). */
  port?: number;
  /** Default: both families. */
  families?: Family[];
  /** Wait for the neighbor to connect. */
  passive?: boolean;
  /** TCP-MD5 (RFC 2385) key. */
  password?: string;
  /** Overrides PeerSpec.gracefulRestart for this neighbor. */
  gracefulRestart?: boolean;
  /** Overrides PeerSpec.holdTime for this neighbor. */
  holdTime?: number;
}

export interface Ipv4RouteSpec {
  prefix: string;
  /** Only GoBGP and ExaBGP honour an explicit next hop; the others always send next-hop-self. */
  nextHop?: string;
  med?: number;
  /** Sent only to iBGP neighbors (RFC 4271). */
  localPref?: number;
  /** "65001:1" */
  communities?: string[];
  /** "65001:1:2" */
  largeCommunities?: string[];
}

export interface Vpnv4RouteSpec extends Ipv4RouteSpec {
  /** "65001:100" or "198.18.0.2:5" */
  rd: string;
  /** "65001:100" */
  routeTargets: string[];
  /** BIRD 2.0.12 ignores this and sends label 3; see docs/interop.md. */
  label: number;
}

export interface PeerSpec {
  as: number;
  /** Default: the node's address. */
  routerId?: string;
  /** Listen port (default 179). */
  port?: number;
  neighbors: NeighborSpec[];
  /** Graceful restart capability (RFC 4724) on every neighbor; default off. */
  gracefulRestart?: boolean;
  /** Seconds; default 90. */
  holdTime?: number;
  ipv4Routes?: Ipv4RouteSpec[];
  vpnv4Routes?: Vpnv4RouteSpec[];
}

export type SessionState = 'idle' | 'connect' | 'active' | 'opensent' | 'openconfirm' | 'established' | 'unknown';

/** Capability names, normalized across CLIs. */
export type Capability =
  | 'mp-ipv4-unicast'
  | 'mp-vpnv4'
  | 'mp-other'
  | 'route-refresh'
  | 'enhanced-route-refresh'
  | 'as4'
  | 'graceful-restart'
  | 'long-lived-graceful-restart'
  | 'extended-nexthop'
  | 'extended-message'
  | 'add-path'
  | 'fqdn';

export interface NeighborStatus {
  address: string;
  state: SessionState;
  established: boolean;
  remoteAs?: number;
  /** Capabilities the neighbor sent in its OPEN, where the CLI shows them (sorted). */
  remoteCapabilities?: Capability[];
  /** The peer's own view of its CLI output, for assertions this type does not cover. */
  raw: unknown;
}

export type Origin = 'igp' | 'egp' | 'incomplete';

/** One path as the peer's CLI shows it. Absent optional fields mean "the CLI did not show it". */
export interface Route {
  family: Family;
  prefix: string;
  /** VPNv4 only. */
  rd?: string;
  /** VPNv4 labels; empty when the CLI does not show them (OpenBGPD). */
  labels: number[];
  nextHop: string;
  asPath: number[];
  origin?: Origin;
  med?: number;
  localPref?: number;
  communities: string[];
  largeCommunities: string[];
  /** Route-target extended communities, "65001:100" / "198.18.0.1:5". */
  routeTargets: string[];
  /** Neighbor address the path came from; undefined for locally originated paths. */
  from?: string;
}

export function familiesOf(n: NeighborSpec): Family[] {
  return n.families ?? [...ALL_FAMILIES];
}

export function normState(s: string): SessionState {
  const v = s.toLowerCase().replace(/[^a-z]/g, '');
  switch (v) {
    case 'idle':
    case 'connect':
    case 'active':
    case 'opensent':
    case 'openconfirm':
    case 'established':
      return v;
    case 'up':
      return 'established';
    default:
      return 'unknown';
  }
}

/** "65001:1:2" -> "(65001, 1, 2)"-free tuple. */
export function splitNums(s: string): number[] {
  return s.split(':').map((x) => Number(x));
}

export function sortCaps(c: Iterable<Capability>): Capability[] {
  return [...new Set(c)].sort();
}
