/** From PeerOptions to the FSM configuration of each of a peer's connections. */
import { encodeShutdownCommunication } from '../wire/messages/notification';
import { fsmConfig } from './fsm';
import type { CeaseInfo, FsmConfig, RandomSource } from './fsm-types';
import type { NeighborConfig } from './negotiate-types';
import type { PeerOptions } from './peer-types';
import type { ConnectOptions } from './transport/connect';

/** RFC 4271 §8: BGP listens on TCP port 179. */
export const BGP_PORT = 179;

/** The configuration of the connection that represents the peer. */
export function mainFsmConfig(options: PeerOptions, neighbor: NeighborConfig, random: RandomSource): FsmConfig {
  return fsmConfig(neighbor, {
    passive: options.passive ?? false,
    random,
    ...(options.connectRetryTime !== undefined ? { connectRetryTime: options.connectRetryTime } : {}),
    ...(options.delayOpenTime !== undefined ? { delayOpenTime: options.delayOpenTime } : {}),
    ...(options.idleHoldTime !== undefined ? { idleHoldTime: options.idleHoldTime } : {}),
    ...(options.maxIdleHoldTime !== undefined ? { maxIdleHoldTime: options.maxIdleHoldTime } : {}),
  });
}

/**
 * The second connection of a collision (RFC 4271 §6.8) never restarts on its
 * own: if it fails, the peer's main connection carries on (or restarts).
 */
export function collisionFsmConfig(main: FsmConfig): FsmConfig {
  return { ...main, automaticRestart: false };
}

/** Our OPEN without the R bit: after the first session following our restart, we are no longer restarting (RFC 4724 §3). */
export function withoutRestartingBit(neighbor: NeighborConfig): NeighborConfig {
  const gr = neighbor.gracefulRestart;
  if (gr === null || !gr.restarting) return neighbor;
  return { ...neighbor, gracefulRestart: { ...gr, restarting: false } };
}

/** Where and how to connect: the configured remote port, source address, TCP-MD5 and TTL options. */
export function connectOptions(options: PeerOptions): ConnectOptions {
  return {
    remoteAddress: options.remoteAddress,
    remotePort: options.remotePort ?? BGP_PORT,
    ...(options.localAddress !== undefined ? { localAddress: options.localAddress } : {}),
    ...(options.md5Key !== undefined ? { md5Key: options.md5Key } : {}),
    ...(options.gtsmHops !== undefined ? { gtsmHops: options.gtsmHops } : {}),
    ...(options.ttl !== undefined ? { ttl: options.ttl } : {}),
  };
}

/** RFC 9003: Cease 6/2 or 6/4 with the shutdown communication when there is one. */
export function adminCease(subcode: number, message: string | undefined): CeaseInfo {
  return message === undefined || message.length === 0 ? { subcode } : { subcode, data: encodeShutdownCommunication(message) };
}

/**
 * RFC 8538 §3: when both sides set the N bit, a NOTIFICATION keeps graceful
 * restart semantics unless it is a Hard Reset; an operator's shutdown or reset
 * (and a maximum-prefix teardown) must flush the peer's routes, so the Cease is
 * wrapped in Cease/Hard Reset (6/9) with the original code and subcode first
 * (FRR does the same with its default `bgp hard-administrative-reset`).
 */
export function hardResetIfGraceful(cease: CeaseInfo, nBitNegotiated: boolean): CeaseInfo {
  if (!nBitNegotiated) return cease;
  const inner = Buffer.concat([Buffer.from([6, cease.subcode]), Buffer.from(cease.data ?? new Uint8Array(0))]);
  return { subcode: 9, data: inner };
}
