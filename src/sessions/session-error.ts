/**
 * Why a session request was refused: the operator's or the client's problem,
 * never a bug. The control handler turns it into an error answer (CLI exit 1)
 * and nothing of the refused session is left installed.
 */
export type SessionRefusal = 'unknown-pair' | 'no-pair' | 'pool-exhausted' | 'duplicate-client' | 'no-session' | 'unsupported' | 'route-conflict' | 'address-in-use' | 'radius-reject' | 'radius-unavailable' | 'radius-answer';

export class SessionError extends Error {
  constructor(readonly reason: SessionRefusal, message: string) {
    super(message);
    this.name = 'SessionError';
  }
}
