/**
 * Every state × every event of RFC 4271 §8.1 (plus the internal events),
 * table-driven: the next state and the NOTIFICATION sent ("-" for none), as
 * read from §8.2.2 and RFC 6608. Rows name the event and its number.
 */
import { step } from '../../../../src/bgp/session/fsm';
import { EventNumber, type FsmEvent, type FsmEventType, type StateName } from '../../../../src/bgp/session/fsm-types';
import { config, notificationText, peerOpen, stateIn } from './harness';

const HEADER_ERROR = { code: 1, subcode: 2, data: Uint8Array.of(0x00, 0x0f) };
const OPEN_ERROR = { code: 2, subcode: 4, data: new Uint8Array(0) };
const UPDATE_ERROR = { code: 3, subcode: 1, data: new Uint8Array(0) };
const PEER_CEASE = { type: 'notification', code: 6, subcode: 2, data: new Uint8Array(0) } as const;
const PEER_VERSION = { type: 'notification', code: 2, subcode: 1, data: Uint8Array.of(0, 4) } as const;

/** One sample of each event. */
const EVENTS: Readonly<Record<FsmEventType, FsmEvent>> = {
  ManualStart: { type: 'ManualStart' },
  ManualStop: { type: 'ManualStop' },
  AutomaticStart: { type: 'AutomaticStart' },
  ManualStart_with_PassiveTcpEstablishment: { type: 'ManualStart_with_PassiveTcpEstablishment' },
  AutomaticStart_with_PassiveTcpEstablishment: { type: 'AutomaticStart_with_PassiveTcpEstablishment' },
  AutomaticStart_with_DampPeerOscillations: { type: 'AutomaticStart_with_DampPeerOscillations' },
  AutomaticStart_with_DampPeerOscillations_and_PassiveTcpEstablishment: { type: 'AutomaticStart_with_DampPeerOscillations_and_PassiveTcpEstablishment' },
  AutomaticStop: { type: 'AutomaticStop' },
  ConnectRetryTimer_Expires: { type: 'ConnectRetryTimer_Expires' },
  HoldTimer_Expires: { type: 'HoldTimer_Expires' },
  KeepaliveTimer_Expires: { type: 'KeepaliveTimer_Expires' },
  DelayOpenTimer_Expires: { type: 'DelayOpenTimer_Expires' },
  IdleHoldTimer_Expires: { type: 'IdleHoldTimer_Expires' },
  TcpConnection_Valid: { type: 'TcpConnection_Valid' },
  Tcp_CR_Invalid: { type: 'Tcp_CR_Invalid' },
  Tcp_CR_Acked: { type: 'Tcp_CR_Acked' },
  TcpConnectionConfirmed: { type: 'TcpConnectionConfirmed' },
  TcpConnectionFails: { type: 'TcpConnectionFails' },
  BGPOpen: { type: 'BGPOpen', open: peerOpen() },
  BGPOpen_with_DelayOpenTimer_running: { type: 'BGPOpen_with_DelayOpenTimer_running', open: peerOpen() },
  BGPHeaderErr: { type: 'BGPHeaderErr', error: HEADER_ERROR },
  BGPOpenMsgErr: { type: 'BGPOpenMsgErr', error: OPEN_ERROR },
  OpenCollisionDump: { type: 'OpenCollisionDump' },
  NotifMsgVerErr: { type: 'NotifMsgVerErr', notification: PEER_VERSION },
  NotifMsg: { type: 'NotifMsg', notification: PEER_CEASE },
  KeepAliveMsg: { type: 'KeepAliveMsg' },
  UpdateMsg: { type: 'UpdateMsg', update: { type: 'update', withdrawn: [], attributes: [], nlri: [], errors: [] } },
  UpdateMsgErr: { type: 'UpdateMsgErr', error: UPDATE_ERROR },
  RouteRefreshMsg: { type: 'RouteRefreshMsg', message: { type: 'route-refresh', afi: 1, safi: 1, subtype: 'request' } },
  UpdateMsgSent: { type: 'UpdateMsgSent' },
};

type Row = readonly [next: StateName, notification: string];
type Table = Readonly<Record<FsmEventType, Row>>;

const starts = (to: StateName): Pick<Table, 'ManualStart' | 'AutomaticStart' | 'ManualStart_with_PassiveTcpEstablishment' | 'AutomaticStart_with_PassiveTcpEstablishment' | 'AutomaticStart_with_DampPeerOscillations' | 'AutomaticStart_with_DampPeerOscillations_and_PassiveTcpEstablishment'> => ({
  ManualStart: [to, '-'],
  AutomaticStart: [to, '-'],
  ManualStart_with_PassiveTcpEstablishment: [to, '-'],
  AutomaticStart_with_PassiveTcpEstablishment: [to, '-'],
  AutomaticStart_with_DampPeerOscillations: [to, '-'],
  AutomaticStart_with_DampPeerOscillations_and_PassiveTcpEstablishment: [to, '-'],
});

const IDLE: Table = {
  ...starts('Idle'),
  ManualStart: ['Connect', '-'],
  AutomaticStart: ['Connect', '-'],
  ManualStart_with_PassiveTcpEstablishment: ['Active', '-'],
  AutomaticStart_with_PassiveTcpEstablishment: ['Active', '-'],
  // No failure yet: a damped start starts at once.
  AutomaticStart_with_DampPeerOscillations: ['Connect', '-'],
  AutomaticStart_with_DampPeerOscillations_and_PassiveTcpEstablishment: ['Active', '-'],
  ManualStop: ['Idle', '-'],
  AutomaticStop: ['Idle', '-'],
  ConnectRetryTimer_Expires: ['Idle', '-'],
  HoldTimer_Expires: ['Idle', '-'],
  KeepaliveTimer_Expires: ['Idle', '-'],
  DelayOpenTimer_Expires: ['Idle', '-'],
  IdleHoldTimer_Expires: ['Idle', '-'],
  TcpConnection_Valid: ['Idle', '-'],
  Tcp_CR_Invalid: ['Idle', '-'],
  Tcp_CR_Acked: ['Idle', '-'],
  TcpConnectionConfirmed: ['Idle', '-'],
  TcpConnectionFails: ['Idle', '-'],
  BGPOpen: ['Idle', '-'],
  BGPOpen_with_DelayOpenTimer_running: ['Idle', '-'],
  BGPHeaderErr: ['Idle', '-'],
  BGPOpenMsgErr: ['Idle', '-'],
  OpenCollisionDump: ['Idle', '-'],
  NotifMsgVerErr: ['Idle', '-'],
  NotifMsg: ['Idle', '-'],
  KeepAliveMsg: ['Idle', '-'],
  UpdateMsg: ['Idle', '-'],
  UpdateMsgErr: ['Idle', '-'],
  RouteRefreshMsg: ['Idle', '-'],
  UpdateMsgSent: ['Idle', '-'],
};

/** Connect and Active differ only in ConnectRetryTimer expiry and the start events' "stay". */
const connectLike = (self: 'Connect' | 'Active'): Table => ({
  ...starts(self),
  ManualStop: ['Idle', '-'],
  AutomaticStop: ['Idle', '-'],
  ConnectRetryTimer_Expires: ['Connect', '-'],
  HoldTimer_Expires: ['Idle', '-'],
  KeepaliveTimer_Expires: ['Idle', '-'],
  DelayOpenTimer_Expires: ['OpenSent', '-'],
  IdleHoldTimer_Expires: ['Idle', '-'],
  TcpConnection_Valid: [self, '-'],
  Tcp_CR_Invalid: [self, '-'],
  Tcp_CR_Acked: ['OpenSent', '-'],
  TcpConnectionConfirmed: ['OpenSent', '-'],
  TcpConnectionFails: ['Idle', '-'],
  // Without DelayOpen our OPEN goes out first, so an OPEN here is "any other event".
  BGPOpen: ['Idle', '-'],
  BGPOpen_with_DelayOpenTimer_running: ['Idle', '-'],
  BGPHeaderErr: ['Idle', '1/2/000f'],
  BGPOpenMsgErr: ['Idle', '2/4'],
  OpenCollisionDump: ['Idle', '-'],
  NotifMsgVerErr: ['Idle', '-'],
  NotifMsg: ['Idle', '-'],
  KeepAliveMsg: ['Idle', '-'],
  UpdateMsg: ['Idle', '-'],
  UpdateMsgErr: ['Idle', '-'],
  RouteRefreshMsg: ['Idle', '-'],
  UpdateMsgSent: [self, '-'],
});

const OPEN_SENT: Table = {
  ...starts('OpenSent'),
  ManualStop: ['Idle', '6/2'],
  AutomaticStop: ['Idle', '6/0'],
  ConnectRetryTimer_Expires: ['Idle', '5/0'],
  HoldTimer_Expires: ['Idle', '4/0'],
  KeepaliveTimer_Expires: ['Idle', '5/0'],
  DelayOpenTimer_Expires: ['Idle', '5/0'],
  IdleHoldTimer_Expires: ['Idle', '5/0'],
  TcpConnection_Valid: ['OpenSent', '-'],
  Tcp_CR_Invalid: ['OpenSent', '-'],
  Tcp_CR_Acked: ['OpenSent', '-'],
  TcpConnectionConfirmed: ['OpenSent', '-'],
  TcpConnectionFails: ['Active', '-'],
  BGPOpen: ['OpenConfirm', '-'],
  // The FSM knows the DelayOpenTimer is not running: this is an ordinary BGPOpen (19).
  BGPOpen_with_DelayOpenTimer_running: ['OpenConfirm', '-'],
  BGPHeaderErr: ['Idle', '1/2/000f'],
  BGPOpenMsgErr: ['Idle', '2/4'],
  OpenCollisionDump: ['Idle', '6/7'],
  NotifMsgVerErr: ['Idle', '-'],
  NotifMsg: ['Idle', '-'],
  KeepAliveMsg: ['Idle', '5/1/04'],
  UpdateMsg: ['Idle', '5/1/02'],
  UpdateMsgErr: ['Idle', '5/1/02'],
  RouteRefreshMsg: ['Idle', '5/1/05'],
  UpdateMsgSent: ['OpenSent', '-'],
};

const OPEN_CONFIRM: Table = {
  ...starts('OpenConfirm'),
  ManualStop: ['Idle', '6/2'],
  AutomaticStop: ['Idle', '6/0'],
  ConnectRetryTimer_Expires: ['Idle', '5/0'],
  HoldTimer_Expires: ['Idle', '4/0'],
  KeepaliveTimer_Expires: ['OpenConfirm', '-'],
  DelayOpenTimer_Expires: ['Idle', '5/0'],
  IdleHoldTimer_Expires: ['Idle', '5/0'],
  TcpConnection_Valid: ['OpenConfirm', '-'],
  Tcp_CR_Invalid: ['OpenConfirm', '-'],
  Tcp_CR_Acked: ['OpenConfirm', '-'],
  TcpConnectionConfirmed: ['OpenConfirm', '-'],
  TcpConnectionFails: ['Idle', '-'],
  BGPOpen: ['Idle', '5/2/01'],
  BGPOpen_with_DelayOpenTimer_running: ['Idle', '5/2/01'],
  BGPHeaderErr: ['Idle', '1/2/000f'],
  BGPOpenMsgErr: ['Idle', '5/2/01'],
  OpenCollisionDump: ['Idle', '6/7'],
  NotifMsgVerErr: ['Idle', '-'],
  NotifMsg: ['Idle', '-'],
  KeepAliveMsg: ['Established', '-'],
  UpdateMsg: ['Idle', '5/2/02'],
  UpdateMsgErr: ['Idle', '5/2/02'],
  RouteRefreshMsg: ['Idle', '5/2/05'],
  UpdateMsgSent: ['OpenConfirm', '-'],
};

const ESTABLISHED: Table = {
  ...starts('Established'),
  ManualStop: ['Idle', '6/2'],
  AutomaticStop: ['Idle', '6/0'],
  ConnectRetryTimer_Expires: ['Idle', '5/0'],
  HoldTimer_Expires: ['Idle', '4/0'],
  KeepaliveTimer_Expires: ['Established', '-'],
  DelayOpenTimer_Expires: ['Idle', '5/0'],
  IdleHoldTimer_Expires: ['Idle', '5/0'],
  TcpConnection_Valid: ['Established', '-'],
  Tcp_CR_Invalid: ['Established', '-'],
  Tcp_CR_Acked: ['Established', '-'],
  TcpConnectionConfirmed: ['Established', '-'],
  TcpConnectionFails: ['Idle', '-'],
  BGPOpen: ['Idle', '5/3/01'],
  BGPOpen_with_DelayOpenTimer_running: ['Idle', '5/3/01'],
  BGPHeaderErr: ['Idle', '1/2/000f'],
  BGPOpenMsgErr: ['Idle', '5/3/01'],
  OpenCollisionDump: ['Idle', '6/7'],
  NotifMsgVerErr: ['Idle', '-'],
  NotifMsg: ['Idle', '-'],
  KeepAliveMsg: ['Established', '-'],
  UpdateMsg: ['Established', '-'],
  UpdateMsgErr: ['Idle', '3/1'],
  RouteRefreshMsg: ['Established', '-'],
  UpdateMsgSent: ['Established', '-'],
};

const TABLES: Readonly<Record<StateName, Table>> = {
  Idle: IDLE,
  Connect: connectLike('Connect'),
  Active: connectLike('Active'),
  OpenSent: OPEN_SENT,
  OpenConfirm: OPEN_CONFIRM,
  Established: ESTABLISHED,
};

const cfg = config();

describe.each(Object.keys(TABLES) as StateName[])('RFC 4271 §8.2.2 %s', (stateName) => {
  const table = TABLES[stateName];
  const rows = (Object.keys(table) as FsmEventType[]).map((ev) => [`${ev} (${EventNumber[ev]})`, ev, ...table[ev]] as const);

  it.each(rows)('%s → %s, NOTIFICATION %s', (_label, ev, next, notif) => {
    const from = stateIn(stateName, cfg);
    const r = step(from, EVENTS[ev], cfg);
    expect(r.state.name).toBe(next);
    expect(notificationText(r.actions)).toBe(notif);
  });

  it('leaving for Idle always drops TCP, stops the session timers and releases resources', () => {
    for (const ev of Object.keys(table) as FsmEventType[]) {
      if (stateName === 'Idle' || table[ev][0] !== 'Idle') continue;
      const r = step(stateIn(stateName, cfg), EVENTS[ev], cfg);
      const types = r.actions.map((a) => a.type);
      expect(types).toContain('drop-connection');
      expect(types).toContain('release-resources');
      for (const t of ['ConnectRetry', 'Hold', 'Keepalive', 'DelayOpen']) {
        expect(r.actions).toContainEqual({ type: 'stop-timer', timer: t });
      }
      // The RIB hears about it exactly when an Established session ends.
      expect(types.includes('session-down')).toBe(stateName === 'Established');
    }
  });
});

describe('the table covers every event', () => {
  it('has a row for each of the 28 RFC events and the internal ones', () => {
    for (const t of Object.values(TABLES)) expect(Object.keys(t).sort()).toEqual(Object.keys(EventNumber).sort());
    const rfc = Object.values(EventNumber).filter((n) => n <= 28).sort((a, b) => a - b);
    expect(rfc).toEqual(Array.from({ length: 28 }, (_, i) => i + 1));
  });
});
