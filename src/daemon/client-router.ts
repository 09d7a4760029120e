/**
 * hdvpnd on a client router (issue 8): one FIB table, `client`, fed from
 * what the backbone announces. A route that carries an RFC 9012 tunnel
 * attribute goes into the tunnel toward its egress endpoint (the PE), with
 * this router's GRE key; the LAN prefixes go into the LAN TUN device
 * (hd-lan), where the kernel hands them to the hosts. Packets from the LAN
 * (through hd-lan) and from the backbone tunnel are both looked up in
 * `client`. The tunnel is probed like any other (tunnel-monitor.ts), so
 * traffic falls back to plain IP while the backbone does not answer.
 */
import type { Route } from '../bgp/rib/route';
import type { Speaker } from '../bgp/speaker/speaker';
import { parseIpv4 } from '../bgp/wire/values/ip';
import { ipv4Mask, parsePrefix, type Prefix } from '../bgp/wire/values/prefix';
import type { FibChange } from '../fib/changes';
import type { Fib } from '../fib/fib';
import type { NextHop } from '../fib/next-hop';
import type { ClientRouterConfig } from './config/model';
import { policyMarks } from './fib-feed';

export const CLIENT_TABLE = 'client';
export const LAN_INTERFACE = 'hd-lan';
/** The FIB's name for the tunnel to the backbone. */
export const BACKBONE_TUNNEL = 'backbone';

export interface ClientRouterOptions {
  readonly config: ClientRouterConfig;
  readonly tunnelSource: number;
  /** Best effort while the backbone tunnel is down. */
  readonly fallback: boolean;
  /** The LAN TUN port; null without a packet backend. */
  readonly lanPort: number | null;
  readonly noFallbackCommunity?: number | null;
  readonly noTunnelCommunity?: number | null;
}

export class ClientRouter {
  private readonly lan: readonly Prefix[];

  constructor(private readonly fib: Fib, speaker: Speaker, private readonly opts: ClientRouterOptions) {
    this.lan = opts.config.lan;
    const b = opts.config.backbone;
    const changes: FibChange[] = [{ type: 'table', table: CLIENT_TABLE, role: 'vrf' }];
    // What comes out of the backbone tunnel is looked up in the client table (RFC 2784: the key tells our tunnel).
    changes.push({ type: 'ingress', ingress: { kind: 'tunnel', type: b.type, remote: b.remote, key: b.type === 'gre' ? b.key : null, session: 'backbone', tunnel: BACKBONE_TUNNEL }, table: CLIENT_TABLE });
    if (opts.lanPort !== null) {
      changes.push({ type: 'ingress', ingress: { kind: 'port', port: opts.lanPort, session: 'lan' }, table: CLIENT_TABLE });
      for (const prefix of opts.config.lan) changes.push({ type: 'route', table: CLIENT_TABLE, prefix, nextHops: [{ kind: 'local', session: 'lan', port: opts.lanPort }] });
    }
    fib.apply(changes);
    // IPv4 unicast only (afi 1, safi 1).
    speaker.onBestChange((destKey, best) => this.changed(destKey, best), [1 * 65536 + 1]);
  }

  /**
   * IPv4 unicast from the backbone ("1/1||prefix"): into the client table,
   * unless it lies inside our own LAN — the backbone announces every client,
   * ours too, and sending our own hosts' traffic into the tunnel would loop.
   */
  private changed(destKey: string, best: Route | undefined): void {
    if (!destKey.startsWith('1/1|')) return;
    const prefix = parsePrefix(destKey.slice(destKey.lastIndexOf('|') + 1));
    if (!prefix || prefix.afi !== 1) return;
    if (this.lan.some((l) => l.afi === 1 && l.length <= prefix.length && ((prefix.address & ipv4Mask(l.length)) >>> 0) === l.address)) return;
    if (!best) this.fib.apply([{ type: 'route-remove', table: CLIENT_TABLE, prefix }]);
    else if (best.source.address !== 'local') this.fib.apply([{ type: 'route', table: CLIENT_TABLE, prefix, nextHops: [this.nextHop(best)] }]);
  }

  /** RFC 9012: a route with a tunnel attribute is reached through that tunnel; one without, as plain IP. */
  nextHop(route: Route): NextHop {
    const attr = route.attrs.attributes.find((a) => a.type === 'tunnel-encapsulation');
    // The central policy (fib-feed.ts policyMarks) travels in communities, as the route server set them.
    const marks = policyMarks(route.attrs.communities, this.opts.noFallbackCommunity, this.opts.noTunnelCommunity);
    if (!attr || attr.type !== 'tunnel-encapsulation' || !marks.tunnel) return { kind: 'plain' };
    const fallback = marks.fallback ?? this.opts.fallback;
    const b = this.opts.config.backbone;
    const tunnel = attr.tunnels[0];
    const endpoint = tunnel?.subTlvs.find((s) => s.type === 'egress-endpoint');
    // §3.1: no endpoint (or AFI 0) means the BGP next hop.
    const remote = parseIpv4(endpoint && endpoint.type === 'egress-endpoint' && endpoint.address !== '' ? endpoint.address : route.attrs.nextHop) ?? b.remote;
    const keyTlv = tunnel?.subTlvs.find((s) => s.type === 'encapsulation');
    const key = keyTlv && keyTlv.type === 'encapsulation' && keyTlv.key !== undefined ? keyTlv.key : b.key;
    const local = this.opts.tunnelSource;
    // RFC 9012 §14: 7 is IP-in-IP; anything else we take as GRE, the tunnel we are configured for.
    if (tunnel?.tunnelType === 7 || b.type === 'ipip') return { kind: 'ipip', tunnel: BACKBONE_TUNNEL, local, remote, fallback };
    return { kind: 'gre', tunnel: BACKBONE_TUNNEL, local, remote, key, fallback };
  }
}
