/**
 * What to do when an OPEN arrives on one connection of a peer while another
 * connection of the same peer exists: RFC 4271 §6.8 through `resolveCollision`,
 * plus the RFC 4724 §4.2 case of an Established session with graceful restart,
 * where a new connection means the peer restarted.
 */
import { CeaseSubcode, ErrorCode } from '../wire/errors';
import type { OpenMessage } from '../wire/messages/types';
import { parseIpv4 } from '../wire/values/ip';
import { resolveCollision } from './collision';
import type { FsmConfig } from './fsm-types';
import { resolvePeerAs } from './negotiate';
import type { SessionSlot } from './session-slot';

export type CollisionOutcome = 'none' | 'abandon-existing' | 'existing' | 'new' | 'replace-established';

export interface CollisionOptions {
  /** RFC 4271 §8.1.1 CollisionDetectEstablishedState. */
  readonly collisionDetectEstablished: boolean;
}

/**
 * `existing` is the other connection's slot, `incoming` the one whose OPEN just
 * arrived (not yet stepped). RFC 4724 §4.2: "If a BGP speaker receives an OPEN
 * for a new session while the previous one is Established and graceful restart
 * was negotiated, it MUST close the old session" — the new connection is kept.
 */
export function collisionDecision(config: FsmConfig, existing: SessionSlot, incoming: SessionSlot, open: OpenMessage, options: CollisionOptions = { collisionDetectEstablished: false }): CollisionOutcome {
  const state = existing.state;
  if (state.name === 'Idle') return 'none';
  if (state.name === 'Established' && state.session.gracefulRestart !== null && config.neighbor.gracefulRestart !== null) return 'replace-established';
  const remoteAs = resolvePeerAs(open);
  const decision = resolveCollision({
    localBgpId: parseIpv4(config.neighbor.routerId) ?? 0,
    remoteBgpId: parseIpv4(open.bgpId) ?? 0,
    localAs: config.neighbor.localAs,
    remoteAs: 'asn' in remoteAs ? remoteAs.asn : open.myAs,
    existing: { initiator: existing.connection?.initiator ?? 'local', state: state.name },
    incoming: { initiator: incoming.connection?.initiator ?? 'remote' },
    collisionDetectEstablished: options.collisionDetectEstablished,
  });
  return decision.close;
}

/** Closes a losing connection that already sent its OPEN: Cease 6/7 Connection Collision Resolution (RFC 4271 §6.8). */
export function retire(slot: SessionSlot): void {
  const conn = slot.connection;
  if (conn !== null && (slot.state.name === 'OpenSent' || slot.state.name === 'OpenConfirm')) {
    conn.send({ type: 'notification', code: ErrorCode.Cease, subcode: CeaseSubcode.ConnectionCollisionResolution, data: new Uint8Array(0) });
    conn.close(true);
    slot.connection = null;
  }
  slot.dispose();
}
