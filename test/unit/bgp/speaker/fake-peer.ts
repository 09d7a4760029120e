/**
 * A SessionPeer without a socket: the test drives its events and reads back
 * the UPDATEs the speaker queued, re-decoded from the bytes a real session
 * would send (so the wire encoding is exercised too).
 */
import { EventEmitter } from 'node:events';
import type { SessionPeer } from '../../../../src/bgp/speaker/types';
import type { Speaker } from '../../../../src/bgp/speaker/speaker';
import type { NegotiatedSession } from '../../../../src/bgp/session/negotiate-types';
import type { PeerEvents, PeerInfo } from '../../../../src/bgp/session/peer-types';
import type { UpdateMessage } from '../../../../src/bgp/wire/messages/types';
import { withContext } from '../../../../src/bgp/wire/context';
import { decodeMessage, encodeMessage } from '../../../../src/bgp/wire/message';
import { MessageFramer } from '../../../../src/bgp/wire/framer';
import type { PathAttribute } from '../../../../src/bgp/wire/attributes/types';
import type { Nlri } from '../../../../src/bgp/wire/nlri/types';
import { formatPrefix } from '../../../../src/bgp/wire/values/prefix';

export const LOCAL_AS = 65000;
export const ROUTER_ID = '192.0.2.1';

export class FakePeer extends EventEmitter implements SessionPeer {
  readonly sent: UpdateMessage[] = [];
  eorSent = false;
  /** A session queue over its high watermark: UPDATEs are still taken, but enqueue says false until 'writable'. */
  full = false;
  readonly sessionLocalAddress: string;
  private readonly ctx = withContext({ fourOctetAs: true });

  constructor(readonly address: string, readonly asn: number, readonly bgpId: string = address) {
    super();
    this.sessionLocalAddress = '198.18.0.1';
  }

  override on<K extends keyof PeerEvents>(event: K, listener: (...args: PeerEvents[K]) => void): this {
    return super.on(event, listener as (...args: unknown[]) => void);
  }

  enqueueUpdate(message: UpdateMessage): boolean {
    // Through the wire and back: what the neighbor would decode.
    const decoded = decodeMessage(encodeMessage(message, this.ctx), this.ctx);
    if (decoded.type !== 'update') throw new Error('not an UPDATE');
    this.sent.push(decoded);
    return !this.full;
  }

  /** Pre-encoded UPDATEs (whole messages back to back) are decoded the same way, so the speaker's own encoder is checked too. */
  readonly encoded: Buffer[] = [];
  enqueueEncodedUpdates(updates: Buffer): boolean {
    const framer = new MessageFramer();
    const frames = framer.push(updates);
    if (framer.bufferedLength !== 0) throw new Error(`${framer.bufferedLength} octets after the last whole message`);
    for (const update of frames) {
      this.encoded.push(update);
      const decoded = decodeMessage(update, this.ctx);
      if (decoded.type !== 'update') throw new Error('not an UPDATE');
      this.sent.push(decoded);
    }
    return !this.full;
  }

  initialTableSent(): void {
    this.eorSent = true;
  }

  sendRouteRefresh(): boolean {
    return true;
  }

  setPrefixCount(): void {}

  info(): PeerInfo {
    return {
      address: this.address,
      port: 179,
      localAddress: null,
      description: null,
      asn: this.asn,
      localAs: LOCAL_AS,
      state: 'Established',
      enabled: true,
      passive: false,
      md5: false,
      gtsmHops: null,
      uptimeSeconds: 0,
      session: null,
      messages: { received: { open: 0, update: 0, notification: 0, keepalive: 0, 'route-refresh': 0 }, sent: { open: 0, update: 0, notification: 0, keepalive: 0, 'route-refresh': 0 } },
      prefixes: {},
      lastError: null,
      lastDownAt: null,
      establishedTransitions: 1,
      connectRetryCounter: 0,
      queuedBytes: 0,
      initiator: 'local',
    };
  }

  establish(families: readonly { afi: number; safi: number }[] = [{ afi: 1, safi: 1 }]): void {
    const s: NegotiatedSession = {
      localAs: LOCAL_AS,
      peerAs: this.asn,
      ibgp: this.asn === LOCAL_AS,
      localBgpId: ROUTER_ID,
      peerBgpId: this.bgpId,
      holdTime: 90,
      keepaliveTime: 30,
      fourOctetAs: true,
      families,
      routeRefresh: true,
      enhancedRouteRefresh: false,
      extendedMessage: false,
      addPath: { receive: new Set(), send: new Set() },
      gracefulRestart: null,
      llgr: [],
      peerFqdn: null,
      peerCapabilities: [],
      decodeContext: this.ctx,
      encodeContext: this.ctx,
    };
    this.emit('established', s);
  }

  /**
   * Delivers an UPDATE from this neighbor, through the wire as a session
   * decodes it: the NLRI field kept as octets (FieldUpdate).
   */
  receive(nlri: Nlri[], attributes: PathAttribute[], withdrawn: Nlri[] = []): void {
    const m: UpdateMessage = { type: 'update', withdrawn, attributes: nlri.length ? attributes : [], nlri, errors: [] };
    const decoded = decodeMessage(encodeMessage(m, this.ctx), withContext({ ipv4FieldOnly: true }, this.ctx));
    if (decoded.type !== 'update' || decoded.ipv4Field === undefined) throw new Error('not an UPDATE with its NLRI field kept');
    this.emit('update', decoded);
  }

  /** Delivers an UPDATE from this neighbor as given (no wire form). */
  receiveDecoded(nlri: Nlri[], attributes: PathAttribute[], withdrawn: Nlri[] = []): void {
    this.emit('update', { type: 'update', withdrawn, attributes: nlri.length ? attributes : [], nlri, errors: [] });
  }

  /** The neighbor's view: prefix → attributes of the last announcement (withdrawals delete). */
  table(): Map<string, { attributes: readonly PathAttribute[] }> {
    const t = new Map<string, { attributes: readonly PathAttribute[] }>();
    for (const m of this.sent) {
      for (const w of m.withdrawn) if (w.kind !== 'opaque') t.delete(formatPrefix(w.prefix));
      for (const a of m.attributes) if (a.type === 'mp-unreach') for (const w of a.nlri) if (w.kind !== 'opaque') t.delete(formatPrefix(w.prefix));
      for (const n of m.nlri) if (n.kind !== 'opaque') t.set(formatPrefix(n.prefix), { attributes: m.attributes });
      for (const a of m.attributes) if (a.type === 'mp-reach') for (const n of a.nlri) if (n.kind !== 'opaque') t.set(formatPrefix(n.prefix), { attributes: m.attributes });
    }
    return t;
  }
}

/** Two route-server clients of `speaker`, 192.0.2.10 (AS 65010) and 192.0.2.20 (AS 65020), Established for `families`. */
export function routeServerPair(speaker: Speaker, families: readonly { afi: number; safi: number }[]): [FakePeer, FakePeer] {
  const a = new FakePeer('192.0.2.10', 65010);
  const b = new FakePeer('192.0.2.20', 65020);
  for (const p of [a, b]) speaker.addPeer(p, { address: p.address, asn: p.asn, routeServerClient: true });
  a.establish(families);
  b.establish(families);
  return [a, b];
}

export function attr<T extends PathAttribute['type']>(attrs: readonly PathAttribute[] | undefined, type: T): Extract<PathAttribute, { type: T }> | undefined {
  return attrs?.find((a): a is Extract<PathAttribute, { type: T }> => a.type === type);
}
