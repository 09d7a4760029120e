/**
 * Next-hop reachability (RFC 4271 §9.1.2.1): a route whose NEXT_HOP cannot
 * be resolved is not eligible for the decision process. A next hop resolves
 * when it lies in a directly connected network of this node, or is covered by
 * a unicast route in the Loc-RIB (recursive resolution, as FRR and BIRD do;
 * like FRR's default, not through the default route, and never through a
 * route to itself). A next hop that is the address of a neighbor we hold a
 * session with resolves too: the session proves the path (iBGP between
 * loopbacks, where hdvpnd has no IGP to ask).
 */
import { networkInterfaces } from 'node:os';
import { parseIp } from '../wire/values/ip';
import { addressInPrefix, formatPrefix, parsePrefix, type Prefix } from '../wire/values/prefix';

/** How a next hop resolved: over a connected network, via a Loc-RIB destination, or not at all. */
export type Resolution = { readonly kind: 'connected' } | { readonly kind: 'route'; readonly destKey: string } | null;

/** The connected networks of this node (its interface addresses with their masks). */
export function connectedNetworks(): Prefix[] {
  const out: Prefix[] = [];
  for (const list of Object.values(networkInterfaces())) {
    for (const a of list ?? []) {
      const p = a.cidr ? parsePrefix(a.cidr, true) : null;
      if (p) out.push(p);
    }
  }
  return out;
}

export class NextHopResolver {
  private cached: Prefix[] | null = null;
  private cachedAt = 0;

  constructor(
    /** Unicast destinations present in the Loc-RIB. */
    private readonly hasDest: (destKey: string) => boolean,
    private readonly connected: () => readonly Prefix[] = connectedNetworks,
    private readonly now: () => number = Date.now,
    /** Interfaces are read again after this many milliseconds. */
    private readonly refreshMs = 5000,
    /** Whether the address is a neighbor with an Established session. */
    private readonly isNeighbor: (address: string) => boolean = () => false,
  ) {}

  private networks(): readonly Prefix[] {
    const t = this.now();
    if (!this.cached || t - this.cachedAt > this.refreshMs) {
      this.cached = [...this.connected()];
      this.cachedAt = t;
    }
    return this.cached;
  }

  resolve(nextHop: string): Resolution {
    const addr = parseIp(nextHop);
    if (!addr) return null;
    for (const p of this.networks()) if (addressInPrefix(addr, p)) return { kind: 'connected' };
    if (this.isNeighbor(nextHop)) return { kind: 'connected' };
    // Longest match in the Loc-RIB, from the host route down to /1 (not the default route).
    const v4 = addr.length === 4;
    const family = v4 ? '1/1' : '2/1';
    const max = v4 ? 32 : 128;
    for (let len = max; len >= 1; len--) {
      const masked = new Uint8Array(addr);
      for (let bit = len; bit < max; bit++) masked[bit >> 3] = (masked[bit >> 3] ?? 0) & ~(0x80 >> (bit & 7));
      const text = v4 ? `${masked.join('.')}/${len}` : formatPrefix({ afi: 2, length: len, address: masked });
      const destKey = `${family}||${text}`;
      if (this.hasDest(destKey)) return { kind: 'route', destKey };
    }
    return null;
  }
}
