/**
 * `hdvpn show tunnels`: every tunnel the node forwards into — each client
 * session's GRE or IP-in-IP tunnel, and the core paths (MPLS in GRE) toward
 * other PEs and hubs — with its state and the data plane's counters.
 */
import type { Json } from '../bgp/wire/json';
import { formatIpv4 } from '../bgp/wire/values/ip';
import type { Fib } from '../fib/fib';
import type { SessionManager } from '../sessions/session-manager';
import { ControlCommandError } from './control-server';
import { sessionTunnelName } from './fib-feed';
import type { TunnelMonitor } from './tunnel-monitor';

interface TunnelRow {
  readonly name: string;
  readonly type: string;
  readonly local: string;
  readonly remote: string;
  readonly key: number | null;
  readonly session: string | null;
  readonly pair: string | null;
}

function rows(fib: Fib, sessions: SessionManager | null, tunnelSource: number): TunnelRow[] {
  const out: TunnelRow[] = [];
  for (const s of sessions?.all() ?? []) {
    if (!s.tunnel) continue;
    out.push({ name: sessionTunnelName(s), type: s.tunnel.type, local: formatIpv4(tunnelSource), remote: s.tunnel.remote, key: s.tunnel.key, session: s.client, pair: s.pair });
  }
  // Core paths are known from the next hops that use them (fib-feed.ts names them core-<PE>).
  const named = new Set(out.map((r) => r.name));
  for (const idx of fib.nextHops.indices()) {
    const nh = fib.nextHops.get(idx);
    if (nh?.kind !== 'mpls' || named.has(nh.tunnel)) continue;
    named.add(nh.tunnel);
    out.push({ name: nh.tunnel, type: 'mpls-gre', local: formatIpv4(nh.local), remote: formatIpv4(nh.remote), key: null, session: null, pair: null });
  }
  return out;
}

export function tunnelsView(fib: Fib, sessions: SessionManager | null, tunnelSource: number, name?: string, monitor: TunnelMonitor | null = null): Json {
  const all = rows(fib, sessions, tunnelSource).filter((r) => name === undefined || r.name === name);
  if (name !== undefined && all.length === 0) throw new ControlCommandError(`no tunnel ${name}`);
  return all.map((r) => {
    const t = fib.tunnelTraffic(r.name);
    const live = monitor?.state(r.name) ?? null;
    return {
      name: r.name,
      type: r.type,
      local: r.local,
      remote: r.remote,
      key: r.key,
      // Probed: the liveness verdict ('init' until the first answer); not probed: the FIB's state.
      state: live ? live.state : fib.nextHops.isDown(r.name) ? 'down' : 'up',
      'rx-packets': t?.rxPackets ?? 0,
      'tx-packets': t?.txPackets ?? 0,
      'rx-bytes': t?.rxBytes ?? 0,
      'tx-bytes': t?.txBytes ?? 0,
      'last-seen': t && t.lastRx > 0 ? new Date(t.lastRx).toISOString() : null,
      session: r.session,
      pair: r.pair,
      ...(live ? { 'state-since': new Date(live.since).toISOString(), 'last-failover-ms': live.lastFailoverMs, 'last-recovery-ms': live.lastRecoveryMs } : {}),
    };
  });
}
