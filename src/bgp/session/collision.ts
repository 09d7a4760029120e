/**
 * Connection collision detection (RFC 4271 §6.8, RFC 6286 §2.3), as a pure
 * decision. When an OPEN arrives on one connection of a peer while another
 * connection of the same peer exists, the driver asks `resolveCollision`
 * which one to close, and feeds OpenCollisionDump (event 23) to that
 * connection's FSM, which sends Cease 6/7.
 *
 * The rule, stated plainly (§6.8's text speaks of "existing" and "new"
 * connections, but what it keeps is always the connection initiated by the
 * speaker with the higher BGP Identifier; BIRD and FRR implement it this way):
 *   1. the speaker with the higher BGP Identifier, compared as unsigned 32-bit
 *      integers, is dominant;
 *   2. with equal identifiers (possible between ASes, RFC 6286 §2.3) the one
 *      with the larger AS number is dominant;
 *   3. the connection initiated by the dominant speaker is kept.
 */
import type { NotificationMessage } from '../wire/messages/types';
import { COLLISION_CEASE } from './fsm-actions';
import type { StateName } from './fsm-types';

/** Who opened a TCP connection: we connected out (`local`), or the peer connected in (`remote`). */
export type Initiator = 'local' | 'remote';

export interface CollisionInput {
  /** Our BGP Identifier as an unsigned 32-bit integer. */
  readonly localBgpId: number;
  /** The identifier in the OPEN just received. */
  readonly remoteBgpId: number;
  readonly localAs: number;
  readonly remoteAs: number;
  /** The other connection of this peer: who initiated it and the state of its FSM. */
  readonly existing: { readonly initiator: Initiator; readonly state: StateName };
  /** Who initiated the connection on which the OPEN arrived. */
  readonly incoming: { readonly initiator: Initiator };
  /** RFC 4271 §8.1.1 CollisionDetectEstablishedState: also resolve against an Established session. */
  readonly collisionDetectEstablished?: boolean;
}

export type CollisionDecision =
  /** No collision to resolve now (the other connection is Idle, or in OpenSent and will be compared once its OPEN arrives). */
  | { readonly close: 'none'; readonly reason: string }
  /** The other connection is only a TCP attempt (Connect/Active): abandon it silently, no OPEN was exchanged on it. */
  | { readonly close: 'abandon-existing'; readonly reason: string }
  /** Close that connection with this NOTIFICATION (Cease 6/7). */
  | { readonly close: 'existing' | 'new'; readonly notification: NotificationMessage; readonly reason: string };

/** Is the local speaker dominant? IDs as uint32 (RFC 6286 §2.3 drops the IPv4-address view). */
export function localIsDominant(localBgpId: number, remoteBgpId: number, localAs: number, remoteAs: number): boolean {
  const local = localBgpId >>> 0;
  const remote = remoteBgpId >>> 0;
  if (local !== remote) return local > remote;
  // RFC 6286 §2.3: equal identifiers, the larger AS number wins.
  return localAs > remoteAs;
}

/**
 * Decides a collision. `existing` in OpenSent has not seen the peer's OPEN yet,
 * so (like BIRD) nothing is decided until it has; RFC 4271 §6.8 allows but
 * does not require acting on OpenSent.
 */
export function resolveCollision(input: CollisionInput): CollisionDecision {
  switch (input.existing.state) {
    case 'Idle':
    case 'OpenSent':
      return { close: 'none', reason: `other connection is ${input.existing.state}` };
    case 'Connect':
    case 'Active':
      return { close: 'abandon-existing', reason: 'other connection has not exchanged OPEN; keeping the one that has' };
    case 'Established':
      // §6.8: "collision with existing BGP connection that is in the Established state causes closing of the newly created connection".
      if (!(input.collisionDetectEstablished ?? false)) {
        return { close: 'new', notification: COLLISION_CEASE, reason: 'a session is already Established' };
      }
      return byDominance(input);
    case 'OpenConfirm':
      return byDominance(input);
    default: {
      const never: never = input.existing.state;
      return never;
    }
  }
}

function byDominance(input: CollisionInput): CollisionDecision {
  const dominant: Initiator = localIsDominant(input.localBgpId, input.remoteBgpId, input.localAs, input.remoteAs) ? 'local' : 'remote';
  const who = dominant === 'local' ? 'we are' : 'the peer is';
  if (input.incoming.initiator === input.existing.initiator) {
    // Two connections opened by the same side: nothing distinguishes them but age; keep the established one.
    return { close: 'new', notification: COLLISION_CEASE, reason: `both connections initiated by the same side (${input.incoming.initiator})` };
  }
  if (input.incoming.initiator === dominant) {
    return { close: 'existing', notification: COLLISION_CEASE, reason: `${who} dominant; keeping the connection it initiated` };
  }
  return { close: 'new', notification: COLLISION_CEASE, reason: `${who} dominant; keeping the connection it initiated` };
}
