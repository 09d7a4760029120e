/**
 * Two or more Peers wired through in-memory sockets on one ManualClock:
 * "connecting" to an address hands the far end of a socket pair to the Peer
 * that lives there. Time moves only through `tick`.
 */
import { ManualClock } from '../../../../src/bgp/session/clock';
import { neighborConfig, type NeighborConfig } from '../../../../src/bgp/session/negotiate-types';
import { Peer } from '../../../../src/bgp/session/peer';
import type { PeerOptions } from '../../../../src/bgp/session/peer-types';
import type { BgpSocket } from '../../../../src/bgp/session/socket';
import type { ConnectOptions } from '../../../../src/bgp/session/transport/connect';
import { settle, socketPair, type MemorySocket } from './memory-socket';

export interface Speaker {
  readonly address: string;
  readonly asn: number;
  readonly routerId: string;
}

export const SPEAKER_A: Speaker = { address: '127.0.0.1', asn: 65001, routerId: '10.0.0.1' };
export const SPEAKER_B: Speaker = { address: '127.0.0.2', asn: 65002, routerId: '10.0.0.2' };

export class Lab {
  readonly clock = new ManualClock();
  /** The Peer object that runs on each address (the far end of connections to it). */
  private readonly hosts = new Map<string, Peer>();
  readonly sockets: MemorySocket[] = [];
  readonly peers: Peer[] = [];

  /** A Peer running on `self` for the neighbor `other`. */
  peer(self: Speaker, other: Speaker, options: Partial<PeerOptions> = {}, neighbor: Partial<NeighborConfig> = {}): Peer {
    const peer = new Peer(
      {
        neighbor: neighborConfig({ localAs: self.asn, routerId: self.routerId, peerAs: other.asn }, neighbor),
        remoteAddress: other.address,
        localAddress: self.address,
        ...options,
      },
      { clock: this.clock, random: () => 0.5, connector: (o) => this.connect(self.address, o) },
    );
    this.hosts.set(self.address, peer);
    this.peers.push(peer);
    return peer;
  }

  private connect(from: string, o: ConnectOptions): BgpSocket {
    const [mine, theirs] = socketPair(from, o.remoteAddress);
    this.sockets.push(mine, theirs);
    process.nextTick(() => {
      const target = this.hosts.get(o.remoteAddress);
      if (target === undefined) {
        mine.emit('error', Object.assign(new Error('refused'), { code: 'ECONNREFUSED' }));
        mine.destroy();
        return;
      }
      mine.emit('connect');
      if (!target.acceptIncoming(theirs)) theirs.destroy();
    });
    return mine;
  }

  /** Advances the clock in steps, letting socket events run after each. */
  async tick(ms: number, step = 250): Promise<void> {
    for (let t = 0; t < ms; t += step) {
      this.clock.advance(Math.min(step, ms - t));
      await settle();
    }
  }

  async close(): Promise<void> {
    await Promise.all(this.peers.map((p) => p.shutdown()));
    for (const s of this.sockets) s.destroy();
    await settle();
  }
}
