/**
 * Route targets as set keys. The text form (`65001:100`) is the key, so the
 * 2- and 4-octet AS forms of the same numbers match each other, as the policy
 * engine and every router's CLI treat them. Route origins (SoO) never match.
 */
import type { AttributeSet } from '../bgp/rib/attribute-set';
import { formatRouteTarget, type RouteTargetLike } from '../bgp/wire/values/ext-community';

export function routeTargetKey(rt: RouteTargetLike): string {
  return formatRouteTarget(rt);
}

const NONE: readonly string[] = [];
/** Attribute sets are interned and shared by many routes: their targets are worked out once. */
const cache = new WeakMap<AttributeSet, readonly string[]>();

/** The route targets (RFC 4360 §4, RFC 4364 §4.3.1) an interned attribute set carries. */
export function routeTargetsOf(attrs: AttributeSet): readonly string[] {
  const hit = cache.get(attrs);
  if (hit) return hit;
  let out: string[] | null = null;
  for (const c of attrs.extendedCommunities) {
    if (c.kind !== 'route-target') continue;
    (out ??= []).push(formatRouteTarget(c));
  }
  const result = out ?? NONE;
  cache.set(attrs, result);
  return result;
}
