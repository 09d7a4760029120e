/**
 * IPv4 unicast routes held as columns (the Adj-RIB-In keeps the attribute
 * set by destination id; the Loc-RIB and Adj-RIB-Out refer to the table by
 * its number): what they read back, and that every way a route changes
 * (replace, withdraw, stale marking, import policy, a neighbor removed)
 * still reaches the other neighbors right. Read back from encoded UPDATEs.
 */
import fc from 'fast-check';
import { Speaker } from '../../../../src/bgp/speaker/speaker';
import { ManualClock } from '../../../../src/bgp/session/clock';
import type { PathAttribute } from '../../../../src/bgp/wire/attributes/types';
import type { Nlri } from '../../../../src/bgp/wire/nlri/types';
import type { PolicyChain } from '../../../../src/bgp/policy/types';
import { ipv4Prefix } from '../../../../src/bgp/wire/values/prefix';
import { heldBy, ipv4UnicastKey } from '../../../../src/bgp/rib/route';
import { adjRibOutEntries, ribEntries } from '../../../../src/bgp/speaker/views';
import { LocRib } from '../../../../src/bgp/rib/loc-rib';
import { FakePeer, LOCAL_AS, ROUTER_ID, attr, routeServerPair } from './fake-peer';

const p = (i: number): Nlri => ({ kind: 'unicast', safi: 1, prefix: ipv4Prefix((10 << 24) | (i << 8), 24) });
const key = (i: number): string => ipv4UnicastKey(((10 << 24) | (i << 8)) >>> 0, 24);
const text = (i: number): string => `10.0.${i}.0/24`;

function attrs(path: number[], nextHop: string): PathAttribute[] {
  return [{ type: 'origin', origin: 0 }, { type: 'as-path', segments: [{ kind: 'sequence', asns: path }] }, { type: 'next-hop', nextHop }];
}

function speaker(): Speaker {
  return new Speaker({ asn: LOCAL_AS, routerId: ROUTER_ID, clock: new ManualClock(), connected: () => [ipv4Prefix(0xc0000200, 24)] });
}

function join(s: Speaker, address: string, asn: number, rs = true, importPolicy?: PolicyChain): FakePeer {
  const peer = new FakePeer(address, asn);
  s.addPeer(peer, { address, asn, routeServerClient: rs, routeReflectorClient: false, ...(importPolicy ? { importPolicy } : {}) });
  peer.establish();
  return peer;
}

const asPath = (t: ReturnType<FakePeer['table']>, prefix: string): readonly number[] | undefined => attr(t.get(prefix)?.attributes, 'as-path')?.segments[0]?.asns;

describe('routes held as columns', () => {
  it('are read back as routes of their neighbor, and the Loc-RIB and Adj-RIB-Out refer to them by number', () => {
    const s = speaker();
    const a = join(s, '192.0.2.10', 65010);
    const b = join(s, '192.0.2.20', 65020);
    a.receive([p(1), p(2)], attrs([65010, 65011], '192.0.2.10'));
    const pa = s.peerRoutes('192.0.2.10');
    const pb = s.peerRoutes('192.0.2.20');
    if (!pa || !pb) throw new Error('no neighbor');
    const r = pa.ribIn.get(key(1));
    expect(r?.source.address).toBe('192.0.2.10');
    expect(r?.nlri).toEqual(p(1));
    expect(r?.attrs.asPath).toEqual([{ kind: 'sequence', asns: [65010, 65011] }]);
    expect(r?.stale).toBe(false);
    const id = s.loc.dests.find(key(1));
    const best = s.loc.bestOf(id);
    expect(best && heldBy(best, id)).toBe(pa.ribIn.slot);
    // Never the slot of one destination for another.
    expect(best && heldBy(best, s.loc.dests.find(key(2)))).toBe(-1);
    // What b was sent, as `show rib --neighbor b --out` lists it.
    const out = adjRibOutEntries(pb, {});
    expect(out.map((e) => e.route.nlri)).toEqual([p(1), p(2)]);
    expect(out.every((e) => e.route.source.address === '192.0.2.10')).toBe(true);
    expect(asPath(b.table(), text(2))).toEqual([65010, 65011]);
    // `show rib PREFIX` marks the held path best, though each read makes a new object.
    const entries = ribEntries(pa.ribIn.all(), { prefix: text(1) }, s.loc);
    expect(entries.map((e) => [e.best, e.reason])).toEqual([[true, 'only route']]);
  });

  it('a neighbor removed from the speaker is withdrawn from the others, its Adj-RIB-In gone by then', () => {
    const s = speaker();
    const a = join(s, '192.0.2.10', 65010);
    const b = join(s, '192.0.2.20', 65020);
    a.receive([p(1), p(2), p(3)], attrs([65010], '192.0.2.10'));
    expect([...b.table().keys()].sort()).toEqual([text(1), text(2), text(3)]);
    s.removePeer('192.0.2.10');
    expect(b.table().size).toBe(0);
    expect(s.loc.size).toBe(0);
    expect(s.loc.dests.size).toBe(0);
  });

  it('an import policy that changes a route keeps it as an object, and lifting the policy holds it as columns again', () => {
    const s = speaker();
    let prepend = true;
    const policy: PolicyChain = {
      names: ['pad'],
      evaluate: (i) =>
        prepend && i.nlri.kind === 'unicast' && i.nlri.prefix.address === (((10 << 24) | (1 << 8)) >>> 0)
          ? { action: 'accept', policy: 'pad', term: null, attributes: i.attrs.attributes.map((x) => (x.type === 'as-path' ? { type: 'as-path', segments: [{ kind: 'sequence', asns: [65010, 65010, 65010] }] } : x)), nextHop: null }
          : { action: 'accept', policy: 'pad', term: null, attributes: null, nextHop: null },
    };
    const a = join(s, '192.0.2.10', 65010, true, policy);
    const b = join(s, '192.0.2.20', 65020);
    a.receive([p(1), p(2)], attrs([65010], '192.0.2.10'));
    const pa = s.peerRoutes('192.0.2.10');
    if (!pa) throw new Error('no neighbor');
    const id1 = s.loc.dests.find(key(1));
    const id2 = s.loc.dests.find(key(2));
    const changed = s.loc.bestOf(id1);
    expect(changed && heldBy(changed, id1)).toBe(-1);
    expect(changed?.received?.asPath).toEqual([{ kind: 'sequence', asns: [65010] }]);
    const plain = s.loc.bestOf(id2);
    expect(plain && heldBy(plain, id2)).toBe(pa.ribIn.slot);
    expect(asPath(b.table(), text(1))).toEqual([65010, 65010, 65010]);
    prepend = false;
    s.setPolicies('192.0.2.10', policy, { names: [], evaluate: () => ({ action: 'accept', policy: null, term: null, attributes: null, nextHop: null }) });
    const again = s.loc.bestOf(id1);
    expect(again && heldBy(again, id1)).toBe(pa.ribIn.slot);
    expect(again?.received).toBeUndefined();
    expect(asPath(b.table(), text(1))).toEqual([65010]);
  });

  it('graceful restart: held routes become stale objects, lose to fresh paths, and come back as columns', () => {
    const s = speaker();
    const a = join(s, '192.0.2.10', 65010);
    const c = join(s, '192.0.2.30', 65030);
    const b = join(s, '192.0.2.20', 65020);
    a.receive([p(1), p(2)], attrs([65010], '192.0.2.10'));
    c.receive([p(2)], attrs([65030, 65031, 65032], '192.0.2.30'));
    expect(asPath(b.table(), text(2))).toEqual([65010]);
    a.emit('down', { reason: { type: 'stopped', manual: false }, text: 'restart', graceful: { restartTime: 120, families: [{ afi: 1, safi: 1, forwardingPreserved: true }] } });
    const pa = s.peerRoutes('192.0.2.10');
    if (!pa) throw new Error('no neighbor');
    expect(pa.ribIn.get(key(1))?.stale).toBe(true);
    const id2 = s.loc.dests.find(key(2));
    expect(s.loc.paths(key(2)).map((r) => [r.source.address, r.stale])).toEqual([
      ['192.0.2.30', false],
      ['192.0.2.10', true],
    ]);
    expect(asPath(b.table(), text(2))).toEqual([65030, 65031, 65032]);
    a.establish();
    a.receive([p(2)], attrs([65010], '192.0.2.10'));
    const fresh = s.loc.bestOf(id2);
    expect(fresh && heldBy(fresh, id2)).toBe(pa.ribIn.slot);
    expect(fresh?.stale).toBe(false);
    a.emit('end-of-rib', 1, 1);
    expect(b.table().has(text(1))).toBe(false);
    expect(asPath(b.table(), text(2))).toEqual([65010]);
  });

  it('under random announcements and withdrawals from three neighbors, the receiver always holds the best path (shortest AS path, then lowest router id)', () => {
    const feeders = [
      { address: '192.0.2.10', asn: 65010 },
      { address: '192.0.2.11', asn: 65011 },
      { address: '192.0.2.12', asn: 65012 },
    ];
    const op = fc.record({ who: fc.integer({ min: 0, max: 2 }), prefix: fc.integer({ min: 0, max: 11 }), len: fc.integer({ min: 0, max: 3 }) });
    fc.assert(
      fc.property(fc.array(op, { minLength: 1, maxLength: 120 }), (ops) => {
        const s = speaker();
        const peers = feeders.map((f) => join(s, f.address, f.asn));
        // An ordinary eBGP neighbor follows the best path alone (a route-server client would be told of every change).
        const rx = join(s, '192.0.2.20', 65020, false);
        // The model: per prefix, per feeder, its AS path length (absent: not announced).
        const model = new Map<number, Map<number, number>>();
        for (const { who, prefix, len } of ops) {
          const f = feeders[who];
          const peer = peers[who];
          if (!f || !peer) continue;
          const have = model.get(prefix) ?? new Map<number, number>();
          model.set(prefix, have);
          if (len === 0) {
            peer.receive([], [], [p(prefix)]);
            have.delete(who);
          } else {
            peer.receive([p(prefix)], attrs(Array.from({ length: len }, () => f.asn), f.address));
            have.set(who, len);
          }
        }
        const t = rx.table();
        for (let prefix = 0; prefix <= 11; prefix++) {
          const have = [...(model.get(prefix) ?? new Map<number, number>())];
          // Same origin, no MED, all eBGP: the shorter AS path wins, then the lower router id (the address here).
          have.sort((x, y) => x[1] - y[1] || x[0] - y[0]);
          const win = have[0];
          const got = asPath(t, text(prefix));
          if (!win) expect(got).toBeUndefined();
          else expect(got).toEqual([LOCAL_AS, ...Array.from({ length: win[1] }, () => feeders[win[0]]?.asn)]);
        }
        expect(s.loc.size).toBe([...model.values()].filter((m) => m.size > 0).length);
      }),
      { numRuns: 150 },
    );
  });

  it('VPN-IPv4: held with their RD and labels, a label change re-announced, a type-2 RD sharing a type-0 key kept exact, withdrawals by RD', () => {
    const s = speaker();
    const [a, b] = routeServerPair(s, [{ afi: 1, safi: 128 }]);
    const rd0 = { type: 0, admin: 7, assigned: 1 };
    const rd2 = { type: 2, admin: 7, assigned: 1 };
    const rd1 = { type: 1, admin: 0xc0000201, assigned: 1 };
    const vpn = (rd: { type: number; admin: number; assigned: number }, i: number, label: number): Nlri => ({ kind: 'vpn', rd, labels: [label], prefix: ipv4Prefix((10 << 24) | (i << 8), 24) });
    const mp = (nlri: Nlri[]): PathAttribute[] => [
      { type: 'origin', origin: 0 },
      { type: 'as-path', segments: [{ kind: 'sequence', asns: [65010] }] },
      { type: 'mp-reach', afi: 1, safi: 128, nextHop: { address: '192.0.2.10', rd: { type: 0, admin: 0, assigned: 0 } }, nlri },
    ];
    const sentNlri = (): Nlri[] => b.sent.flatMap((m) => m.attributes.flatMap((x) => (x.type === 'mp-reach' ? x.nlri : [])));
    a.emit('update', { type: 'update', withdrawn: [], nlri: [], errors: [], attributes: mp([vpn(rd0, 1, 100), vpn(rd1, 1, 200)]) });
    const pa = s.peerRoutes('192.0.2.10');
    if (!pa) throw new Error('no neighbor');
    const id = s.loc.dests.find('1/128|7:1|10.0.1.0/24');
    const held = s.loc.bestOf(id);
    expect(held && heldBy(held, id)).toBe(pa.ribIn.slot);
    expect(held?.nlri).toEqual(vpn(rd0, 1, 100));
    expect(sentNlri()).toEqual([vpn(rd0, 1, 100), vpn(rd1, 1, 200)]);
    // A new label: announced again.
    a.emit('update', { type: 'update', withdrawn: [], nlri: [], errors: [], attributes: mp([vpn(rd0, 1, 101)]) });
    expect(sentNlri().slice(-1)).toEqual([vpn(rd0, 1, 101)]);
    // Replacing a held VPN route counts in its own family, not IPv4 unicast's.
    expect([pa.ribIn.count(1, 128), pa.ribIn.acceptedCount(1, 128), pa.ribIn.count(1, 1)]).toEqual([2, 2, 0]);
    // A type-2 RD with the same text replaces the route (one key), and goes out with its own type.
    a.emit('update', { type: 'update', withdrawn: [], nlri: [], errors: [], attributes: mp([vpn(rd2, 1, 102)]) });
    expect(sentNlri().slice(-1)).toEqual([vpn(rd2, 1, 102)]);
    expect(s.loc.bestOf(id)?.nlri).toEqual(vpn(rd2, 1, 102));
    expect(s.loc.size).toBe(2);
    // Withdrawn by RD and prefix: only that destination goes.
    a.emit('update', { type: 'update', withdrawn: [], nlri: [], errors: [], attributes: [{ type: 'mp-unreach', afi: 1, safi: 128, nlri: [vpn(rd1, 1, 0)] }] });
    const unreach = b.sent.flatMap((m) => m.attributes.flatMap((x) => (x.type === 'mp-unreach' ? x.nlri : [])));
    expect(unreach.map((n) => (n.kind === 'vpn' ? n.rd : null))).toEqual([rd1]);
    expect(s.loc.size).toBe(1);
    s.removePeer('192.0.2.10');
    expect(s.loc.size).toBe(0);
    expect(s.loc.dests.size).toBe(0);
  });

  it("another Loc-RIB keeps a held route as an object: a slot number means something only to the Loc-RIB that gave it", () => {
    const s = speaker();
    const a = join(s, '192.0.2.10', 65010);
    a.receive([p(1)], attrs([65010], '192.0.2.10'));
    const id = s.loc.dests.find(key(1));
    const held = s.loc.bestOf(id);
    if (!held) throw new Error('no route');
    const other = new LocRib();
    other.register({ address: '198.51.100.9', routeSource: held.source, routeAt: () => undefined, heldSetAt: () => undefined });
    const oid = other.dests.acquire(key(1));
    // The other table's id may even be the same number: the route must still be kept as itself.
    other.updateOf(oid, held.source.address, undefined, held);
    expect(other.bestOf(oid)).toBe(held);
  });
  it('an Adj-RIB-Out entry keeps its attribute set while it holds it: a set freed upstream is not renumbered under it', () => {
    const s = speaker();
    const a = join(s, '192.0.2.10', 65010);
    const b = join(s, '192.0.2.20', 65020);
    a.receive([p(1)], attrs([65010, 1], '192.0.2.10'));
    const pb = s.peerRoutes('192.0.2.20');
    if (!pb) throw new Error('no neighbor');
    // b's queue refuses more: what follows stays pending, so b's Adj-RIB-Out still holds p(1) with its set.
    b.full = true;
    a.receive([p(2)], attrs([65010, 2], '192.0.2.10'));
    a.receive([], [], [p(1)]);
    // The set of p(1) is no longer in any Adj-RIB-In; a new set comes in meanwhile (it would take a freed number).
    a.receive([p(3)], attrs([65010, 3], '192.0.2.10'));
    const held = adjRibOutEntries(pb, {}).find((e) => e.route.nlri.kind === 'unicast' && e.route.nlri.prefix.address === ((10 << 24) | (1 << 8)) >>> 0);
    expect(held?.route.attrs.asPath).toEqual([{ kind: 'sequence', asns: [65010, 1] }]);
    b.full = false;
    b.emit('writable');
    expect([...b.table().keys()].sort()).toEqual([text(2), text(3)]);
    expect(asPath(b.table(), text(3))).toEqual([65010, 3]);
    // Everything withdrawn and sent: no set is left behind by the Adj-RIB-Out's references.
    a.receive([], [], [p(2), p(3)]);
    expect(b.table().size).toBe(0);
    expect(s.interner.size).toBe(0);
  });
  it('a new destination accepted as it came is listed by id without a route or change object; its change, made on demand, makes the route when read', () => {
    const s = speaker();
    join(s, '192.0.2.10', 65010);
    const pa = s.peerRoutes('192.0.2.10');
    if (!pa) throw new Error('no neighbor');
    const changes = pa.ribIn.apply({ type: 'update', withdrawn: [], attributes: attrs([65010, 7], '192.0.2.10'), nlri: [p(7)], errors: [] });
    expect(changes).toHaveLength(0);
    expect(pa.ribIn.heldCount).toBe(1);
    expect(pa.ribIn.heldIds[0]).toBe(s.loc.dests.find(key(7)));
    expect(() => pa.ribIn.heldChange(1)).toThrow(RangeError);
    const c = pa.ribIn.heldChange(0);
    expect(c?.heldSlot).toBe(pa.ribIn.slot);
    expect(c?.heldAttrs?.asPath).toEqual([{ kind: 'sequence', asns: [65010, 7] }]);
    expect(c?.key).toBe(key(7));
    expect(c?.family).toBe(65537);
    // Read, it is the route the table holds.
    expect(c?.route?.nlri).toEqual(p(7));
    expect(c?.route?.source.address).toBe('192.0.2.10');
    expect(c?.route && heldBy(c.route, s.loc.dests.find(key(7)))).toBe(pa.ribIn.slot);
    expect(pa.ribIn.get(key(7))?.attrs).toBe(c?.heldAttrs);
    // A route refused at import (our own AS in its path) is not: it is kept as an object, with its reason.
    const loop = pa.ribIn.apply({ type: 'update', withdrawn: [], attributes: attrs([65010, LOCAL_AS], '192.0.2.10'), nlri: [p(8)], errors: [] });
    expect(pa.ribIn.heldCount).toBe(0);
    expect(loop[0]?.heldSlot).toBeUndefined();
    expect(loop[0]?.route?.rejected).toMatch(/loop/);
    // An UPDATE that also withdraws keeps the order of its changes: the held route comes back as an object, after the withdrawal.
    const mixed = pa.ribIn.apply({ type: 'update', withdrawn: [p(7)], attributes: attrs([65010, 9], '192.0.2.10'), nlri: [p(9)], errors: [] });
    expect(pa.ribIn.heldCount).toBe(0);
    expect(mixed.map((m) => [m.key, m.route === null, m.heldSlot])).toEqual([
      [key(7), true, undefined],
      [key(9), false, pa.ribIn.slot],
    ]);
  });

  it('listeners are told of held routes too, and the speaker and its neighbors see what the list said', () => {
    const s = speaker();
    const a = join(s, '192.0.2.10', 65010);
    const b = join(s, '192.0.2.20', 65020);
    const told: string[] = [];
    s.onRibChange((from, changes) => {
      for (const c of changes) told.push(`${from} ${c.key} ${c.route?.attrs.asPath[0]?.asns.join(' ') ?? 'gone'}`);
    });
    a.receive([p(1), p(2), p(1)], attrs([65010, 5], '192.0.2.10'));
    // p(1) twice in one UPDATE: first held, then replaced by itself as an object.
    expect(told).toEqual([`192.0.2.10 ${key(1)} 65010 5`, `192.0.2.10 ${key(2)} 65010 5`, `192.0.2.10 ${key(1)} 65010 5`]);
    expect([...b.table().keys()].sort()).toEqual([text(1), text(2)]);
    expect(s.loc.size).toBe(2);
  });
});
