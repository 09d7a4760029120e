/**
 * The RFC 4271 §8 BGP finite state machine as a pure function:
 * `step(state, event, config)` returns the next state and the actions a driver
 * performs (send, connect, drop, arm or cancel a timer, tell the RIB). One
 * exhaustive switch per state, with every §8.1 event by name and number, so
 * each handler reads against the matching paragraph of §8.2.2 (as FRR's
 * FSM[state][event] table does). The FSM never logs, never reads a clock and
 * never touches a socket.
 *
 * Collisions between two connections of one peer are resolved outside, by the
 * driver with `collision.ts`; it feeds OpenCollisionDump (23) to the losing
 * connection's FSM. Hence an OPEN on a connection already in OpenConfirm or
 * Established is simply unexpected here (RFC 6608: 5/2, 5/3).
 */
import { ErrorCode, OpenSubcode } from '../wire/errors';
import {
  acceptOpen,
  begin,
  collisionLost,
  errorNotification,
  failWith,
  fsmErrorNotification,
  HOLD_TIMER_EXPIRED,
  KEEPALIVE,
  restartHold,
  restartKeepalive,
  send,
  sendOpen,
  startTimer,
  thenRestartHold,
  stay,
  stopTimer,
  stopWithCease,
  tcpUp,
  toIdle,
} from './fsm-actions';
import type { FsmAction, FsmConfig, FsmEvent, SessionState, StepResult } from './fsm-types';
import type { NeighborConfig } from './negotiate-types';
import { buildOpenMessage } from './local-open';
import { connectRetryMs, idleHoldSeconds } from './timers';

/** A session before its first start: Idle, nothing running (RFC 4271 §8.2.2). */
export function initialState(): SessionState {
  return { name: 'Idle', connectRetryCounter: 0, failures: 0, delayOpenRunning: false, pendingStart: null, lastError: null };
}

/** RFC 4271 §10 suggested values; DelayOpen off; automatic restart after 5 s, backing off to 120 s (FRR's cap). */
export function fsmConfig(neighbor: NeighborConfig, overrides: Partial<Omit<FsmConfig, 'neighbor'>> = {}): FsmConfig {
  return {
    neighbor,
    connectRetryTime: 120,
    largeHoldTime: 240,
    passive: false,
    delayOpenTime: 0,
    sendNotificationWithoutOpen: true,
    automaticRestart: true,
    idleHoldTime: 5,
    maxIdleHoldTime: 120,
    dampPeerOscillations: true,
    random: Math.random,
    ...overrides,
  };
}

/**
 * The driver reports what arrived; whether the DelayOpenTimer runs is the
 * FSM's own knowledge, so BGPOpen (19) and BGPOpen with DelayOpenTimer running
 * (20) are told apart here. Likewise a NOTIFICATION is NotifMsgVerErr (24)
 * exactly when it is 2/1 Unsupported Version Number (RFC 4271 §8.1.5).
 */
function classify(state: SessionState, event: FsmEvent): FsmEvent {
  if (event.type === 'BGPOpen' && state.delayOpenRunning) return { type: 'BGPOpen_with_DelayOpenTimer_running', open: event.open };
  if (event.type === 'BGPOpen_with_DelayOpenTimer_running' && !state.delayOpenRunning) return { type: 'BGPOpen', open: event.open };
  const n = event.type === 'NotifMsg' ? event.notification : null;
  if (n !== null && n.code === ErrorCode.OpenMessage && n.subcode === OpenSubcode.UnsupportedVersionNumber) {
    return { type: 'NotifMsgVerErr', notification: n };
  }
  return event;
}

export function step(state: SessionState, event: FsmEvent, config: FsmConfig): StepResult {
  const e = classify(state, event);
  switch (state.name) {
    case 'Idle':
      return idle(state, e, config);
    case 'Connect':
    case 'Active':
      return connectOrActive(state, e, config);
    case 'OpenSent':
      return openSent(state, e, config);
    case 'OpenConfirm':
      return openConfirm(state, e, config);
    case 'Established':
      return established(state, e, config);
    default: {
      const never: never = state;
      return never;
    }
  }
}

/** RFC 4271 §8.2.2 Idle: only start events act; the IdleHoldTimer (13) performs a held-back start. */
function idle(s: SessionState, e: FsmEvent, c: FsmConfig): StepResult {
  switch (e.type) {
    case 'ManualStart': // 1
      return begin(s, c, 'active', 'manual');
    case 'AutomaticStart': // 3
      return begin(s, c, 'active', 'automatic');
    case 'ManualStart_with_PassiveTcpEstablishment': // 4
      return begin(s, c, 'passive', 'manual');
    case 'AutomaticStart_with_PassiveTcpEstablishment': // 5
      return begin(s, c, 'passive', 'automatic');
    case 'AutomaticStart_with_DampPeerOscillations': // 6
    case 'AutomaticStart_with_DampPeerOscillations_and_PassiveTcpEstablishment': {
      // 7. §8.1.1 leaves damping to the implementation: after failures, wait
      // out the IdleHoldTimer (backoff) first; without failures, start now.
      const mode = e.type === 'AutomaticStart_with_DampPeerOscillations' ? 'active' : 'passive';
      if (s.failures === 0) return begin(s, c, mode, 'damped');
      return holdBack(s, c, mode);
    }
    case 'IdleHoldTimer_Expires': // 13
      return s.pendingStart === null ? stay(s) : begin(s, c, s.pendingStart, 'damped');
    case 'ManualStop': // 2: ignored by the RFC; also cancels a pending automatic restart
      return stay({ ...s, pendingStart: null, failures: 0 }, s.pendingStart === null ? [] : [stopTimer('IdleHold')]);
    case 'AutomaticStop': // 8: as above, keeping the failure count
      return stay({ ...s, pendingStart: null }, s.pendingStart === null ? [] : [stopTimer('IdleHold')]);
    case 'ConnectRetryTimer_Expires': // 9
    case 'HoldTimer_Expires': // 10
    case 'KeepaliveTimer_Expires': // 11
    case 'DelayOpenTimer_Expires': // 12
    case 'TcpConnection_Valid': // 14 (Idle refuses incoming connections; the driver must not accept)
    case 'Tcp_CR_Invalid': // 15
    case 'Tcp_CR_Acked': // 16
    case 'TcpConnectionConfirmed': // 17
    case 'TcpConnectionFails': // 18
    case 'BGPOpen': // 19
    case 'BGPOpen_with_DelayOpenTimer_running': // 20
    case 'BGPHeaderErr': // 21
    case 'BGPOpenMsgErr': // 22
    case 'OpenCollisionDump': // 23
    case 'NotifMsgVerErr': // 24
    case 'NotifMsg': // 25
    case 'KeepAliveMsg': // 26
    case 'UpdateMsg': // 27
    case 'UpdateMsgErr': // 28
    case 'RouteRefreshMsg':
    case 'UpdateMsgSent':
      // "Any other event (Events 9-12, 15-28) received in the Idle state does not cause change in the state."
      return stay(s);
    default: {
      const never: never = e;
      return never;
    }
  }
}

/** Damped start after failures: arm the IdleHoldTimer (backoff) and stay Idle until it expires (13). */
function holdBack(s: SessionState, c: FsmConfig, mode: 'active' | 'passive'): StepResult {
  return stay({ ...s, pendingStart: mode }, [startTimer('IdleHold', idleHoldSeconds(c, s.failures) * 1000)]);
}

/**
 * RFC 4271 §8.2.2 Connect and Active share most rows; where they differ
 * (ConnectRetryTimer expiry, TCP failure, ManualStop) the state decides.
 */
function connectOrActive(s: SessionState, e: FsmEvent, c: FsmConfig): StepResult {
  const connect = s.name === 'Connect';
  switch (e.type) {
    case 'ManualStart': // 1
    case 'AutomaticStart': // 3
    case 'ManualStart_with_PassiveTcpEstablishment': // 4
    case 'AutomaticStart_with_PassiveTcpEstablishment': // 5
    case 'AutomaticStart_with_DampPeerOscillations': // 6
    case 'AutomaticStart_with_DampPeerOscillations_and_PassiveTcpEstablishment': // 7
    case 'TcpConnection_Valid': // 14: "the TCP connection is processed, and the local system remains in the same state"
    case 'Tcp_CR_Invalid': // 15: "the local system rejects the TCP connection"
    case 'UpdateMsgSent':
      return stay(s);
    case 'ManualStop': // 2
      // Active: with the DelayOpenTimer running, the peer may be told (SendNOTIFICATIONwithoutOPEN).
      return stopWithCease(s, c, e, !connect && s.delayOpenRunning && c.sendNotificationWithoutOpen);
    case 'ConnectRetryTimer_Expires': // 9
      return connectRetryExpired(s, c);
    case 'DelayOpenTimer_Expires': // 12: "sends an OPEN message to its peer ... changes its state to OpenSent"
      return sendOpen(s, c);
    case 'Tcp_CR_Acked': // 16
    case 'TcpConnectionConfirmed': // 17
      return tcpUp(s, c);
    case 'TcpConnectionFails': // 18
      return tcpFailed(s, c);
    case 'BGPOpen_with_DelayOpenTimer_running': // 20: send our OPEN now, then KEEPALIVE, to OpenConfirm
      return acceptOpen(s, c, e.open, [stopTimer('ConnectRetry'), stopTimer('DelayOpen'), send(buildOpenMessage(c.neighbor))], c.sendNotificationWithoutOpen);
    case 'BGPHeaderErr': // 21
    case 'BGPOpenMsgErr': // 22: NOTIFICATION only if SendNOTIFICATIONwithoutOPEN (our OPEN is not out yet)
      return failWith(s, c, errorNotification(e.error), c.sendNotificationWithoutOpen);
    case 'NotifMsgVerErr': // 24: a version mismatch during DelayOpen does not count as a retry
      return toIdle(s, c, { counter: s.delayOpenRunning ? 'keep' : 'increment', failure: true, reason: { type: 'peer-notification', notification: e.notification } });
    case 'NotifMsg': // 25
      return failWith(s, c, undefined, true, { type: 'peer-notification', notification: e.notification });
    case 'AutomaticStop': // 8
      return stopWithCease(s, c, e, false);
    case 'OpenCollisionDump': // 23: the other connection won; no automatic restart of this one
      return collisionLost(s, c, false);
    case 'HoldTimer_Expires': // 10
    case 'KeepaliveTimer_Expires': // 11
    case 'IdleHoldTimer_Expires': // 13
    case 'BGPOpen': // 19 (without DelayOpen our OPEN would have gone out first)
    case 'KeepAliveMsg': // 26
    case 'UpdateMsg': // 27
    case 'UpdateMsgErr': // 28
    case 'RouteRefreshMsg':
      // "In response to any other event ... changes its state to Idle", counting a retry.
      return failWith(s, c, undefined);
    default: {
      const never: never = e;
      return never;
    }
  }
}

/** Connect: drop the attempt and retry. Active: connect. A `passive` neighbor keeps listening. */
function connectRetryExpired(s: SessionState, c: FsmConfig): StepResult {
  const restart = startTimer('ConnectRetry', connectRetryMs(c));
  if (s.name === 'Connect') {
    const actions: FsmAction[] = [{ type: 'drop-connection' }, restart];
    if (s.delayOpenRunning) actions.push(stopTimer('DelayOpen'));
    actions.push({ type: 'connect' });
    return stay({ ...s, delayOpenRunning: false }, actions);
  }
  if (c.passive) return stay(s, [restart]);
  return stay({ ...s, name: 'Connect' }, [restart, { type: 'connect' }]);
}

/**
 * Connect + 18: with the DelayOpenTimer running, fall back to Active and keep
 * listening; otherwise Idle (no retry counted). Active + 18: Idle, counting a retry.
 */
function tcpFailed(s: SessionState, c: FsmConfig): StepResult {
  if (s.name === 'Connect' && s.delayOpenRunning) {
    const actions: FsmAction[] = [{ type: 'drop-connection' }, startTimer('ConnectRetry', connectRetryMs(c)), stopTimer('DelayOpen')];
    return stay({ ...s, name: 'Active', delayOpenRunning: false }, actions);
  }
  const counter = s.name === 'Connect' ? 'keep' : 'increment';
  return toIdle(s, c, { counter, failure: true, reason: { type: 'connection-failed' } });
}

/** RFC 4271 §8.2.2 OpenSent: our OPEN is out, the HoldTimer runs at its large value. */
function openSent(s: SessionState, e: FsmEvent, c: FsmConfig): StepResult {
  switch (e.type) {
    case 'ManualStart': // 1
    case 'AutomaticStart': // 3
    case 'ManualStart_with_PassiveTcpEstablishment': // 4
    case 'AutomaticStart_with_PassiveTcpEstablishment': // 5
    case 'AutomaticStart_with_DampPeerOscillations': // 6
    case 'AutomaticStart_with_DampPeerOscillations_and_PassiveTcpEstablishment': // 7
    case 'TcpConnection_Valid': // 14: a second connection; tracked by the driver for collision detection (§6.8)
    case 'Tcp_CR_Invalid': // 15
    case 'Tcp_CR_Acked': // 16
    case 'TcpConnectionConfirmed': // 17
    case 'UpdateMsgSent':
      return stay(s);
    case 'ManualStop': // 2
    case 'AutomaticStop': // 8
      return stopWithCease(s, c, e, true);
    case 'HoldTimer_Expires': // 10
      return failWith(s, c, HOLD_TIMER_EXPIRED);
    case 'TcpConnectionFails': // 18: "closes the BGP connection, restarts the ConnectRetryTimer, continues to listen"
      return stay({ ...s, name: 'Active' }, [{ type: 'drop-connection' }, stopTimer('Hold'), startTimer('ConnectRetry', connectRetryMs(c))]);
    case 'BGPOpen': // 19
      return acceptOpen(s, c, e.open, [stopTimer('ConnectRetry')], true);
    case 'BGPHeaderErr': // 21
    case 'BGPOpenMsgErr': // 22
      return failWith(s, c, errorNotification(e.error));
    case 'OpenCollisionDump': // 23
      return collisionLost(s, c, true);
    case 'NotifMsgVerErr': // 24: no retry counted, so the peer may be retried at once with another version
      return toIdle(s, c, { counter: 'keep', failure: true, reason: { type: 'peer-notification', notification: e.notification } });
    case 'NotifMsg': // 25: the RFC lists it with the FSM errors; answering a NOTIFICATION with one is pointless (§6.4), so just close
      return failWith(s, c, undefined, true, { type: 'peer-notification', notification: e.notification });
    case 'ConnectRetryTimer_Expires': // 9
    case 'KeepaliveTimer_Expires': // 11
    case 'DelayOpenTimer_Expires': // 12
    case 'IdleHoldTimer_Expires': // 13
    case 'BGPOpen_with_DelayOpenTimer_running': // 20
    case 'KeepAliveMsg': // 26
    case 'UpdateMsg': // 27
    case 'UpdateMsgErr': // 28
    case 'RouteRefreshMsg':
      // RFC 6608: 5/1 with the unexpected message's type; 5/0 for timers.
      return failWith(s, c, fsmErrorNotification('OpenSent', e));
    default: {
      const never: never = e;
      return never;
    }
  }
}

/** RFC 4271 §8.2.2 OpenConfirm: both OPENs exchanged, waiting for the peer's KEEPALIVE. */
function openConfirm(s: Extract<SessionState, { name: 'OpenConfirm' }>, e: FsmEvent, c: FsmConfig): StepResult {
  switch (e.type) {
    case 'ManualStart': // 1
    case 'AutomaticStart': // 3
    case 'ManualStart_with_PassiveTcpEstablishment': // 4
    case 'AutomaticStart_with_PassiveTcpEstablishment': // 5
    case 'AutomaticStart_with_DampPeerOscillations': // 6
    case 'AutomaticStart_with_DampPeerOscillations_and_PassiveTcpEstablishment': // 7
    case 'TcpConnection_Valid': // 14 (second connection: collision detection, §6.8)
    case 'Tcp_CR_Invalid': // 15
    case 'Tcp_CR_Acked': // 16
    case 'TcpConnectionConfirmed': // 17
    case 'UpdateMsgSent':
      return stay(s);
    case 'ManualStop': // 2
    case 'AutomaticStop': // 8
      return stopWithCease(s, c, e, true);
    case 'HoldTimer_Expires': // 10
      return failWith(s, c, HOLD_TIMER_EXPIRED);
    case 'KeepaliveTimer_Expires': // 11
      return stay(s, [send(KEEPALIVE), ...restartKeepalive(s.session, c)]);
    case 'TcpConnectionFails': // 18
      return failWith(s, c, undefined);
    case 'NotifMsg': // 25
      return failWith(s, c, undefined, true, { type: 'peer-notification', notification: e.notification });
    case 'NotifMsgVerErr': // 24
      return toIdle(s, c, { counter: 'keep', failure: true, reason: { type: 'peer-notification', notification: e.notification } });
    case 'BGPHeaderErr': // 21
      return failWith(s, c, errorNotification(e.error));
    case 'OpenCollisionDump': // 23
      return collisionLost(s, c, true);
    case 'KeepAliveMsg': // 26: "restarts the HoldTimer and changes its state to Established"
      return {
        state: { ...s, name: 'Established', failures: 0 },
        actions: [...restartHold(s.session), { type: 'session-up', session: s.session }],
      };
    case 'ConnectRetryTimer_Expires': // 9
    case 'DelayOpenTimer_Expires': // 12
    case 'IdleHoldTimer_Expires': // 13
    case 'BGPOpen': // 19: a second OPEN on this connection (collisions between connections are the driver's)
    case 'BGPOpen_with_DelayOpenTimer_running': // 20
    case 'BGPOpenMsgErr': // 22: any OPEN is unexpected here, valid or not (RFC 6608)
    case 'UpdateMsg': // 27
    case 'UpdateMsgErr': // 28
    case 'RouteRefreshMsg':
      return failWith(s, c, fsmErrorNotification('OpenConfirm', e));
    default: {
      const never: never = e;
      return never;
    }
  }
}

/** RFC 4271 §8.2.2 Established: routes flow; every message from the peer restarts the HoldTimer. */
function established(s: Extract<SessionState, { name: 'Established' }>, e: FsmEvent, c: FsmConfig): StepResult {
  switch (e.type) {
    case 'ManualStart': // 1
    case 'AutomaticStart': // 3
    case 'ManualStart_with_PassiveTcpEstablishment': // 4
    case 'AutomaticStart_with_PassiveTcpEstablishment': // 5
    case 'AutomaticStart_with_DampPeerOscillations': // 6
    case 'AutomaticStart_with_DampPeerOscillations_and_PassiveTcpEstablishment': // 7
    case 'TcpConnection_Valid': // 14 (second connection: collision detection, §6.8)
    case 'Tcp_CR_Invalid': // 15
    case 'Tcp_CR_Acked': // 16
    case 'TcpConnectionConfirmed': // 17
      return stay(s);
    case 'ManualStop': // 2
    case 'AutomaticStop': // 8
      return stopWithCease(s, c, e, true);
    case 'HoldTimer_Expires': // 10
      return failWith(s, c, HOLD_TIMER_EXPIRED);
    case 'KeepaliveTimer_Expires': // 11
      return stay(s, [send(KEEPALIVE), ...restartKeepalive(s.session, c)]);
    case 'UpdateMsgSent': // §8.2.2: "each time the local system sends a KEEPALIVE or UPDATE message, it restarts its KeepaliveTimer"
      return stay(s, restartKeepalive(s.session, c));
    case 'TcpConnectionFails': // 18
      return failWith(s, c, undefined);
    case 'NotifMsgVerErr': // 24
    case 'NotifMsg': // 25
      return failWith(s, c, undefined, true, { type: 'peer-notification', notification: e.notification });
    case 'OpenCollisionDump': // 23 (only with CollisionDetectEstablishedState)
      return collisionLost(s, c, true);
    case 'KeepAliveMsg': // 26
      return stay(s, restartHold(s.session));
    case 'UpdateMsg': // 27
      return stay(s, thenRestartHold({ type: 'deliver', message: e.update }, s.session));
    case 'RouteRefreshMsg': // RFC 2918 §4 / RFC 7313: handed to the RIB side
      return stay(s, [{ type: 'deliver', message: e.message }, ...restartHold(s.session)]);
    case 'UpdateMsgErr': // 28: the NOTIFICATION the codec chose (RFC 7606 session-reset cases only reach here)
    case 'BGPHeaderErr': // 21: §6.1 header errors keep their own code, not 5/3
      return failWith(s, c, errorNotification(e.error));
    case 'ConnectRetryTimer_Expires': // 9
    case 'DelayOpenTimer_Expires': // 12
    case 'IdleHoldTimer_Expires': // 13
    case 'BGPOpen': // 19
    case 'BGPOpen_with_DelayOpenTimer_running': // 20
    case 'BGPOpenMsgErr': // 22
      return failWith(s, c, fsmErrorNotification('Established', e));
    default: {
      const never: never = e;
      return never;
    }
  }
}
