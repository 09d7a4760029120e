/**
 * Real packets through the half-duplex VPN (issue 7's proof): two client
 * routers, a PE and a hub, each in its own network namespace on one bridge,
 * the PE and the hub both hdvpnd with the userspace packet backend.
 *
 * Client router 1 sends UDP from alice to bob (both sessions of the same PE)
 * into alice's GRE tunnel (key 7). The PE must not send it straight across:
 * it strips GRE, looks bob up in alice's *upstream* table, and sends it in
 * MPLS-in-GRE to the hub; the hub sends it back with the PE's downstream
 * label; the PE sends it down bob's IP-in-IP tunnel. Bob's router answers
 * and the reply takes the same way back. tshark on the PE's and the hub's
 * links sees every hop, in order, with valid checksums; each hdvpnd hop
 * decrements the inner TTL once.
 */
import { join } from 'node:path';
import { Dut } from '../interop/dut';
import { Lab, type LabNode, waitFor } from '../interop/lab';
import { captureTunnels } from './helpers/capture';
import { C1, C2, HUB, PE, hubConfig, peConfig, startClients } from './helpers/vpn-configs';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';

const root = process.getuid?.() === 0;
/** A client on a local interface: its packets reach the PE's kernel, which routes them into the pair's TUN device. */
const C3 = '198.18.0.33';
const CLIENT = join(__dirname, 'helpers/client-router.js');

type Obj = Record<string, unknown>;
interface Seen { outerSrc: string; outerDst: string; key: number | null; src: string; dst: string; ttl: number; innerChecksumOk: boolean; text: string }


/** frame, outer src, outer dst, outer proto, inner src, inner dst, inner TTL, label, GRE key, checksum statuses. */
function frames(file: string): string[][] {
  const out = execFileSync('tshark', ['-r', file, '-o', 'ip.check_checksum:TRUE', '-T', 'fields', '-E', 'separator=|', '-e', 'frame.number', '-e', 'ip.src', '-e', 'ip.dst', '-e', 'ip.proto', '-e', 'ip.ttl', '-e', 'mpls.label', '-e', 'gre.key', '-e', 'ip.checksum.status', '-Y', 'udp'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
  return out.trim().split('\n').filter(Boolean).map((l) => l.split('|'));
}

(root ? describe : describe.skip)('packet path through the half-duplex VPN (netns, userspace backend)', () => {
  jest.setTimeout(120000);
  let lab: Lab;
  let hub: Dut;
  let pe: Dut;
  let c1: LabNode;
  let c2: LabNode;
  let c3: LabNode;
  let addr = new Map<string, string>();

  beforeAll(async () => {
    lab = await Lab.create();
    const hubNode = await lab.addNode('hub', HUB);
    const peNode = await lab.addNode('pe', PE);
    c1 = await lab.addNode('c1', C1);
    c2 = await lab.addNode('c2', C2);
    c3 = await lab.addNode('c3', C3);
    hub = new Dut(hubNode, hubConfig({
      holdTime: 9,
      fib: 'fib: { backend: userspace }',
      rules: ['        - { name: quarantine, destination: 100.64.0.200/29, action: deny }', '        - { name: acct, action: count }'],
    }));
    pe = new Dut(peNode, peConfig({ holdTime: 9, fib: 'fib: { backend: userspace }' }));
    await hub.start();
    await pe.start();
    await pe.waitEstablished(HUB);
    addr = await startClients(pe, hub, [
      ['alice', { type: 'gre', remote: C1, key: 7 }],
      ['bob', { type: 'ipip', remote: C2 }],
      ['carol', undefined],
    ]);
  });

  afterAll(async () => {
    await pe?.stop();
    await hub?.stop();
    await lab?.teardown();
  });

  it('carries alice → bob and the reply through the hub, hop by hop, never straight across', async () => {
    const alice = addr.get('alice') ?? '';
    const bob = addr.get('bob') ?? '';
    const pePcap = join(lab.dir, 'pe.pcap');
    const hubPcap = join(lab.dir, 'hub.pcap');
    const peCap = await captureTunnels(pe.node, pePcap);
    const hubCap = await captureTunnels(hub.node, hubPcap);
    const echo = c2.spawn(['node', CLIENT, '--mode', 'echo', '--tunnel', 'ipip', '--local', C2, '--pe', PE, '--ms', '6000'], join(lab.dir, 'c2.json'));
    await new Promise((r) => setTimeout(r, 300));
    const sent = JSON.parse(await c1.execOk(['node', CLIENT, '--mode', 'send', '--tunnel', 'gre', '--key', '7', '--local', C1, '--pe', PE, '--src', alice, '--dst', bob, '--count', '5', '--ms', '2000'])) as { sent: number; received: Seen[] };
    await echo.exited;
    await new Promise((r) => setTimeout(r, 500));
    await peCap.stop();
    await hubCap.stop();
    const echoed = JSON.parse(readFileSync(join(lab.dir, 'c2.json'), 'utf8')) as { received: Seen[]; replied: number };

    // Bob's router got all five through its IP-in-IP tunnel from the PE; three hdvpnd hops: TTL 64 → 61.
    expect(sent.sent).toBe(5);
    expect(echoed.received.map((p) => [p.outerSrc, p.src, p.dst, p.ttl, p.innerChecksumOk])).toEqual(Array(5).fill([PE, alice, bob, 61, true]));
    expect(echoed.received.map((p) => p.text).sort()).toEqual([1, 2, 3, 4, 5].map((i) => `hdvpn-e2e-${i}`));
    // The replies came back down alice's GRE tunnel with her key.
    expect(sent.received.map((p) => [p.outerSrc, p.key, p.src, p.dst, p.ttl]).sort()).toEqual(Array(5).fill([PE, 7, bob, alice, 61]));

    // The PE's link, in order for each packet: c1 → PE (GRE, key 7), PE → hub (MPLS in GRE), hub → PE, PE → c2 (IP-in-IP).
    const f = frames(pePcap);
    const upstream = f.filter((r) => r[1] === `${C1},${alice}` || r[1] === `${PE},${alice}` || r[1] === `${HUB},${alice}`);
    const legs = upstream.map((r) => `${r[1]?.split(',')[0]}>${r[2]?.split(',')[0]}/${r[3]?.split(',')[0]}${r[5] ? `/label` : ''}`);
    const perPacket = ['198.18.0.31>198.18.0.20/47', '198.18.0.20>198.18.0.10/47/label', '198.18.0.10>198.18.0.20/47/label', '198.18.0.20>198.18.0.32/4'];
    expect(legs.filter((l) => l === perPacket[0])).toHaveLength(5);
    expect(new Set(legs)).toEqual(new Set(perPacket));
    // Never straight across: every PE → c2 frame comes after a hub → PE frame of the same flow.
    let fromHub = 0;
    for (const l of legs) {
      if (l === perPacket[2]) fromHub++;
      if (l === perPacket[3]) {
        expect(fromHub).toBeGreaterThan(0);
        fromHub--;
      }
    }
    // Every IPv4 header on the PE's link, outer and inner, has a good checksum (1 = good in tshark).
    for (const r of f) expect(r[7]?.split(',').every((s) => s === '1')).toBe(true);
    // The hub saw each packet of both directions come in and go back out.
    const h = frames(hubPcap);
    expect(h.filter((r) => r[1]?.startsWith(`${PE},`)).length).toBe(10);
    expect(h.filter((r) => r[1]?.startsWith(`${HUB},`)).length).toBe(10);
    const counters = (await pe.request({ command: 'show-fib', counters: true })) as { forwarding: Obj };
    expect(counters.forwarding).toMatchObject({ forwarded: 20, unclassified: 0, 'no-route': 0, malformed: 0 });
    // Per tunnel, as show tunnels reports it: five packets each way through each client tunnel, ten up the core path.
    const tunnels = new Map(((await pe.request({ command: 'show-tunnels' })) as Obj[]).map((t) => [String(t.name), t]));
    expect(tunnels.get('gre-alice')).toMatchObject({ type: 'gre', local: PE, remote: C1, key: 7, state: 'up', 'rx-packets': 5, 'tx-packets': 5 });
    expect(tunnels.get('ipip-bob')).toMatchObject({ type: 'ipip', remote: C2, key: null, state: 'up', 'rx-packets': 5, 'tx-packets': 5 });
    expect(tunnels.get(`core-${HUB}`)).toMatchObject({ type: 'mpls-gre', remote: HUB, 'tx-packets': 10 });
    expect(typeof tunnels.get('gre-alice')?.['last-seen']).toBe('string');
    // The same counters on the session (show sessions).
    const sessions = (await pe.request({ command: 'show-sessions', client: 'alice' })) as Obj[];
    expect(sessions[0]?.counters).toMatchObject({ 'rx-packets': 5, 'tx-packets': 5 });
  });

  it('applies the hub\'s per-target rules to real packets: a quarantined destination never comes back down', async () => {
    const alice = addr.get('alice') ?? '';
    const before = ((await hub.request({ command: 'show-hub', name: 'hub' })) as Obj[])[0] as { rules: Obj[] };
    const sent = JSON.parse(await c1.execOk(['node', CLIENT, '--mode', 'send', '--tunnel', 'gre', '--key', '7', '--local', C1, '--pe', PE, '--src', alice, '--dst', '100.64.0.201', '--count', '3', '--ms', '500'])) as { sent: number; received: Seen[] };
    expect(sent.sent).toBe(3);
    const after = await waitFor('hub counters', async () => {
      const h = ((await hub.request({ command: 'show-hub', name: 'hub' })) as Obj[])[0] as { rules: Obj[] };
      return Number(h.rules[0]?.dropped) >= 3 ? h : undefined;
    }, { timeoutMs: 5000 });
    expect(after.rules[0]).toMatchObject({ name: 'quarantine', packets: 3, dropped: 3 });
    // The count rule sits after the deny: it saw the first test's 10 packets, not these.
    expect(Number(after.rules[1]?.packets) - Number(before.rules[1]?.packets)).toBe(0);
    expect(Number(before.rules[1]?.packets)).toBe(10);
    const counters = (await hub.request({ command: 'show-fib', counters: true })) as { forwarding: Obj };
    expect(counters.forwarding).toMatchObject({ 'target-dropped': 3 });
  });

  it('carries a local session through the pair\'s TUN device: carol → hub → bob and back out of the TUN', async () => {
    const carol = addr.get('carol') ?? '';
    const bob = addr.get('bob') ?? '';
    // The operator's part on the PE: carol's packets from the bridge go into the TUN (hd-red); traffic for her leaves via c3.
    for (const cmd of [
      ['sysctl', '-qw', 'net.ipv4.ip_forward=1'],
      ['sysctl', '-qw', 'net.ipv4.conf.all.rp_filter=0'],
      ['sysctl', '-qw', 'net.ipv4.conf.hd-red.rp_filter=0'],
      ['ip', 'rule', 'add', 'iif', 'eth0', 'from', carol, 'lookup', '100', 'priority', '100'],
      ['ip', 'route', 'add', 'default', 'dev', 'hd-red', 'table', '100'],
      ['ip', 'route', 'add', `${carol}/32`, 'via', C3],
    ]) await pe.node.execOk(cmd);
    await c3.execOk(['ip', 'addr', 'add', `${carol}/32`, 'dev', 'eth0']);
    await c3.execOk(['ip', 'route', 'add', '100.64.0.0/24', 'via', PE, 'src', carol]);
    const lookup = (await pe.request({ command: 'fib-lookup', address: bob, ingress: 'carol' })) as Obj;
    expect(lookup).toMatchObject({ table: 'red-up', decision: 'forward', ingress: { kind: 'session', session: 'carol' } });

    const echo = c2.spawn(['node', CLIENT, '--mode', 'echo', '--tunnel', 'ipip', '--local', C2, '--pe', PE, '--ms', '4000'], join(lab.dir, 'c2-carol.json'));
    await new Promise((r) => setTimeout(r, 300));
    const script = `const d=require('dgram').createSocket('udp4');const got=[];d.on('message',(m,r)=>got.push({text:m.toString(),from:r.address}));d.bind(9,'${carol}',()=>{for(let i=1;i<=3;i++)d.send('hdvpn-e2e-'+i,9,'${bob}');setTimeout(()=>{process.stdout.write(JSON.stringify(got));d.close();},2500);});`;
    const replies = JSON.parse(await c3.execOk(['node', '-e', script])) as { text: string; from: string }[];
    await echo.exited;
    const echoed = JSON.parse(readFileSync(join(lab.dir, 'c2-carol.json'), 'utf8')) as { received: Seen[] };
    // c3's kernel, then the PE's kernel into the TUN, then three hdvpnd hops: TTL 64 → 60 at bob's router.
    expect(echoed.received.map((p) => [p.src, p.dst, p.ttl])).toEqual(Array(3).fill([carol, bob, 60]));
    expect(replies.map((r) => [r.from, r.text]).sort()).toEqual([1, 2, 3].map((i) => [bob, `reply:hdvpn-e2e-${i}`]));
  });
});
