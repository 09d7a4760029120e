/**
 * The passive side of every session: one listening socket that hands each
 * accepted connection to the Peer configured for its source address, or to a
 * new dynamic Peer when the address falls in a dynamic-neighbor range (route
 * servers accept whole prefixes). TCP-MD5 keys (RFC 2385) for all of them live
 * on the listening socket, so a SYN without the right key never completes.
 *
 * Connections from unknown addresses are closed without a word: sending an
 * OPEN and Cease 6/5 (as FRR does) would tell a scanner our AS and router ID.
 */
import net from 'node:net';
import type { Prefix } from '../wire/values/prefix';
import { formatPrefix } from '../wire/values/prefix';
import { parseRange, rangeContains } from './address-range';
import type { Peer } from './peer';
import { normalizeAddress } from './socket';
import { setAcceptedGtsm, setListenerGtsmTtl, setListenerMd5 } from './transport/connect';
import { familyOf } from './transport/sockaddr';
import { TypedEmitter } from './typed-emitter';

export interface DynamicRange {
  /** "10.0.0.0/8": connections from inside it create a peer. */
  readonly prefix: string;
  /** At most this many dynamic peers from this range at once. */
  readonly limit: number;
  /** TCP-MD5 key for the whole range (installed with the prefix form, TCP_MD5SIG_EXT). */
  readonly md5Key?: Buffer;
  readonly gtsmHops?: number;
  /** Creates the (passive) Peer for a connection from `address` with this range's settings; the listener starts it. */
  readonly create: (address: string) => Peer;
}

export interface ListenerOptions {
  /** Address to listen on, e.g. "0.0.0.0", "127.0.0.1". */
  readonly address: string;
  /** TCP port; 0 picks a free one (tests). */
  readonly port: number;
}

export type ListenerEvents = {
  /** A connection was refused: no neighbor for the address, range full, or the neighbor would not take it. */
  rejected: [address: string, reason: string];
  'dynamic-peer': [peer: Peer, range: string];
  'dynamic-peer-removed': [peer: Peer, range: string];
  /** A socket option could not be installed (the text never contains a key). */
  failure: [error: Error];
};

interface RangeEntry {
  readonly range: DynamicRange;
  readonly prefix: Prefix;
  readonly peers: Set<Peer>;
}

export class BgpListener extends TypedEmitter<ListenerEvents> {
  private server: net.Server | null = null;
  private readonly peers = new Map<string, Peer>();
  private readonly ranges: RangeEntry[] = [];
  private readonly dynamic = new Map<Peer, RangeEntry>();

  constructor(private readonly options: ListenerOptions) {
    super();
  }

  /** The bound port (after listen()). */
  get port(): number {
    const a = this.server?.address();
    return typeof a === 'object' && a !== null ? a.port : 0;
  }

  /** Hands connections from `peer.address` to it; installs its TCP-MD5 key when listening. */
  addPeer(peer: Peer): void {
    this.peers.set(normalizeAddress(peer.address), peer);
    this.installPeerOptions(peer.address, peer.options.md5Key, peer.options.gtsmHops);
  }

  removePeer(peer: Peer): void {
    const key = normalizeAddress(peer.address);
    if (this.peers.get(key) !== peer) return;
    this.peers.delete(key);
    // An empty key removes the MD5 entry for the address.
    if (peer.options.md5Key !== undefined && this.dynamic.get(peer) === undefined) this.guard(() => this.server && setListenerMd5(this.server, peer.address, Buffer.alloc(0)));
  }

  addDynamicRange(range: DynamicRange): void {
    const prefix = parseRange(range.prefix);
    if (prefix === null) throw new RangeError(`not a prefix: ${range.prefix}`);
    const entry: RangeEntry = { range, prefix, peers: new Set() };
    this.ranges.push(entry);
    if (this.server !== null) this.installRange(entry);
  }

  /** Dynamic peers alive now. */
  dynamicPeers(): Peer[] {
    return [...this.dynamic.keys()];
  }

  async listen(): Promise<void> {
    const server = net.createServer((socket) => this.onConnection(socket));
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.options.port, this.options.address, () => {
        server.off('error', reject);
        resolve();
      });
    });
    this.server = server;
    server.on('error', (e: Error) => this.emit('failure', e));
    for (const peer of this.peers.values()) this.installPeerOptions(peer.address, peer.options.md5Key, peer.options.gtsmHops);
    for (const entry of this.ranges) this.installRange(entry);
  }

  /** Stops accepting and shuts the dynamic peers down (configured peers belong to their owner). */
  async close(message = 'listener closing'): Promise<void> {
    const server = this.server;
    this.server = null;
    const dynamic = [...this.dynamic.keys()];
    this.dynamic.clear();
    await Promise.all(dynamic.map((p) => p.shutdown(message)));
    if (server !== null) await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  private onConnection(socket: net.Socket): void {
    // Until a Connection owns it, a reset must not become an unhandled 'error'.
    socket.on('error', () => undefined);
    const address = normalizeAddress(socket.remoteAddress ?? '');
    const peer = this.peers.get(address);
    if (peer !== undefined) {
      this.hand(peer, socket, address, peer.options.gtsmHops);
      return;
    }
    const entry = this.ranges.find((r) => rangeContains(r.prefix, address));
    if (entry === undefined) return this.reject(socket, address, 'no neighbor configured for this address');
    if (entry.peers.size >= entry.range.limit) return this.reject(socket, address, `dynamic neighbor limit ${entry.range.limit} reached for ${entry.range.prefix}`);
    const created = entry.range.create(address);
    this.peers.set(address, created);
    this.dynamic.set(created, entry);
    entry.peers.add(created);
    created.on('state', (_from, to) => {
      // A dynamic neighbor lives as long as its session (FRR deletes it the same way); decoupled from the peer's own event.
      if (to === 'Idle') queueMicrotask(() => this.removeDynamic(created));
    });
    this.emit('dynamic-peer', created, entry.range.prefix);
    created.start();
    this.hand(created, socket, address, entry.range.gtsmHops);
  }

  private removeDynamic(peer: Peer): void {
    const entry = this.dynamic.get(peer);
    if (entry === undefined) return;
    this.dynamic.delete(peer);
    entry.peers.delete(peer);
    if (this.peers.get(normalizeAddress(peer.address)) === peer) this.peers.delete(normalizeAddress(peer.address));
    void peer.shutdown();
    this.emit('dynamic-peer-removed', peer, entry.range.prefix);
  }

  private hand(peer: Peer, socket: net.Socket, address: string, gtsmHops: number | undefined): void {
    if (gtsmHops !== undefined) {
      try {
        // RFC 5082 §3: from now on, segments below TTL 256-hops are dropped by the kernel.
        setAcceptedGtsm(socket, address, gtsmHops);
      } catch (e) {
        this.emit('failure', e instanceof Error ? e : new Error(String(e)));
        return this.reject(socket, address, 'GTSM could not be set on the connection');
      }
    }
    if (!peer.acceptIncoming(socket)) this.reject(socket, address, `neighbor is ${peer.state}${peer.info().enabled ? '' : ' (disabled)'}`);
  }

  private reject(socket: net.Socket, address: string, reason: string): void {
    socket.destroy();
    this.emit('rejected', address, reason);
  }

  private installPeerOptions(address: string, md5Key: Buffer | undefined, gtsmHops: number | undefined): void {
    const server = this.server;
    if (server === null) return;
    if (md5Key !== undefined && md5Key.length > 0) this.guard(() => setListenerMd5(server, address, md5Key));
    if (gtsmHops !== undefined) this.guard(() => setListenerGtsmTtl(server, familyOf(this.options.address)));
  }

  private installRange(entry: RangeEntry): void {
    const server = this.server;
    if (server === null) return;
    const key = entry.range.md5Key;
    const network = formatPrefix(entry.prefix).split('/')[0] ?? '';
    if (key !== undefined && key.length > 0) this.guard(() => setListenerMd5(server, network, key, entry.prefix.length));
    if (entry.range.gtsmHops !== undefined) this.guard(() => setListenerGtsmTtl(server, familyOf(this.options.address)));
  }

  private guard(fn: () => unknown): void {
    try {
      fn();
    } catch (e) {
      this.emit('failure', e instanceof Error ? e : new Error(String(e)));
    }
  }
}
