/**
 * hdvpnd: the only place that wires the parts together (DESIGN.md). Config in,
 * then BGP sessions (session layer) feeding the RIBs (speaker), a control socket
 * for the CLI, and logs. Nothing here speaks BGP itself.
 */
import { existsSync, mkdirSync, unlinkSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { RealClock, type Clock } from '../bgp/session/clock';
import { BgpListener } from '../bgp/session/listener';
import { Peer } from '../bgp/session/peer';
import { Speaker } from '../bgp/speaker/speaker';
import type { LocalRouteSpec } from '../bgp/rib/local-routes';
import { formatPrefix, prefixContainsAddress } from '../bgp/wire/values/prefix';
import { formatIpv4, parseIpv4 } from '../bgp/wire/values/ip';
import { PolicyEngine } from '../bgp/policy/engine';
import type { DecisionOptions } from '../bgp/rib/decision';
import type { Config, DynamicNeighborConfig, NeighborConfig, RouteConfig } from './config/model';
import { VrfError, VrfManager } from '../vrf/manager';
import { staticRoutesByVrf, vrfDefinitions } from './vrf-config';
import { ControlServer } from './control-server';
import { controlHandlers } from './control-handlers';
import { childLogger, createLogger, type Logger } from './logging';
import { localIdentity, sessionOptions, type LocalIdentity } from './peer-options';
import { attachPeerLogging } from './peer-logging';
import { SessionManager } from '../sessions/session-manager';
import { RadiusAddressServer } from '../sessions/radius/address-server';
import type { SessionStore } from '../sessions/session-store';
import { SqliteSessionStore } from '../sessions/sqlite-session-store';
import { Fib } from '../fib/fib';
import { FibFeed } from './fib-feed';
import { PacketPlane } from './packet-plane';
import { KernelBackend } from '../fib/backends/kernel/kernel-backend';
import { TunnelMonitor } from './tunnel-monitor';
import { ClientAnnouncer } from './client-announcer';
import { ClientRouter, LAN_INTERFACE } from './client-router';
import { routeTargetKey } from '../vrf/route-targets';

export interface DaemonOptions {
  readonly config: Config;
  readonly clock?: Clock;
  /** Defaults to a logger built from config.logging. */
  readonly logger?: Logger;
  /** Defaults to SQLite at config.sessions.store (or next to the control socket). */
  readonly sessionStore?: SessionStore;
}

/** Where sessions and leases are kept when the config names no store: beside the control socket, in the daemon's own directory. */
export function sessionStorePath(config: Config): string {
  return config.sessions.store ?? join(dirname(config.control.socket), 'hdvpnd-sessions.db');
}

export class Daemon {
  config: Config;
  readonly logger: Logger;
  readonly speaker: Speaker;
  /** The VRFs and half-duplex pairs (src/vrf), fed by the speaker's Loc-RIB. */
  readonly vrfs: VrfManager;
  /** The compiled policies of the config in force (rebuilt on reload). */
  policies: PolicyEngine;
  /** Client sessions (src/sessions); null until start() has opened the store and restored them. */
  sessions: SessionManager | null = null;
  /** The FIB (src/fib), fed from VRF table changes and sessions by FibFeed. */
  readonly fib = new Fib();
  private readonly fibFeed: FibFeed;
  /** The packet workers (`fib: { backend: userspace }`); null with no backend. */
  packetPlane: PacketPlane | null = null;
  /** The kernel backend (`fib: { backend: kernel }`): Linux forwards, programmed from the FIB. */
  kernelFib: KernelBackend | null = null;
  /** Client-router mode (`client-router`); null otherwise. */
  clientRouter: ClientRouter | null = null;
  /** VPN clients announced to client routers (`inform-clients`); null when off. */
  clientAnnouncer: ClientAnnouncer | null = null;
  /** Tunnel liveness probes (`fib: { probe-interval }`), with the userspace backend. */
  tunnelMonitor: TunnelMonitor | null = null;
  readonly peers = new Map<string, Peer>();
  readonly dynamicPeers = new Map<string, Peer>();
  private readonly clock: Clock;
  private listener: BgpListener | null = null;
  private control: ControlServer | null = null;
  private readonly marker: string;
  private me: LocalIdentity;
  /** Config route (canonical JSON) → the speaker's key for it, so a reload withdraws exactly what went away. */
  private readonly configRoutes = new Map<string, string>();
  /** Labels of `routes:` entries with an explicit label, kept out of the VRF label pool. */
  private readonly reservedLabels = new Set<number>();
  private readonly sessionStore: SessionStore | undefined;

  constructor(opts: DaemonOptions) {
    this.config = opts.config;
    this.sessionStore = opts.sessionStore;
    this.clock = opts.clock ?? new RealClock();
    this.logger = opts.logger ?? createLogger(opts.config.logging);
    this.me = localIdentity(opts.config, false);
    this.policies = new PolicyEngine(this.config);
    this.speaker = new Speaker({
      asn: this.config.asn,
      routerId: this.me.routerId,
      clock: this.clock,
      clusterId: formatIpv4(this.config.clusterId ?? this.config.routerId),
      decision: decisionOptions(this.config),
      routeServerImport: this.policies.chain(this.config.routeServer.importPolicy),
      routeServerExport: this.policies.chain(this.config.routeServer.exportPolicy),
    });
    this.vrfs = new VrfManager(this.speaker, { localAs: this.config.asn, routerId: this.me.routerId });
    this.fibFeed = new FibFeed(this.fib, this.vrfs, {
      tunnelSource: this.config.fib.tunnelSource ?? this.config.routerId,
      fallback: this.config.fib.fallback,
      owner: (pair, prefix) => this.sessions?.owner(pair, prefix),
      pairPort: (pair) => this.packetPlane?.pairPort(pair) ?? null,
      noFallbackCommunity: this.config.fib.noFallbackCommunity,
      noTunnelCommunity: this.config.fib.noTunnelCommunity,
    });
    if (this.config.informClients) {
      this.clientAnnouncer = new ClientAnnouncer(this.speaker, {
        // The spoke targets: what every pair's downstream half exports (RFC 7024 §3).
        targets: () => new Set([...this.vrfs.all()].filter((v) => v.def.role === 'downstream').flatMap((v) => v.def.export.map(routeTargetKey))),
        tunnel: this.config.informClients.tunnel,
        tunnelSource: this.config.fib.tunnelSource ?? this.config.routerId,
      });
    }
    // RFC 4724 restarting speaker: a marker that outlives an unclean exit tells the next start it restarted.
    this.marker = join(dirname(this.config.control.socket), 'hdvpnd.running');
  }

  get listenPort(): number {
    return this.listener?.port ?? 0;
  }

  async start(): Promise<void> {
    const restarted = existsSync(this.marker);
    this.me = localIdentity(this.config, restarted);
    mkdirSync(dirname(this.marker), { recursive: true });
    writeFileSync(this.marker, `${process.pid}\n`);
    if (restarted) this.logger.info('previous run did not stop cleanly: announcing graceful restart (R bit) to peers that support it');
    this.applyVrfs(new Set());
    // Before sessions: a restored session without a tunnel needs its pair's TUN port as next hop.
    await this.startPacketPlane();
    this.originateConfiguredRoutes();
    this.startSessions();
    for (const n of this.config.neighbors) this.addNeighbor(n);
    const listen = this.config.listen;
    if (listen.enabled) {
      this.listener = new BgpListener({ address: listen.address, port: listen.port });
      for (const p of this.peers.values()) this.listener.addPeer(p);
      for (const d of this.config.dynamicNeighbors) this.addDynamicRange(this.listener, d);
      this.listener.on('rejected', (address, reason) => this.logger.info(`refused BGP connection from ${address}: ${reason}`));
      this.listener.on('failure', (e) => this.logger.error(`listener: ${e.message}`));
      await this.listener.listen();
      this.logger.info(`listening for BGP on ${listen.address} port ${this.listener.port}`);
    }
    this.control = new ControlServer(this.config.control.socket, controlHandlers(this));
    await this.control.listen();
    this.logger.info(`control socket ${this.config.control.socket}; AS ${this.config.asn}, router id ${this.me.routerId}, ${this.peers.size} neighbor(s)`);
    for (const p of this.peers.values()) p.start();
  }

  /** SIGTERM: every session ends with Cease/Administrative Shutdown (RFC 4486, RFC 9003 text) before exit. */
  async stop(message = 'hdvpnd shutting down'): Promise<void> {
    this.logger.info(`stopping: ${message}`);
    this.speaker.close();
    await Promise.all([...this.peers.values()].map((p) => p.shutdown(message)));
    await this.listener?.close(message);
    await this.control?.close();
    this.sessions?.close();
    this.tunnelMonitor?.close();
    await this.packetPlane?.stop();
    await this.kernelFib?.close();
    if (existsSync(this.marker)) unlinkSync(this.marker);
  }

  /**
   * VRFs and pairs to the config, by difference (src/vrf/manager.ts).
   * `rebuild`: VRFs whose policies' definitions changed. Labels configured by
   * hand on `routes:` are reserved first, so no VRF is given one of them.
   */
  private applyVrfs(rebuild: ReadonlySet<string>): void {
    const wanted = new Set(this.config.routes.flatMap((r) => (r.kind === 'vpn' ? [r.label] : [])));
    for (const label of this.reservedLabels) {
      if (wanted.has(label)) continue;
      this.vrfs.labels.release(label);
      this.reservedLabels.delete(label);
    }
    for (const label of wanted) {
      if (this.reservedLabels.has(label)) continue;
      if (this.vrfs.labels.reserve(label)) this.reservedLabels.add(label);
      else this.logger.warn(`label ${label} of a configured VPN route is also in use by a VRF; traffic with that label may reach the wrong table until a restart`);
    }
    try {
      this.vrfs.configure(vrfDefinitions(this.config, this.policies), rebuild);
    } catch (e) {
      if (!(e instanceof VrfError)) throw e;
      this.logger.error(`VRFs: ${e.message}`);
    }
    this.fibFeed.syncTables();
    const count = [...this.vrfs.all()].length;
    if (count > 0) this.logger.info(`${count} VRF(s) configured`);
  }

  /**
   * Opens the session store and brings back every session of the last run
   * (issue 6, persistence): leases first, then the routes, announced again
   * before any neighbor starts, so peers learn them in the first UPDATEs.
   */
  private startSessions(): void {
    const store = this.sessionStore ?? new SqliteSessionStore(sessionStorePath(this.config));
    const addressServer = this.radiusAddressServer();
    this.sessions = new SessionManager(this.vrfs, store, { warn: (m) => this.logger.warn(m), ...(addressServer ? { addressServer } : {}) });
    this.sessions.configure(this.config.halfDuplex);
    this.sessions.onChange((event, s) => (event === 'up' ? this.fibFeed.sessionStarted(s) : this.fibFeed.sessionStopped(s)));
    const up = this.sessions.restore();
    const total = [...this.sessions.all()].length;
    if (total > 0) this.logger.info(`restored ${up} of ${total} client session(s) from the session store`);
  }

  /** Packets start moving only once the FIB holds the VRFs and restored sessions. */
  private async startPacketPlane(): Promise<void> {
    const fib = this.config.fib;
    if (fib.backend === 'none') return;
    const log = this.logger.child({ component: 'fib' });
    if (fib.backend === 'kernel') {
      const kernel = await KernelBackend.open({
        // Sessions on local interfaces are the userspace backend's (TUN); the kernel backend binds none yet.
        interfaceOf: () => null,
        onUnsupported: (u) => {
          log.warn(`kernel backend: ${u.change.type} not installed: ${u.reason}`);
        },
      });
      this.kernelFib = kernel;
      const report = (e: unknown): void => {
        log.error(`kernel backend: ${e instanceof Error ? e.message : String(e)}`);
      };
      // What the FIB already holds, then every batch as it comes (applied in order by the backend's queue).
      kernel.apply(this.fib.asChanges()).catch(report);
      this.fib.onChanges((changes) => {
        kernel.apply(changes).catch(report);
      });
      log.info('kernel FIB backend: routes, rules and shared nexthop objects; GRE, IP-in-IP and MPLS in GRE by eBPF where supported');
      return;
    }
    this.packetPlane = await PacketPlane.start(this.fib, {
      address: fib.tunnelSource ?? this.config.routerId,
      pairs: this.config.halfDuplex.map((p) => p.name),
      tuns: this.config.clientRouter ? [LAN_INTERFACE] : [],
      pathMtu: fib.pathMtu,
      afXdp: fib.afXdp,
      onError: (m) => log.error(m),
    });
    log.info(`userspace packet backend: ports ${this.packetPlane.ports.map((p) => p.name).join(', ')}${this.packetPlane.afXdp.length ? ` (AF_XDP: ${this.packetPlane.afXdp.join(', ')})` : ''}`);
    this.fibFeed.bindPairPorts(this.config.halfDuplex.map((p) => p.name));
    if (this.config.clientRouter) {
      this.clientRouter = new ClientRouter(this.fib, this.speaker, {
        config: this.config.clientRouter,
        tunnelSource: fib.tunnelSource ?? this.config.routerId,
        fallback: fib.fallback,
        lanPort: this.packetPlane.tunPort(LAN_INTERFACE),
        noFallbackCommunity: fib.noFallbackCommunity,
        noTunnelCommunity: fib.noTunnelCommunity,
      });
      log.info(`client router: backbone ${this.config.clientRouter.backbone.type} tunnel, LAN on ${LAN_INTERFACE}`);
    }
    if (fib.probeInterval > 0) {
      this.tunnelMonitor = new TunnelMonitor(this.fib, this.packetPlane, {
        intervalMs: fib.probeInterval,
        multiplier: fib.probeMultiplier,
        address: fib.tunnelSource ?? this.config.routerId,
        log: (level, m) => log[level](m),
      });
      await this.tunnelMonitor.listen();
      log.info(`tunnel probes every ${fib.probeInterval} ms, down after ${fib.probeInterval * fib.probeMultiplier} ms without an answer`);
    }
  }

  /** The RADIUS client of `address-server: radius` pairs; the secrets are read here, each time the section is (re)applied. */
  private radiusAddressServer(): RadiusAddressServer | null {
    const radius = this.config.radius;
    if (!radius) return null;
    const log = this.logger.child({ component: 'radius' });
    return new RadiusAddressServer(radius, {
      // RFC 2865 §5.4: the NAS's own address; the BGP listen address when it is one, else none (NAS-Identifier is sent anyway).
      nasIpAddress: this.config.listen.enabled && this.config.listen.address !== '0.0.0.0' ? parseIpv4(this.config.listen.address) : null,
      log: { info: (m) => log.info(m), warn: (m) => log.warn(m), debug: (m) => log.debug(m) },
    });
  }

  private originateConfiguredRoutes(): void {
    const wanted = new Map<string, RouteConfig>();
    for (const r of this.config.routes) if (r.kind !== 'vrf') wanted.set(JSON.stringify(r, jsonReplacer), r);
    for (const [id, key] of this.configRoutes) {
      if (wanted.has(id)) continue;
      this.speaker.withdrawLocal(key);
      this.configRoutes.delete(id);
    }
    for (const [id, r] of wanted) {
      if (this.configRoutes.has(id)) continue;
      const spec = routeSpec(r);
      if (spec !== null) this.configRoutes.set(id, this.speaker.originate(spec));
    }
    // RFC 4364 §4.3.2: a VRF's static routes leave as VPN routes with its RD, export targets and label.
    try {
      this.vrfs.setStaticRoutes(staticRoutesByVrf(this.config));
    } catch (e) {
      if (!(e instanceof VrfError)) throw e;
      this.logger.error(`VRF routes: ${e.message}`);
    }
  }

  /**
   * SIGHUP: apply a new config without a restart, like `birdc configure` or
   * GoBGP's SIGHUP. Routes are originated and withdrawn by difference; a
   * neighbor that was removed or changed is shut down (and a changed one
   * started again with its new settings); untouched sessions stay up.
   */
  async reload(next: Config): Promise<void> {
    const fixed: (keyof Config)[] = ['asn', 'routerId', 'listen', 'control', 'logging', 'clusterId'];
    for (const k of fixed) {
      if (JSON.stringify(next[k], jsonReplacer) !== JSON.stringify(this.config[k], jsonReplacer)) this.logger.warn(`reload: a change of '${k}' takes effect only after a restart`);
    }
    const old = new Map(this.config.neighbors.map((n) => [n.address, sessionText(n)]));
    const fresh = new Map(next.neighbors.map((n) => [n.address, n]));
    const policiesChanged = policyText(next) !== policyText(this.config);
    const previous = this.config;
    this.config = { ...next, asn: this.config.asn, routerId: this.config.routerId, listen: this.config.listen, control: this.config.control, logging: this.config.logging, clusterId: this.config.clusterId };
    this.policies = new PolicyEngine(this.config);
    // The central policy first, so the neighbors' new chains below include it (no transient mix of old and new).
    if (policiesChanged) {
      this.speaker.setRouteServerPolicies(this.policies.chain(this.config.routeServer.importPolicy), this.policies.chain(this.config.routeServer.exportPolicy), false);
    }
    for (const [address, text] of old) {
      const n = fresh.get(address);
      if (n && sessionText(n) === text) {
        // Only policies changed (or their definitions): applied in place, the session stays up (soft reconfiguration).
        const before = previous.neighbors.find((x) => x.address === address);
        if (policiesChanged || JSON.stringify(before?.importPolicy) !== JSON.stringify(n.importPolicy) || JSON.stringify(before?.exportPolicy) !== JSON.stringify(n.exportPolicy)) {
          this.speaker.setPolicies(address, this.policies.chain(n.importPolicy), this.policies.chain(n.exportPolicy));
          this.logger.info(`reload: neighbor ${address} policies applied without a session reset`);
        }
        continue;
      }
      const peer = this.peers.get(address);
      if (!peer) continue;
      this.listener?.removePeer(peer);
      await peer.shutdown(n ? 'neighbor configuration changed' : 'neighbor removed from configuration');
      this.speaker.removePeer(address);
      this.peers.delete(address);
      this.logger.info(`reload: neighbor ${address} ${n ? 'changed' : 'removed'}`);
    }
    for (const n of next.neighbors) {
      if (this.peers.has(n.address)) continue;
      this.addNeighbor(n);
      const peer = this.peers.get(n.address);
      if (!peer) continue;
      this.listener?.addPeer(peer);
      peer.start();
      this.logger.info(`reload: neighbor ${n.address} started`);
    }
    // Sessions of dynamic ranges take their range's policies, compiled anew, in place like the others.
    for (const address of this.dynamicPeers.keys()) {
      const range = this.config.dynamicNeighbors.find((d) => prefixContainsAddress(d.prefix, address));
      const before = previous.dynamicNeighbors.find((d) => prefixContainsAddress(d.prefix, address));
      if (!range) continue;
      if (policiesChanged || JSON.stringify([before?.importPolicy, before?.exportPolicy]) !== JSON.stringify([range.importPolicy, range.exportPolicy])) {
        this.speaker.setPolicies(address, this.policies.chain(range.importPolicy), this.policies.chain(range.exportPolicy));
      }
    }
    if (JSON.stringify(previous.decision) !== JSON.stringify(this.config.decision)) this.speaker.setDecision(decisionOptions(this.config));
    // Policy chains are compiled anew with the config: VRFs that use any are rebuilt when the definitions changed.
    this.applyVrfs(policiesChanged ? new Set([...this.vrfs.all()].filter((v) => v.def.importPolicy || v.def.exportPolicy).map((v) => v.name)) : new Set());
    this.originateConfiguredRoutes();
    this.sessions?.configure(this.config.halfDuplex);
    if (JSON.stringify(previous.radius, jsonReplacer) !== JSON.stringify(this.config.radius, jsonReplacer)) this.sessions?.setAddressServer(this.radiusAddressServer());
    this.logger.info(`reload done: ${this.peers.size} neighbor(s), ${this.configRoutes.size} originated route(s)`);
  }

  private newPeer(address: string, opts: ReturnType<typeof sessionOptions>, extra: { port?: number; passive?: boolean; localAddress?: string | null }): Peer {
    return new Peer(
      {
        ...opts,
        remoteAddress: address,
        ...(extra.port !== undefined ? { remotePort: extra.port } : {}),
        ...(extra.passive ? { passive: true } : {}),
        ...(extra.localAddress ? { localAddress: extra.localAddress } : {}),
      },
      { clock: this.clock },
    );
  }

  private addNeighbor(n: NeighborConfig): void {
    const peer = this.newPeer(n.address, sessionOptions(n, this.me), { port: n.port, passive: n.passive, localAddress: n.localAddress });
    this.peers.set(n.address, peer);
    this.speaker.addPeer(peer, { address: n.address, asn: n.asn, routeServerClient: n.routeServerClient, routeReflectorClient: n.routeReflectorClient, importPolicy: this.policies.chain(n.importPolicy), exportPolicy: this.policies.chain(n.exportPolicy), ...(n.gracefulRestart.enabled ? { staleRoutesTime: n.gracefulRestart.staleRoutesTime } : {}) });
    attachPeerLogging(peer, childLogger(this.logger, { peer: n.address }));
  }

  private addDynamicRange(listener: BgpListener, d: DynamicNeighborConfig): void {
    const opts = sessionOptions(d, this.me);
    const range = formatPrefix(d.prefix);
    listener.addDynamicRange({
      prefix: range,
      limit: d.limit,
      ...(opts.md5Key ? { md5Key: opts.md5Key } : {}),
      ...(opts.gtsmHops !== undefined ? { gtsmHops: opts.gtsmHops } : {}),
      create: (address) => {
        const peer = this.newPeer(address, opts, { passive: true });
        this.dynamicPeers.set(address, peer);
        this.speaker.addPeer(peer, { address, asn: d.asn, routeServerClient: d.routeServerClient, routeReflectorClient: d.routeReflectorClient, importPolicy: this.policies.chain(d.importPolicy), exportPolicy: this.policies.chain(d.exportPolicy) });
        attachPeerLogging(peer, childLogger(this.logger, { peer: address }));
        return peer;
      },
    });
    listener.on('dynamic-peer-removed', (peer) => {
      this.dynamicPeers.delete(peer.address);
      this.speaker.removePeer(peer.address);
    });
  }
}

/** The session-relevant part of a neighbor: policies are left out, they change without a reset. */
function sessionText(n: NeighborConfig): string {
  const { importPolicy: _i, exportPolicy: _e, ...rest } = n;
  return JSON.stringify(rest, jsonReplacer);
}

function policyText(c: Config): string {
  return JSON.stringify([c.policies, c.prefixLists, c.routeServer], jsonReplacer);
}

function decisionOptions(c: Config): DecisionOptions {
  return { alwaysCompareMed: c.decision.alwaysCompareMed, defaultLocalPref: 100 };
}

/** Typed arrays (prefix addresses) print as objects otherwise; a stable text form for comparing configs. */
function jsonReplacer(_key: string, value: unknown): unknown {
  return value instanceof Uint8Array ? Buffer.from(value).toString('hex') : value;
}

/** Originated routes of the global and VPN tables; VRF routes go through the VRF manager instead (null). */
export function routeSpec(r: RouteConfig): LocalRouteSpec | null {
  const base = { prefix: r.prefix, nextHop: r.nextHop, communities: r.communities, largeCommunities: r.largeCommunities, med: r.med, localPref: r.localPref };
  switch (r.kind) {
    case 'unicast':
      return base;
    case 'vpn':
      return { ...base, vpn: { rd: r.rd, routeTargets: r.routeTargets, label: r.label } };
    case 'vrf':
      return null;
    default: {
      const never: never = r;
      return never;
    }
  }
}
