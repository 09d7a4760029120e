/**
 * Session options shared by `neighbors` and `dynamic-neighbors`: timers,
 * families, password, GTSM, maximum-prefix, graceful restart, ADD-PATH,
 * import and export policies.
 */
import { isScalar } from 'yaml';
import { DEFAULT_CONNECT_RETRY, DEFAULT_GRACEFUL_RESTART, DEFAULT_HOLD_TIME, DEFAULT_MAX_PREFIX_THRESHOLD, DEFAULT_RESTART_TIME, DEFAULT_STALE_ROUTES_TIME, MAX_RESTART_TIME, defaultKeepalive } from '../defaults';
import { CONFIG_FAMILIES, type AddPathMode, type ConfigFamily, type GracefulRestart, type MaxPrefix, type SessionOptions, type TtlSecurity } from '../model';
import { asnValue, familiesField, field, secretRefField } from '../values';
import { MapReader } from '../yaml-reader';
import { policyRefsField } from './policies';

export const SESSION_OPTION_KEYS = [
  'asn', 'families', 'description', 'password', 'route-server-client', 'route-reflector-client',
  'hold-time', 'keepalive', 'connect-retry', 'ttl-security', 'max-prefix', 'graceful-restart', 'add-path', 'import-policy', 'export-policy',
] as const;

const MAX_UINT32 = 0xffffffff;

/** `afi` picks the default family: the one of the neighbor's own address; `policies` are the names a policy key may use. */
export function readSessionOptions(reader: MapReader, afi: 1 | 2, policies: ReadonlySet<string>): SessionOptions | undefined {
  const asn = reader.require('asn') ? field(reader, 'asn', asnValue) : undefined;
  const defaultFamily: ConfigFamily = afi === 1 ? 'ipv4-unicast' : 'ipv6-unicast';
  const families = reader.has('families') ? familiesField(reader, 'families') : [defaultFamily];
  const description = reader.has('description') ? reader.string('description') : null;
  const password = reader.has('password') ? secretRefField(reader, 'password', 'tcp-md5') : null;
  const routeServerClient = reader.has('route-server-client') ? reader.boolean('route-server-client') : false;
  const routeReflectorClient = reader.has('route-reflector-client') ? reader.boolean('route-reflector-client') : false;
  const timers = readTimers(reader);
  const ttlSecurity = readTtlSecurity(reader);
  const maxPrefix = readMaxPrefix(reader);
  const gracefulRestart = readGracefulRestart(reader);
  const addPath = families ? readAddPath(reader, families) : undefined;
  const importPolicy = policyRefsField(reader, 'import-policy', policies);
  const exportPolicy = policyRefsField(reader, 'export-policy', policies);
  if (
    asn === undefined || families === undefined || description === undefined || password === undefined ||
    routeServerClient === undefined || routeReflectorClient === undefined || timers === undefined ||
    ttlSecurity === undefined || maxPrefix === undefined || gracefulRestart === undefined || addPath === undefined ||
    importPolicy === undefined || exportPolicy === undefined
  ) {
    return undefined;
  }
  return { asn, families, description, password, routeServerClient, routeReflectorClient, ...timers, ttlSecurity, maxPrefix, gracefulRestart, addPath, importPolicy, exportPolicy };
}

function readTimers(reader: MapReader): { holdTime: number; keepalive: number; connectRetry: number } | undefined {
  const { diag } = reader.src;
  let holdTime = reader.has('hold-time') ? reader.integer('hold-time', 0, 65535) : DEFAULT_HOLD_TIME;
  // RFC 4271 §4.2: the hold time must be either zero or at least three seconds.
  if (holdTime === 1 || holdTime === 2) {
    diag.error(reader.valueLine('hold-time'), `hold-time ${holdTime} is not allowed: it must be 0 or at least 3 seconds (RFC 4271 §4.2)`);
    holdTime = undefined;
  }
  const keepalive = reader.has('keepalive') ? reader.integer('keepalive', 0, 65535) : holdTime === undefined ? undefined : defaultKeepalive(holdTime);
  const connectRetry = reader.has('connect-retry') ? reader.integer('connect-retry', 1, 65535) : DEFAULT_CONNECT_RETRY;
  if (holdTime === undefined || keepalive === undefined || connectRetry === undefined) return undefined;
  if (holdTime === 0 && keepalive !== 0) {
    // RFC 4271 §4.4: with a hold time of zero, KEEPALIVE messages must not be sent.
    diag.error(reader.valueLine('keepalive'), `keepalive must be 0 when hold-time is 0 (RFC 4271 §4.4)`);
    return undefined;
  }
  if (holdTime !== 0 && (keepalive === 0 || keepalive >= holdTime)) {
    diag.error(reader.valueLine('keepalive'), `keepalive ${keepalive} must be between 1 and hold-time ${holdTime} (exclusive), or the peer's hold timer expires`);
    return undefined;
  }
  return { holdTime, keepalive, connectRetry };
}

/** `false`, `true` (directly connected: 1 hop) or a hop count 1..254 (RFC 5082 §3). */
function readTtlSecurity(reader: MapReader): TtlSecurity | undefined {
  if (!reader.has('ttl-security')) return { enabled: false };
  const node = reader.src.resolve(reader.raw('ttl-security'));
  if (isScalar(node) && typeof node.value === 'boolean') return node.value ? { enabled: true, hops: 1 } : { enabled: false };
  const hops = reader.integer('ttl-security', 1, 254);
  return hops === undefined ? undefined : { enabled: true, hops };
}

/** A bare number is the limit; a map adds warning-only, restart and warning-threshold. */
function readMaxPrefix(reader: MapReader): MaxPrefix | null | undefined {
  if (!reader.has('max-prefix')) return null;
  const node = reader.src.resolve(reader.raw('max-prefix'));
  if (isScalar(node) && typeof node.value === 'number') {
    const limit = reader.integer('max-prefix', 1, MAX_UINT32);
    return limit === undefined ? undefined : { action: 'teardown', limit, warningThreshold: DEFAULT_MAX_PREFIX_THRESHOLD, restartInterval: 0 };
  }
  const m = reader.map('max-prefix', 'max-prefix', ['limit', 'warning-only', 'restart', 'warning-threshold']);
  if (!m) return undefined;
  const limit = m.require('limit') ? m.integer('limit', 1, MAX_UINT32) : undefined;
  const warningOnly = m.has('warning-only') ? m.boolean('warning-only') : false;
  const warningThreshold = m.has('warning-threshold') ? m.integer('warning-threshold', 1, 100) : DEFAULT_MAX_PREFIX_THRESHOLD;
  const restartInterval = m.has('restart') ? m.integer('restart', 0, 65535) : 0;
  if (limit === undefined || warningOnly === undefined || warningThreshold === undefined || restartInterval === undefined) return undefined;
  if (!warningOnly) return { action: 'teardown', limit, warningThreshold, restartInterval };
  if (m.has('restart')) {
    m.src.diag.error(m.keyLine('restart'), 'max-prefix restart has no effect with warning-only: true, which never tears the session down');
    return undefined;
  }
  return { action: 'warning-only', limit, warningThreshold };
}

/** `false` disables; `true` or a map enables with RFC 4724 times (restart-time is a 12-bit field). */
function readGracefulRestart(reader: MapReader): GracefulRestart | undefined {
  if (!reader.has('graceful-restart')) return DEFAULT_GRACEFUL_RESTART;
  const node = reader.src.resolve(reader.raw('graceful-restart'));
  if (isScalar(node) && typeof node.value === 'boolean') return node.value ? DEFAULT_GRACEFUL_RESTART : { enabled: false };
  const m = reader.map('graceful-restart', 'graceful-restart', ['restart-time', 'stale-routes-time']);
  if (!m) return undefined;
  const restartTime = m.has('restart-time') ? m.integer('restart-time', 0, MAX_RESTART_TIME) : DEFAULT_RESTART_TIME;
  const staleRoutesTime = m.has('stale-routes-time') ? m.integer('stale-routes-time', 1, 65535) : DEFAULT_STALE_ROUTES_TIME;
  if (restartTime === undefined || staleRoutesTime === undefined) return undefined;
  return { enabled: true, restartTime, staleRoutesTime };
}

/** RFC 7911: per family send, receive or both; only for families the neighbor is configured with. */
function readAddPath(reader: MapReader, families: readonly ConfigFamily[]): Partial<Record<ConfigFamily, AddPathMode>> | undefined {
  if (!reader.has('add-path')) return {};
  const m = reader.map('add-path', 'add-path', CONFIG_FAMILIES);
  if (!m) return undefined;
  const out: Partial<Record<ConfigFamily, AddPathMode>> = {};
  let ok = true;
  for (const family of CONFIG_FAMILIES) {
    if (!m.has(family)) continue;
    const mode = m.enumOf(family, ['send', 'receive', 'both'] as const);
    if (mode === undefined) ok = false;
    else if (!families.includes(family)) {
      m.src.diag.error(m.keyLine(family), `add-path names family ${family}, which is not in this neighbor's families`);
      ok = false;
    } else out[family] = mode;
  }
  return ok ? out : undefined;
}
