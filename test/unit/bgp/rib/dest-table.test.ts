/**
 * The destination-id table behaves like the Map it replaced: same lookups
 * by key text or by a packed prefix (IPv4 unicast, VPN-IPv4), ids given back
 * once nobody holds them.
 */
import fc from 'fast-check';
import { DestTable } from '../../../../src/bgp/rib/dest-table';
import { Speaker } from '../../../../src/bgp/speaker/speaker';
import { ManualClock } from '../../../../src/bgp/session/clock';
import type { PathAttribute } from '../../../../src/bgp/wire/attributes/types';
import type { Nlri } from '../../../../src/bgp/wire/nlri/types';
import { ipv4Prefix } from '../../../../src/bgp/wire/values/prefix';
import type { RouteDistinguisher } from '../../../../src/bgp/wire/values/rd';
import { FakePeer, LOCAL_AS, ROUTER_ID } from '../speaker/fake-peer';
import { ipv4UnicastKey, packedIpv4Unicast, packedIpv4UnicastKey, routeKey } from '../../../../src/bgp/rib/route';

const key = (i: number): string => `1/1||10.${i >> 8}.${i & 255}.0/24`;

/** What a Map of key → (id, references) says the table holds. */
type Model = Map<string, { id: number; refs: number }>;

/** One random operation against the table and the model: acquire `k` by `acquireIt`, or release one reference to it. */
function step(table: DestTable, model: Model, k: string, acquire: boolean, acquireIt: () => number): void {
  const held = model.get(k);
  if (acquire) {
    const id = acquireIt();
    expect(id).toBeGreaterThanOrEqual(0);
    if (held) {
      expect(id).toBe(held.id);
      held.refs++;
    } else {
      for (const other of model.values()) expect(other.id).not.toBe(id);
      model.set(k, { id, refs: 1 });
    }
  } else if (held) {
    table.release(held.id);
    if (--held.refs === 0) model.delete(k);
  }
}

describe('DestTable', () => {
  it('finds what it holds, and forgets a key when its last reference goes (random acquire/release against a Map)', () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.boolean(), fc.integer({ min: 0, max: 300 }), fc.boolean()), { maxLength: 3000 }), (ops) => {
        const table = new DestTable();
        const model: Model = new Map();
        for (const [acquire, i, byNumber] of ops) {
          const k = key(i);
          // The route's way in (a number, no text) and the key text must name the same destination.
          step(table, model, k, acquire, () => (byNumber ? table.acquirePacked(packedIpv4UnicastKey(k)) : table.acquire(k)));
        }
        expect(table.size).toBe(model.size);
        for (let i = 0; i <= 300; i++) {
          const held = model.get(key(i));
          expect(table.find(key(i))).toBe(held ? held.id : -1);
          if (held) {
            expect(table.key(held.id)).toBe(key(i));
            expect(table.family(held.id)).toBe(65537);
          }
        }
      }),
    );
  });

  it('keeps every key findable through growth and deletions at full load (20,000 keys, 200,000 operations)', () => {
    const table = new DestTable();
    const model = new Map<string, { id: number; refs: number }>();
    let wrongIds = 0;
    let seed = 12345;
    const next = (n: number): number => {
      seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
      return seed % n;
    };
    for (let op = 0; op < 200_000; op++) {
      const k = key(next(20_000));
      const held = model.get(k);
      // Acquire more often than release early on, so the table grows to about 15,000 live keys and then churns.
      if (next(100) < (op < 100_000 ? 70 : 45)) {
        const id = table.acquire(k);
        if (held) {
          if (id !== held.id) wrongIds++;
          held.refs++;
        } else model.set(k, { id, refs: 1 });
      } else if (held) {
        table.release(held.id);
        if (--held.refs === 0) model.delete(k);
      }
    }
    expect(wrongIds).toBe(0);
    expect(table.size).toBe(model.size);
    const keys = Array.from({ length: 20_000 }, (_, i) => key(i));
    expect(keys.map((k) => table.find(k))).toEqual(keys.map((k) => model.get(k)?.id ?? -1));
  });

  it('reuses the ids it gives back, so churn does not grow the per-id arrays', () => {
    const table = new DestTable();
    for (let round = 0; round < 5; round++) {
      const ids = Array.from({ length: 5000 }, (_, i) => table.acquire(key(i + round * 5000)));
      for (const id of ids) table.release(id);
    }
    expect(table.size).toBe(0);
    expect(table.capacity).toBe(5000);
  });
});

describe('DestTable, VPN-IPv4 destinations', () => {
  const vpnText = (rd: RouteDistinguisher, address: number, length: number): string =>
    routeKey(1, 128, { kind: 'vpn', rd, labels: [16], prefix: ipv4Prefix(address, length) });
  const rdArb = fc.oneof(
    fc.record({ type: fc.constant(0), admin: fc.integer({ min: 0, max: 3 }), assigned: fc.integer({ min: 0, max: 3 }) }),
    fc.record({ type: fc.constant(1), admin: fc.constantFrom(0x0a000001, 3), assigned: fc.integer({ min: 0, max: 3 }) }),
    fc.record({ type: fc.constant(2), admin: fc.constantFrom(3, 70000), assigned: fc.integer({ min: 0, max: 3 }) }),
  );

  it('names one destination by its parts or by its key text, as the key text would (random acquire/release against a Map)', () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.boolean(), rdArb, fc.integer({ min: 0, max: 7 }), fc.boolean()), { maxLength: 800 }),
        (ops) => {
          const table = new DestTable();
          // The model is keyed by the text: two RDs with one text (types 0 and 2 with a small admin) are one destination.
          const model: Model = new Map();
          for (const [acquire, rd, i, byParts] of ops) {
            const address = ((10 << 24) | (i << 8)) >>> 0;
            const k = vpnText(rd, address, 24);
            step(table, model, k, acquire, () => (byParts ? table.acquireVpn(rd, address, 24) : table.acquire(k)));
          }
          expect(table.size).toBe(model.size);
          for (const [k, { id }] of model) {
            expect(table.find(k)).toBe(id);
            expect(table.key(id)).toBe(k);
            expect(table.family(id)).toBe(65536 + 128);
            expect(table.packedAt(id)).toBe(-1);
            expect(table.vpnPrefixAt(id) % 64).toBe(24);
          }
        },
      ),
    );
  });

  it('keeps text keys for what has no packed form: an RD type without text, host bits set, VPN-IPv6', () => {
    const table = new DestTable();
    expect(table.acquireVpn({ type: 3, admin: 1, assigned: 2 }, 0x0a000000, 24)).toBe(-1);
    expect(table.acquireVpn({ type: 0, admin: 1, assigned: 2 }, 0x0a000001, 24)).toBe(-1);
    const odd = '1/128|1:2|10.0.0.1/24';
    const id = table.acquire(odd);
    expect(table.find(odd)).toBe(id);
    expect(table.key(id)).toBe(odd);
    expect(table.rdAt(id)).toBeUndefined();
    const v6 = '2/128|1:2|2001:db8::/32';
    const id6 = table.acquire(v6);
    expect(table.find(v6)).toBe(id6);
    expect(table.family(id6)).toBe(2 * 65536 + 128);
    // A packed VPN destination and the IPv4 unicast one of the same prefix are different destinations.
    const vpn = table.acquireVpn({ type: 0, admin: 1, assigned: 2 }, 0x0a000000, 24);
    const uni = table.acquirePacked(packedIpv4UnicastKey('1/1||10.0.0.0/24'));
    expect(new Set([id, id6, vpn, uni]).size).toBe(4);
    expect(table.find('1/128|1:2|10.0.0.0/24')).toBe(vpn);
    expect(table.rdAt(vpn)).toEqual({ type: 0, admin: 1, assigned: 2 });
  });
});

describe('destination ids in the speaker', () => {
  const p = (i: number): Nlri => ({ kind: 'unicast', safi: 1, prefix: ipv4Prefix((10 << 24) | (i << 8), 24) });
  const attrs = (nextHop: string): PathAttribute[] => [
    { type: 'origin', origin: 0 },
    { type: 'as-path', segments: [{ kind: 'sequence', asns: [65010] }] },
    { type: 'next-hop', nextHop },
  ];

  it('are all given back once routes are withdrawn and sessions go down', () => {
    const s = new Speaker({ asn: LOCAL_AS, routerId: ROUTER_ID, clock: new ManualClock(), connected: () => [ipv4Prefix(0xc0000200, 24)] });
    const peers = ['192.0.2.10', '192.0.2.20', '192.0.2.30'].map((address, i) => {
      const peer = new FakePeer(address, 65010 + i);
      s.addPeer(peer, { address, asn: 65010 + i, routeServerClient: i !== 2 });
      peer.establish();
      return peer;
    });
    const [a, b, c] = peers;
    if (!a || !b || !c) throw new Error('peers');
    a.receive([p(1), p(2), p(3)], attrs('192.0.2.10'));
    b.receive([p(2), p(4)], attrs('192.0.2.20'));
    expect(s.loc.dests.size).toBe(4);
    expect(c.table().size).toBe(4);
    a.receive([], [], [p(1), p(2)]);
    expect([...c.table().keys()].sort()).toEqual(['10.0.2.0/24', '10.0.3.0/24', '10.0.4.0/24']);
    b.emit('down', { reason: { type: 'stopped', manual: false }, text: 'test', graceful: null });
    expect([...c.table().keys()]).toEqual(['10.0.3.0/24']);
    a.receive([], [], [p(3)]);
    expect(c.table().size).toBe(0);
    expect(s.loc.size).toBe(0);
    expect(s.loc.dests.size).toBe(0);
  });
});

describe('IPv4 unicast keys kept as numbers', () => {
  it('parses exactly the text routeKey makes, and nothing else', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 0xffffffff }), fc.integer({ min: 0, max: 32 }), (raw, length) => {
        const prefix = ipv4Prefix(raw, length);
        const nlri: Nlri = { kind: 'unicast', safi: 1, prefix };
        const text = routeKey(1, 1, nlri);
        expect(packedIpv4UnicastKey(text)).toBe(prefix.address * 64 + length);
        expect(packedIpv4Unicast(1, 1, nlri)).toBe(prefix.address * 64 + length);
        expect(ipv4UnicastKey(prefix.address, length)).toBe(text);
      }),
    );
    for (const other of ['1/1||10.0.1.1/24', '1/1||010.0.1.0/24', '1/1||10.0.1.0/024', '1/1||10.0.1.0/33', '1/1||256.0.0.0/8', '1/1||10.0.1.0/24#1', '1/2||10.0.1.0/24', '1/128|1:1|10.0.1.0/24', '2/1||::/0', '1/1||10.0.1/24', '1/1||10.0.1.0/', '1/1||10.0.1.0']) {
      expect(packedIpv4UnicastKey(other)).toBe(-1);
    }
  });

  it('finds IPv4 unicast, ADD-PATH, VPN and IPv6 keys side by side, and gives their text back', () => {
    const table = new DestTable();
    const keys = ['1/1||10.0.1.0/24', '1/1||10.0.1.0/24#7', '1/128|65000:1|10.0.1.0/24', '2/1||2001:db8::/32', '1/1||0.0.0.0/0', '1/1||255.255.255.255/32'];
    const ids = keys.map((k) => table.acquire(k));
    expect(new Set(ids).size).toBe(keys.length);
    expect(keys.map((k) => table.find(k))).toEqual(ids);
    expect(ids.map((id) => table.key(id))).toEqual(keys);
    expect(table.find('1/1||10.0.1.1/24')).toBe(-1);
    // By number: the same ids, and a new one whose text is made from the number.
    expect(table.acquirePacked(0x0a000100 * 64 + 24)).toBe(ids[0]);
    expect(table.acquirePacked(0xffffffff * 64 + 32)).toBe(ids[5]);
    const fresh = table.acquirePacked(0xc0000200 * 64 + 24);
    expect(table.key(fresh)).toBe('1/1||192.0.2.0/24');
    expect(table.find('1/1||192.0.2.0/24')).toBe(fresh);
    expect(table.family(fresh)).toBe(65537);
    // The pump reads the numbers in bulk, only for IPv4 unicast ids kept as numbers.
    expect(ids.map((id) => table.isPackedIpv4(id))).toEqual([true, false, false, false, true, true]);
    const small = new Float64Array(1);
    const got = table.packedInto([ids[0] ?? -1, fresh, ids[4] ?? -1], small);
    expect(got).not.toBe(small);
    expect([...got.subarray(0, 3)]).toEqual([0x0a000100 * 64 + 24, 0xc0000200 * 64 + 24, 0]);
    expect(table.packedInto([ids[5] ?? -1], got)).toBe(got);
    expect(got[0]).toBe(0xffffffff * 64 + 32);
    expect(() => table.packedInto([ids[2] ?? -1], got)).toThrow(RangeError);
    table.release(fresh);
    table.release(ids[0] ?? -1);
    table.release(ids[5] ?? -1);
    for (const id of ids) table.release(id);
    expect(keys.map((k) => table.find(k))).toEqual(keys.map(() => -1));
  });
});
