/** Route-target warnings: mistakes that leave a config valid but a VPN broken. */
import { formatRouteTarget, type RouteTargetLike } from '../../../bgp/wire/values/ext-community';
import type { RouteDistinguisher } from '../../../bgp/wire/values/rd';
import type { Diagnostics } from '../diagnostics';

export interface VrfFacts {
  readonly name: string;
  readonly role: 'vrf' | 'upstream' | 'downstream';
  /** The pair a half belongs to; null for a plain VRF. */
  readonly pair: string | null;
  /** A hub VRF: its export is the hub route target, which spokes on other nodes import. */
  readonly hub: boolean;
  readonly rd: RouteDistinguisher;
  readonly import: readonly { value: RouteTargetLike; line: number }[];
  readonly export: readonly { value: RouteTargetLike; line: number }[];
  readonly nameLine: number;
  readonly rdLine: number;
}

/**
 * Two warnings:
 * - a pair whose downstream exports a route target its upstream imports (the
 *   hub RT) leaks client routes into upstream VRFs: traffic between two
 *   clients would then skip the hub, which is what the pair exists to prevent;
 * - a route target exported by a plain VRF or an upstream VRF that no VRF on
 *   this node imports is usually a typo. Downstream and hub exports are left
 *   out: the spoke RT is by design imported only by the hub, and the hub RT
 *   only by the spokes' upstream VRFs, each on another node.
 */
export function checkRouteTargets(facts: readonly VrfFacts[], diag: Diagnostics): void {
  const imported = new Set<string>();
  for (const f of facts) for (const rt of f.import) imported.add(formatRouteTarget(rt.value));
  for (const f of facts) {
    if (f.role === 'downstream') {
      checkHubLeak(f, facts, diag);
      continue;
    }
    if (f.hub) continue;
    for (const rt of f.export) {
      const text = formatRouteTarget(rt.value);
      if (!imported.has(text)) diag.warning(rt.line, `route target ${text} exported by VRF '${f.name}' is imported by no VRF on this node; check that a peer imports it`);
    }
  }
}

function checkHubLeak(downstream: VrfFacts, facts: readonly VrfFacts[], diag: Diagnostics): void {
  const upstream = facts.find((f) => f.role === 'upstream' && f.pair === downstream.pair);
  if (!upstream) return;
  const hubTargets = new Set(upstream.import.map((rt) => formatRouteTarget(rt.value)));
  for (const rt of downstream.export) {
    const text = formatRouteTarget(rt.value);
    if (hubTargets.has(text)) {
      diag.warning(rt.line, `downstream VRF '${downstream.name}' of pair '${downstream.pair ?? ''}' exports the hub route target ${text} that its upstream imports, so client routes would leak into upstream VRFs`);
    }
  }
}
