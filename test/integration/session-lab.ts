/**
 * Real-TCP helpers for the session integration tests: BGP nodes on
 * 127.0.0.0/8 addresses with ephemeral ports, and a raw-socket client that
 * writes hand-made bytes and reads back decoded messages.
 */
import net from 'node:net';
import { BgpListener } from '../../src/bgp/session/listener';
import { neighborConfig, type NeighborConfig } from '../../src/bgp/session/negotiate-types';
import { Peer } from '../../src/bgp/session/peer';
import type { PeerOptions } from '../../src/bgp/session/peer-types';
import type { StateName } from '../../src/bgp/session/fsm-types';
import { DEFAULT_CONTEXT, withContext } from '../../src/bgp/wire/context';
import { MessageFramer } from '../../src/bgp/wire/framer';
import { decodeMessage, encodeMessage } from '../../src/bgp/wire/message';
import type { BgpMessage, NotificationMessage, OpenMessage } from '../../src/bgp/wire/messages/types';

export interface NodeSpec {
  readonly address: string;
  readonly asn: number;
  readonly routerId: string;
}

/** A BGP speaker on one loopback address: a listener plus the peers it runs. */
export class Node {
  readonly listener: BgpListener;
  readonly peers: Peer[] = [];

  constructor(readonly spec: NodeSpec) {
    this.listener = new BgpListener({ address: spec.address, port: 0 });
  }

  get port(): number {
    return this.listener.port;
  }

  async listen(): Promise<this> {
    await this.listener.listen();
    return this;
  }

  /** A neighbor of this node; `remotePort` is the other node's listener port. */
  peer(other: NodeSpec, remotePort: number, options: Partial<PeerOptions> = {}, neighbor: Partial<NeighborConfig> = {}): Peer {
    const peer = new Peer({
      neighbor: neighborConfig({ localAs: this.spec.asn, routerId: this.spec.routerId, peerAs: other.asn }, neighbor),
      remoteAddress: other.address,
      remotePort,
      localAddress: this.spec.address,
      lingerMs: 500,
      ...options,
    });
    this.peers.push(peer);
    this.listener.addPeer(peer);
    return peer;
  }

  async close(): Promise<void> {
    await Promise.all(this.peers.map((p) => p.shutdown('test over')));
    await this.listener.close();
  }
}

/** Resolves when `peer` reaches `state`, rejects after `ms`. */
export function waitForState(peer: Peer, state: StateName, ms = 5000): Promise<void> {
  if (peer.state === state) return Promise.resolve();
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      peer.off('state', onState);
      reject(new Error(`${peer.address} stayed ${peer.state}, wanted ${state}`));
    }, ms);
    const onState = (_from: StateName, to: StateName): void => {
      if (to !== state) return;
      clearTimeout(timer);
      peer.off('state', onState);
      resolve();
    };
    peer.on('state', onState);
  });
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

export function openFrom(spec: NodeSpec, holdTime = 90): OpenMessage {
  return {
    type: 'open',
    version: 4,
    myAs: spec.asn,
    holdTime,
    bgpId: spec.routerId,
    capabilities: [{ type: 'multiprotocol', afi: 1, safi: 1 }, { type: 'route-refresh' }, { type: 'four-octet-as', asn: spec.asn }],
  };
}

export function encode(message: BgpMessage): Buffer {
  return encodeMessage(message, DEFAULT_CONTEXT);
}

/** A plain net.Socket speaking BGP by hand. */
export class RawClient {
  readonly socket: net.Socket;
  readonly received: BgpMessage[] = [];
  private readonly framer = new MessageFramer();
  closed = false;

  constructor(localAddress: string, host: string, port: number) {
    this.socket = net.connect({ host, port, localAddress });
    this.socket.on('error', () => undefined);
    this.socket.on('close', () => {
      this.closed = true;
    });
    this.socket.on('data', (chunk: Buffer) => {
      for (const frame of this.framer.push(chunk)) this.received.push(decodeMessage(frame, withContext({ extendedMessage: true })));
    });
  }

  connected(): Promise<void> {
    return new Promise((resolve) => this.socket.once('connect', () => resolve()));
  }

  write(bytes: Buffer): void {
    this.socket.write(bytes);
  }

  /** Waits for a message of `type`; rejects after `ms`. */
  async waitFor<T extends BgpMessage['type']>(type: T, ms = 5000): Promise<Extract<BgpMessage, { type: T }>> {
    const deadline = Date.now() + ms;
    for (;;) {
      const found = this.received.find((m): m is Extract<BgpMessage, { type: T }> => m.type === type);
      if (found !== undefined) return found;
      if (Date.now() > deadline) throw new Error(`no ${type} within ${ms} ms (got ${this.received.map((m) => m.type).join(',')})`);
      await sleep(20);
    }
  }

  async notification(ms = 5000): Promise<string> {
    const n: NotificationMessage = await this.waitFor('notification', ms);
    return `${n.code}/${n.subcode}`;
  }

  destroy(): void {
    this.socket.destroy();
  }
}
