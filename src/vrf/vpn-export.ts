/**
 * Export (RFC 4364 §4.3.2): a VRF's own route becomes a VPN-IPv4 (or
 * VPN-IPv6, RFC 4659) route with the VRF's RD, its export route targets and
 * its label, next hop this node (next-hop-self). The export policy may change
 * the route or refuse it.
 */
import type { PolicyChain } from '../bgp/policy/types';
import type { AttributeInterner } from '../bgp/rib/attribute-set';
import { localRoute, localSource, NEXT_HOP_SELF, type LocalRouteSpec } from '../bgp/rib/local-routes';
import type { PathAttribute } from '../bgp/wire/attributes/types';
import type { RouteTargetLike } from '../bgp/wire/values/ext-community';
import type { LargeCommunity } from '../bgp/wire/values/large-community';
import type { LocalRoute, VrfDefinition } from './types';

/** The VPN route for a local route, before policy. */
export function exportSpec(def: VrfDefinition, local: LocalRoute, label: number): LocalRouteSpec {
  return {
    prefix: local.prefix,
    // The next hop inside the VRF stays here; peers reach the prefix through this PE.
    nextHop: null,
    communities: local.communities,
    largeCommunities: local.largeCommunities,
    med: local.med,
    localPref: local.localPref,
    vpn: { rd: def.rd, routeTargets: def.export, label },
  };
}

/**
 * Runs the VRF's export policy over the spec; null when it refuses the
 * route. The policy sees the route as a peer would (attributes interned in
 * `scratch`, released again before returning).
 */
export function applyExportPolicy(spec: LocalRouteSpec, policy: PolicyChain, localAs: number, routerId: string, scratch: AttributeInterner): LocalRouteSpec | null {
  const { route } = localRoute(spec, localSource(localAs, routerId), scratch);
  try {
    const res = policy.evaluate({ afi: route.afi, safi: route.safi, nlri: route.nlri, attrs: route.attrs, neighbor: { address: 'local', asn: localAs }, direction: 'export', localAs });
    if (res.action === 'reject') return null;
    if (res.attributes === null && res.nextHop === null) return spec;
    return specFromAttributes(spec, res.attributes ?? route.attrs.attributes, res.nextHop);
  } finally {
    scratch.release(route.attrs);
  }
}

/** The fields a LocalRouteSpec carries, read back from a policy's attribute list. */
function specFromAttributes(spec: LocalRouteSpec, attrs: readonly PathAttribute[], nextHop: string | null): LocalRouteSpec {
  let communities: readonly number[] = [];
  let largeCommunities: readonly LargeCommunity[] = [];
  let routeTargets: RouteTargetLike[] = [];
  let med: number | null = null;
  let localPref: number | null = null;
  for (const a of attrs) {
    if (a.type === 'communities') communities = a.communities;
    else if (a.type === 'large-communities') largeCommunities = a.communities;
    else if (a.type === 'med') med = a.med;
    else if (a.type === 'local-pref') localPref = a.localPref;
    else if (a.type === 'extended-communities') routeTargets = a.communities.filter((c): c is RouteTargetLike => c.kind === 'route-target');
  }
  const vpn = spec.vpn ? { ...spec.vpn, routeTargets } : undefined;
  return { ...spec, communities, largeCommunities, med, localPref, nextHop: nextHop === null || nextHop === NEXT_HOP_SELF ? spec.nextHop : nextHop, ...(vpn ? { vpn } : {}) };
}
