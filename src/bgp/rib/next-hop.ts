/**
 * Next-hop reachability (RFC 4271 §9.1.2.1): a route whose NEXT_HOP cannot
 * be resolved is not eligible for the decision process. A next hop resolves
 * when it lies in a directly connected network of this node, or is covered by
 * a unicast route in the Loc-RIB (recursive resolution, as FRR and BIRD do;
 * like FRR's default, not through the default route, and never through a
 * route to itself).
 */
import { networkInterfaces } from 'node:os';
import { parseIp } from '../wire/values/ip';
import { formatPrefix, parsePrefix, type Prefix } from '../wire/values/prefix';

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

function contains(p: Prefix, addr: Uint8Array): boolean {
  const bytes = p.afi === 1 ? new Uint8Array([p.address >>> 24, (p.address >>> 16) & 255, (p.address >>> 8) & 255, p.address & 255]) : p.address;
  if (bytes.length !== addr.length) return false;
  let bits = p.length;
  for (let i = 0; bits > 0; i++, bits -= 8) {
    const mask = bits >= 8 ? 0xff : (0xff << (8 - bits)) & 0xff;
    if (((bytes[i] ?? 0) & mask) !== ((addr[i] ?? 0) & mask)) return false;
  }
  return true;
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
    for (const p of this.networks()) if (contains(p, addr)) return { kind: 'connected' };
    // Longest match in the Loc-RIB, from the host route down to /1 (not the default route).
    const v4 = addr.length === 4;
    const family = v4 ? '1/1' : '2/1';
    const max = v4 ? 32 : 128;
    for (let len = max; len >= 1; len--) {
      const masked = new Uint8Array(addr);
      for (let bit = len; bit < max; bit++) masked[bit >> 3] = (masked[bit >> 3] ?? 0) & ~(0x80 >> (bit & 7));
      const text = v4 ? `${masked.join('.')}/${len}` : formatV6(masked, len);
      const destKey = `${family}||${text}`;
      if (this.hasDest(destKey)) return { kind: 'route', destKey };
    }
    return null;
  }
}

function formatV6(bytes: Uint8Array, len: number): string {
  const p = parsePrefix(`${ipv6Text(bytes)}/${len}`, true);
  return p ? formatPrefix(p) : '';
}

function ipv6Text(b: Uint8Array): string {
  const groups: string[] = [];
  for (let i = 0; i < 16; i += 2) groups.push((((b[i] ?? 0) << 8) | (b[i + 1] ?? 0)).toString(16));
  return groups.join(':');
}
