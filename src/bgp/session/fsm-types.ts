/**
 * The data of the RFC 4271 §8 session state machine: states, the 28 events of
 * §8.1 (plus three internal ones, marked), the actions `step()` returns, and
 * the configuration it reads. Pure types; `fsm.ts` holds the transitions.
 */
import type {
  KeepaliveMessage,
  NotificationMessage,
  OpenMessage,
  RouteRefreshMessage,
  UpdateMessage,
} from '../wire/messages/types';
import type { NegotiatedSession, NeighborConfig } from './negotiate-types';

/** RFC 4271 §8.2.2 states; the numbers are the ones MRT, BMP and the BGP MIB use (RFC 6396). */
export const StateNumber = { Idle: 1, Connect: 2, Active: 3, OpenSent: 4, OpenConfirm: 5, Established: 6 } as const;
export type StateName = keyof typeof StateNumber;

/** The five timers of RFC 4271 §8 (DelayOpen and IdleHold are the optional ones of §8.1.1). */
export type TimerName = 'ConnectRetry' | 'Hold' | 'Keepalive' | 'DelayOpen' | 'IdleHold';

/** Why a session left for Idle, kept for `show neighbors` ("last error"). */
export type DownReason =
  /** ManualStop (2) or AutomaticStop (8). */
  | { readonly type: 'stopped'; readonly manual: boolean }
  /** OpenCollisionDump (23): the other connection to this peer was kept (RFC 4271 §6.8). */
  | { readonly type: 'collision-lost' }
  /** We found an error; `sent` is false when SendNOTIFICATIONwithoutOPEN kept the NOTIFICATION back. */
  | { readonly type: 'local-error'; readonly notification: NotificationMessage; readonly sent: boolean }
  | { readonly type: 'peer-notification'; readonly notification: NotificationMessage }
  | { readonly type: 'connection-failed' };

/** What a state keeps between events, in every state. */
interface CommonState {
  /** RFC 4271 §8: ConnectRetryCounter, incremented on each failure, zeroed on ManualStop and start. */
  readonly connectRetryCounter: number;
  /**
   * Failures since the session was last Established or manually (re)started.
   * Drives the IdleHoldTimer backoff; reset on Established as FRR's bgp_establish
   * resets its start timer.
   */
  readonly failures: number;
  /** RFC 4271 §8.2.2 Connect/Active: several transitions depend on whether the DelayOpenTimer runs. */
  readonly delayOpenRunning: boolean;
  /** The start that the running IdleHoldTimer will perform when it expires (null: no IdleHoldTimer). */
  readonly pendingStart: 'active' | 'passive' | null;
  readonly lastError: DownReason | null;
}

/** One variant per state; from the peer's valid OPEN on, the negotiated session is known. */
export type SessionState =
  | (CommonState & { readonly name: 'Idle' })
  | (CommonState & { readonly name: 'Connect' })
  | (CommonState & { readonly name: 'Active' })
  | (CommonState & { readonly name: 'OpenSent' })
  | (CommonState & { readonly name: 'OpenConfirm'; readonly session: NegotiatedSession })
  | (CommonState & { readonly name: 'Established'; readonly session: NegotiatedSession });

/** A protocol error the codec found, as the NOTIFICATION it maps to (a BgpError fits). */
export interface ProtocolError {
  readonly code: number;
  readonly subcode: number;
  readonly data: Uint8Array;
}

/** The Cease a stop sends (RFC 4486 subcode, optional data such as an RFC 9003 message). */
export interface CeaseInfo {
  readonly subcode: number;
  readonly data?: Uint8Array;
}

/** RFC 4271 §8.1 events, named as in the RFC. The number of each is in `EventNumber`. */
export type FsmEvent =
  // §8.1.2 administrative events
  | { readonly type: 'ManualStart' } // 1
  | { readonly type: 'ManualStop'; readonly cease?: CeaseInfo } // 2
  | { readonly type: 'AutomaticStart' } // 3
  | { readonly type: 'ManualStart_with_PassiveTcpEstablishment' } // 4
  | { readonly type: 'AutomaticStart_with_PassiveTcpEstablishment' } // 5
  | { readonly type: 'AutomaticStart_with_DampPeerOscillations' } // 6
  | { readonly type: 'AutomaticStart_with_DampPeerOscillations_and_PassiveTcpEstablishment' } // 7
  | { readonly type: 'AutomaticStop'; readonly cease?: CeaseInfo } // 8
  // §8.1.3 timer events
  | { readonly type: 'ConnectRetryTimer_Expires' } // 9
  | { readonly type: 'HoldTimer_Expires' } // 10
  | { readonly type: 'KeepaliveTimer_Expires' } // 11
  | { readonly type: 'DelayOpenTimer_Expires' } // 12
  | { readonly type: 'IdleHoldTimer_Expires' } // 13
  // §8.1.4 TCP connection events
  | { readonly type: 'TcpConnection_Valid' } // 14
  | { readonly type: 'Tcp_CR_Invalid' } // 15
  | { readonly type: 'Tcp_CR_Acked' } // 16
  | { readonly type: 'TcpConnectionConfirmed' } // 17
  | { readonly type: 'TcpConnectionFails' } // 18
  // §8.1.5 BGP message events
  | { readonly type: 'BGPOpen'; readonly open: OpenMessage } // 19
  | { readonly type: 'BGPOpen_with_DelayOpenTimer_running'; readonly open: OpenMessage } // 20
  | { readonly type: 'BGPHeaderErr'; readonly error: ProtocolError } // 21
  | { readonly type: 'BGPOpenMsgErr'; readonly error: ProtocolError } // 22
  | { readonly type: 'OpenCollisionDump' } // 23
  | { readonly type: 'NotifMsgVerErr'; readonly notification: NotificationMessage } // 24
  | { readonly type: 'NotifMsg'; readonly notification: NotificationMessage } // 25
  | { readonly type: 'KeepAliveMsg' } // 26
  | { readonly type: 'UpdateMsg'; readonly update: UpdateMessage } // 27
  | { readonly type: 'UpdateMsgErr'; readonly error: ProtocolError } // 28
  // Internal, not in RFC 4271 §8.1:
  /** A ROUTE-REFRESH arrived (RFC 2918 §4: valid only in Established). */
  | { readonly type: 'RouteRefreshMsg'; readonly message: RouteRefreshMessage }
  /** RFC 4271 §8.2.2 Established: each UPDATE sent restarts the KeepaliveTimer. */
  | { readonly type: 'UpdateMsgSent' };

export type FsmEventType = FsmEvent['type'];

/** RFC 4271 §8.1 event numbers; the internal events get FRR-style numbers after 28. */
export const EventNumber: Readonly<Record<FsmEventType, number>> = {
  ManualStart: 1,
  ManualStop: 2,
  AutomaticStart: 3,
  ManualStart_with_PassiveTcpEstablishment: 4,
  AutomaticStart_with_PassiveTcpEstablishment: 5,
  AutomaticStart_with_DampPeerOscillations: 6,
  AutomaticStart_with_DampPeerOscillations_and_PassiveTcpEstablishment: 7,
  AutomaticStop: 8,
  ConnectRetryTimer_Expires: 9,
  HoldTimer_Expires: 10,
  KeepaliveTimer_Expires: 11,
  DelayOpenTimer_Expires: 12,
  IdleHoldTimer_Expires: 13,
  TcpConnection_Valid: 14,
  Tcp_CR_Invalid: 15,
  Tcp_CR_Acked: 16,
  TcpConnectionConfirmed: 17,
  TcpConnectionFails: 18,
  BGPOpen: 19,
  BGPOpen_with_DelayOpenTimer_running: 20,
  BGPHeaderErr: 21,
  BGPOpenMsgErr: 22,
  OpenCollisionDump: 23,
  NotifMsgVerErr: 24,
  NotifMsg: 25,
  KeepAliveMsg: 26,
  UpdateMsg: 27,
  UpdateMsgErr: 28,
  RouteRefreshMsg: 29,
  UpdateMsgSent: 30,
};

/** The timer events, so a driver can turn an expired timer back into its event. */
export const TimerEvent: Readonly<Record<TimerName, FsmEvent>> = {
  ConnectRetry: { type: 'ConnectRetryTimer_Expires' },
  Hold: { type: 'HoldTimer_Expires' },
  Keepalive: { type: 'KeepaliveTimer_Expires' },
  DelayOpen: { type: 'DelayOpenTimer_Expires' },
  IdleHold: { type: 'IdleHoldTimer_Expires' },
};

/** Messages the FSM itself sends; UPDATEs and ROUTE-REFRESHes come from the RIB side. */
export type FsmMessage = OpenMessage | KeepaliveMessage | NotificationMessage;

/**
 * What the driver must do, in order. Data only: the FSM never touches a socket
 * or a clock. A NOTIFICATION `send` followed by `drop-connection` means "flush,
 * then close" (RFC 4271 §6: the connection is closed after the NOTIFICATION).
 */
export type FsmAction =
  /** Open a TCP connection to the neighbor's address and configured port. */
  | { readonly type: 'connect' }
  /** Close the TCP connection (after writing what was queued before it). */
  | { readonly type: 'drop-connection' }
  | { readonly type: 'send'; readonly message: FsmMessage }
  /** (Re)start a timer: any running instance of it is replaced. */
  | { readonly type: 'start-timer'; readonly timer: TimerName; readonly ms: number }
  | { readonly type: 'stop-timer'; readonly timer: TimerName }
  /** RFC 4271 §8: "releases all BGP resources" (buffers, framer, the connection's codec context). */
  | { readonly type: 'release-resources' }
  /** The session reached Established: the RIB may start exchanging routes with this negotiation. */
  | { readonly type: 'session-up'; readonly session: NegotiatedSession }
  /**
   * The session left Established: the RIB deletes the routes learnt over it
   * (RFC 4271 §8.2.2 "deletes all routes"), or keeps them stale when graceful
   * restart (RFC 4724 §4.2) was negotiated and the reason allows it.
   */
  | { readonly type: 'session-down'; readonly reason: DownReason }
  /** Hand a received UPDATE or ROUTE-REFRESH to the RIB side. */
  | { readonly type: 'deliver'; readonly message: UpdateMessage | RouteRefreshMessage };

export type FsmActionType = FsmAction['type'];

/** A random source in [0, 1), injected so that jitter is deterministic under test. */
export type RandomSource = () => number;

export interface FsmConfig {
  /** Who we are and what we announce and accept (OPEN contents, negotiation policy). */
  readonly neighbor: NeighborConfig;
  /** RFC 4271 §10: ConnectRetryTime, seconds (suggested 120). */
  readonly connectRetryTime: number;
  /** RFC 4271 §8.2.2: the "large value" the HoldTimer gets in OpenSent (suggested 4 minutes). */
  readonly largeHoldTime: number;
  /**
   * Never initiate a connection, only accept one (FRR/BIRD `passive`). Stronger
   * than the RFC's PassiveTcpEstablishment, which only listens first: with it set,
   * ConnectRetryTimer expiry in Active keeps listening instead of connecting.
   */
  readonly passive: boolean;
  /** RFC 4271 §8.1.1 DelayOpen / DelayOpenTime, seconds; 0 = DelayOpen off. */
  readonly delayOpenTime: number;
  /**
   * RFC 4271 §8.1.1 SendNOTIFICATIONwithoutOPEN: send the NOTIFICATION for a
   * header or OPEN error even before our OPEN went out (Connect/Active with DelayOpen).
   */
  readonly sendNotificationWithoutOpen: boolean;
  /** Restart on our own after a failure, through the IdleHoldTimer. Stops (events 2, 8) never restart. */
  readonly automaticRestart: boolean;
  /** RFC 4271 §8.1.1 IdleHoldTime, seconds: the wait before an automatic restart after the first failure. */
  readonly idleHoldTime: number;
  /** Upper bound of the backoff, seconds. */
  readonly maxIdleHoldTime: number;
  /** RFC 4271 §8.1.1 DampPeerOscillations: double the IdleHoldTime on each further failure. */
  readonly dampPeerOscillations: boolean;
  /** Jitter source for ConnectRetry and Keepalive (RFC 4271 §10). */
  readonly random: RandomSource;
}

/** The result of one step. */
export interface StepResult {
  readonly state: SessionState;
  readonly actions: readonly FsmAction[];
}
