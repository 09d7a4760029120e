/**
 * Dynamic neighbors: connections from a configured prefix create a peer with
 * the range's settings, up to the range's limit; unknown addresses are closed.
 */
import { neighborConfig } from '../../src/bgp/session/negotiate-types';
import { Peer } from '../../src/bgp/session/peer';
import { Node, RawClient, encode, openFrom, sleep, waitForState } from './session-lab';

const B = { address: '127.0.0.2', asn: 65002, routerId: '10.0.0.2' };

describe('dynamic neighbors', () => {
  let b: Node;
  const clients: RawClient[] = [];
  afterEach(async () => {
    clients.forEach((c) => c.destroy());
    await b.close();
  });

  it('accepts a session from the range, refuses beyond its limit and from unknown addresses', async () => {
    b = await new Node(B).listen();
    const created: string[] = [];
    const rejected: string[] = [];
    b.listener.on('rejected', (address, reason) => rejected.push(`${address}: ${reason}`));
    b.listener.addDynamicRange({
      prefix: '127.0.1.0/24',
      limit: 1,
      create: (address) => {
        created.push(address);
        return new Peer({ neighbor: neighborConfig({ localAs: B.asn, routerId: B.routerId, peerAs: null }), remoteAddress: address, passive: true, lingerMs: 200 });
      },
    });
    const first = new RawClient('127.0.1.5', B.address, b.port);
    clients.push(first);
    await first.connected();
    first.write(encode(openFrom({ address: '127.0.1.5', asn: 65100, routerId: '10.1.0.5' })));
    first.write(encode({ type: 'keepalive' }));
    await first.waitFor('keepalive');
    const [peer] = b.listener.dynamicPeers();
    expect(peer).toBeDefined();
    if (peer === undefined) return;
    await waitForState(peer, 'Established');
    expect(peer.info().asn).toBe(65100);

    const second = new RawClient('127.0.1.6', B.address, b.port);
    const stranger = new RawClient('127.0.2.1', B.address, b.port);
    clients.push(second, stranger);
    for (let i = 0; i < 50 && !(second.closed && stranger.closed); i++) await sleep(20);
    expect(second.closed && stranger.closed).toBe(true);
    expect(created).toEqual(['127.0.1.5']);
    expect(rejected).toEqual(['127.0.1.6: dynamic neighbor limit 1 reached for 127.0.1.0/24', '127.0.2.1: no neighbor configured for this address']);

    // The dynamic peer goes away with its session.
    const removed = new Promise<void>((resolve) => b.listener.once('dynamic-peer-removed', () => resolve()));
    first.destroy();
    await removed;
    expect(b.listener.dynamicPeers()).toEqual([]);
  });
});
