/**
 * `hdvpn policy test NAME ROUTE`: what policy NAME does to a route written as
 * text (src/bgp/policy/route-text.ts), without applying it anywhere. The
 * answer names the deciding term, as `show rib` explains its decisions.
 */
import type { PolicyEngine } from '../bgp/policy/engine';
import { parseRouteText, RouteTextError, type RouteText } from '../bgp/policy/route-text';
import type { PolicyInput } from '../bgp/policy/types';
import { AttributeInterner, type AttributeSet } from '../bgp/rib/attribute-set';
import type { Json } from '../bgp/wire/json';
import { formatExtCommunity } from '../bgp/wire/values/ext-community';
import { familyName } from '../bgp/wire/values/family';
import { formatPrefix } from '../bgp/wire/values/prefix';
import { formatRd } from '../bgp/wire/values/rd';
import { ControlCommandError } from './control-server';
import { attributesView, routeTargetsView } from '../bgp/speaker/views';

type Obj = { [key: string]: Json };

/** The attributes as `show rib -j` names them, with the route targets on their own (not among the extended communities). */
function attributesWithTargets(a: AttributeSet): Obj {
  const others = a.extendedCommunities.filter((c) => c.kind !== 'route-target').map(formatExtCommunity);
  return { ...attributesView(a), 'route-targets': routeTargetsView(a), 'extended-communities': others };
}

function routeView(r: RouteText, attrs: AttributeSet): Obj {
  return {
    family: familyName(r.afi, r.safi),
    prefix: formatPrefix(r.nlri.prefix),
    ...(r.nlri.kind === 'vpn' ? { rd: formatRd(r.nlri.rd) } : {}),
    neighbor: r.neighbor,
    ...attributesWithTargets(attrs),
  };
}

/** Keys of the attribute view whose values differ: what the policy changed. */
function changedKeys(before: Obj, after: Obj): string[] {
  return Object.keys(after).filter((k) => JSON.stringify(before[k]) !== JSON.stringify(after[k]));
}

function parseOrThrow(routeText: string): RouteText {
  try {
    return parseRouteText(routeText);
  } catch (e) {
    if (e instanceof RouteTextError) throw new ControlCommandError(e.message);
    throw e;
  }
}

/** The route's neighbor AS: the first AS of its path (what the neighbor prepended), or ours for a local route. */
function neighborAs(attrs: AttributeSet, localAs: number): number {
  const first = attrs.asPath[0];
  return first !== undefined && first.kind === 'sequence' && first.asns[0] !== undefined ? first.asns[0] : localAs;
}

export function policyTest(engine: PolicyEngine, policy: string, routeText: string, localAs: number): Json {
  if (!engine.has(policy)) throw new ControlCommandError(`unknown policy '${policy}'`);
  const route = parseOrThrow(routeText);
  const interner = new AttributeInterner();
  const attrs = interner.intern(route.attributes, route.nextHop);
  const input: PolicyInput = {
    afi: route.afi,
    safi: route.safi,
    nlri: route.nlri,
    attrs,
    neighbor: { address: route.neighbor, asn: neighborAs(attrs, localAs) },
    direction: 'import',
    localAs,
  };
  const result = engine.chain([policy]).evaluate(input);
  const before = routeView(route, attrs);
  if (result.action === 'reject') return { policy, route: before, action: 'reject', term: result.term, result: null, changed: [] };
  const after = interner.intern(result.attributes ?? attrs.attributes, result.nextHop ?? attrs.nextHop);
  const view = attributesWithTargets(after);
  return { policy, route: before, action: 'accept', term: result.term, result: view, changed: changedKeys(before, view) };
}
