/**
 * FSM behaviour over time and by option: timers through a fake clock, hold
 * time 0, jitter, passive neighbors, DelayOpen, OPEN errors, the IdleHold
 * backoff. Time only moves when a test advances it.
 */
import fc from 'fast-check';
import { jitter } from '../../../../src/bgp/session/timers';
import { initialState, step } from '../../../../src/bgp/session/fsm';
import type { FsmAction, SessionState } from '../../../../src/bgp/session/fsm-types';
import { buildOpenMessage } from '../../../../src/bgp/session/local-open';
import { config, FakeDriver, notificationText, peerOpen, run, sentTypes, stateIn, timerStart } from './harness';

const TCP_UP = { type: 'TcpConnectionConfirmed' } as const;
const KEEPALIVE_IN = { type: 'KeepAliveMsg' } as const;

function established(d: FakeDriver, holdTime = 90): void {
  d.fire({ type: 'ManualStart' });
  d.fire(TCP_UP);
  d.fire({ type: 'BGPOpen', open: peerOpen({ holdTime }) });
  d.fire(KEEPALIVE_IN);
  expect(d.state.name).toBe('Established');
}

describe('starting (RFC 4271 §8.2.2 Idle)', () => {
  it('ManualStart (1) arms the jittered ConnectRetryTimer and connects', () => {
    const r = step(initialState(), { type: 'ManualStart' }, config());
    expect(r.state.name).toBe('Connect');
    // 120 s × (0.75 + 0.25 × 0.5)
    expect(r.actions).toEqual([{ type: 'start-timer', timer: 'ConnectRetry', ms: 105_000 }, { type: 'connect' }]);
  });

  it('a passive start (4) listens in Active without connecting', () => {
    const r = step(initialState(), { type: 'ManualStart_with_PassiveTcpEstablishment' }, config());
    expect(r.state.name).toBe('Active');
    expect(r.actions.map((a) => a.type)).not.toContain('connect');
  });

  it('a passive neighbor never connects out when the ConnectRetryTimer expires in Active', () => {
    const cfg = config({ passive: true });
    const r = step(stateIn('Active', cfg), { type: 'ConnectRetryTimer_Expires' }, cfg);
    expect(r.state.name).toBe('Active');
    expect(r.actions).toEqual([{ type: 'start-timer', timer: 'ConnectRetry', ms: 105_000 }]);
  });

  it('without the passive option, Active connects when the ConnectRetryTimer expires (9)', () => {
    const cfg = config();
    const r = step(stateIn('Active', cfg), { type: 'ConnectRetryTimer_Expires' }, cfg);
    expect(r.state.name).toBe('Connect');
    expect(r.actions.map((a) => a.type)).toContain('connect');
  });

  it('Connect retries on ConnectRetryTimer expiry: drop, rearm, connect again', () => {
    const cfg = config();
    const r = step(stateIn('Connect', cfg), { type: 'ConnectRetryTimer_Expires' }, cfg);
    expect(r.state.name).toBe('Connect');
    expect(r.actions.map((a) => a.type)).toEqual(['drop-connection', 'start-timer', 'connect']);
  });
});

describe('OPEN and the negotiated timers', () => {
  it('TCP up sends our OPEN and sets the large HoldTimer (4 min) in OpenSent', () => {
    const cfg = config();
    const r = step(stateIn('Connect', cfg), TCP_UP, cfg);
    expect(r.state.name).toBe('OpenSent');
    expect(r.actions).toContainEqual({ type: 'send', message: buildOpenMessage(cfg.neighbor) });
    expect(timerStart(r.actions, 'Hold')).toBe(240_000);
    expect(r.actions).toContainEqual({ type: 'stop-timer', timer: 'ConnectRetry' });
  });

  it('a valid OPEN sends KEEPALIVE and sets Hold = min(local, remote), Keepalive = Hold/3 jittered', () => {
    const cfg = config();
    const r = step(stateIn('OpenSent', cfg), { type: 'BGPOpen', open: peerOpen({ holdTime: 30 }) }, cfg);
    expect(r.state.name).toBe('OpenConfirm');
    expect(sentTypes(r.actions)).toEqual(['keepalive']);
    expect(timerStart(r.actions, 'Hold')).toBe(30_000);
    expect(timerStart(r.actions, 'Keepalive')).toBe(8_750); // 10 s × 0.875
  });

  it('hold time 0 means neither HoldTimer nor KeepaliveTimer (RFC 4271 §4.2)', () => {
    const d = new FakeDriver(config());
    established(d, 0);
    expect(d.timers.isRunning('Hold')).toBe(false);
    expect(d.timers.isRunning('Keepalive')).toBe(false);
    const before = d.sentAt('keepalive').length;
    d.advance(3_600_000);
    expect(d.state.name).toBe('Established');
    expect(d.sentAt('keepalive').length).toBe(before);
    // Incoming messages restart nothing either.
    expect(step(d.state, KEEPALIVE_IN, d.cfg).actions).toEqual([]);
  });

  it('reaching Established tells the RIB, with the codec contexts', () => {
    const cfg = config();
    const r = step(stateIn('OpenConfirm', cfg), KEEPALIVE_IN, cfg);
    const up = r.actions.find((a): a is Extract<FsmAction, { type: 'session-up' }> => a.type === 'session-up');
    expect(up?.session.peerAs).toBe(65002);
    expect(up?.session.decodeContext.fourOctetAs).toBe(true);
    expect(timerStart(r.actions, 'Hold')).toBe(90_000);
  });

  it('UPDATEs are delivered and restart the HoldTimer; sending one restarts the KeepaliveTimer', () => {
    const cfg = config();
    const s = stateIn('Established', cfg);
    const update = { type: 'update', withdrawn: [], attributes: [], nlri: [], errors: [] } as const;
    const r = step(s, { type: 'UpdateMsg', update }, cfg);
    expect(r.actions).toEqual([{ type: 'deliver', message: update }, { type: 'start-timer', timer: 'Hold', ms: 90_000 }]);
    expect(step(s, { type: 'UpdateMsgSent' }, cfg).actions).toEqual([{ type: 'start-timer', timer: 'Keepalive', ms: 26_250 }]);
  });
});

describe('timers through the fake clock', () => {
  it('sends KEEPALIVEs every Hold/3 × jitter while the peer keeps talking', () => {
    const d = new FakeDriver(config());
    established(d);
    const start = d.now;
    for (let i = 0; i < 10; i++) {
      d.advance(20_000);
      d.fire(KEEPALIVE_IN);
    }
    expect(d.state.name).toBe('Established');
    const ka = d.sentAt('keepalive').filter((t) => t > start);
    expect(ka).toEqual([26_250, 52_500, 78_750, 105_000, 131_250, 157_500, 183_750]);
  });

  it('expires the HoldTimer when the peer goes silent: 4/0 and Idle', () => {
    const d = new FakeDriver(config({ automaticRestart: false }));
    established(d);
    d.advance(89_999);
    expect(d.state.name).toBe('Established');
    d.advance(1);
    expect(d.state.name).toBe('Idle');
    expect(notificationText(d.actionsSince(90_000))).toBe('4/0');
    expect(d.actionsSince(90_000).map((a) => a.type)).toContain('session-down');
  });

  it('expires the large HoldTimer in OpenSent after 4 minutes', () => {
    const d = new FakeDriver(config({ automaticRestart: false }));
    d.fire({ type: 'ManualStart' });
    d.fire(TCP_UP);
    d.advance(239_999);
    expect(d.state.name).toBe('OpenSent');
    d.advance(1);
    expect(d.state.name).toBe('Idle');
    expect(notificationText(d.actionsSince(240_000))).toBe('4/0');
  });

  it('never sends KEEPALIVEs more often than once per second, even at hold 3 with the lowest jitter', () => {
    const d = new FakeDriver(config({ random: () => 0 }, { holdTime: 3 }));
    established(d, 3);
    expect(d.timers.remaining('Keepalive', d.now)).toBe(1000);
    d.advance(2_500);
    const times = d.sentAt('keepalive');
    for (let i = 1; i < times.length; i++) expect((times[i] ?? 0) - (times[i - 1] ?? 0)).toBeGreaterThanOrEqual(1000);
  });

  it.each([
    [0, 90_000],
    [0.999999, 119_999.88],
    [0.5, 105_000],
  ])('jitters the ConnectRetryTimer into [0.75, 1.0] × 120 s (random %p)', (r, expected) => {
    const actions = step(initialState(), { type: 'ManualStart' }, config({ random: () => r })).actions;
    const ms = timerStart(actions, 'ConnectRetry') ?? -1;
    expect(ms).toBeCloseTo(expected, -1);
    expect(ms).toBeGreaterThanOrEqual(90_000);
    expect(ms).toBeLessThanOrEqual(120_000);
  });

  it('keeps any jittered duration within [0.75, 1.0] of its base (RFC 4271 §10)', () => {
    fc.assert(
      fc.property(fc.double({ min: 0, max: 1, noNaN: true }), fc.integer({ min: 1, max: 10_000_000 }), (r, ms) => {
        const j = jitter(ms, () => r);
        return j >= Math.round(ms * 0.75) && j <= ms;
      }),
    );
  });

  it('draws a fresh jitter each time a keepalive is armed', () => {
    const values = [0, 1, 0.5];
    let i = 0;
    const d = new FakeDriver(config({ random: () => values[i++ % values.length] ?? 0 }));
    established(d);
    const starts: number[] = [];
    for (let k = 0; k < 3; k++) starts.push(timerStart(d.fire({ type: 'KeepaliveTimer_Expires' }), 'Keepalive') ?? -1);
    expect(new Set(starts).size).toBeGreaterThan(1);
    for (const ms of starts) {
      expect(ms).toBeGreaterThanOrEqual(22_500);
      expect(ms).toBeLessThanOrEqual(30_000);
    }
  });
});

describe('DelayOpen (RFC 4271 §8.1.1)', () => {
  const cfg = config({ delayOpenTime: 5 });

  it('holds our OPEN back after TCP comes up', () => {
    const r = step(stateIn('Connect', cfg), TCP_UP, cfg);
    expect(r.state.name).toBe('Connect');
    expect(r.state.delayOpenRunning).toBe(true);
    expect(sentTypes(r.actions)).toEqual([]);
    expect(r.actions).toEqual([{ type: 'stop-timer', timer: 'ConnectRetry' }, { type: 'start-timer', timer: 'DelayOpen', ms: 5_000 }]);
  });

  it('sends OPEN when the DelayOpenTimer expires (12)', () => {
    const r = run(stateIn('Connect', cfg), [TCP_UP, { type: 'DelayOpenTimer_Expires' }], cfg);
    expect(r.state.name).toBe('OpenSent');
    expect(sentTypes(r.actions)).toEqual(['open']);
  });

  it('answers the peer’s OPEN with OPEN then KEEPALIVE, straight to OpenConfirm (20)', () => {
    const r = run(stateIn('Connect', cfg), [TCP_UP, { type: 'BGPOpen', open: peerOpen() }], cfg);
    expect(r.state.name).toBe('OpenConfirm');
    expect(sentTypes(r.actions)).toEqual(['open', 'keepalive']);
    expect(r.state.delayOpenRunning).toBe(false);
  });

  it('falls back to Active when TCP fails while the DelayOpenTimer runs (Connect + 18)', () => {
    const r = run(stateIn('Connect', cfg), [TCP_UP, { type: 'TcpConnectionFails' }], cfg);
    expect(r.state.name).toBe('Active');
    expect(timerStart(r.actions, 'ConnectRetry')).toBe(105_000);
  });

  it('works from Active too (passive neighbor)', () => {
    const r = run(stateIn('Active', cfg), [TCP_UP, { type: 'BGPOpen', open: peerOpen() }], cfg);
    expect(r.state.name).toBe('OpenConfirm');
  });

  it('keeps the NOTIFICATION back when SendNOTIFICATIONwithoutOPEN is off', () => {
    const quiet = config({ delayOpenTime: 5, sendNotificationWithoutOpen: false });
    const r = run(stateIn('Connect', quiet), [TCP_UP, { type: 'BGPHeaderErr', error: { code: 1, subcode: 1, data: new Uint8Array(0) } }], quiet);
    expect(r.state.name).toBe('Idle');
    expect(notificationText(r.actions)).toBe('-');
    expect(r.state.lastError).toMatchObject({ type: 'local-error', sent: false });
  });
});

describe('errors in the peer’s OPEN become the right NOTIFICATION and Idle', () => {
  const cfg = config();
  it.each([
    ['wrong peer AS', peerOpen({ myAs: 65099 }, [{ type: 'multiprotocol', afi: 1, safi: 1 }]), '2/2/fe4b'],
    ['hold time 2', peerOpen({ holdTime: 2 }), '2/6/0002'],
    ['zero BGP Identifier', peerOpen({ bgpId: '0.0.0.0' }), '2/3/00000000'],
    ['version 3', peerOpen({ version: 3 }), '2/1/0004'],
  ])('%s', (_name, open, expected) => {
    const r = step(stateIn('OpenSent', cfg), { type: 'BGPOpen', open }, cfg);
    expect(r.state.name).toBe('Idle');
    expect(notificationText(r.actions)).toBe(expected);
    expect(r.state.connectRetryCounter).toBe(1);
  });

  it('our own BGP Identifier from an iBGP peer is 2/3 (RFC 6286)', () => {
    const ibgp = config({}, { peerAs: 65001 });
    const open = peerOpen({ myAs: 65001, bgpId: '192.0.2.1' }, [{ type: 'four-octet-as', asn: 65001 }]);
    const r = step(stateIn('OpenSent', ibgp), { type: 'BGPOpen', open }, ibgp);
    expect(notificationText(r.actions)).toBe('2/3/c0000201');
  });
});

describe('stops and peer NOTIFICATIONs', () => {
  it('ManualStop carries an RFC 9003 shutdown communication and zeroes the ConnectRetryCounter', () => {
    const cfg = config();
    const data = Buffer.concat([Buffer.from([4]), Buffer.from('bye!')]);
    const r = step(stateIn('Established', cfg), { type: 'ManualStop', cease: { subcode: 2, data } }, cfg);
    expect(notificationText(r.actions)).toBe('6/2/0462796521');
    expect(r.state.connectRetryCounter).toBe(0);
    expect(r.state.lastError).toEqual({ type: 'stopped', manual: true });
    expect(r.actions.map((a) => a.type)).not.toContain('start-timer');
  });

  it('a 2/1 NOTIFICATION is NotifMsgVerErr (24): no retry counted', () => {
    const cfg = config();
    const notification = { type: 'notification', code: 2, subcode: 1, data: Uint8Array.of(0, 4) } as const;
    const r = step(stateIn('OpenSent', cfg), { type: 'NotifMsg', notification }, cfg);
    expect(r.state.name).toBe('Idle');
    expect(r.state.connectRetryCounter).toBe(0);
    expect(r.state.lastError).toEqual({ type: 'peer-notification', notification });
  });

  it('any other NOTIFICATION counts a retry and is remembered as the last error', () => {
    const cfg = config();
    const notification = { type: 'notification', code: 6, subcode: 4, data: new Uint8Array(0) } as const;
    const r = step(stateIn('Established', cfg), { type: 'NotifMsg', notification }, cfg);
    expect(r.state.connectRetryCounter).toBe(1);
    expect(r.actions).toContainEqual({ type: 'session-down', reason: { type: 'peer-notification', notification } });
  });

  it('the collision loser (23) sends Cease 6/7 and does not restart', () => {
    const cfg = config();
    const r = step(stateIn('OpenConfirm', cfg), { type: 'OpenCollisionDump' }, cfg);
    expect(notificationText(r.actions)).toBe('6/7');
    expect(timerStart(r.actions, 'IdleHold')).toBeUndefined();
    expect(r.state.lastError).toEqual({ type: 'collision-lost' });
  });
});

describe('automatic restart and damping (IdleHoldTimer)', () => {
  function failOnce(d: FakeDriver): number {
    // Wait for the pending restart (if any), then let the connection attempt fail.
    const wait = d.timers.remaining('IdleHold', d.now);
    if (wait !== null) d.advance(wait);
    expect(d.state.name).toBe('Connect');
    d.fire({ type: 'TcpConnectionFails' });
    expect(d.state.name).toBe('Idle');
    return d.timers.remaining('IdleHold', d.now) ?? -1;
  }

  it('doubles the wait after each consecutive failure, up to the maximum', () => {
    const d = new FakeDriver(config());
    d.fire({ type: 'ManualStart' });
    const waits = Array.from({ length: 8 }, () => failOnce(d));
    expect(waits).toEqual([5_000, 10_000, 20_000, 40_000, 80_000, 120_000, 120_000, 120_000]);
  });

  it('keeps the wait constant without DampPeerOscillations', () => {
    const d = new FakeDriver(config({ dampPeerOscillations: false }));
    d.fire({ type: 'ManualStart' });
    expect(Array.from({ length: 4 }, () => failOnce(d))).toEqual([5_000, 5_000, 5_000, 5_000]);
  });

  it('forgets the failures once the session is Established (as FRR does)', () => {
    const d = new FakeDriver(config());
    d.fire({ type: 'ManualStart' });
    failOnce(d);
    failOnce(d);
    d.advance(d.timers.remaining('IdleHold', d.now) ?? 0);
    d.fire(TCP_UP);
    d.fire({ type: 'BGPOpen', open: peerOpen() });
    d.fire(KEEPALIVE_IN);
    expect(d.state.failures).toBe(0);
    d.fire({ type: 'TcpConnectionFails' });
    expect(d.timers.remaining('IdleHold', d.now)).toBe(5_000);
  });

  it('restarts passively for a passive neighbor', () => {
    const d = new FakeDriver(config({ passive: true }));
    d.fire({ type: 'ManualStart_with_PassiveTcpEstablishment' });
    d.fire({ type: 'TcpConnectionFails' });
    d.advance(5_000);
    expect(d.state.name).toBe('Active');
  });

  it('does not restart when automatic restart is off', () => {
    const cfg = config({ automaticRestart: false });
    const r = run(initialState(), [{ type: 'ManualStart' }, { type: 'TcpConnectionFails' }], cfg);
    expect(r.state.pendingStart).toBeNull();
    expect(timerStart(r.actions, 'IdleHold')).toBeUndefined();
  });

  it('ManualStop in Idle cancels a pending restart', () => {
    const d = new FakeDriver(config());
    d.fire({ type: 'ManualStart' });
    d.fire({ type: 'TcpConnectionFails' });
    expect(d.fire({ type: 'ManualStop' })).toEqual([{ type: 'stop-timer', timer: 'IdleHold' }]);
    d.advance(600_000);
    expect(d.state.name).toBe('Idle');
  });

  it('a damped start (6) after failures waits for the IdleHoldTimer (13) first', () => {
    const cfg = config({ automaticRestart: false });
    let s: SessionState = run(initialState(), [{ type: 'ManualStart' }, { type: 'TcpConnectionFails' }], cfg).state;
    s = { ...s, failures: 3 };
    const held = step(s, { type: 'AutomaticStart_with_DampPeerOscillations' }, cfg);
    expect(held.state.name).toBe('Idle');
    expect(timerStart(held.actions, 'IdleHold')).toBe(20_000);
    const go = step(held.state, { type: 'IdleHoldTimer_Expires' }, cfg);
    expect(go.state.name).toBe('Connect');
    expect(go.state.connectRetryCounter).toBe(held.state.connectRetryCounter);
  });
});
