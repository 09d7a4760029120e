/**
 * The session driver over in-memory sockets and a hand-moved clock: two Peers
 * reach Established, exchange UPDATEs, End-of-RIB and ROUTE-REFRESH, expire a
 * HoldTimer, shut down with an RFC 9003 message, enforce max-prefix, resolve a
 * collision and report graceful-restart downs.
 */
import type { PeerDown } from '../../../../src/bgp/session/peer-types';
import type { UpdateMessage } from '../../../../src/bgp/wire/messages/types';
import { Lab, SPEAKER_A, SPEAKER_B } from './peer-lab';
import { settle } from './memory-socket';

const ROUTE: UpdateMessage = {
  type: 'update',
  withdrawn: [],
  attributes: [
    { type: 'origin', origin: 0 },
    { type: 'as-path', segments: [{ kind: 'sequence', asns: [65001] }] },
    { type: 'next-hop', nextHop: '127.0.0.1' },
  ],
  nlri: [{ kind: 'unicast', safi: 1, prefix: { afi: 1, length: 24, address: 0xc0000200 } }],
  errors: [],
};

async function established(lab: Lab): Promise<void> {
  for (let i = 0; i < 20 && !lab.peers.every((p) => p.isEstablished); i++) await settle();
  expect(lab.peers.map((p) => p.state)).toEqual(lab.peers.map(() => 'Established'));
}

/** A (active) and B (passive), started and Established. */
async function establishedPair(lab: Lab): Promise<[ReturnType<Lab['peer']>, ReturnType<Lab['peer']>]> {
  const a = lab.peer(SPEAKER_A, SPEAKER_B);
  const b = lab.peer(SPEAKER_B, SPEAKER_A, { passive: true });
  b.start();
  a.start();
  await established(lab);
  return [a, b];
}

describe('Peer over in-memory sockets', () => {
  let lab: Lab;
  beforeEach(() => {
    lab = new Lab();
  });
  afterEach(async () => {
    await lab.close();
    expect(lab.clock.pending).toBe(0);
  });

  it('an active and a passive neighbor reach Established with the negotiated capabilities', async () => {
    const a = lab.peer(SPEAKER_A, SPEAKER_B);
    const b = lab.peer(SPEAKER_B, SPEAKER_A, { passive: true });
    const states: string[] = [];
    a.on('state', (from, to) => states.push(`${from}>${to}`));
    b.start();
    a.start();
    await established(lab);
    expect(states).toEqual(['Idle>Connect', 'Connect>OpenSent', 'OpenSent>OpenConfirm', 'OpenConfirm>Established']);
    const info = a.info();
    expect(info.asn).toBe(65002);
    expect(info.initiator).toBe('local');
    expect(b.info().initiator).toBe('remote');
    expect(info.session?.families).toEqual(['1/1']);
    expect(info.session?.fourOctetAs).toBe(true);
    expect(info.session?.routeRefresh).toBe(true);
    expect(info.session?.extendedMessage).toBe(true);
    expect(info.messages.sent.open).toBe(1);
    expect(info.messages.received.keepalive).toBeGreaterThanOrEqual(1);
  });

  it('UPDATEs, End-of-RIB and ROUTE-REFRESH reach the other side as events', async () => {
    const [a, b] = await establishedPair(lab);
    const updates: UpdateMessage[] = [];
    const eors: string[] = [];
    const refreshes: string[] = [];
    b.on('update', (m) => updates.push(m));
    b.on('end-of-rib', (afi, safi) => eors.push(`${afi}/${safi}`));
    a.on('route-refresh', (m) => refreshes.push(`${m.afi}/${m.safi}/${m.subtype}`));
    expect(a.enqueueUpdate(ROUTE)).toBe(true);
    a.initialTableSent();
    expect(b.sendRouteRefresh(1, 1)).toBe(true);
    expect(b.sendRouteRefresh(2, 1)).toBe(false); // RFC 2918: only negotiated families
    await settle();
    expect(updates).toHaveLength(1);
    expect(updates[0]?.nlri).toHaveLength(1);
    expect(eors).toEqual(['1/1']);
    expect(refreshes).toEqual(['1/1/request']);
    expect(b.info().messages.received.update).toBe(2);
  });

  it('brackets the messages of each socket read with read-start and read-end, UPDATEs inside', async () => {
    const [a, b] = await establishedPair(lab);
    const seen: string[] = [];
    b.on('read-start', () => seen.push('['));
    b.on('read-end', () => seen.push(']'));
    b.on('update', () => seen.push('u'));
    // Queued in one tick: they leave corked, in one write, and arrive in one read.
    for (let i = 0; i < 3; i++) expect(a.enqueueUpdate(ROUTE)).toBe(true);
    await settle();
    const text = seen.join('');
    expect(text.replace(/[^u]/g, '')).toBe('uuu');
    // Balanced, and every UPDATE inside a bracket.
    expect(text).toMatch(/^(\[u*\])+$/);
  });

  it('the HoldTimer expires when the neighbor stops sending: NOTIFICATION 4/0 both sides can read', async () => {
    const a = lab.peer(SPEAKER_A, SPEAKER_B, {}, { holdTime: 9 });
    const b = lab.peer(SPEAKER_B, SPEAKER_A, { passive: true }, { holdTime: 9 });
    b.start();
    a.start();
    await established(lab);
    const downs: PeerDown[] = [];
    a.on('down', (d) => downs.push(d));
    // B keeps its session but nothing it writes arrives any more.
    for (const s of lab.sockets) if (s.remoteAddress === SPEAKER_A.address) s.mute = true;
    await lab.tick(10_000);
    expect(a.info().lastError).toBe('sent NOTIFICATION 4/0 Hold Timer Expired');
    expect(b.info().lastError).toBe('received NOTIFICATION 4/0 Hold Timer Expired');
    expect(downs.map((d) => d.reason.type)).toEqual(['local-error']);
    expect(downs[0]?.graceful).toBeNull();
  });

  it('stop() sends Cease 6/2 with the RFC 9003 message, and the peer stays down', async () => {
    const [a, b] = await establishedPair(lab);
    a.stop('maintenance window');
    await settle();
    expect(a.info().lastError).toBe('sent NOTIFICATION 6/2 Cease/Administrative Shutdown: maintenance window');
    expect(b.info().lastError).toBe('received NOTIFICATION 6/2 Cease/Administrative Shutdown: maintenance window');
    await lab.tick(200_000, 5000);
    expect(a.state).toBe('Idle');
    expect(a.info().enabled).toBe(false);
  });

  it('reset() sends Cease 6/4 and the session comes back', async () => {
    const [a, b] = await establishedPair(lab);
    a.reset('policy changed');
    await settle();
    expect(b.info().lastError).toBe('received NOTIFICATION 6/4 Cease/Administrative Reset: policy changed');
    // B waits out its IdleHoldTimer (5 s) before it listens again; A retries after ConnectRetry.
    await lab.tick(130_000, 1000);
    await established(lab);
    expect(a.info().establishedTransitions).toBe(2);
  });

  it('max-prefix: over the limit sends Cease 6/1 with AFI, SAFI and the limit, then restarts after restartSeconds', async () => {
    const a = lab.peer(SPEAKER_A, SPEAKER_B, { maxPrefix: { limit: 2, warningOnly: false, restartSeconds: 30, warningThreshold: 50 } });
    const b = lab.peer(SPEAKER_B, SPEAKER_A, { passive: true });
    b.start();
    a.start();
    await established(lab);
    const events: string[] = [];
    a.on('max-prefix', (e) => events.push(`${e.kind}:${e.action}:${e.count}`));
    const bDown = new Promise<PeerDown>((resolve) => b.once('down', resolve));
    a.setPrefixCount(1, 1, 1);
    a.setPrefixCount(1, 1, 2);
    a.setPrefixCount(1, 1, 3);
    await settle();
    expect(events).toEqual(['threshold:warning:1', 'exceeded:teardown:3']);
    expect(a.state).toBe('Idle');
    const received = b.info().lastError;
    expect(received).toBe('received NOTIFICATION 6/1 Cease/Maximum Number of Prefixes Reached');
    const down = await bDown;
    // RFC 4486 §4: AFI 1, SAFI 1, limit 2.
    expect(down.reason.type === 'peer-notification' ? Buffer.from(down.reason.notification.data).toString('hex') : '').toBe('0001' + '01' + '00000002');
    await lab.tick(20_000, 1000);
    expect(a.state).toBe('Idle');
    await lab.tick(11_000, 1000);
    await established(lab);
  });

  it('max-prefix warning-only never tears down', async () => {
    const a = lab.peer(SPEAKER_A, SPEAKER_B, { maxPrefix: { limit: 2, warningOnly: true, restartSeconds: 0, warningThreshold: 100 } });
    const b = lab.peer(SPEAKER_B, SPEAKER_A, { passive: true });
    b.start();
    a.start();
    await established(lab);
    const events: string[] = [];
    a.on('max-prefix', (e) => events.push(`${e.kind}:${e.action}`));
    a.setPrefixCount(1, 1, 5);
    a.setPrefixCount(1, 1, 6);
    await settle();
    expect(events).toEqual(['exceeded:warning']);
    expect(a.isEstablished).toBe(true);
  });

  it('collision with both sides active: one session survives, on the connection the higher BGP Identifier opened', async () => {
    const a = lab.peer(SPEAKER_A, SPEAKER_B);
    const b = lab.peer(SPEAKER_B, SPEAKER_A);
    a.start();
    b.start();
    await established(lab);
    await lab.tick(2000);
    expect(a.isEstablished && b.isEstablished).toBe(true);
    // 10.0.0.2 (B) is dominant: the connection B initiated is kept (RFC 4271 §6.8).
    expect(b.info().initiator).toBe('local');
    expect(a.info().initiator).toBe('remote');
    expect(a.info().establishedTransitions).toBe(1);
    expect(b.info().establishedTransitions).toBe(1);
    // The losing connection was closed with Cease 6/7 (RFC 4271 §6.8).
    expect(a.info().messages.received.notification + b.info().messages.received.notification).toBeGreaterThanOrEqual(1);
  });

  it('graceful restart: a TCP failure reports a graceful down with the peer restart time', async () => {
    const gr = { restartTime: 120, restarting: false, notification: false, families: [{ afi: 1, safi: 1, forwardingPreserved: true }] };
    const a = lab.peer(SPEAKER_A, SPEAKER_B, {}, { gracefulRestart: gr });
    const b = lab.peer(SPEAKER_B, SPEAKER_A, { passive: true }, { gracefulRestart: { ...gr, restartTime: 90 } });
    b.start();
    a.start();
    await established(lab);
    const downs: PeerDown[] = [];
    a.on('down', (d) => downs.push(d));
    for (const s of lab.sockets) s.destroy();
    await settle();
    expect(downs).toHaveLength(1);
    expect(downs[0]?.graceful).toEqual({ restartTime: 90, families: [{ afi: 1, safi: 1, forwardingPreserved: true }] });
  });

  it('the R bit goes out while restarting and is cleared once the initial table was sent', async () => {
    const gr = { restartTime: 120, restarting: true, notification: false, families: [{ afi: 1, safi: 1, forwardingPreserved: true }] };
    const a = lab.peer(SPEAKER_A, SPEAKER_B, {}, { gracefulRestart: gr });
    const b = lab.peer(SPEAKER_B, SPEAKER_A, { passive: true }, { gracefulRestart: { ...gr, restarting: false } });
    b.start();
    a.start();
    await established(lab);
    expect(b.negotiated?.gracefulRestart?.restarting).toBe(true);
    const eors: string[] = [];
    b.on('end-of-rib', (afi, safi) => eors.push(`${afi}/${safi}`));
    a.initialTableSent();
    await settle();
    expect(eors).toEqual(['1/1']);
    a.reset();
    await lab.tick(130_000, 1000);
    await established(lab);
    expect(b.negotiated?.gracefulRestart?.restarting).toBe(false);
  });

  it('a connection refused is the last error', async () => {
    const a = lab.peer(SPEAKER_A, { address: '127.0.0.9', asn: 65009, routerId: '10.0.0.9' });
    a.start();
    await settle();
    expect(a.state).toBe('Idle');
    expect(a.info().lastError).toBe('connection refused');
  });

  it('a new connection from a restarted GR peer replaces the Established session (RFC 4724 §4.2)', async () => {
    const gr = { restartTime: 120, restarting: false, notification: false, families: [{ afi: 1, safi: 1, forwardingPreserved: true }] };
    const a = lab.peer(SPEAKER_A, SPEAKER_B, { passive: true }, { gracefulRestart: gr });
    const b = lab.peer(SPEAKER_B, SPEAKER_A, {}, { gracefulRestart: gr });
    a.start();
    b.start();
    await established(lab);
    // B "crashes" without a FIN (its sockets go silent) and comes back as a new process.
    const downs: PeerDown[] = [];
    a.on('down', (d) => downs.push(d));
    for (const s of lab.sockets) if (s.remoteAddress === SPEAKER_A.address) s.crash();
    await b.shutdown();
    expect(a.isEstablished).toBe(true);
    const restarted = lab.peer(SPEAKER_B, SPEAKER_A, {}, { gracefulRestart: { ...gr, restarting: true } });
    restarted.start();
    for (let i = 0; i < 20 && !(a.isEstablished && restarted.isEstablished && downs.length > 0); i++) await settle();
    expect(downs).toHaveLength(1);
    expect(downs[0]?.graceful?.restartTime).toBe(120);
    expect(a.isEstablished && restarted.isEstablished).toBe(true);
    expect(a.negotiated?.gracefulRestart?.restarting).toBe(true);
    expect(a.info().establishedTransitions).toBe(2);
  });

  it('start() after shutdown() brings the peer back', async () => {
    const [a, b] = await establishedPair(lab);
    await a.shutdown('bye');
    expect(a.state).toBe('Idle');
    await lab.tick(6000, 1000); // B's IdleHoldTimer
    a.start();
    await established(lab);
  });
});
