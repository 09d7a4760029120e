/**
 * Informing client routers (issue 8): every VPN client route of this node's
 * half-duplex pairs — the VPNv4 routes in the Loc-RIB that carry a pair's
 * spoke (downstream export) route target, ours and the other PEs' — is
 * originated as an IPv4 unicast route toward the client routers, with next
 * hop self and an RFC 9012 TUNNEL_ENCAPSULATION attribute saying how to
 * reach the backbone: a GRE (or IP-in-IP) tunnel whose egress endpoint is
 * this node's tunnel source (§3.1). A client router that installs these
 * steers traffic for other clients into its tunnel; clients coming and
 * going reach it as UPDATEs within the same pump as the VPN route.
 *
 * Communities of the VPN route (set by the route server's central policy)
 * go along, so edges apply the same policy (fib-feed.ts policyFlags).
 */
import type { Route } from '../bgp/rib/route';
import type { Speaker } from '../bgp/speaker/speaker';
import type { PathAttribute } from '../bgp/wire/attributes/types';
import { TunnelType } from '../bgp/wire/attributes/tunnel-encapsulation';
import { formatIpv4 } from '../bgp/wire/values/ip';
import type { Prefix } from '../bgp/wire/values/prefix';
import { routeTargetsOf } from '../vrf/route-targets';

export interface ClientAnnouncerOptions {
  /** Route-target keys (route-targets.ts routeTargetKey) of the spoke routes to announce. */
  readonly targets: () => ReadonlySet<string>;
  /** The tunnel client routers should build toward us. */
  readonly tunnel: 'gre' | 'ipip';
  readonly tunnelSource: number;
}

export class ClientAnnouncer {
  /** Prefix text → the VPN destinations (RD|prefix) that carry it; the unicast route lives while any does. */
  private readonly carriers = new Map<string, Map<string, Route>>();
  private readonly originated = new Map<string, { key: string; text: string }>();
  private readonly dirty = new Set<string>();
  private scheduled = false;

  constructor(private readonly speaker: Speaker, private readonly opts: ClientAnnouncerOptions) {
    // VPNv4 only (afi 1, safi 128).
    speaker.onBestChange((destKey, best) => this.changed(destKey, best), [1 * 65536 + 128]);
  }

  /** Every VPN destination again (after the targets changed on reload). */
  resync(): void {
    for (const destKey of this.speaker.loc.keys()) this.changed(destKey, this.speaker.loc.best(destKey));
  }

  private changed(destKey: string, best: Route | undefined): void {
    // VPNv4 only: "1/128|RD|prefix".
    if (!destKey.startsWith('1/128|')) return;
    const prefixText = destKey.slice(destKey.lastIndexOf('|') + 1);
    let carriers = this.carriers.get(prefixText);
    const wanted = best !== undefined && routeTargetsOf(best.attrs).some((rt) => this.opts.targets().has(rt));
    if (wanted && best) {
      if (!carriers) this.carriers.set(prefixText, (carriers = new Map()));
      carriers.set(destKey, best);
    } else if (carriers) {
      carriers.delete(destKey);
      if (carriers.size === 0) this.carriers.delete(prefixText);
    } else return;
    this.dirty.add(prefixText);
    // Originating re-enters the speaker: after the change that called us is done.
    if (!this.scheduled) {
      this.scheduled = true;
      setImmediate(() => this.flush());
    }
  }

  private flush(): void {
    this.scheduled = false;
    const dirty = [...this.dirty];
    this.dirty.clear();
    for (const prefixText of dirty) {
      const carriers = this.carriers.get(prefixText);
      const route = carriers ? [...carriers.values()][0] : undefined;
      const prev = this.originated.get(prefixText);
      if (!route) {
        if (prev) this.speaker.withdrawLocal(prev.key);
        this.originated.delete(prefixText);
        continue;
      }
      const prefix = route.nlri.prefix as Prefix;
      const spec = {
        prefix,
        nextHop: null,
        communities: route.attrs.communities,
        largeCommunities: route.attrs.largeCommunities,
        med: null,
        localPref: null,
        attributes: [this.tunnelAttribute()],
      };
      const text = JSON.stringify([spec.communities, spec.largeCommunities.map((l) => [l.globalAdmin, l.localData1, l.localData2])]);
      if (prev && prev.text === text) continue;
      this.originated.set(prefixText, { key: this.speaker.originate(spec), text });
    }
  }

  /** RFC 9012 §2: one Tunnel TLV; §3.1 the egress endpoint is our tunnel source. */
  private tunnelAttribute(): PathAttribute {
    return {
      type: 'tunnel-encapsulation',
      flags: 0xc0,
      tunnels: [{ tunnelType: this.opts.tunnel === 'gre' ? TunnelType.Gre : TunnelType.IpInIp, subTlvs: [{ type: 'egress-endpoint', address: formatIpv4(this.opts.tunnelSource) }] }],
    };
  }

  /** The unicast routes announced, for tests and views. */
  announced(): string[] {
    return [...this.originated.keys()].sort();
  }
}

