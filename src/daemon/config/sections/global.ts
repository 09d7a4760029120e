/** Top-level scalars and small sections: asn, router-id, listen, control, logging, cluster-id, decision, sessions. */
import { BGP_PORT, DEFAULT_DECISION, DEFAULT_FIB, DEFAULT_LOGGING, DEFAULT_SESSIONS } from '../defaults';
import { LOG_LEVELS, type ClientRouterConfig, type ControlConfig, type FibConfig, type InformClientsConfig, type DecisionConfig, type ListenConfig, type LoggingConfig, type SessionsConfig } from '../model';
import { addressValue, asnValue, communityValue, field, ipv4Value, listField, prefixValue, type TextParser } from '../values';
import type { MapReader } from '../yaml-reader';

export function readAsn(root: MapReader): number | undefined {
  return root.require('asn') ? field(root, 'asn', asnValue) : undefined;
}

export function readRouterId(root: MapReader): number | undefined {
  if (!root.require('router-id')) return undefined;
  const id = field(root, 'router-id', ipv4Value);
  // RFC 6286 §2.1: the BGP Identifier is any non-zero 4-octet value.
  if (id === 0) {
    root.src.diag.error(root.valueLine('router-id'), 'router-id 0.0.0.0 is not a valid BGP identifier (RFC 6286 requires a non-zero value)');
    return undefined;
  }
  return id;
}

/** Absent: the BGP port on every IPv4 address, as every BGP daemon does. */
export function readListen(root: MapReader): ListenConfig | undefined {
  if (!root.has('listen')) return { enabled: true, address: '0.0.0.0', port: BGP_PORT };
  if (root.isFalse('listen')) return { enabled: false };
  const listen = root.map('listen', 'listen', ['address', 'port']);
  if (!listen) return undefined;
  const address = listen.has('address') ? field(listen, 'address', addressValue) : '0.0.0.0';
  const port = listen.has('port') ? listen.integer('port', 0, 65535) : BGP_PORT;
  if (address === undefined || port === undefined) return undefined;
  return port === 0 ? { enabled: false } : { enabled: true, address, port };
}

export function readControl(root: MapReader, defaultSocket: string): ControlConfig | undefined {
  if (!root.has('control')) return { socket: defaultSocket };
  const control = root.map('control', 'control', ['socket']);
  if (!control) return undefined;
  const socket = control.has('socket') ? control.string('socket') : defaultSocket;
  if (socket === undefined) return undefined;
  if (!socket.startsWith('/')) {
    control.src.diag.error(control.valueLine('socket'), `control socket '${socket}' must be an absolute path`);
    return undefined;
  }
  return { socket };
}

export function readLogging(root: MapReader): LoggingConfig | undefined {
  if (!root.has('logging')) return DEFAULT_LOGGING;
  const logging = root.map('logging', 'logging', ['level', 'format', 'file']);
  if (!logging) return undefined;
  const level = logging.has('level') ? logging.enumOf('level', LOG_LEVELS) : DEFAULT_LOGGING.level;
  const format = logging.has('format') ? logging.enumOf('format', ['text', 'json'] as const) : DEFAULT_LOGGING.format;
  const file = logging.has('file') ? logging.string('file') : null;
  if (level === undefined || format === undefined || file === undefined) return undefined;
  return { level, format, file };
}

/** RFC 4456 §7: the CLUSTER_ID, a 4-octet value written as an IPv4 address; absent: the router id. */
export function readClusterId(root: MapReader): number | null | undefined {
  return root.has('cluster-id') ? field(root, 'cluster-id', ipv4Value) : null;
}

export function readDecision(root: MapReader): DecisionConfig | undefined {
  if (!root.has('decision')) return DEFAULT_DECISION;
  const decision = root.map('decision', 'decision', ['always-compare-med']);
  if (!decision) return undefined;
  const alwaysCompareMed = decision.has('always-compare-med') ? decision.boolean('always-compare-med') : DEFAULT_DECISION.alwaysCompareMed;
  return alwaysCompareMed === undefined ? undefined : { alwaysCompareMed };
}

/** `sessions: { store: PATH }`: the session store; absent: next to the control socket (daemon.ts). */
export function readSessions(root: MapReader): SessionsConfig | undefined {
  if (!root.has('sessions')) return DEFAULT_SESSIONS;
  const sessions = root.map('sessions', 'sessions', ['store']);
  if (!sessions) return undefined;
  if (!sessions.has('store')) return DEFAULT_SESSIONS;
  const store = sessions.string('store');
  if (store === undefined) return undefined;
  // Relative to what? The daemon's working directory changes under systemd; an absolute path cannot be misread.
  if (!store.startsWith('/')) {
    sessions.src.diag.error(sessions.valueLine('store'), `session store '${store}' must be an absolute path`);
    return undefined;
  }
  return { store };
}

/** A Linux network device name: 1 to 15 characters (IFNAMSIZ less the NUL), no '/', ':' or white space. */
const interfaceValue: TextParser<string> = (text, line, src) => {
  if (!/^[^/:\s]{1,15}$/.test(text) || text === '.' || text === '..') return void src.diag.error(line, `'${text}' is not a network device name (1 to 15 characters, no '/', ':' or spaces)`);
  return text;
};

/** The forwarding plane: which backend moves packets, the tunnel source, fallback and path MTU (docs/fib.md). */
export function readFib(root: MapReader): FibConfig | undefined {
  if (!root.has('fib')) return DEFAULT_FIB;
  const fib = root.map('fib', 'fib', ['backend', 'tunnel-source', 'fallback', 'path-mtu', 'probe-interval', 'probe-multiplier', 'no-fallback-community', 'no-tunnel-community', 'af-xdp']);
  if (!fib) return undefined;
  const backend = fib.has('backend') ? fib.enumOf('backend', ['none', 'userspace', 'kernel'] as const) : DEFAULT_FIB.backend;
  const tunnelSource = fib.has('tunnel-source') ? field(fib, 'tunnel-source', ipv4Value) : DEFAULT_FIB.tunnelSource;
  const fallback = fib.has('fallback') ? fib.boolean('fallback') : DEFAULT_FIB.fallback;
  // RFC 791: every IPv4 host takes 576-octet datagrams; 65535 is the Total Length limit.
  const pathMtu = fib.has('path-mtu') ? fib.integer('path-mtu', 576, 65535) : DEFAULT_FIB.pathMtu;
  // Milliseconds; 0 turns probing off. Below 10 ms the event loop's timers are not that precise.
  const probeInterval = fib.has('probe-interval') ? fib.integer('probe-interval', 0, 3_600_000) : DEFAULT_FIB.probeInterval;
  const probeMultiplier = fib.has('probe-multiplier') ? fib.integer('probe-multiplier', 1, 255) : DEFAULT_FIB.probeMultiplier;
  const noFallbackCommunity = fib.has('no-fallback-community') ? field(fib, 'no-fallback-community', communityValue) : null;
  const noTunnelCommunity = fib.has('no-tunnel-community') ? field(fib, 'no-tunnel-community', communityValue) : null;
  if (backend === undefined || tunnelSource === undefined || fallback === undefined || pathMtu === undefined || probeInterval === undefined || probeMultiplier === undefined) return undefined;
  if (noFallbackCommunity === undefined || noTunnelCommunity === undefined) return undefined;
  const afXdp = listField(fib, 'af-xdp', interfaceValue);
  if (afXdp === undefined) return undefined;
  if (afXdp.length > 0 && backend !== 'userspace') {
    fib.src.diag.error(fib.keyLine('af-xdp'), `af-xdp needs backend: userspace (the backend is ${backend})`);
    return undefined;
  }
  if (new Set(afXdp).size !== afXdp.length) {
    fib.src.diag.error(fib.keyLine('af-xdp'), 'af-xdp names a device twice (one AF_XDP socket per device and queue)');
    return undefined;
  }
  if (probeInterval > 0 && probeInterval < 10) {
    fib.src.diag.error(fib.valueLine('probe-interval'), `probe-interval ${probeInterval} ms is too short: 0 (off) or at least 10`);
    return undefined;
  }
  return { backend, tunnelSource, fallback, pathMtu, probeInterval, probeMultiplier, noFallbackCommunity, noTunnelCommunity, afXdp };
}

/** `inform-clients: { tunnel: gre|ipip }`: announce VPN clients to client routers (client-announcer.ts). */
export function readInformClients(root: MapReader): InformClientsConfig | null | undefined {
  if (!root.has('inform-clients')) return null;
  const m = root.map('inform-clients', 'inform-clients', ['tunnel']);
  if (!m) return undefined;
  const tunnel = m.has('tunnel') ? m.enumOf('tunnel', ['gre', 'ipip'] as const) : 'gre';
  return tunnel === undefined ? undefined : { tunnel };
}

/** `client-router: { backbone: { type, remote, key }, lan: [prefixes] }`: this hdvpnd is a client router. */
export function readClientRouter(root: MapReader): ClientRouterConfig | null | undefined {
  if (!root.has('client-router')) return null;
  const m = root.map('client-router', 'client-router', ['backbone', 'lan']);
  if (!m || !m.require('backbone')) return undefined;
  const b = m.map('backbone', 'client-router backbone', ['type', 'remote', 'key']);
  if (!b || !b.require('remote')) return undefined;
  const type = b.has('type') ? b.enumOf('type', ['gre', 'ipip'] as const) : 'gre';
  const remote = field(b, 'remote', ipv4Value);
  // RFC 2890 §2.1: a 32-bit key, GRE only.
  const key = b.has('key') ? b.integer('key', 0, 0xffffffff) : null;
  if (type === 'ipip' && key !== null && key !== undefined) {
    b.src.diag.error(b.valueLine('key'), 'an ipip backbone tunnel has no key (RFC 2003); remove key or use type gre');
    return undefined;
  }
  const lan = m.has('lan') ? listField(m, 'lan', prefixValue) : [];
  if (type === undefined || remote === undefined || key === undefined || lan === undefined) return undefined;
  return { backbone: { type, remote, key }, lan };
}
