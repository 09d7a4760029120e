/**
 * The built-in address server of one half-duplex pair: IPv4 host addresses
 * from the pair's `pool:` prefixes minus `pool-exclude:`. Like a DHCP server
 * (RFC 2131 §4.3.1) it remembers the last address of every client, so a
 * returning client gets the same one back while it is free, and it hands out
 * addresses nobody remembers before it reuses a remembered one. No address is
 * ever held by two clients. Pure state: persistence is the session store's job.
 */
import { ipv4Mask, type Ipv4Prefix, type Prefix } from '../bgp/wire/values/prefix';
import { SessionError } from './session-error';

interface Range {
  readonly first: number;
  readonly last: number;
}

/** The addresses of an IPv4 prefix a client may hold: not the network and broadcast address of a prefix shorter than /31 (RFC 3021 allows both of a /31). */
function usableRange(p: Ipv4Prefix): Range {
  const first = p.address >>> 0;
  const last = (first | (~ipv4Mask(p.length) >>> 0)) >>> 0;
  return p.length < 31 ? { first: first + 1, last: last - 1 } : { first, last };
}

function contains(p: Ipv4Prefix, address: number): boolean {
  return ((address & ipv4Mask(p.length)) >>> 0) === p.address;
}

export class AddressPool {
  private ranges: Range[] = [];
  private exclude: Ipv4Prefix[] = [];
  /** Address → the client holding it now. */
  private readonly held = new Map<number, string>();
  private readonly byClient = new Map<string, number>();
  /** Released addresses still remembered for their last client (sticky), and the reverse. */
  private readonly remembered = new Map<number, string>();
  private readonly lastOf = new Map<string, number>();
  /** Next-fit cursor: an index into the concatenated ranges, so allocation does not rescan the start each time. */
  private cursor = 0;

  constructor(readonly pair: string, pool: readonly Prefix[], exclude: readonly Prefix[]) {
    this.setPrefixes(pool, exclude);
  }

  /** New prefixes (a reload); addresses held outside them stay held until released. IPv6 prefixes are not allocated from yet. */
  setPrefixes(pool: readonly Prefix[], exclude: readonly Prefix[]): void {
    this.ranges = pool.flatMap((p) => (p.afi === 1 ? [usableRange(p)] : [])).filter((r) => r.first <= r.last);
    this.exclude = exclude.flatMap((p) => (p.afi === 1 ? [p] : []));
    this.cursor = 0;
  }

  get size(): number {
    return this.ranges.reduce((n, r) => n + (r.last - r.first + 1), 0);
  }

  get inUse(): number {
    return this.held.size;
  }

  /** True when the address lies in the pool and outside every exclusion. */
  allocatable(address: number): boolean {
    return this.ranges.some((r) => address >= r.first && address <= r.last) && !this.exclude.some((p) => contains(p, address));
  }

  addressOf(client: string): number | undefined {
    return this.byClient.get(client);
  }

  /**
   * An address for `client`: the one it holds, else the one it had last if
   * nobody holds it, else a never-remembered free one, else the free address
   * remembered longest ago for someone else (that memory is dropped).
   */
  allocate(client: string): number {
    const current = this.byClient.get(client);
    if (current !== undefined) return current;
    const last = this.lastOf.get(client);
    if (last !== undefined && !this.held.has(last) && this.allocatable(last)) {
      this.take(client, last);
      return last;
    }
    const fresh = this.scan((a) => !this.held.has(a) && !this.remembered.has(a));
    if (fresh !== undefined) {
      this.take(client, fresh);
      return fresh;
    }
    // Map order is insertion order: the first remembered free address is the one released longest ago.
    for (const a of this.remembered.keys()) {
      if (this.held.has(a) || !this.allocatable(a)) continue;
      this.take(client, a);
      return a;
    }
    throw new SessionError('pool-exhausted', `address pool of pair ${this.pair} is exhausted (${this.held.size} of ${this.size} addresses in use)`);
  }

  /**
   * Marks `address` held by `client` (a lease read back from the store). An
   * address held by someone else is refused: that would be a duplicate.
   */
  restore(client: string, address: number): boolean {
    const holder = this.held.get(address);
    if (holder !== undefined) return holder === client;
    const current = this.byClient.get(client);
    if (current !== undefined) return current === address;
    this.take(client, address);
    return true;
  }

  /** Remembers a released lease (read back from the store) for a returning client. */
  remember(client: string, address: number): void {
    if (this.held.has(address) || this.byClient.has(client)) return;
    this.forget(address);
    this.remembered.set(address, client);
    this.lastOf.set(client, address);
  }

  /** The client's address goes back to the pool; it stays remembered for the client. */
  release(client: string): number | undefined {
    const address = this.byClient.get(client);
    if (address === undefined) return undefined;
    this.byClient.delete(client);
    this.held.delete(address);
    this.remember(client, address);
    return address;
  }

  private take(client: string, address: number): void {
    this.forget(address);
    const old = this.lastOf.get(client);
    if (old !== undefined && this.remembered.get(old) === client) this.remembered.delete(old);
    this.lastOf.delete(client);
    this.held.set(address, client);
    this.byClient.set(client, address);
  }

  private forget(address: number): void {
    const who = this.remembered.get(address);
    if (who === undefined) return;
    this.remembered.delete(address);
    if (this.lastOf.get(who) === address) this.lastOf.delete(who);
  }

  /** The first address from the cursor on (wrapping once) that `ok` accepts; the cursor moves past it. */
  private scan(ok: (address: number) => boolean): number | undefined {
    const total = this.size;
    if (total === 0) return undefined;
    for (let step = 0; step < total; step++) {
      const index = (this.cursor + step) % total;
      const address = this.at(index);
      if (address === undefined || !ok(address) || this.exclude.some((p) => contains(p, address))) continue;
      this.cursor = (index + 1) % total;
      return address;
    }
    return undefined;
  }

  private at(index: number): number | undefined {
    let i = index;
    for (const r of this.ranges) {
      const n = r.last - r.first + 1;
      if (i < n) return r.first + i;
      i -= n;
    }
    return undefined;
  }
}
