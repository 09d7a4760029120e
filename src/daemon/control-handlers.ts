/** The daemon's answers to control requests: thin views over the speaker and the peers. */
import type { Peer } from '../bgp/session/peer';
import type { Route } from '../bgp/rib/route';
import { adjRibInEntries, adjRibOutEntries, neighborView, ribEntries, ribSummary, routeView } from '../bgp/speaker/views';
import { FAMILY_BY_NAME, isFamilyName } from '../bgp/wire/values/family';
import type { Json } from '../bgp/wire/json';
import { ControlCommandError, type ControlHandlers } from './control-server';
import type { Daemon } from './daemon';
import { policyTest } from './policy-test';
import { sessionHandlers } from './session-handlers';
import { hubView, vrfRibView, vrfView } from './vrf-views';
import { fibCountersView, fibLookupView, fibRoutesView } from './fib-views';
import { tunnelsView } from './tunnel-views';
import { sessionTunnelName } from './fib-feed';
import type { Vrf } from '../vrf/vrf';

function findPeer(d: Daemon, address: string): Peer {
  const p = d.peers.get(address) ?? d.dynamicPeers.get(address);
  if (!p) throw new ControlCommandError(`no neighbor ${address}`);
  return p;
}

function* allRoutes(d: Daemon): Generator<Route> {
  for (const [, r] of d.speaker.localRoutes()) yield r;
  for (const [, pr] of d.speaker.allPeers()) yield* pr.ribIn.all();
}

function findVrf(d: Daemon, name: string): Vrf {
  const v = d.vrfs.get(name);
  if (!v) throw new ControlCommandError(`no VRF ${name}`);
  return v;
}

export function controlHandlers(d: Daemon): ControlHandlers {
  return {
    ping: () => 'pong',
    'show-tunnels': (req) => tunnelsView(d.fib, d.sessions, d.config.fib.tunnelSource ?? d.config.routerId, req.name, d.tunnelMonitor),
    'show-fib': (req) => (req.counters ? fibCountersView(d.fib, d.config.fib.backend, d.packetPlane) : fibRoutesView(d.fib, req.vrf, req.prefix)),
    'fib-lookup': (req) =>
      fibLookupView(d.fib, req.address, req.ingress, req.label, (name) => {
        const s = d.sessions?.get(name);
        return s && s.tunnel === null ? `pair ${s.pair}` : undefined;
      }),
    'show-neighbors': (req) => {
      const peers = [...d.peers.values(), ...d.dynamicPeers.values()].filter((p) => req.address === undefined || p.address === req.address);
      if (req.address !== undefined && peers.length === 0) throw new ControlCommandError(`no neighbor ${req.address}`);
      return peers.map((p) => neighborView(p.info(), d.speaker.peerRoutes(p.address)));
    },
    'show-rib': (req) => {
      if (req.family !== undefined && !isFamilyName(req.family)) throw new ControlCommandError(`unknown family ${req.family}`);
      const fam = req.family !== undefined && isFamilyName(req.family) ? FAMILY_BY_NAME[req.family] : undefined;
      if (req.vrf !== undefined) {
        const vrf = findVrf(d, req.vrf);
        if (req.summary || req.neighbor !== undefined) throw new ControlCommandError('--vrf shows a VRF table; it does not combine with summary or --neighbor');
        // A VRF table holds IPv4 and IPv6 prefixes; vpnv4/vpnv6 pick the same address family.
        const afi = fam ? (fam.afi === 2 ? 2 : 1) : undefined;
        return vrfRibView(vrf, { ...(afi !== undefined ? { afi } : {}), ...(req.prefix !== undefined ? { prefix: req.prefix } : {}) });
      }
      const filter = { ...(fam ? { afi: fam.afi, safi: fam.safi } : {}), ...(req.prefix !== undefined ? { prefix: req.prefix } : {}) };
      if (req.summary) return ribSummary(d.speaker);
      if (req.neighbor !== undefined) {
        const pr = d.speaker.peerRoutes(req.neighbor);
        if (!pr) throw new ControlCommandError(`no neighbor ${req.neighbor}`);
        return req.direction === 'out' ? adjRibOutEntries(pr, filter).map(routeView) : adjRibInEntries(pr, filter).map(routeView);
      }
      return ribEntries(allRoutes(d), filter, d.speaker.loc).map(routeView);
    },
    'show-vrf': (req) => (req.name !== undefined ? [findVrf(d, req.name)] : [...d.vrfs.all()]).map(vrfView),
    'show-hub': (req) => {
      const hubs = (req.name !== undefined ? [findVrf(d, req.name)] : [...d.vrfs.all()]).filter((v) => v.def.hub !== undefined);
      if (req.name !== undefined && hubs.length === 0) throw new ControlCommandError(`VRF ${req.name} is not a hub`);
      return hubs.map((v) => hubView(v, d.fib.targetCounters(v.name)));
    },
    neighbor: (req) => {
      const p = findPeer(d, req.address);
      if (req.action === 'reset') p.reset(req.message);
      else if (req.action === 'shutdown') p.stop(req.message);
      else p.enable();
      return { address: req.address, action: req.action, state: p.info().state } satisfies Json;
    },
    ...sessionHandlers(
      () => d.sessions,
      (s) => {
        // A tunnelled session's traffic is its tunnel's; sessions on the pair's TUN share that port's counters.
        const t = s.tunnel ? d.fib.tunnelTraffic(sessionTunnelName(s)) : null;
        return t ? { 'rx-packets': t.rxPackets, 'rx-bytes': t.rxBytes, 'tx-packets': t.txPackets, 'tx-bytes': t.txBytes } : null;
      },
    ),
    'policy-test': (req) => policyTest(d.policies, req.policy, req.route, d.config.asn),
    'route-refresh': (req) => {
      const p = findPeer(d, req.address);
      const session = p.info().session;
      if (!session) throw new ControlCommandError(`neighbor ${req.address} is not established`);
      const fams = req.family !== undefined ? (isFamilyName(req.family) ? [FAMILY_BY_NAME[req.family]] : []) : session.families.map((f) => ({ afi: Number(f.split('/')[0]), safi: Number(f.split('/')[1]) }));
      const sent = fams.filter((f) => p.sendRouteRefresh(f.afi, f.safi));
      if (sent.length === 0) throw new ControlCommandError(`neighbor ${req.address} did not negotiate route refresh for that family`);
      return { address: req.address, families: sent.length };
    },
  };
}
