/**
 * What the speaker needs from a BGP session driver (src/bgp/session/peer.ts
 * implements it). Kept narrow so the RIB side never depends on socket details.
 */
import type { UpdateMessage } from '../wire/messages/types';
import type { PeerEvents, PeerInfo } from '../session/peer-types';

export interface SessionPeer {
  on<K extends keyof PeerEvents>(event: K, listener: (...args: PeerEvents[K]) => void): unknown;
  /** Queues an UPDATE; false when the queue is above its high watermark (wait for 'writable'). */
  enqueueUpdate(message: UpdateMessage): boolean;
  /**
   * `enqueueUpdate` of UPDATEs already in wire form for this session
   * (headers included), one or more whole messages back to back: a pump
   * step's UPDATEs go as a few chunks, not one Buffer and one socket write
   * each.
   */
  enqueueEncodedUpdates(updates: Buffer): boolean;
  /** The initial table is queued: End-of-RIB for every family (RFC 4724 §4.1), and the R bit is dropped. */
  initialTableSent(): void;
  sendRouteRefresh(afi: number, safi: number, subtype?: 'request' | 'borr' | 'eorr'): boolean;
  setPrefixCount(afi: number, safi: number, count: number): void;
  info(): PeerInfo;
  /** Our address on the Established connection; next-hop-self uses it (the router id need not be an interface address). */
  readonly sessionLocalAddress?: string | null;
}
