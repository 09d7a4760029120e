/**
 * Graceful restart on the session side (RFC 4724, RFC 8538): whether a session
 * that just went down should leave its routes stale instead of flushed, and
 * for how long. The RIB does the keeping and sweeping; this only decides.
 */
import { CeaseSubcode, ErrorCode } from '../wire/errors';
import type { NotificationMessage } from '../wire/messages/types';
import type { DownReason } from './fsm-types';
import type { LocalGracefulRestart, NegotiatedSession } from './negotiate-types';
import type { GracefulDown } from './peer-types';

function isHardReset(n: NotificationMessage): boolean {
  return n.code === ErrorCode.Cease && n.subcode === CeaseSubcode.HardReset;
}

/**
 * RFC 4724 §4.2: only when the capability was exchanged both ways. Then:
 *  - the TCP connection failed (reset, or a new connection replaced it): graceful;
 *  - our HoldTimer expired: graceful (RFC 8538 §4 with the N bit; FRR and
 *    GoBGP keep stale routes on hold expiry without it too, the peer being
 *    most likely in the middle of a restart);
 *  - any other NOTIFICATION either way: graceful only when both sides set the
 *    N bit (RFC 8538 §5), and never for Cease/Hard Reset (6/9);
 *  - an administrative stop of ours: never, the operator wants the routes gone.
 */
export function gracefulDown(session: NegotiatedSession, local: LocalGracefulRestart | null, reason: DownReason): GracefulDown | null {
  const peer = session.gracefulRestart;
  if (peer === null || local === null) return null;
  const keep: GracefulDown = { restartTime: peer.restartTime, families: peer.families };
  switch (reason.type) {
    case 'connection-failed':
    case 'collision-lost':
      return keep;
    case 'local-error':
      if (reason.notification.code === ErrorCode.HoldTimerExpired) return keep;
      return peer.notification && !isHardReset(reason.notification) ? keep : null;
    case 'peer-notification':
      return peer.notification && !isHardReset(reason.notification) ? keep : null;
    case 'stopped':
      return null;
    default: {
      const never: never = reason;
      return never;
    }
  }
}
