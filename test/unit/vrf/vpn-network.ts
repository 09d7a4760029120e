/**
 * Several nodes' VPN RIBs joined as by a full mesh (or a route reflector
 * that hides nothing): what one node originates appears at every other node
 * as a remote path, next hop the originator. Each node's RIB is a real
 * LocRib with the real decision process; no sockets, no encoding.
 */
import { AttributeInterner } from '../../../src/bgp/rib/attribute-set';
import { LocRib, DestUpdate } from '../../../src/bgp/rib/loc-rib';
import { localRoute, localSource, type LocalRouteSpec } from '../../../src/bgp/rib/local-routes';
import { destKeyOf, withRoute, type Route } from '../../../src/bgp/rib/route';
import type { VpnRib } from '../../../src/vrf/manager';

type Listener = (destKey: string, best: Route | undefined) => void;

export class FakeRib implements VpnRib {
  readonly loc = new LocRib();
  readonly interner = new AttributeInterner();
  private readonly listeners: Listener[] = [];
  readonly local = new Map<string, Route>();

  constructor(readonly network: VpnNetwork, readonly address: string, readonly asn = 65000) {}

  onBestChange(l: Listener): void {
    this.listeners.push(l);
  }

  originate(spec: LocalRouteSpec): string {
    const { key, route } = localRoute(spec, localSource(this.asn, this.address), this.interner);
    this.local.set(key, route);
    this.apply(key, 'local', route);
    this.network.spread(this, key, route);
    return key;
  }

  withdrawLocal(key: string): void {
    if (!this.local.delete(key)) return;
    this.apply(key, 'local', null);
    this.network.spread(this, key, null);
  }

  /** A path from another node (or null: its withdrawal). */
  apply(key: string, source: string, route: Route | null): void {
    const dest = destKeyOf(key);
    if (this.loc.update(dest, source, undefined, route) !== DestUpdate.Best) return;
    const best = this.loc.best(dest);
    for (const l of this.listeners) l(dest, best);
  }
}

export class VpnNetwork {
  readonly nodes: FakeRib[] = [];

  node(address: string): FakeRib {
    const n = new FakeRib(this, address);
    this.nodes.push(n);
    return n;
  }

  spread(from: FakeRib, key: string, route: Route | null): void {
    for (const n of this.nodes) {
      if (n === from) continue;
      // iBGP with next-hop-self: the originator's address becomes the next hop at the others.
      const remote = route ? withRoute(route, { source: { address: from.address, asn: from.asn, bgpId: from.address, ibgp: true }, attrs: n.interner.intern(route.attrs.attributes, from.address) }) : null;
      n.apply(key, from.address, remote);
    }
  }
}
