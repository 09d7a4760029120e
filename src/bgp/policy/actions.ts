/**
 * Set actions compiled from a SetDefinition. Each one leaves the working
 * route untouched (no new list) when it would not change the value, so a
 * policy that re-tags an already tagged route still returns `attributes: null`
 * and the RIB does not re-intern.
 */
import type { AsPathSegment } from '../wire/values/as-path';
import type { ExtendedCommunity, RouteTargetLike } from '../wire/values/ext-community';
import type { LargeCommunity } from '../wire/values/large-community';
import type { AsPathPrepend, ListEdit, SetDefinition } from './definitions';
import type { WorkingRoute } from './working-route';

/** RFC 4271 §4.3: a segment holds at most 255 ASNs. */
const MAX_SEGMENT_ASNS = 255;

type Equal<T> = (a: T, b: T) => boolean;

function indexIn<T>(list: readonly T[], value: T, eq: Equal<T>): number {
  for (let i = 0; i < list.length; i++) if (eq(list[i] as T, value)) return i;
  return -1;
}

function sameList<T>(a: readonly T[], b: readonly T[], eq: Equal<T>): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (!eq(a[i] as T, b[i] as T)) return false;
  return true;
}

function anyIn<T>(list: readonly T[], values: readonly T[], eq: Equal<T>): boolean {
  for (let i = 0; i < list.length; i++) if (indexIn(values, list[i] as T, eq) >= 0) return true;
  return false;
}

function allIn<T>(values: readonly T[], list: readonly T[], eq: Equal<T>): boolean {
  for (let i = 0; i < values.length; i++) if (indexIn(list, values[i] as T, eq) < 0) return false;
  return true;
}

/** `current` itself when the edit changes nothing (checked without allocating); otherwise a new list (replace, then remove, then add). */
export function editList<T>(current: readonly T[], edit: ListEdit<T>, eq: Equal<T>): readonly T[] {
  let list = current;
  if (edit.replace !== null && !sameList(list, edit.replace, eq)) list = edit.replace;
  if (list === current && !anyIn(list, edit.remove, eq) && allIn(edit.add, list, eq)) return current;
  if (anyIn(list, edit.remove, eq)) list = list.filter((v) => indexIn(edit.remove, v, eq) < 0);
  for (const v of edit.add) {
    if (indexIn(list, v, eq) < 0) list = [...list, v];
  }
  return list;
}

const sameNumber: Equal<number> = (a, b) => a === b;

export const sameLargeCommunity: Equal<LargeCommunity> = (a, b) => a.globalAdmin === b.globalAdmin && a.localData1 === b.localData1 && a.localData2 === b.localData2;

/**
 * Route targets compare by their text form (`65000:100`): the 2- and 4-octet
 * AS forms of the same numbers are one target to an operator; the T bit is ignored.
 */
export function sameRouteTarget(a: RouteTargetLike, b: RouteTargetLike): boolean {
  return a.kind === b.kind && (a.form === 'ipv4') === (b.form === 'ipv4') && a.admin === b.admin && a.assigned === b.assigned;
}

function isRouteTarget(c: ExtendedCommunity): c is RouteTargetLike {
  return c.kind === 'route-target';
}

/** The route targets of `list`, in order, equal `expected`: a replace that changes nothing. */
function targetsAre(list: readonly ExtendedCommunity[], expected: readonly RouteTargetLike[]): boolean {
  let j = 0;
  for (let i = 0; i < list.length; i++) {
    const c = list[i] as ExtendedCommunity;
    if (!isRouteTarget(c)) continue;
    const want = expected[j++];
    if (want === undefined || !sameRouteTarget(c, want)) return false;
  }
  return j === expected.length;
}

function hasTarget(list: readonly ExtendedCommunity[], rt: RouteTargetLike): boolean {
  for (let i = 0; i < list.length; i++) {
    const c = list[i] as ExtendedCommunity;
    if (isRouteTarget(c) && sameRouteTarget(c, rt)) return true;
  }
  return false;
}

/** Route-target edits on the extended community list; every other extended community is kept in place. */
export function editRouteTargets(current: readonly ExtendedCommunity[], edit: ListEdit<RouteTargetLike>): readonly ExtendedCommunity[] {
  const replaceIsNoop = edit.replace === null || targetsAre(current, edit.replace);
  if (replaceIsNoop) {
    let removes = false;
    for (const rt of edit.remove) removes ||= hasTarget(current, rt);
    let adds = false;
    for (const rt of edit.add) adds ||= !hasTarget(current, rt);
    if (!removes && !adds) return current;
  }
  const targets = current.filter(isRouteTarget);
  const edited = editList(targets, edit, sameRouteTarget);
  return [...current.filter((c) => !isRouteTarget(c)), ...edited];
}

/** RFC 4271 §5.1.2 style prepend: onto the leading AS_SEQUENCE when it has room, else in a new one. */
export function prependAsPath(segments: readonly AsPathSegment[], asn: number, count: number): AsPathSegment[] {
  const added = new Array<number>(count).fill(asn);
  const first = segments[0];
  if (first !== undefined && first.kind === 'sequence' && first.asns.length + count <= MAX_SEGMENT_ASNS) {
    return [{ kind: 'sequence', asns: [...added, ...first.asns] }, ...segments.slice(1)];
  }
  return [{ kind: 'sequence', asns: added }, ...segments];
}

export class CompiledSet {
  private readonly prepend: AsPathPrepend | null;

  constructor(private readonly def: SetDefinition) {
    this.prepend = def.asPathPrepend;
  }

  apply(w: WorkingRoute, localAs: number): void {
    const d = this.def;
    if (d.localPref !== null && w.localPref !== d.localPref) {
      w.localPref = d.localPref;
      w.localPrefChanged = true;
    }
    if (d.med !== null && w.med !== d.med) {
      w.med = d.med;
      w.medChanged = true;
    }
    if (d.nextHop !== null && w.currentNextHop !== d.nextHop) w.nextHop = d.nextHop;
    if (d.communities !== null) {
      const next = editList(w.communities, d.communities, sameNumber);
      if (next !== w.communities) {
        w.communities = next;
        w.communitiesChanged = true;
      }
    }
    if (d.largeCommunities !== null) {
      const next = editList(w.largeCommunities, d.largeCommunities, sameLargeCommunity);
      if (next !== w.largeCommunities) {
        w.largeCommunities = next;
        w.largeCommunitiesChanged = true;
      }
    }
    if (d.routeTargets !== null) {
      const next = editRouteTargets(w.extendedCommunities, d.routeTargets);
      if (next !== w.extendedCommunities) {
        w.extendedCommunities = next;
        w.extendedCommunitiesChanged = true;
      }
    }
    if (this.prepend !== null) w.setAsPath(prependAsPath(w.asPath, this.prepend.asn ?? localAs, this.prepend.count));
  }
}
