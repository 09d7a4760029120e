/**
 * Import (RFC 4364 §4.3.1, §4.3.3): a VPN route whose route targets a VRF
 * imports enters that VRF's table, after the VRF's import policy, keeping the
 * RD, labels and next hop the FIB needs. Two refusals come before any policy:
 * - a VRF never imports its own export back (the route with its own RD from
 *   this node): that is the route it already holds as local;
 * - an upstream VRF never imports a route a downstream VRF of this node
 *   exported (RFC 7024 §3.2: a V-spoke's client routes go to the hub only), so
 *   two clients on one PE cannot reach each other without the hub, whatever
 *   the route targets say.
 */
import type { AttributeInterner, AttributeSet } from '../bgp/rib/attribute-set';
import { NEXT_HOP_SELF } from '../bgp/rib/local-routes';
import type { Route } from '../bgp/rib/route';
import type { VpnNlri } from '../bgp/wire/nlri/types';
import { formatRd } from '../bgp/wire/values/rd';
import type { VrfEntry } from './types';
import type { Vrf } from './vrf';

export interface ImportContext {
  readonly localAs: number;
  /** RD text → name of the local VRF that exports with it (route leaking, the half-duplex guard). */
  readonly localRds: ReadonlyMap<string, Vrf>;
  /** Attribute sets an import policy changed are interned here. */
  readonly interner: AttributeInterner;
}

export interface ImportResult {
  readonly entry: VrfEntry;
  /** An attribute set the policy made, which the caller releases when the entry goes. */
  readonly owned: AttributeSet | null;
}

/** Why `vrf` does not take `best`, or null when the route-target match is all that is needed. */
export function importRefusal(vrf: Vrf, best: Route, nlri: VpnNlri, ctx: ImportContext): string | null {
  if (best.source.address !== 'local') return null;
  const from = ctx.localRds.get(formatRd(nlri.rd));
  if (from === undefined) return null;
  if (from === vrf) return 'own export';
  if (vrf.def.role === 'upstream' && from.def.role === 'downstream') return 'client route of a downstream VRF (half-duplex)';
  return null;
}

/** The entry `vrf` holds for the VPN path `best`, or null when the import policy refuses it. */
export function importEntry(vrf: Vrf, destKey: string, best: Route, nlri: VpnNlri, ctx: ImportContext): ImportResult | null {
  let attrs = best.attrs;
  let owned: AttributeSet | null = null;
  const policy = vrf.def.importPolicy;
  if (policy) {
    const res = policy.evaluate({ afi: best.afi, safi: best.safi, nlri, attrs, neighbor: { address: best.source.address, asn: best.source.asn }, direction: 'import', localAs: ctx.localAs });
    if (res.action === 'reject') return null;
    if (res.attributes !== null || res.nextHop !== null) {
      owned = ctx.interner.intern(res.attributes ?? attrs.attributes, res.nextHop ?? attrs.nextHop);
      attrs = owned;
    }
  }
  const fromVrf = best.source.address === 'local' ? ctx.localRds.get(formatRd(nlri.rd))?.name ?? null : null;
  const entry: VrfEntry = {
    prefix: nlri.prefix,
    origin: 'imported',
    // A route leaked from a VRF of this node has next-hop-self: the packet stays here, the label picks the table.
    nextHop: attrs.nextHop === NEXT_HOP_SELF ? null : attrs.nextHop,
    rd: nlri.rd,
    labels: nlri.labels,
    attributes: attrs,
    route: best,
    sourceKey: destKey,
    fromVrf,
    local: null,
  };
  return { entry, owned };
}
