/**
 * Two Peers over real TCP on 127.0.0.0/8 with ephemeral (configured remote)
 * ports: Established with the negotiated capabilities, passive neighbors,
 * collisions, administrative shutdown, hold timer expiry and TCP-MD5.
 */
import { Node, RawClient, encode, openFrom, sleep, waitForState } from './session-lab';

const A = { address: '127.0.0.1', asn: 65001, routerId: '10.0.0.1' };
const B = { address: '127.0.0.2', asn: 65002, routerId: '10.0.0.2' };

describe('sessions over real TCP', () => {
  let a: Node;
  let b: Node;
  beforeEach(async () => {
    a = await new Node(A).listen();
    b = await new Node(B).listen();
  });
  afterEach(async () => {
    await a.close();
    await b.close();
  });

  it('an active neighbor reaches a passive one on its configured port, with the negotiated capabilities', async () => {
    const toB = a.peer(B, b.port, {}, { families: [{ afi: 1, safi: 1 }, { afi: 1, safi: 128 }] });
    const toA = b.peer(A, a.port, { passive: true }, { families: [{ afi: 1, safi: 128 }, { afi: 2, safi: 1 }], extendedMessage: false });
    toA.start();
    toB.start();
    await Promise.all([waitForState(toB, 'Established'), waitForState(toA, 'Established')]);
    const info = toB.info();
    expect(info.port).toBe(b.port);
    expect(info.session?.families).toEqual(['1/128']);
    expect(info.session?.extendedMessage).toBe(false);
    expect(info.session?.fourOctetAs).toBe(true);
    expect(info.session?.enhancedRouteRefresh).toBe(true);
    expect(toA.info().initiator).toBe('remote');
  });

  it('administrative shutdown: the other side receives Cease 6/2 with the RFC 9003 text', async () => {
    const toB = a.peer(B, b.port);
    const toA = b.peer(A, a.port, { passive: true });
    toA.start();
    toB.start();
    await waitForState(toA, 'Established');
    const down = new Promise<string>((resolve) => toA.once('down', (d) => resolve(d.text)));
    toB.stop('planned maintenance, back at 14:00');
    expect(await down).toBe('received NOTIFICATION 6/2 Cease/Administrative Shutdown: planned maintenance, back at 14:00');
  });

  it('collision with both sides active: both end up Established on one connection', async () => {
    const toB = a.peer(B, b.port);
    const toA = b.peer(A, a.port);
    toB.start();
    toA.start();
    await Promise.all([waitForState(toB, 'Established'), waitForState(toA, 'Established')]);
    await sleep(300);
    expect(toB.isEstablished && toA.isEstablished).toBe(true);
    // Both sides agree on the connection kept: the one 10.0.0.2 (B) opened.
    expect(toA.info().initiator).not.toBe(toB.info().initiator);
  });

  it('the HoldTimer expires when the neighbor stops sending: NOTIFICATION 4/0', async () => {
    const toA = b.peer(A, a.port, { passive: true }, { holdTime: 3 });
    toA.start();
    const raw = new RawClient(A.address, B.address, b.port);
    await raw.connected();
    raw.write(encode(openFrom(A, 3)));
    raw.write(encode({ type: 'keepalive' }));
    await waitForState(toA, 'Established');
    // Nothing more from us: the hold time is 3 s.
    expect(await raw.notification(6000)).toBe('4/0');
    expect(toA.info().lastError).toBe('sent NOTIFICATION 4/0 Hold Timer Expired');
    raw.destroy();
  });
});

describe('TCP-MD5 (RFC 2385) per neighbor', () => {
  let a: Node;
  let b: Node;
  beforeEach(async () => {
    a = await new Node(A).listen();
    b = await new Node(B).listen();
  });
  afterEach(async () => {
    await a.close();
    await b.close();
  });

  it('a wrong key keeps the session down; the right key brings it up', async () => {
    const toA = b.peer(A, a.port, { passive: true, md5Key: Buffer.from('right-key') });
    toA.start();
    const wrong = a.peer(B, b.port, { md5Key: Buffer.from('wrong-key'), connectRetryTime: 30 });
    wrong.start();
    await sleep(2000);
    expect(wrong.state).toBe('Connect');
    expect(toA.state).toBe('Active');
    await wrong.shutdown();
    const right = a.peer(B, b.port, { md5Key: Buffer.from('right-key') });
    right.start();
    await Promise.all([waitForState(right, 'Established'), waitForState(toA, 'Established')]);
    expect(JSON.stringify(right.info())).not.toContain('right-key');
  });
});
