/**
 * Backpressure (issue 3: "a slow peer never makes the daemon buffer without
 * bound, and other peers are not slowed by it"): a neighbor that stops reading
 * fills its socket, then its bounded UPDATE queue, and enqueueUpdate says stop;
 * a second neighbor of the same node keeps receiving; 'writable' follows once
 * the slow one reads again.
 */
import type { Nlri } from '../../src/bgp/wire/nlri/types';
import type { UpdateMessage } from '../../src/bgp/wire/messages/types';
import { Node, RawClient, encode, openFrom, sleep, waitForState } from './session-lab';

const SLOW = { address: '127.0.0.1', asn: 65001, routerId: '10.0.0.1' };
const B = { address: '127.0.0.2', asn: 65002, routerId: '10.0.0.2' };
const FAST = { address: '127.0.0.3', asn: 65003, routerId: '10.0.0.3' };

const HIGH = 256 * 1024;
const LOW = 64 * 1024;

/** An UPDATE of about 3.6 kB: 900 /24 prefixes sharing one attribute set. */
function bigUpdate(seed: number): UpdateMessage {
  const nlri: Nlri[] = [];
  for (let i = 0; i < 900; i++) nlri.push({ kind: 'unicast', safi: 1, prefix: { afi: 1, length: 24, address: ((10 << 24) | ((seed * 900 + i) << 8)) >>> 0 } });
  return {
    type: 'update',
    withdrawn: [],
    attributes: [
      { type: 'origin', origin: 0 },
      { type: 'as-path', segments: [{ kind: 'sequence', asns: [65002] }] },
      { type: 'next-hop', nextHop: '192.0.2.2' },
    ],
    nlri,
    errors: [],
  };
}

describe('backpressure', () => {
  let b: Node;
  let fast: Node;
  let raw: RawClient | null = null;
  afterEach(async () => {
    raw?.destroy();
    await b.close();
    await fast.close();
  });

  it('a peer that stops reading makes enqueueUpdate return false; another peer keeps receiving; writable follows', async () => {
    b = await new Node(B).listen();
    fast = await new Node(FAST).listen();
    const toSlow = b.peer(SLOW, 179, { passive: true, watermarks: { highWatermark: HIGH, lowWatermark: LOW } });
    toSlow.start();
    const toFast = b.peer(FAST, fast.port);
    const fastToB = fast.peer(B, b.port, { passive: true });
    fastToB.start();
    toFast.start();
    raw = new RawClient(SLOW.address, B.address, b.port);
    await raw.connected();
    raw.write(encode(openFrom(SLOW)));
    raw.write(encode({ type: 'keepalive' }));
    await Promise.all([waitForState(toSlow, 'Established'), waitForState(toFast, 'Established')]);

    raw.socket.pause(); // the slow peer stops reading
    let accepted = 0;
    for (let i = 0; i < 20_000 && toSlow.enqueueUpdate(bigUpdate(i % 60)); i++) {
      accepted++;
      // Let the socket flush into the kernel now and then, as a real speaker yields to the event loop.
      if (i % 50 === 0) await sleep(1);
    }
    expect(accepted).toBeLessThan(20_000);
    expect(toSlow.isWritable).toBe(false);
    const queued = toSlow.info().queuedBytes;
    expect(queued).toBeGreaterThanOrEqual(HIGH);
    expect(queued).toBeLessThan(HIGH + 8192);

    // The other neighbor is not held up.
    let received = 0;
    fastToB.on('update', () => received++);
    for (let i = 0; i < 50; i++) expect(toFast.enqueueUpdate(bigUpdate(i))).toBe(true);
    for (let t = 0; t < 100 && received < 50; t++) await sleep(20);
    expect(received).toBe(50);

    const writable = new Promise<void>((resolve) => toSlow.once('writable', () => resolve()));
    raw.socket.resume();
    await writable;
    expect(toSlow.info().queuedBytes).toBeLessThanOrEqual(LOW);
    expect(toSlow.isEstablished).toBe(true);
  });
});
