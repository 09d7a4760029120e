/**
 * Test helpers for the session FSM: a configured neighbor, the peer's OPEN,
 * and a tiny driver that runs `step()` against a hand-advanced clock through
 * SessionTimers, feeding expired timers back as their events. No sleeping.
 */
import type { Capability } from '../../../../src/bgp/wire/capabilities/types';
import type { NotificationMessage, OpenMessage } from '../../../../src/bgp/wire/messages/types';
import { fsmConfig, initialState, step } from '../../../../src/bgp/session/fsm';
import { TimerEvent, type FsmAction, type FsmConfig, type FsmEvent, type SessionState, type StateName, type TimerName } from '../../../../src/bgp/session/fsm-types';
import { neighborConfig, type NeighborConfig } from '../../../../src/bgp/session/negotiate-types';
import { SessionTimers } from '../../../../src/bgp/session/timers';

export const LOCAL_AS = 65001;
export const PEER_AS = 65002;
export const LOCAL_ID = '192.0.2.1';
export const PEER_ID = '192.0.2.2';

export function neighbor(overrides: Partial<NeighborConfig> = {}): NeighborConfig {
  return neighborConfig({ localAs: LOCAL_AS, routerId: LOCAL_ID, peerAs: PEER_AS }, overrides);
}

/** Random fixed at 0.5: every jittered value is 0.875 of its base. */
export function config(overrides: Partial<Omit<FsmConfig, 'neighbor'>> = {}, neighborOverrides: Partial<NeighborConfig> = {}): FsmConfig {
  return fsmConfig(neighbor(neighborOverrides), { random: () => 0.5, ...overrides });
}

export function peerOpen(overrides: Partial<OpenMessage> = {}, capabilities?: readonly Capability[]): OpenMessage {
  return {
    type: 'open',
    version: 4,
    myAs: PEER_AS,
    holdTime: 90,
    bgpId: PEER_ID,
    capabilities: capabilities ?? [
      { type: 'multiprotocol', afi: 1, safi: 1 },
      { type: 'route-refresh' },
      { type: 'four-octet-as', asn: PEER_AS },
    ],
    ...overrides,
  };
}

/** Runs events in order from `state`, collecting every action. */
export function run(state: SessionState, events: readonly FsmEvent[], cfg: FsmConfig): { state: SessionState; actions: FsmAction[] } {
  let s = state;
  const actions: FsmAction[] = [];
  for (const e of events) {
    const r = step(s, e, cfg);
    s = r.state;
    actions.push(...r.actions);
  }
  return { state: s, actions };
}

const PATH_TO: Readonly<Record<StateName, readonly FsmEvent[]>> = {
  Idle: [],
  Connect: [{ type: 'ManualStart' }],
  Active: [{ type: 'ManualStart_with_PassiveTcpEstablishment' }],
  OpenSent: [{ type: 'ManualStart' }, { type: 'TcpConnectionConfirmed' }],
  OpenConfirm: [{ type: 'ManualStart' }, { type: 'TcpConnectionConfirmed' }, { type: 'BGPOpen', open: peerOpen() }],
  Established: [{ type: 'ManualStart' }, { type: 'TcpConnectionConfirmed' }, { type: 'BGPOpen', open: peerOpen() }, { type: 'KeepAliveMsg' }],
};

/** A state reached the ordinary way (active start, peer's default OPEN). */
export function stateIn(name: StateName, cfg: FsmConfig, open?: OpenMessage): SessionState {
  const events = PATH_TO[name].map((e) => (e.type === 'BGPOpen' && open !== undefined ? { ...e, open } : e));
  const s = run(initialState(), events, cfg).state;
  if (s.name !== name) throw new Error(`harness could not reach ${name}, got ${s.name}`);
  return s;
}

export function notificationsOf(actions: readonly FsmAction[]): NotificationMessage[] {
  const out: NotificationMessage[] = [];
  for (const a of actions) if (a.type === 'send' && a.message.type === 'notification') out.push(a.message);
  return out;
}

/** "code/subcode" plus "/hex" when there is data; "-" when nothing was sent. */
export function notificationText(actions: readonly FsmAction[]): string {
  const n = notificationsOf(actions);
  if (n.length === 0) return '-';
  return n.map((m) => `${m.code}/${m.subcode}${m.data.length > 0 ? `/${Buffer.from(m.data).toString('hex')}` : ''}`).join(',');
}

export function sentTypes(actions: readonly FsmAction[]): string[] {
  return actions.flatMap((a) => (a.type === 'send' ? [a.message.type] : []));
}

export function timerStart(actions: readonly FsmAction[], timer: TimerName): number | undefined {
  let ms: number | undefined;
  for (const a of actions) if (a.type === 'start-timer' && a.timer === timer) ms = a.ms;
  return ms;
}

/** A driver over a fake clock: actions are recorded with their time, timers fire when the clock passes them. */
export class FakeDriver {
  now = 0;
  state: SessionState;
  readonly timers = new SessionTimers();
  readonly log: { at: number; action: FsmAction }[] = [];

  constructor(readonly cfg: FsmConfig, state: SessionState = initialState()) {
    this.state = state;
  }

  fire(event: FsmEvent): FsmAction[] {
    const r = step(this.state, event, this.cfg);
    this.state = r.state;
    this.timers.apply(r.actions, this.now);
    for (const action of r.actions) this.log.push({ at: this.now, action });
    return [...r.actions];
  }

  /** Moves the clock forward, firing each timer at its deadline in order. */
  advance(ms: number): void {
    const end = this.now + ms;
    for (;;) {
      const next = this.timers.nextDeadline();
      if (next === null || next > end) break;
      this.now = Math.max(this.now, next);
      const timer = this.timers.takeDue(this.now);
      if (timer !== null) this.fire(TimerEvent[timer]);
    }
    this.now = end;
  }

  /** Times at which a message of `type` was sent. */
  sentAt(type: string): number[] {
    return this.log.filter((l) => l.action.type === 'send' && l.action.message.type === type).map((l) => l.at);
  }

  actionsSince(at: number): FsmAction[] {
    return this.log.filter((l) => l.at >= at).map((l) => l.action);
  }
}
