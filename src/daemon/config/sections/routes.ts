/**
 * `routes`: originated routes. The keys present decide the kind: `vrf` puts
 * the route into a VRF (which supplies RD, RTs and label), `rd` makes it a VPN
 * route with explicit RD, route targets and label, neither a unicast route.
 */
import { isScalar, isSeq } from 'yaml';
import { parseIp } from '../../../bgp/wire/values/ip';
import { formatPrefix, type Prefix } from '../../../bgp/wire/values/prefix';
import { formatRd } from '../../../bgp/wire/values/rd';
import type { RouteAttributes, RouteConfig } from '../model';
import { addressValue, communityValue, field, largeCommunityValue, listField, prefixValue, rdValue, routeTargetValue, type At } from '../values';
import { MapReader } from '../yaml-reader';

const ROUTE_KEYS = ['prefix', 'next-hop', 'communities', 'large-communities', 'med', 'local-pref', 'rd', 'route-targets', 'label', 'vrf'];
/** RFC 3032 §2.1: labels 0 to 15 are reserved. */
const MIN_LABEL = 16;
const MAX_LABEL = 1048575;
const MAX_UINT32 = 0xffffffff;

function readNextHop(reader: MapReader, prefix: Prefix | undefined): string | null | undefined {
  if (!reader.has('next-hop')) return null;
  const nextHop = field(reader, 'next-hop', addressValue);
  if (nextHop === undefined || prefix === undefined) return nextHop;
  const afi = parseIp(nextHop)?.length === 4 ? 1 : 2;
  if (afi === prefix.afi) return nextHop;
  reader.src.diag.error(reader.valueLine('next-hop'), `next-hop ${nextHop} is not of the same address family as prefix ${formatPrefix(prefix)}`);
  return undefined;
}

function readAttributes(reader: MapReader): RouteAttributes | undefined {
  const prefix = reader.require('prefix') ? field(reader, 'prefix', prefixValue) : undefined;
  const nextHop = readNextHop(reader, prefix);
  const communities = listField(reader, 'communities', communityValue);
  const largeCommunities = listField(reader, 'large-communities', largeCommunityValue);
  const med = reader.has('med') ? reader.integer('med', 0, MAX_UINT32) : null;
  const localPref = reader.has('local-pref') ? reader.integer('local-pref', 0, MAX_UINT32) : null;
  if (prefix === undefined || nextHop === undefined || !communities || !largeCommunities || med === undefined || localPref === undefined) return undefined;
  return { prefix, nextHop, communities, largeCommunities, med, localPref };
}

function readVrfRoute(reader: MapReader, attributes: RouteAttributes | undefined, vrfNames: ReadonlySet<string>): RouteConfig | undefined {
  const { diag } = reader.src;
  const vrf = reader.string('vrf');
  let ok = vrf !== undefined && attributes !== undefined;
  for (const key of ['rd', 'route-targets', 'label']) {
    if (!reader.has(key)) continue;
    diag.error(reader.keyLine(key), `a route in a VRF takes its ${key} from the VRF, so it cannot have its own`);
    ok = false;
  }
  if (vrf !== undefined && !vrfNames.has(vrf)) {
    diag.error(reader.valueLine('vrf'), `route names unknown vrf '${vrf}'`);
    ok = false;
  }
  return ok && vrf !== undefined && attributes ? { kind: 'vrf', vrf, ...attributes } : undefined;
}

function readVpnRoute(reader: MapReader, attributes: RouteAttributes | undefined): RouteConfig | undefined {
  const { diag } = reader.src;
  const rd = field(reader, 'rd', rdValue);
  const rdText = rd ? ` ${formatRd(rd)}` : '';
  // RFC 4364 §4.3.1: a VPN-IPv4 route without a route target is imported by no VRF; §4.3.2: it needs a label.
  if (!reader.has('route-targets')) diag.error(reader.keyLine('rd'), `route with rd${rdText} also needs route-targets (RFC 4364 §4.3.1)`);
  if (!reader.has('label')) diag.error(reader.keyLine('rd'), `route with rd${rdText} also needs a label (RFC 4364 §4.3.2)`);
  const routeTargets = reader.has('route-targets') ? listField(reader, 'route-targets', routeTargetValue) : undefined;
  const rawTargets = reader.src.resolve(reader.raw('route-targets'));
  const writtenEmpty = reader.has('route-targets') && (isSeq(rawTargets) ? rawTargets.items.length === 0 : isScalar(rawTargets) && rawTargets.value === null);
  if (writtenEmpty) diag.error(reader.valueLine('route-targets'), 'route-targets must not be empty for a route with rd');
  const label = reader.has('label') ? reader.integer('label', MIN_LABEL, MAX_LABEL) : undefined;
  if (!attributes || !rd || !routeTargets || routeTargets.length === 0 || label === undefined) return undefined;
  return { kind: 'vpn', ...attributes, rd, routeTargets, label };
}

function readRoute(reader: MapReader, vrfNames: ReadonlySet<string>): RouteConfig | undefined {
  const attributes = readAttributes(reader);
  if (reader.has('vrf')) return readVrfRoute(reader, attributes, vrfNames);
  if (reader.has('rd')) return readVpnRoute(reader, attributes);
  let ok = attributes !== undefined;
  for (const key of ['route-targets', 'label']) {
    if (!reader.has(key)) continue;
    reader.src.diag.error(reader.keyLine(key), `${key} needs an rd: a route without rd or vrf is a plain unicast route`);
    ok = false;
  }
  return ok && attributes ? { kind: 'unicast', ...attributes } : undefined;
}

/** Where a route lives, in words; two routes with the same key are duplicates. */
function routeKey(route: RouteConfig): string {
  const where = route.kind === 'vpn' ? `rd ${formatRd(route.rd)}` : route.kind === 'vrf' ? `vrf ${route.vrf}` : 'the global table';
  return `${formatPrefix(route.prefix)} in ${where}`;
}

export function readRoutes(items: readonly At[], root: MapReader, vrfNames: ReadonlySet<string>, announced: ReadonlyMap<string, ReadonlySet<string>> = new Map()): RouteConfig[] {
  const out: RouteConfig[] = [];
  const firstLine = new Map<string, number>();
  for (const item of items) {
    const reader = MapReader.open(root.src, item.node, 'route', ROUTE_KEYS, item.line);
    if (!reader) continue;
    const route = readRoute(reader, vrfNames);
    if (!route) continue;
    const key = routeKey(route);
    const seen = firstLine.get(key);
    if (seen !== undefined) {
      root.src.diag.error(reader.valueLine('prefix'), `duplicate route ${key} (first defined at line ${seen})`);
      continue;
    }
    firstLine.set(key, reader.valueLine('prefix'));
    if (route.kind === 'vrf' && announced.get(route.vrf)?.has(formatPrefix(route.prefix))) {
      root.src.diag.error(reader.valueLine('prefix'), `route ${key} is also announced by the VRF's hub section; keep one of them`);
      continue;
    }
    out.push(route);
  }
  return out;
}
