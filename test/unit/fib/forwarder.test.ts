/**
 * The packet path without I/O: real packets built with the tunnel codecs go
 * through Forwarder.handle, and what comes out is decoded again (and by
 * tshark). Proves the half-duplex path (client → upstream → hub, never
 * straight to a neighbour), the way down from the core, fallback, TTL and
 * ICMP errors sent back down the same tunnel, and that junk never throws.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { Fib } from '../../../src/fib/fib';
import { Forwarder, forwarderCounters, readForwarderCounters } from '../../../src/fib/forwarder';
import type { NextHop } from '../../../src/fib/next-hop';
import { greIpv4Decapsulate, greIpv4Encapsulate, greTunnelOptions } from '../../../src/tunnels/gre-ipv4';
import { ipipDecapsulate, ipipEncapsulate } from '../../../src/tunnels/ipip';
import { ipv4TunnelConfig } from '../../../src/tunnels/ipv4-tunnel';
import { labelPush, mplsGreEncapsulate } from '../../../src/tunnels/mpls';
import { writeRawIpPcap } from '../../helpers/raw-pcap';
import { headerChecksumOk, ip, ipv4Packet } from '../tunnels/packets';

const PE = ip('192.0.2.2');
const HUB = ip('192.0.2.100');
const ALICE_ROUTER = ip('198.18.0.10');
const BOB_ROUTER = ip('198.18.0.11');
const ALICE = ip('100.64.0.1');
const BOB = ip('100.64.0.2');
const PORTS = { gre: 1, ipip: 2, plain: 3 };
const TUN = 4;
const HUB_LABEL = 16;
const DOWN_LABEL = 17;

const toHub: NextHop = { kind: 'mpls', tunnel: 'core-hub', labels: [HUB_LABEL], local: PE, remote: HUB, fallback: true };
const toAlice: NextHop = { kind: 'gre', tunnel: 'gre-alice', local: PE, remote: ALICE_ROUTER, key: 7, fallback: false };
const toBob: NextHop = { kind: 'ipip', tunnel: 'ipip-bob', local: PE, remote: BOB_ROUTER, fallback: true };

function setup(): { fib: Fib; fwd: Forwarder; counters: SharedArrayBuffer } {
  const fib = new Fib();
  fib.apply([
    { type: 'table', table: 'red-up', role: 'upstream' },
    { type: 'table', table: 'red-down', role: 'downstream' },
    { type: 'route', table: 'red-up', prefix: { afi: 1, address: 0, length: 0 }, nextHops: [toHub] },
    { type: 'route', table: 'red-down', prefix: { afi: 1, address: ALICE, length: 32 }, nextHops: [toAlice] },
    { type: 'route', table: 'red-down', prefix: { afi: 1, address: BOB, length: 32 }, nextHops: [toBob] },
    { type: 'label', label: DOWN_LABEL, target: { table: 'red-down' } },
    { type: 'ingress', ingress: { kind: 'tunnel', type: 'gre', remote: ALICE_ROUTER, key: 7, session: 'alice', tunnel: 't-alice' }, table: 'red-up' },
    { type: 'ingress', ingress: { kind: 'tunnel', type: 'ipip', remote: BOB_ROUTER, key: null, session: 'bob', tunnel: 't-bob' }, table: 'red-up' },
    { type: 'ingress', ingress: { kind: 'port', port: TUN, session: 'carol' }, table: 'red-up' },
  ]);
  const counters = forwarderCounters();
  const fwd = new Forwarder({ snapshot: fib.snapshot(), ports: PORTS, address: PE, pathMtu: 1500, counters });
  fib.onSnapshot((s) => fwd.update(s));
  return { fib, fwd, counters };
}

const fromAlice = (inner: Buffer): Buffer => greIpv4Encapsulate(inner, ipv4TunnelConfig({ source: ALICE_ROUTER, destination: PE }), greTunnelOptions({ key: 7 }));
const fromHub = (inner: Buffer, label: number): Buffer => mplsGreEncapsulate(inner, labelPush([label]), ipv4TunnelConfig({ source: HUB, destination: PE }));

function run(fwd: Forwarder, packet: Buffer, port: number): { out: Buffer; port: number; dst: number } | null {
  const out = Buffer.alloc(2048);
  const to = { port: -1, dst: 0 };
  const n = fwd.handle(Buffer.from(packet), packet.length, port, out, to);
  return n === 0 ? null : { out: out.subarray(0, n), port: to.port, dst: to.dst };
}

describe('Forwarder', () => {
  it('sends a client packet for its neighbour on the same PE up to the hub, never straight across', () => {
    const { fwd, counters } = setup();
    const inner = ipv4Packet({ source: ALICE, destination: BOB, ttl: 64 });
    const r = run(fwd, fromAlice(inner), PORTS.gre);
    expect(r).not.toBeNull();
    if (!r) return;
    expect([r.port, r.dst]).toEqual([PORTS.gre, HUB]);
    // Outer IPv4 (protocol 47, PE → hub), GRE 0x8847, one label with S set, then the inner packet with TTL 63.
    expect(r.out[9]).toBe(47);
    expect(r.out.readUInt32BE(12)).toBe(PE);
    expect(r.out.readUInt32BE(16)).toBe(HUB);
    expect(headerChecksumOk(r.out)).toBe(true);
    expect(r.out.readUInt16BE(22)).toBe(0x8847);
    const entry = r.out.readUInt32BE(24);
    expect([entry >>> 12, (entry >> 8) & 1]).toEqual([HUB_LABEL, 1]);
    const forwarded = r.out.subarray(28);
    expect(forwarded[8]).toBe(63);
    expect(headerChecksumOk(forwarded)).toBe(true);
    expect(forwarded.subarray(12)).toEqual(inner.subarray(12));
    expect(readForwarderCounters(counters)).toMatchObject({ forwarded: 1, decapsulated: 1 });
  });

  it('sends a packet from the core with the downstream label down the client\'s own tunnel', () => {
    const { fwd } = setup();
    const inner = ipv4Packet({ source: ALICE, destination: BOB, ttl: 60 });
    const r = run(fwd, fromHub(inner, DOWN_LABEL), PORTS.gre);
    if (!r) throw new Error('dropped');
    expect([r.port, r.dst]).toEqual([PORTS.ipip, BOB_ROUTER]);
    const back = ipipDecapsulate(r.out);
    expect(back[8]).toBe(59);
    expect(back.subarray(12)).toEqual(inner.subarray(12));
    // And to alice: GRE with her key.
    const r2 = run(fwd, fromHub(ipv4Packet({ source: BOB, destination: ALICE }), DOWN_LABEL), PORTS.gre);
    if (!r2) throw new Error('dropped');
    expect([r2.port, r2.dst, r2.out.readUInt32BE(24)]).toEqual([PORTS.gre, ALICE_ROUTER, 7]);
    expect(greIpv4Decapsulate(r2.out).readUInt32BE(16)).toBe(ALICE);
  });

  it('classifies by ingress: unknown tunnels, keys and labels are dropped, a TUN session uses its table', () => {
    const { fwd, counters } = setup();
    const inner = ipv4Packet({ source: ALICE, destination: BOB });
    const wrongKey = greIpv4Encapsulate(inner, ipv4TunnelConfig({ source: ALICE_ROUTER, destination: PE }), greTunnelOptions({ key: 8 }));
    expect(run(fwd, wrongKey, PORTS.gre)).toBeNull();
    expect(run(fwd, fromHub(inner, 999), PORTS.gre)).toBeNull();
    const stranger = ipipEncapsulate(inner, ipv4TunnelConfig({ source: ip('203.0.113.9'), destination: PE }));
    expect(run(fwd, stranger, PORTS.ipip)).toBeNull();
    expect(readForwarderCounters(counters).unclassified).toBe(3);
    const r = run(fwd, ipv4Packet({ source: ip('100.64.0.3'), destination: BOB }), TUN);
    expect(r?.dst).toBe(HUB);
  });

  it('falls back to plain IP when the tunnel is down and policy allows it, drops when it does not', () => {
    const { fib, fwd, counters } = setup();
    fib.apply([{ type: 'tunnel-state', tunnel: 'core-hub', up: false }, { type: 'tunnel-state', tunnel: 'gre-alice', up: false }]);
    const inner = ipv4Packet({ source: ALICE, destination: BOB });
    const r = run(fwd, fromAlice(inner), PORTS.gre);
    if (!r) throw new Error('dropped');
    expect([r.port, r.dst, r.out.length]).toEqual([PORTS.plain, BOB, inner.length]);
    expect(r.out[8]).toBe(63);
    // alice's tunnel allows no fallback.
    expect(run(fwd, fromHub(ipv4Packet({ source: BOB, destination: ALICE }), DOWN_LABEL), PORTS.gre)).toBeNull();
    expect(readForwarderCounters(counters)).toMatchObject({ fallback: 1, dropped: 1 });
    fib.apply([{ type: 'tunnel-state', tunnel: 'core-hub', up: true }]);
    expect(run(fwd, fromAlice(inner), PORTS.gre)?.dst).toBe(HUB);
  });

  it('answers TTL expiry with Time Exceeded down the tunnel the packet came in, with its GRE key', () => {
    const { fwd } = setup();
    const r = run(fwd, fromAlice(ipv4Packet({ source: ALICE, destination: BOB, ttl: 1 })), PORTS.gre);
    if (!r) throw new Error('no ICMP');
    expect([r.port, r.dst, r.out.readUInt32BE(24)]).toEqual([PORTS.gre, ALICE_ROUTER, 7]);
    const icmp = greIpv4Decapsulate(r.out);
    expect([icmp[9], icmp.readUInt32BE(12), icmp.readUInt32BE(16), icmp[20], icmp[21]]).toEqual([1, PE, ALICE, 11, 0]);
  });

  it('answers a too-big packet with DF set with Fragmentation Needed and the tunnel MTU', () => {
    const { fwd } = setup();
    const big = ipv4Packet({ source: ALICE, destination: BOB, dontFragment: true, payload: Buffer.alloc(1480 - 8) });
    const r = run(fwd, ipipEncapsulate(big, ipv4TunnelConfig({ source: BOB_ROUTER, destination: PE, pathMtu: 9000 })), PORTS.ipip);
    if (!r) throw new Error('no ICMP');
    expect([r.port, r.dst]).toEqual([PORTS.ipip, BOB_ROUTER]);
    const icmp = ipipDecapsulate(r.out);
    // Core encapsulation: 20 (IPv4) + 4 (GRE) + 4 (one label) = 28 octets of overhead.
    expect([icmp[20], icmp[21], icmp.readUInt16BE(26)]).toEqual([3, 4, 1500 - 28]);
  });

  it('decodes in tshark as the headers we meant', () => {
    const { fwd } = setup();
    const up = run(fwd, fromAlice(ipv4Packet({ source: ALICE, destination: BOB })), PORTS.gre);
    const down = run(fwd, fromHub(ipv4Packet({ source: BOB, destination: ALICE }), DOWN_LABEL), PORTS.gre);
    const dir = mkdtempSync(join(tmpdir(), 'hdvpn-fwd-'));
    try {
      const file = join(dir, 'out.pcap');
      writeRawIpPcap(file, [up?.out ?? Buffer.alloc(0), down?.out ?? Buffer.alloc(0)]);
      const text = execFileSync('tshark', ['-r', file, '-o', 'ip.check_checksum:TRUE', '-T', 'fields', '-E', 'separator=|', '-e', 'ip.src', '-e', 'ip.dst', '-e', 'gre.key', '-e', 'mpls.label', '-e', 'ip.checksum.status'], { encoding: 'utf8' });
      const lines = text.trim().split('\n');
      expect(lines[0]).toBe('192.0.2.2,100.64.0.1|192.0.2.100,100.64.0.2||16|1,1');
      expect(lines[1]).toBe('192.0.2.2,100.64.0.2|198.18.0.10,100.64.0.1|0x00000007||1,1');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('applies a hub table\'s per-target rules before sending a packet back down', () => {
    const fib = new Fib();
    const toPe: NextHop = { kind: 'mpls', tunnel: 'core-pe', labels: [DOWN_LABEL], local: HUB, remote: PE, fallback: false };
    fib.apply([
      { type: 'table', table: 'hub', role: 'hub' },
      { type: 'route', table: 'hub', prefix: { afi: 1, address: ip('100.64.0.0'), length: 24 }, nextHops: [toPe] },
      { type: 'label', label: HUB_LABEL, target: { table: 'hub' } },
      { type: 'targets', table: 'hub', rules: [{ name: 'no-bob', action: 'deny', destination: [{ afi: 1, address: BOB, length: 32 }], client: [] }] },
    ]);
    const counters = forwarderCounters();
    const hub = new Forwarder({ snapshot: fib.snapshot(), ports: PORTS, address: HUB, pathMtu: 1500, counters });
    const fromPe = (inner: Buffer): Buffer => mplsGreEncapsulate(inner, labelPush([HUB_LABEL]), ipv4TunnelConfig({ source: PE, destination: HUB }));
    expect(run(hub, fromPe(ipv4Packet({ source: ALICE, destination: BOB })), PORTS.gre)).toBeNull();
    const ok = run(hub, fromPe(ipv4Packet({ source: BOB, destination: ALICE })), PORTS.gre);
    expect([ok?.dst, ok?.out.readUInt32BE(24)]).toEqual([PE, ((DOWN_LABEL << 12) | 0x100 | 255) >>> 0]);
    expect(readForwarderCounters(counters)).toMatchObject({ 'target-dropped': 1, forwarded: 1 });
    // Counted in the row of the worker that read the GRE socket.
    expect(fib.targetCounters('hub')).toEqual({ rules: [{ name: 'no-bob', packets: 1, bytes: 32, dropped: 1 }], unmatched: { packets: 1, bytes: 32 }, hookDrops: 0 });
  });

  it('never throws on junk from any port', () => {
    const { fwd } = setup();
    const out = Buffer.alloc(2048);
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 200 }), fc.constantFrom(PORTS.gre, PORTS.ipip, TUN), (bytes, port) => {
        const b = Buffer.alloc(2048);
        Buffer.from(bytes).copy(b);
        fwd.handle(b, bytes.length, port, out, { port: -1, dst: 0 });
      }),
      { numRuns: 3000 },
    );
    // Valid outer headers with random payloads too.
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 0, maxLength: 100 }), fc.constantFrom(0x0800, 0x8847), (payload, protocol) => {
        // GRE with key 7 (RFC 2890 §2.1) around random bytes, from alice's router.
        const gre = Buffer.from([0x20, 0, protocol >> 8, protocol & 255, 0, 0, 0, 7]);
        const p = ipv4Packet({ protocol: 47, source: ALICE_ROUTER, destination: PE, payload: Buffer.concat([gre, Buffer.from(payload)]) });
        const b = Buffer.alloc(2048);
        p.copy(b);
        fwd.handle(b, p.length, PORTS.gre, out, { port: -1, dst: 0 });
      }),
      { numRuns: 1000 },
    );
  });
});
