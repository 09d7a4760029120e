/**
 * The PE of packet-path.test.ts with `fib: { af-xdp: [eth0] }`: the GRE of
 * its client routers comes in through an AF_XDP socket (an XDP program on
 * eth0 redirects GRE to the PE's address; everything else, BGP and ARP
 * included, still reaches the kernel), and its forwarded packets leave
 * through the same socket once the next hop's MAC is known. tshark runs on
 * the hub's link and the client routers check what they receive: the XDP
 * program takes the PE's incoming GRE before any capture on the PE could
 * see it.
 */
import { join } from 'node:path';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { Dut } from '../interop/dut';
import { Lab, type LabNode } from '../interop/lab';
import { captureTunnels } from './helpers/capture';
import { C1, C2, HUB, PE, hubConfig, peConfig, startClients } from './helpers/vpn-configs';

const root = process.getuid?.() === 0;
const CLIENT = join(__dirname, 'helpers/client-router.js');

type Obj = Record<string, unknown>;
interface Seen { outerSrc: string; key: number | null; src: string; dst: string; ttl: number; innerChecksumOk: boolean; text: string }


/** outer src, outer dst and the IPv4 checksum statuses of each UDP-carrying frame. */
function frames(file: string): string[][] {
  const out = execFileSync('tshark', ['-r', file, '-o', 'ip.check_checksum:TRUE', '-T', 'fields', '-E', 'separator=|', '-e', 'ip.src', '-e', 'ip.dst', '-e', 'ip.checksum.status', '-Y', 'udp'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
  return out.trim().split('\n').filter(Boolean).map((l) => l.split('|'));
}

function xdpAttached(node: LabNode): boolean {
  return /\bxdp/.test(execFileSync('ip', ['-n', node.ns, '-d', 'link', 'show', 'eth0'], { encoding: 'utf8' }));
}

(root ? describe : describe.skip)('packet path with the PE on AF_XDP (netns, userspace backend, af-xdp: [eth0])', () => {
  jest.setTimeout(120000);
  let lab: Lab;
  let hub: Dut;
  let pe: Dut;
  let peNode: LabNode;
  let c1: LabNode;
  let c2: LabNode;
  let addr = new Map<string, string>();

  beforeAll(async () => {
    lab = await Lab.create();
    const hubNode = await lab.addNode('hub', HUB);
    peNode = await lab.addNode('pe', PE);
    c1 = await lab.addNode('c1', C1);
    c2 = await lab.addNode('c2', C2);
    hub = new Dut(hubNode, hubConfig({ holdTime: 9, fib: 'fib: { backend: userspace }' }));
    pe = new Dut(peNode, peConfig({ holdTime: 9, fib: 'fib: { backend: userspace, af-xdp: [eth0] }' }));
    await hub.start();
    await pe.start();
    // BGP over the PE's eth0 with the XDP program on it: TCP is passed to the kernel.
    await pe.waitEstablished(HUB);
    addr = await startClients(pe, hub, [
      ['alice', { type: 'gre', remote: C1, key: 7 }],
      ['bob', { type: 'ipip', remote: C2 }],
    ]);
  });

  afterAll(async () => {
    await pe?.stop();
    await hub?.stop();
    await lab?.teardown();
  });

  it('attaches its XDP program to eth0 in native mode and says so', () => {
    expect(xdpAttached(peNode)).toBe(true);
    expect(readFileSync(pe.logPath, 'utf8')).toMatch(/AF_XDP: eth0 native/);
  });

  it('carries alice → hub → bob and the replies back, twice (before and after the next hops are resolved)', async () => {
    const alice = addr.get('alice') ?? '';
    const bob = addr.get('bob') ?? '';
    const hubPcap = join(lab.dir, 'hub.pcap');
    const hubCap = await captureTunnels(hub.node, hubPcap);
    for (let round = 1; round <= 2; round++) {
      const echoFile = join(lab.dir, `c2-${round}.json`);
      const echo = c2.spawn(['node', CLIENT, '--mode', 'echo', '--tunnel', 'ipip', '--local', C2, '--pe', PE, '--ms', '4000'], echoFile);
      await new Promise((r) => setTimeout(r, 300));
      const sent = JSON.parse(await c1.execOk(['node', CLIENT, '--mode', 'send', '--tunnel', 'gre', '--key', '7', '--local', C1, '--pe', PE, '--src', alice, '--dst', bob, '--count', '5', '--ms', '2000'])) as { sent: number; received: Seen[] };
      await echo.exited;
      const echoed = JSON.parse(readFileSync(echoFile, 'utf8')) as { received: Seen[] };
      // Three hdvpnd hops each way (PE, hub, PE): TTL 64 → 61, inner checksum intact.
      expect(sent.sent).toBe(5);
      expect(echoed.received.map((p) => [p.outerSrc, p.src, p.dst, p.ttl, p.innerChecksumOk])).toEqual(Array(5).fill([PE, alice, bob, 61, true]));
      expect(sent.received.map((p) => [p.outerSrc, p.key, p.src, p.dst, p.ttl]).sort()).toEqual(Array(5).fill([PE, 7, bob, alice, 61]));
    }
    await new Promise((r) => setTimeout(r, 300));
    await hubCap.stop();
    // The hub got all 20 up the core path from the PE and sent 20 back; every header the PE wrote (the worker fills
    // in length, ID and checksum itself on the AF_XDP path) checks out.
    const h = frames(hubPcap);
    const fromPe = h.filter((r) => r[0]?.startsWith(`${PE},`));
    expect(fromPe).toHaveLength(20);
    expect(h.filter((r) => r[0]?.startsWith(`${HUB},`))).toHaveLength(20);
    for (const r of fromPe) expect(r[2]?.split(',').every((s) => s === '1')).toBe(true);
    const counters = (await pe.request({ command: 'show-fib', counters: true })) as { forwarding: Obj };
    expect(counters.forwarding).toMatchObject({ forwarded: 40, unclassified: 0, 'no-route': 0, malformed: 0 });
  });

  it('detaches the program when hdvpnd stops', async () => {
    await pe.stop();
    expect(xdpAttached(peNode)).toBe(false);
  });
});
