/**
 * Flow control between the speaker and a session (issue 3: a slow peer never
 * makes the daemon buffer without bound): once a session's queue refuses
 * more, the speaker queues nothing for it, however much arrives from others,
 * until the session reports 'writable'.
 */
import { Speaker } from '../../../../src/bgp/speaker/speaker';
import { ManualClock } from '../../../../src/bgp/session/clock';
import type { PathAttribute } from '../../../../src/bgp/wire/attributes/types';
import type { Nlri } from '../../../../src/bgp/wire/nlri/types';
import { ipv4Prefix } from '../../../../src/bgp/wire/values/prefix';
import type { PeerDown } from '../../../../src/bgp/session/peer-types';
import { LOCAL_AS, ROUTER_ID, routeServerPair } from './fake-peer';

/** Prefixes 10.x.y.0/24 numbered from `from`, each with its own AS path, so no two share an UPDATE. */
function routes(from: number, n: number): { nlri: Nlri; attributes: PathAttribute[] }[] {
  const out: { nlri: Nlri; attributes: PathAttribute[] }[] = [];
  for (let i = from; i < from + n; i++) {
    out.push({
      nlri: { kind: 'unicast', safi: 1, prefix: ipv4Prefix(((10 << 24) | (i << 8)) >>> 0, 24) },
      attributes: [{ type: 'origin', origin: 0 }, { type: 'as-path', segments: [{ kind: 'sequence', asns: [65010, 70000 + i] }] }, { type: 'next-hop', nextHop: '192.0.2.10' }],
    });
  }
  return out;
}

describe('speaker flow control', () => {
  it('a session that refused more gets nothing until writable, then everything, once', () => {
    const s = new Speaker({ asn: LOCAL_AS, routerId: ROUTER_ID, clock: new ManualClock(), connected: () => [ipv4Prefix(0xc0000200, 24)] });
    const [a, b] = routeServerPair(s, [{ afi: 1, safi: 1 }]);
    b.full = true;
    // More destinations than one pump step takes (4,096), so the first pump stops on the full queue with work left.
    for (const r of routes(0, 5000)) a.receive([r.nlri], r.attributes);
    const queuedWhileFull = b.sent.length;
    expect(queuedWhileFull).toBeGreaterThan(0);
    expect(queuedWhileFull).toBeLessThan(5000);
    // Every further UPDATE from a would have pumped another step into b's full queue.
    for (const r of routes(5000, 3000)) a.receive([r.nlri], r.attributes);
    expect(b.sent.length).toBe(queuedWhileFull);
    expect(s.peerRoutes(b.address)?.pendingCount).toBe(8000 - queuedWhileFull);
    // Drained: the rest goes out, and each prefix was announced exactly once.
    b.full = false;
    b.emit('writable');
    expect(b.sent.length).toBe(8000);
    expect(b.table().size).toBe(8000);
    expect(b.eorSent).toBe(true);
  });

  it('a session that comes back up is not left waiting for a writable of the old one', () => {
    const s = new Speaker({ asn: LOCAL_AS, routerId: ROUTER_ID, clock: new ManualClock(), connected: () => [ipv4Prefix(0xc0000200, 24)] });
    const [a, b] = routeServerPair(s, [{ afi: 1, safi: 1 }]);
    b.full = true;
    for (const r of routes(0, 5000)) a.receive([r.nlri], r.attributes);
    expect(b.sent.length).toBeLessThan(5000);
    // The session goes down with its queue; the new one starts empty and gets the whole table.
    const down: PeerDown = { reason: { type: 'stopped', manual: true }, text: 'stopped', graceful: null };
    b.emit('down', down);
    b.full = false;
    b.sent.length = 0;
    b.establish([{ afi: 1, safi: 1 }]);
    expect(b.table().size).toBe(5000);
  });
});
