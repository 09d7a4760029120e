/**
 * The attribute rewriting every BGP speaker does when it sends a route
 * (RFC 4271 §5.1, §9.1.3; RFC 4456 §8; RFC 7947 §2.2 for route servers),
 * before any operator policy.
 */
import type { PathAttribute } from '../wire/attributes/types';
import type { AsPathSegment } from '../wire/values/as-path';
import type { Route } from './route';
import { NEXT_HOP_SELF } from './local-routes';

export interface ExportPeer {
  readonly ibgp: boolean;
  readonly localAs: number;
  /** Our address on the session: the next hop when we announce ourselves. */
  readonly localAddress: string;
  /** RFC 7947: a route server leaves AS_PATH, NEXT_HOP and MED alone. */
  readonly routeServerClient: boolean;
}

export interface ExportedAttributes {
  readonly attributes: PathAttribute[];
  readonly nextHop: string;
}

/** RFC 4271 §5.1.2: eBGP prepends our AS as the leftmost AS_SEQUENCE member. */
function prepend(segments: readonly AsPathSegment[], asn: number): AsPathSegment[] {
  const first = segments[0];
  // A segment holds at most 255 ASNs (one count octet).
  if (first && first.kind === 'sequence' && first.asns.length < 255) return [{ kind: 'sequence', asns: [asn, ...first.asns] }, ...segments.slice(1)];
  return [{ kind: 'sequence', asns: [asn] }, ...segments];
}

/** Null when the route must not go to this peer at all. */
export function exportAttributes(route: Route, peer: ExportPeer): ExportedAttributes | null {
  const local = route.source.address === 'local';
  // RFC 4271 §9.2: a route learned over iBGP is not sent to another iBGP peer (unless reflecting, issue 4).
  if (!local && route.source.ibgp && peer.ibgp) return null;
  const ebgp = !peer.ibgp;
  const out: PathAttribute[] = [];
  let hasLocalPref = false;
  for (const a of route.attrs.attributes) {
    switch (a.type) {
      case 'as-path':
        out.push(ebgp && !peer.routeServerClient ? { type: 'as-path', segments: prepend(a.segments, peer.localAs) } : a);
        break;
      case 'local-pref':
        // RFC 4271 §5.1.5: LOCAL_PREF only inside the AS.
        if (!ebgp) {
          out.push(a);
          hasLocalPref = true;
        }
        break;
      case 'med':
        // RFC 4271 §5.1.4: a MED learned from a neighboring AS is not passed to other ASes.
        if (local || !ebgp || peer.routeServerClient) out.push(a);
        break;
      case 'originator-id':
      case 'cluster-list':
        // RFC 4456 §8: never sent to eBGP peers.
        if (!ebgp) out.push(a);
        break;
      default:
        out.push(a);
    }
  }
  // RFC 4271 §5.1.5: iBGP UPDATEs carry LOCAL_PREF; 100 is the common default.
  if (!ebgp && !hasLocalPref) out.push({ type: 'local-pref', localPref: 100 });
  const configured = route.attrs.nextHop;
  const nextHop = configured === NEXT_HOP_SELF || (ebgp && !peer.routeServerClient && !local) ? peer.localAddress : configured;
  return { attributes: out, nextHop };
}
