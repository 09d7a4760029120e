/**
 * What the FIB does with a packet once a table lookup has matched (DESIGN.md,
 * journey 3): deliver it to a hosted session, encapsulate it toward a client
 * router (GRE, RFC 2784/2890; IP-in-IP, RFC 2003), push VPN labels and send it
 * over the core encapsulation toward the egress PE (MPLS in GRE, RFC 4023), send
 * it best-effort as plain IP, or drop it.
 *
 * Next hops are values: equal next hops are one shared record in the
 * NextHopTable, so a tunnel going down is one state change, not one per route.
 * Addresses are IPv4 as uint32: every encapsulation here has an IPv4 outer header.
 */

export type NextHop =
  | { readonly kind: 'local'; readonly session: string; readonly port: number }
  | GreNextHop
  | IpipNextHop
  | MplsNextHop
  | { readonly kind: 'plain' }
  | { readonly kind: 'drop' };

/** A client router behind a GRE tunnel, optionally keyed (RFC 2890 §2.1). */
export interface GreNextHop {
  readonly kind: 'gre';
  readonly tunnel: string;
  readonly local: number;
  readonly remote: number;
  readonly key: number | null;
  /** Policy allows best-effort plain IP while the tunnel is down. */
  readonly fallback: boolean;
}

export interface IpipNextHop {
  readonly kind: 'ipip';
  readonly tunnel: string;
  readonly local: number;
  readonly remote: number;
  readonly fallback: boolean;
}

/**
 * The egress PE of a VPN route (RFC 4364 §5): push `labels` (outermost first)
 * and carry the labelled packet in GRE to `remote` (RFC 4023 §4). `tunnel`
 * names the core path, so the backbone going down is one state change.
 */
export interface MplsNextHop {
  readonly kind: 'mpls';
  readonly tunnel: string;
  readonly labels: readonly number[];
  readonly local: number;
  readonly remote: number;
  readonly fallback: boolean;
}

export type NextHopKind = NextHop['kind'];

/** At most this many labels are pushed: a VPN label plus a few transport labels. */
export const MAX_LABELS = 4;

/** The identity of a next hop: equal keys share one record. */
export function nextHopKey(nh: NextHop): string {
  switch (nh.kind) {
    case 'local':
      return `local|${nh.session}|${nh.port}`;
    case 'gre':
      return `gre|${nh.tunnel}|${nh.local}|${nh.remote}|${nh.key ?? '-'}|${nh.fallback ? 1 : 0}`;
    case 'ipip':
      return `ipip|${nh.tunnel}|${nh.local}|${nh.remote}|${nh.fallback ? 1 : 0}`;
    case 'mpls':
      return `mpls|${nh.tunnel}|${nh.labels.join('/')}|${nh.local}|${nh.remote}|${nh.fallback ? 1 : 0}`;
    case 'plain':
    case 'drop':
      return nh.kind;
    default: {
      const never: never = nh;
      return never;
    }
  }
}

/** The tunnel a next hop depends on, if any: its state decides between encapsulating and falling back. */
export function nextHopTunnel(nh: NextHop): string | null {
  return nh.kind === 'gre' || nh.kind === 'ipip' || nh.kind === 'mpls' ? nh.tunnel : null;
}
