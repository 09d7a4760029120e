/**
 * The canonical text of a Config: fixed key order, every setting explicit
 * (defaults included, so the printout shows what the daemon really runs),
 * absent optional values and empty lists left out. parseConfig(printConfig(c))
 * deep-equals c; the golden tests hold this.
 */
import { Document, isPair, isScalar, visit } from 'yaml';
import { formatCommunity } from '../../bgp/wire/values/community';
import { formatRouteTarget, type RouteTargetLike } from '../../bgp/wire/values/ext-community';
import { formatIpv4 } from '../../bgp/wire/values/ip';
import { formatLargeCommunity } from '../../bgp/wire/values/large-community';
import { formatPrefix } from '../../bgp/wire/values/prefix';
import { formatRd } from '../../bgp/wire/values/rd';
import { policiesOut, prefixListOut } from './policy-printer';
import { CONFIG_FAMILIES, type Config, type HalfDuplexConfig, type HalfVrfConfig, type HubConfig, type MaxPrefix, type NeighborConfig, type RadiusConfig, type RouteConfig, type SecretRef, type SessionOptions, type VrfConfig, type DynamicNeighborConfig, type FibConfig } from './model';

type Out = Record<string, unknown>;

/** Drops undefined entries and empty lists, keeping insertion order (the canonical order). */
function compact(entries: [string, unknown][]): Out {
  const out: Out = {};
  for (const [key, value] of entries) {
    if (value === undefined || (Array.isArray(value) && value.length === 0)) continue;
    out[key] = value;
  }
  return out;
}

const orUndefined = <T>(v: T | null): T | undefined => (v === null ? undefined : v);
const rts = (list: readonly RouteTargetLike[]): string[] => list.map(formatRouteTarget);

function secretOut(ref: SecretRef): Out {
  return ref.source === 'file' ? { file: ref.path } : { env: ref.variable };
}

function maxPrefixOut(m: MaxPrefix): Out {
  if (m.action === 'warning-only') return { limit: m.limit, 'warning-only': true, 'warning-threshold': m.warningThreshold };
  return { limit: m.limit, restart: m.restartInterval, 'warning-threshold': m.warningThreshold };
}

function sessionOut(s: SessionOptions): [string, unknown][] {
  const addPath = compact(CONFIG_FAMILIES.map((f) => [f, s.addPath[f]]));
  return [
    ['families', [...s.families]],
    ['password', s.password ? secretOut(s.password) : undefined],
    ['route-server-client', s.routeServerClient],
    ['route-reflector-client', s.routeReflectorClient],
    ['hold-time', s.holdTime],
    ['keepalive', s.keepalive],
    ['connect-retry', s.connectRetry],
    ['ttl-security', s.ttlSecurity.enabled ? s.ttlSecurity.hops : false],
    ['max-prefix', s.maxPrefix ? maxPrefixOut(s.maxPrefix) : undefined],
    ['graceful-restart', s.gracefulRestart.enabled ? { 'restart-time': s.gracefulRestart.restartTime, 'stale-routes-time': s.gracefulRestart.staleRoutesTime } : false],
    ['add-path', Object.keys(addPath).length ? addPath : undefined],
    ['import-policy', [...s.importPolicy]],
    ['export-policy', [...s.exportPolicy]],
  ];
}

function neighborOut(n: NeighborConfig): Out {
  return compact([
    ['address', n.address],
    ['asn', n.asn],
    ['description', orUndefined(n.description)],
    ['port', n.port],
    ['passive', n.passive],
    ['local-address', orUndefined(n.localAddress)],
    ...sessionOut(n),
  ]);
}

function dynamicOut(d: DynamicNeighborConfig): Out {
  return compact([['prefix', formatPrefix(d.prefix)], ['asn', d.asn], ['description', orUndefined(d.description)], ['limit', d.limit], ...sessionOut(d)]);
}

function routeOut(r: RouteConfig): Out {
  const where: [string, unknown][] =
    r.kind === 'vrf' ? [['vrf', r.vrf]] : r.kind === 'vpn' ? [['rd', formatRd(r.rd)], ['route-targets', rts(r.routeTargets)], ['label', r.label]] : [];
  return compact([
    ['prefix', formatPrefix(r.prefix)],
    ...where,
    ['next-hop', orUndefined(r.nextHop)],
    ['communities', r.communities.map(formatCommunity)],
    ['large-communities', r.largeCommunities.map(formatLargeCommunity)],
    ['med', orUndefined(r.med)],
    ['local-pref', orUndefined(r.localPref)],
  ]);
}

function hubOut(h: HubConfig): Out {
  return compact([
    ['announce', h.announce.map(formatPrefix)],
    ['rules', h.rules.map((r) => compact([['name', r.name], ['destination', r.destination.map(formatPrefix)], ['client', r.client.map(formatPrefix)], ['action', r.action], ['rate', orUndefined(r.rate)], ['burst', orUndefined(r.burst)]]))],
  ]);
}

function vrfOut(v: VrfConfig): Out {
  return compact([
    ['name', v.name], ['rd', formatRd(v.rd)], ['import', rts(v.import)], ['export', rts(v.export)], ['label-mode', v.labelMode],
    ['import-policy', [...v.importPolicy]], ['export-policy', [...v.exportPolicy]], ['hub', v.hub ? hubOut(v.hub) : undefined],
    ['connected', v.connected.map(formatPrefix)],
  ]);
}

function halfOut(v: HalfVrfConfig): Out {
  return compact([
    ['name', v.name], ['rd', formatRd(v.rd)], ['import', rts(v.import)], ['export', rts(v.export)], ['import-policy', [...v.importPolicy]], ['export-policy', [...v.exportPolicy]],
    ['connected', v.connected.map(formatPrefix)],
  ]);
}

/** Printed only when something differs from the defaults (no backend, router id as source, fallback, 1500). */
function fibOut(f: FibConfig): Out | undefined {
  if (f.backend === 'none' && f.tunnelSource === null && f.fallback && f.pathMtu === 1500 && f.probeInterval === 0 && f.probeMultiplier === 3 && f.noFallbackCommunity === null && f.noTunnelCommunity === null && f.afXdp.length === 0) return undefined;
  return {
    backend: f.backend,
    ...(f.tunnelSource !== null ? { 'tunnel-source': formatIpv4(f.tunnelSource) } : {}),
    fallback: f.fallback,
    'path-mtu': f.pathMtu,
    ...(f.probeInterval > 0 ? { 'probe-interval': f.probeInterval, 'probe-multiplier': f.probeMultiplier } : {}),
    ...(f.noFallbackCommunity !== null ? { 'no-fallback-community': formatCommunity(f.noFallbackCommunity) } : {}),
    ...(f.noTunnelCommunity !== null ? { 'no-tunnel-community': formatCommunity(f.noTunnelCommunity) } : {}),
    ...(f.afXdp.length > 0 ? { 'af-xdp': [...f.afXdp] } : {}),
  };
}

function pairOut(p: HalfDuplexConfig): Out {
  return compact([
    ['name', p.name],
    ['upstream', halfOut(p.upstream)],
    ['downstream', halfOut(p.downstream)],
    ['pool', p.pool.map(formatPrefix)],
    ['pool-exclude', p.poolExclude.map(formatPrefix)],
    ['address-server', p.addressServer],
  ]);
}

function radiusOut(r: RadiusConfig): Out {
  return {
    servers: r.servers.map((s) => ({ address: s.address, 'auth-port': s.authPort, 'accounting-port': s.accountingPort, secret: secretOut(s.secret) })),
    timeout: r.timeout,
    retries: r.retries,
    'nas-identifier': r.nasIdentifier,
    'interim-interval': r.interimInterval,
  };
}

export function configToPlain(c: Config): Out {
  return compact([
    ['asn', c.asn],
    ['router-id', formatIpv4(c.routerId)],
    ['cluster-id', c.clusterId === null ? undefined : formatIpv4(c.clusterId)],
    ['listen', c.listen.enabled ? { address: c.listen.address, port: c.listen.port } : false],
    ['control', { socket: c.control.socket }],
    ['logging', compact([['level', c.logging.level], ['format', c.logging.format], ['file', orUndefined(c.logging.file)]])],
    ['decision', { 'always-compare-med': c.decision.alwaysCompareMed }],
    ['neighbors', c.neighbors.map(neighborOut)],
    ['dynamic-neighbors', c.dynamicNeighbors.map(dynamicOut)],
    ['routes', c.routes.map(routeOut)],
    ['vrfs', c.vrfs.map(vrfOut)],
    ['half-duplex', c.halfDuplex.map(pairOut)],
    ['radius', c.radius ? radiusOut(c.radius) : undefined],
    ['sessions', c.sessions.store === null ? undefined : { store: c.sessions.store }],
    ['fib', fibOut(c.fib)],
    ['inform-clients', c.informClients ? { tunnel: c.informClients.tunnel } : undefined],
    [
      'client-router',
      c.clientRouter
        ? {
            backbone: { type: c.clientRouter.backbone.type, remote: formatIpv4(c.clientRouter.backbone.remote), ...(c.clientRouter.backbone.key !== null ? { key: c.clientRouter.backbone.key } : {}) },
            lan: c.clientRouter.lan.map(formatPrefix),
          }
        : undefined,
    ],
    ['prefix-lists', c.prefixLists.map(prefixListOut)],
    ['policies', policiesOut(c.policies)],
    ['route-server', routeServerOut(c)],
  ]);
}

function routeServerOut(c: Config): Out | undefined {
  const out = compact([['import-policy', [...c.routeServer.importPolicy]], ['export-policy', [...c.routeServer.exportPolicy]]]);
  return Object.keys(out).length ? out : undefined;
}

/** `65001:100` is a string in YAML 1.2 but a base-60 number to YAML 1.1 readers (PyYAML), so such values are quoted. */
const COLON_NUMBERS = /^\d+(:\d+)+$/;

/** Small maps printed on one line, as the examples in INTERFACE.md write them. */
const FLOW_MAP_KEYS = new Set([
  'listen', 'control', 'sessions', 'password', 'secret', 'graceful-restart', 'add-path', 'decision', 'route-server',
  'as-path-length', 'community', 'large-community', 'route-target', 'as-path-prepend',
]);

/** Prefix entries with ge/le (`{ prefix: 10.0.0.0/8, le: 24 }`) print on one line inside their list. */
function isPrefixEntry(keys: readonly unknown[]): boolean {
  return keys.includes('prefix') && keys.every((k) => k === 'prefix' || k === 'ge' || k === 'le');
}

/** Lists of scalars print on one line too. */
export function printConfig(c: Config): string {
  const doc = new Document(configToPlain(c));
  visit(doc, {
    Scalar(_, node) {
      if (typeof node.value === 'string' && COLON_NUMBERS.test(node.value)) node.type = 'QUOTE_DOUBLE';
    },
    Seq(_, node) {
      if (node.items.every((i) => isScalar(i))) node.flow = true;
    },
    Map(_, node, path) {
      const parent = path[path.length - 1];
      if (isPair(parent) && isScalar(parent.key) && FLOW_MAP_KEYS.has(String(parent.key.value))) node.flow = true;
      if (isPrefixEntry(node.items.map((i) => (isScalar(i.key) ? i.key.value : undefined)))) node.flow = true;
    },
  });
  return doc.toString({ lineWidth: 0, flowCollectionPadding: true });
}
