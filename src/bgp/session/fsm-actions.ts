/**
 * The building blocks the transitions of `fsm.ts` share: the RFC 4271 §8.2.2
 * phrases "changes its state to Idle", "sends an OPEN message, sets the
 * HoldTimer to a large value", and the NOTIFICATIONs the FSM sends.
 */
import { ErrorCode, FsmSubcode, CeaseSubcode } from '../wire/errors';
import { MessageType } from '../wire/constants';
import type { KeepaliveMessage, NotificationMessage, OpenMessage } from '../wire/messages/types';
import type {
  CeaseInfo,
  DownReason,
  FsmAction,
  FsmConfig,
  FsmEvent,
  ProtocolError,
  SessionState,
  StateName,
  StepResult,
  TimerName,
} from './fsm-types';
import { buildOpenMessage } from './local-open';
import { negotiateSession } from './negotiate';
import type { NegotiatedSession } from './negotiate-types';
import { connectRetryMs, idleHoldSeconds, keepaliveMs } from './timers';

export const KEEPALIVE: KeepaliveMessage = { type: 'keepalive' };
const NO_DATA = new Uint8Array(0);

export function startTimer(timer: TimerName, ms: number): FsmAction {
  return { type: 'start-timer', timer, ms };
}

export function stopTimer(timer: TimerName): FsmAction {
  return { type: 'stop-timer', timer };
}

export function send(message: OpenMessage | KeepaliveMessage | NotificationMessage): FsmAction {
  return { type: 'send', message };
}

export function stay(state: SessionState, actions: readonly FsmAction[] = []): StepResult {
  return { state, actions };
}

export function notification(code: number, subcode: number, data: Uint8Array = NO_DATA): NotificationMessage {
  return { type: 'notification', code, subcode, data };
}

export function errorNotification(error: ProtocolError): NotificationMessage {
  return notification(error.code, error.subcode, error.data);
}

/** RFC 4486 Cease; an administrative stop defaults to 6/2 Administrative Shutdown, others to 6/0. */
export function ceaseNotification(info: CeaseInfo | undefined, fallback: number): NotificationMessage {
  return notification(ErrorCode.Cease, info?.subcode ?? fallback, info?.data ?? NO_DATA);
}

export const HOLD_TIMER_EXPIRED = notification(ErrorCode.HoldTimerExpired, 0);
export const COLLISION_CEASE = notification(ErrorCode.Cease, CeaseSubcode.ConnectionCollisionResolution);

/** The BGP message type an event carries, for RFC 6608's Data field; null for non-message events. */
export function messageTypeOf(event: FsmEvent): number | null {
  switch (event.type) {
    case 'BGPOpen':
    case 'BGPOpen_with_DelayOpenTimer_running':
    case 'BGPOpenMsgErr':
      return MessageType.Open;
    case 'UpdateMsg':
    case 'UpdateMsgErr':
      return MessageType.Update;
    case 'NotifMsg':
    case 'NotifMsgVerErr':
      return MessageType.Notification;
    case 'KeepAliveMsg':
      return MessageType.Keepalive;
    case 'RouteRefreshMsg':
      return MessageType.RouteRefresh;
    default:
      return null;
  }
}

const UNEXPECTED_SUBCODE: Partial<Record<StateName, number>> = {
  OpenSent: FsmSubcode.UnexpectedInOpenSent,
  OpenConfirm: FsmSubcode.UnexpectedInOpenConfirm,
  Established: FsmSubcode.UnexpectedInEstablished,
};

/**
 * RFC 6608 §3: an unexpected message gets 5/1, 5/2 or 5/3 by state with the
 * message type as the 1-octet Data; any other unexpected event gets 5/0.
 */
export function fsmErrorNotification(state: StateName, event: FsmEvent): NotificationMessage {
  const type = messageTypeOf(event);
  const subcode = UNEXPECTED_SUBCODE[state];
  if (type === null || subcode === undefined) return notification(ErrorCode.FiniteStateMachine, FsmSubcode.Unspecified);
  return notification(ErrorCode.FiniteStateMachine, subcode, Uint8Array.of(type));
}

/** How a transition to Idle happens. */
export interface IdleExit {
  /** Sent before the connection is dropped. */
  readonly notification?: NotificationMessage;
  /** RFC 4271 §8.2.2 "increments the ConnectRetryCounter by 1"; the ManualStop cases set it to zero instead. */
  readonly counter: 'increment' | 'keep' | 'reset';
  /** A failure: restart automatically through the IdleHoldTimer (when configured). Stops and collision losses are not. */
  readonly failure: boolean;
  readonly reason: DownReason;
}

const SESSION_TIMERS: readonly TimerName[] = ['ConnectRetry', 'Hold', 'Keepalive', 'DelayOpen'];

/**
 * "Changes its state to Idle": send the NOTIFICATION if any, drop TCP, stop
 * every session timer (RFC 4271 sets the ConnectRetryTimer to zero, and
 * releasing resources covers the rest), tell the RIB when leaving Established,
 * and arm the IdleHoldTimer for an automatic restart after a failure.
 */
export function toIdle(state: SessionState, config: FsmConfig, exit: IdleExit): StepResult {
  const actions: FsmAction[] = [];
  if (exit.notification !== undefined) actions.push(send(exit.notification));
  actions.push({ type: 'drop-connection' });
  for (const t of SESSION_TIMERS) actions.push(stopTimer(t));
  if (state.name === 'Established') actions.push({ type: 'session-down', reason: exit.reason });
  actions.push({ type: 'release-resources' });
  const counter = exit.counter === 'increment' ? state.connectRetryCounter + 1 : exit.counter === 'reset' ? 0 : state.connectRetryCounter;
  const manual = exit.reason.type === 'stopped' && exit.reason.manual;
  const failures = exit.failure ? state.failures + 1 : manual ? 0 : state.failures;
  const restart = exit.failure && config.automaticRestart;
  if (restart) actions.push(startTimer('IdleHold', idleHoldSeconds(config, failures) * 1000));
  const next: SessionState = {
    name: 'Idle',
    connectRetryCounter: counter,
    failures,
    delayOpenRunning: false,
    pendingStart: restart ? (config.passive ? 'passive' : 'active') : null,
    lastError: exit.reason,
  };
  return { state: next, actions };
}

/**
 * A failure: counts a retry and restarts later. `found` is the error we found
 * (its NOTIFICATION is sent unless `tell` is false); without one, the
 * connection failed or the peer sent `reason`.
 */
export function failWith(state: SessionState, config: FsmConfig, found: NotificationMessage | undefined, tell = true, reason?: DownReason): StepResult {
  const why: DownReason =
    reason ?? (found === undefined ? { type: 'connection-failed' } : { type: 'local-error', notification: found, sent: tell });
  return toIdle(state, config, { notification: tell ? found : undefined, counter: 'increment', failure: true, reason: why });
}

/** ManualStop (2) or AutomaticStop (8) from a state where the peer may be told: Cease, no automatic restart. */
export function stopWithCease(state: SessionState, config: FsmConfig, event: Extract<FsmEvent, { type: 'ManualStop' | 'AutomaticStop' }>, tell: boolean): StepResult {
  const manual = event.type === 'ManualStop';
  const cease = ceaseNotification(event.cease, manual ? CeaseSubcode.AdministrativeShutdown : 0);
  return toIdle(state, config, {
    notification: tell ? cease : undefined,
    // RFC 4271 §8.2.2: ManualStop zeroes the ConnectRetryCounter, AutomaticStop increments it.
    counter: manual ? 'reset' : 'increment',
    failure: false,
    reason: { type: 'stopped', manual },
  });
}

/** OpenCollisionDump (23): Cease 6/7 when an OPEN went out on this connection; counted, never restarted (the other connection lives on). */
export function collisionLost(state: SessionState, config: FsmConfig, tell: boolean): StepResult {
  return toIdle(state, config, { notification: tell ? COLLISION_CEASE : undefined, counter: 'increment', failure: false, reason: { type: 'collision-lost' } });
}

/** Idle + a start event: "initializes all BGP resources ... starts the ConnectRetryTimer". */
export function begin(state: SessionState, config: FsmConfig, mode: 'active' | 'passive', kind: 'manual' | 'automatic' | 'damped'): StepResult {
  const actions: FsmAction[] = [];
  if (state.pendingStart !== null) actions.push(stopTimer('IdleHold'));
  actions.push(startTimer('ConnectRetry', connectRetryMs(config)));
  if (mode === 'active') actions.push({ type: 'connect' });
  const next: SessionState = {
    name: mode === 'active' ? 'Connect' : 'Active',
    // RFC 4271 §8.2.2 Idle: a start zeroes the ConnectRetryCounter. A damped
    // restart keeps it, so repeated failures stay visible and keep growing the backoff.
    connectRetryCounter: kind === 'damped' ? state.connectRetryCounter : 0,
    failures: kind === 'manual' ? 0 : state.failures,
    delayOpenRunning: false,
    pendingStart: null,
    lastError: state.lastError,
  };
  return { state: next, actions };
}

/** "Sends an OPEN message to its peer, sets the HoldTimer to a large value, and changes its state to OpenSent." */
export function sendOpen(state: SessionState, config: FsmConfig, extra: readonly FsmAction[] = []): StepResult {
  const actions: FsmAction[] = [...extra, stopTimer('ConnectRetry')];
  if (state.delayOpenRunning) actions.push(stopTimer('DelayOpen'));
  actions.push(send(buildOpenMessage(config.neighbor)), startTimer('Hold', config.largeHoldTime * 1000));
  return { state: { ...state, name: 'OpenSent', delayOpenRunning: false }, actions };
}

/** Connect/Active + Tcp_CR_Acked (16) or TcpConnectionConfirmed (17). */
export function tcpUp(state: SessionState, config: FsmConfig): StepResult {
  if (config.delayOpenTime > 0) {
    // RFC 4271 §8.2.2: with DelayOpen, wait for the peer's OPEN (or the timer) before sending ours.
    return stay({ ...state, delayOpenRunning: true }, [stopTimer('ConnectRetry'), startTimer('DelayOpen', config.delayOpenTime * 1000)]);
  }
  return sendOpen(state, config);
}

/**
 * The timers of a negotiated session: KeepaliveTimer (jittered) and HoldTimer
 * at the negotiated value; neither when the Hold Time is 0 (RFC 4271 §4.2, §8.2.2).
 */
export function negotiatedTimers(session: NegotiatedSession, config: FsmConfig): FsmAction[] {
  if (session.holdTime === 0) return [stopTimer('Hold'), stopTimer('Keepalive')];
  return [startTimer('Keepalive', keepaliveMs(session.keepaliveTime, config.random)), startTimer('Hold', session.holdTime * 1000)];
}

/** "Restarts its HoldTimer, if the negotiated HoldTime value is non-zero." */
export function restartHold(session: NegotiatedSession): FsmAction[] {
  return session.holdTime === 0 ? [] : [holdTimer(session)];
}

/** `[action, ...restartHold(session)]` made as one list: every UPDATE received makes one. */
export function thenRestartHold(action: FsmAction, session: NegotiatedSession): FsmAction[] {
  return session.holdTime === 0 ? [action] : [action, holdTimer(session)];
}

function holdTimer(session: NegotiatedSession): FsmAction {
  return startTimer('Hold', session.holdTime * 1000);
}

/** "Sends a KEEPALIVE message, restarts its KeepaliveTimer" (never armed when the Hold Time is 0). */
export function restartKeepalive(session: NegotiatedSession, config: FsmConfig): FsmAction[] {
  return session.holdTime === 0 ? [] : [startTimer('Keepalive', keepaliveMs(session.keepaliveTime, config.random))];
}

/**
 * A valid-looking OPEN from the peer: negotiate, and on success send
 * KEEPALIVE and go to OpenConfirm (`prefix` carries what must come first,
 * e.g. our own OPEN when DelayOpen held it back). On failure the
 * NOTIFICATION negotiation chose is sent, as for BGPOpenMsgErr (22).
 */
export function acceptOpen(state: SessionState, config: FsmConfig, open: OpenMessage, prefix: readonly FsmAction[], notifyOnError: boolean): StepResult {
  const local = buildOpenMessage(config.neighbor);
  const result = negotiateSession(config.neighbor, local, open);
  if (!result.ok) {
    return failWith(state, config, result.notification, notifyOnError);
  }
  const session = result.session;
  const actions: FsmAction[] = [...prefix, send(KEEPALIVE), ...negotiatedTimers(session, config)];
  const next: SessionState = { ...state, name: 'OpenConfirm', session, delayOpenRunning: false };
  return { state: next, actions };
}
