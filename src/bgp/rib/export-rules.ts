/**
 * The attribute rewriting every BGP speaker does when it sends a route
 * (RFC 4271 §5.1, §9.1.3; RFC 4456 §8; RFC 7947 §2.2 for route servers),
 * before any operator policy.
 */
import type { PathAttribute } from '../wire/attributes/types';
import type { AsPathSegment } from '../wire/values/as-path';
import type { Route } from './route';
import { NEXT_HOP_SELF } from './local-routes';
import { AttrType } from '../wire/constants';

export interface ExportPeer {
  /** The neighbor's address: a route is never sent back to the neighbor it came from. */
  readonly address: string;
  readonly ibgp: boolean;
  readonly localAs: number;
  /** Our address on the session: the next hop when we announce ourselves. */
  readonly localAddress: string;
  /** RFC 7947: a route server leaves AS_PATH, NEXT_HOP and MED alone. */
  readonly routeServerClient: boolean;
  /** RFC 4456: this iBGP neighbor is a client of our route reflector. */
  readonly routeReflectorClient: boolean;
  /** RFC 4456 §7: our cluster id (dotted quad); the router id unless configured. */
  readonly clusterId: string;
}

/** RFC 1997 well-known communities. */
export const NO_EXPORT = 0xffffff01;
export const NO_ADVERTISE = 0xffffff02;
export const NO_EXPORT_SUBCONFED = 0xffffff03;

/** What an export policy changed (src/bgp/policy/types.ts PolicyResult, accept case). */
export interface ExportOverride {
  readonly attributes: readonly PathAttribute[] | null;
  readonly nextHop: string | null;
}

/** What the export rules read of a route: its family, attributes and source (the pump asks with these alone for routes held as columns). */
export type ExportedRoute = Pick<Route, 'afi' | 'attrs' | 'source'>;

/**
 * Whether `route` may be advertised to `peer` at all, before any policy; a
 * reason when not. Routes learned from a neighbor are never sent back to it.
 */
export function exportBlocked(route: ExportedRoute, peer: ExportPeer): string | null {
  const src = route.source;
  const local = src.address === 'local';
  if (!local && src.address === peer.address) return 'learned from this neighbor';
  const communities = route.attrs.communities;
  if (communities.length > 0) {
    // RFC 1997: NO_ADVERTISE to nobody; NO_EXPORT and NO_EXPORT_SUBCONFED (no confederations here) not outside the AS.
    if (communities.includes(NO_ADVERTISE)) return 'NO_ADVERTISE';
    if (!peer.ibgp && (communities.includes(NO_EXPORT) || communities.includes(NO_EXPORT_SUBCONFED))) return 'NO_EXPORT';
  }
  if (!local && src.ibgp && peer.ibgp) {
    // RFC 4271 §9.2 split horizon, relaxed by RFC 4456 §6: a client's routes go to every iBGP peer,
    // a non-client's only to clients.
    if (!src.reflectorClient && !peer.routeReflectorClient) return 'iBGP-learned, and neither side is a reflector client';
  }
  return null;
}

export interface ExportedAttributes {
  readonly attributes: readonly PathAttribute[];
  readonly nextHop: string;
}

/**
 * RFC 4271 §5.1.2: eBGP prepends our AS as the leftmost AS_SEQUENCE member.
 * The arrays are made with concat, which sizes them exactly: spreading
 * reserves room to grow, and an eBGP update group keeps one rewritten
 * AS_PATH per attribute set of a full table.
 */
function prepend(segments: readonly AsPathSegment[], asn: number): AsPathSegment[] {
  const first = segments[0];
  // A segment holds at most 255 ASNs (one count octet).
  if (first && first.kind === 'sequence' && first.asns.length < 255) {
    const head: AsPathSegment = { kind: 'sequence', asns: [asn].concat(first.asns) };
    return segments.length === 1 ? [head] : [head].concat(segments.slice(1));
  }
  const alone: AsPathSegment = { kind: 'sequence', asns: [asn] };
  return [alone].concat(segments);
}

/**
 * The attributes sent for `route` to `peer`: export policy changes (if any)
 * first, then the protocol's own rewriting, as FRR and BIRD order them (the
 * policy sees the Loc-RIB route; our AS is prepended after it).
 * Null when the route must not go to this peer at all.
 */
export function exportAttributes(route: ExportedRoute, peer: ExportPeer, override?: ExportOverride): ExportedAttributes | null {
  if (exportBlocked(route, peer) !== null) return null;
  const local = route.source.address === 'local';
  const ebgp = !peer.ibgp;
  // RFC 4456 §8: reflecting an iBGP route to an iBGP peer records where it came from.
  const reflecting = !local && route.source.ibgp && peer.ibgp;
  const configured = override?.nextHop ?? route.attrs.nextHop;
  const selfByRule = ebgp && !peer.routeServerClient && !local && override?.nextHop == null;
  const nextHop = configured === NEXT_HOP_SELF || selfByRule ? selfAddress(route.afi, peer.localAddress) : configured;
  if (override?.attributes == null && keptAsTheyAre(route, peer, local, reflecting)) {
    // Sent exactly as interned (a route server's transparent export): the set itself is the result, no object
    // per set and group, and the set's list is not even decoded.
    return nextHop === route.attrs.nextHop ? route.attrs : { attributes: route.attrs.attributes, nextHop };
  }
  const source = override?.attributes ?? route.attrs.attributes;
  // The list sent, made only from the first attribute that differs (dropped, replaced or added): a list per
  // set was most of what exporting a table allocated.
  let out: PathAttribute[] | null = null;
  let hasLocalPref = false;
  let hasOriginator = false;
  let hasClusterList = false;
  for (let i = 0; i < source.length; i++) {
    const a = source[i] as PathAttribute;
    // What goes out in a's place: a itself, another attribute, or nothing.
    let sent: PathAttribute | null = a;
    switch (a.type) {
      case 'as-path':
        if (ebgp && !peer.routeServerClient) sent = { type: 'as-path', segments: prepend(a.segments, peer.localAs) };
        break;
      case 'local-pref':
        // RFC 4271 §5.1.5: LOCAL_PREF only inside the AS.
        if (ebgp) sent = null;
        else hasLocalPref = true;
        break;
      case 'med':
        // RFC 4271 §5.1.4: a MED learned from a neighboring AS is not passed to other ASes,
        // unless the export policy set it for this neighbor.
        if (!(local || !ebgp || peer.routeServerClient || (override?.attributes != null && a.med !== route.attrs.med))) sent = null;
        break;
      case 'originator-id':
        // RFC 4456 §8: never sent to eBGP peers; kept unchanged once set.
        if (ebgp) sent = null;
        hasOriginator = true;
        break;
      case 'cluster-list':
        if (ebgp) sent = null;
        else if (reflecting) sent = { type: 'cluster-list', clusterIds: [peer.clusterId, ...a.clusterIds] };
        hasClusterList = true;
        break;
      default:
        break;
    }
    if (out === null && sent !== a) out = source.slice(0, i);
    if (out !== null && sent !== null) out.push(sent);
  }
  // RFC 4271 §5.1.5: iBGP UPDATEs carry LOCAL_PREF; 100 is the common default.
  if (!ebgp && !hasLocalPref) (out ??= source.slice()).push({ type: 'local-pref', localPref: 100 });
  if (reflecting) {
    if (!hasOriginator) (out ??= source.slice()).push({ type: 'originator-id', originatorId: route.source.bgpId });
    if (!hasClusterList) (out ??= source.slice()).push({ type: 'cluster-list', clusterIds: [peer.clusterId] });
  }
  // Pushing leaves room for 17 attributes; a result kept per set and group is copied to its size.
  if (out !== null) return { attributes: out.slice(), nextHop };
  // Sent exactly as interned (a route server's transparent export): the set
  // itself is the result, no object per set and group.
  if (source === route.attrs.attributes && nextHop === route.attrs.nextHop) return route.attrs;
  return { attributes: source, nextHop };
}

/**
 * Whether the rewriting below leaves a route's own attributes as they are,
 * read from the type codes present alone: the loop below changes AS_PATH
 * (prepend toward eBGP), LOCAL_PREF (dropped toward eBGP, added toward iBGP),
 * MED (dropped toward eBGP unless local or a route-server client),
 * ORIGINATOR_ID and CLUSTER_LIST (dropped toward eBGP, set when reflecting).
 */
function keptAsTheyAre(route: ExportedRoute, peer: ExportPeer, local: boolean, reflecting: boolean): boolean {
  const a = route.attrs;
  if (reflecting) return false;
  if (peer.ibgp) return a.has(AttrType.LocalPref);
  if (a.has(AttrType.AsPath) && !peer.routeServerClient) return false;
  if (a.has(AttrType.LocalPref) || a.has(AttrType.OriginatorId) || a.has(AttrType.ClusterList)) return false;
  return !a.has(AttrType.MultiExitDisc) || local || peer.routeServerClient;
}

/**
 * Our next hop for a route of `afi` over a session whose local address may be
 * of the other family: an IPv6 route over an IPv4 session gets the
 * IPv4-mapped IPv6 address (RFC 4291 §2.5.5.2), as FRR and GoBGP send it.
 */
function selfAddress(afi: number, localAddress: string): string {
  if (afi === 2 && !localAddress.includes(':')) return `::ffff:${localAddress}`;
  return localAddress;
}
