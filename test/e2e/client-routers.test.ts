/**
 * Issue 8's topology, all hdvpnd, each node in its own namespace: a route
 * server, a hub, two PEs, and two client routers (hdvpnd in client-router
 * mode) with a plain Linux host behind each. Client router 1 reaches PE 1
 * over GRE (key 7); client router 2 reaches PE 2 over IP-in-IP.
 *
 * - The PEs tell their client routers about every client of the VPN (IPv4
 *   unicast with an RFC 9012 tunnel attribute); the client routers install
 *   them so that traffic to other clients enters their tunnel.
 * - A ping from host 1 to host 2 goes host → client router 1 (GRE) → PE 1 →
 *   hub (MPLS in GRE) → PE 2 → client router 2 (IP-in-IP) → host 2, and the
 *   reply the same way back; tshark on PE 1 sees both directions cross the hub.
 * - A new client session on PE 2 reaches client router 1's FIB within a second.
 */
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { Dut } from '../interop/dut';
import { Lab, type LabNode, type LabProcess, runOk, waitFor } from '../interop/lab';

const root = process.getuid?.() === 0;
const RS = '198.18.0.5';
const HUB = '198.18.0.10';
const PE1 = '198.18.0.21';
const PE2 = '198.18.0.22';
const CR1 = '198.18.0.31';
const CR2 = '198.18.0.32';
type Obj = Record<string, unknown>;
/** Every edge obeys the same central-policy marks (fib-feed.ts policyMarks). */
const EDGE_FIB = 'fib: { backend: userspace, no-fallback-community: "65000:901", no-tunnel-community: "65000:902" }';

/**
 * The route server's central policy toward PE 1: the hub's default may not fall back to best effort,
 * and bob's route is to be reached as plain IP, not through the tunnel.
 */
const CENTRAL_POLICY = `policies:
  - name: central
    terms:
      - { name: no-fallback, match: { prefix: { prefix: 0.0.0.0/0 } }, set: { community: { add: ["65000:901"] } }, action: accept }
      - { name: plain-bob, match: { prefix: { prefix: 100.64.2.0/24, ge: 32 } }, set: { community: { add: ["65000:902"] } }, action: accept }
      - { name: rest, action: accept }
`;

const pair = (n: number): string => `half-duplex:
  - name: red
    upstream:   { name: red-up,   rd: "65000:${n}1", import: ["65000:1"] }
    downstream: { name: red-down, rd: "65000:${n}2", export: ["65000:2"] }
    pool: [100.64.${n}.0/24]`;

(root ? describe : describe.skip)('client routers, PEs, hub and route server: real hosts reach each other through the backbone', () => {
  jest.setTimeout(180000);
  let lab: Lab;
  const duts: Dut[] = [];
  let pe1: Dut;
  let pe2: Dut;
  let cr1: Dut;
  let cr2: Dut;
  let h1: LabNode;
  let h2: LabNode;
  let alice = '';
  let bob = '';
  let rs: Dut;
  let rsYaml: (toPe1?: string) => string;

  /** A host behind a client router: its own namespace, a veth to the router, the client's address, default via the router. */
  async function host(name: string, router: LabNode, address: string, link: string): Promise<LabNode> {
    const h = await lab.addNode(name);
    await runOk(['ip', '-n', router.ns, 'link', 'add', link, 'type', 'veth', 'peer', 'name', 'lan0', 'netns', h.ns]);
    await runOk(['ip', '-n', router.ns, 'link', 'set', link, 'up']);
    await runOk(['ip', '-n', h.ns, 'link', 'set', 'lan0', 'up']);
    await runOk(['ip', '-n', h.ns, 'addr', 'add', `${address}/32`, 'dev', 'lan0']);
    await runOk(['ip', '-n', router.ns, 'addr', 'add', '10.255.255.1/32', 'dev', link]);
    await runOk(['ip', '-n', h.ns, 'route', 'add', '10.255.255.1/32', 'dev', 'lan0']);
    await runOk(['ip', '-n', h.ns, 'route', 'add', '100.64.0.0/16', 'via', '10.255.255.1', 'src', address]);
    // The router's kernel: the host's packets go into hdvpnd (hd-lan); hdvpnd's packets for the host come out of it.
    for (const cmd of [
      ['sysctl', '-qw', 'net.ipv4.ip_forward=1'],
      ['sysctl', '-qw', 'net.ipv4.conf.all.rp_filter=0'],
      ['sysctl', '-qw', 'net.ipv4.conf.hd-lan.rp_filter=0'],
      ['ip', 'route', 'add', `${address}/32`, 'dev', link],
      ['ip', 'rule', 'add', 'iif', link, 'lookup', '100', 'priority', '100'],
      ['ip', 'route', 'add', 'default', 'dev', 'hd-lan', 'table', '100'],
    ]) await router.execOk(cmd);
    return h;
  }

  beforeAll(async () => {
    lab = await Lab.create();
    const [rsN, hubN, pe1N, pe2N, cr1N, cr2N] = await Promise.all([lab.addNode('rs', RS), lab.addNode('hub', HUB), lab.addNode('pe1', PE1), lab.addNode('pe2', PE2), lab.addNode('cr1', CR1), lab.addNode('cr2', CR2)]);
    const rrClient = (a: string): string => `  - { address: ${a}, asn: 65000, families: [vpnv4-unicast], route-reflector-client: true, passive: true, hold-time: 30 }`;
    rsYaml = (toPe1 = ''): string => `asn: 65000
router-id: ${RS}
listen: { address: ${RS}, port: 179 }
neighbors:
${[HUB, PE1, PE2].map((a) => (a === PE1 && toPe1 ? rrClient(a).replace(' }', `, export-policy: ${toPe1} }`) : rrClient(a))).join('\n')}
${toPe1 ? CENTRAL_POLICY : ''}`;
    rs = new Dut(rsN, rsYaml());
    const hub = new Dut(hubN, `asn: 65000
router-id: ${HUB}
listen: { address: ${HUB}, port: 179 }
neighbors:
  - { address: ${RS}, asn: 65000, families: [vpnv4-unicast], hold-time: 30, connect-retry: 1 }
vrfs:
  - { name: hub, rd: "65000:100", import: ["65000:2"], export: ["65000:1"], hub: { announce: [0.0.0.0/0] } }
fib: { backend: userspace }
`);
    const peYaml = (n: number, me: string, cr: string): string => `asn: 65000
router-id: ${me}
listen: { address: ${me}, port: 179 }
neighbors:
  - { address: ${RS}, asn: 65000, families: [vpnv4-unicast], hold-time: 30, connect-retry: 1 }
  - { address: ${cr}, asn: 6510${n}, families: [ipv4-unicast], passive: true, hold-time: 30 }
${pair(n)}
inform-clients: { tunnel: gre }
${EDGE_FIB}
`;
    pe1 = new Dut(pe1N, peYaml(1, PE1, CR1));
    pe2 = new Dut(pe2N, peYaml(2, PE2, CR2));
    duts.push(rs, hub, pe1, pe2);
    await Promise.all(duts.map((d) => d.start()));
    await Promise.all([pe1.waitEstablished(RS), pe2.waitEstablished(RS), hub.waitEstablished(RS)]);
    alice = String(((await pe1.request({ command: 'session-add', client: 'alice', tunnel: { type: 'gre', remote: CR1, key: 7 } })) as Obj).address);
    bob = String(((await pe2.request({ command: 'session-add', client: 'bob', tunnel: { type: 'ipip', remote: CR2 } })) as Obj).address);
    const crYaml = (n: number, me: string, pe: string, backbone: string, lan: string): string => `asn: 6510${n}
router-id: ${me}
listen: false
neighbors:
  - { address: ${pe}, asn: 65000, families: [ipv4-unicast], hold-time: 30, connect-retry: 1 }
client-router:
  backbone: ${backbone}
  lan: [${lan}]
${EDGE_FIB}
`;
    // Each client router's LAN is its PE's whole pool: every client of that PE sits behind it here.
    cr1 = new Dut(cr1N, crYaml(1, CR1, PE1, `{ type: gre, remote: ${PE1}, key: 7 }`, '100.64.1.0/24'));
    cr2 = new Dut(cr2N, crYaml(2, CR2, PE2, `{ type: ipip, remote: ${PE2} }`, '100.64.2.0/24'));
    duts.push(cr1, cr2);
    await Promise.all([cr1.start(), cr2.start()]);
    h1 = await host('h1', cr1N, alice, 'lan1');
    h2 = await host('h2', cr2N, bob, 'lan2');
    await Promise.all([cr1.waitEstablished(PE1), cr2.waitEstablished(PE2)]);
  });

  afterAll(async () => {
    for (const d of duts.reverse()) await d.stop();
    await lab?.teardown();
  });

  const fib = async (d: Dut, vrf: string): Promise<Map<string, Obj>> => new Map(((await d.request({ command: 'show-fib', vrf })) as Obj[]).map((r) => [String(r.prefix), r]));

  it('tells each client router about the other client, with the tunnel to take', async () => {
    const t1 = await waitFor('bob in client router 1', async () => (await fib(cr1, 'client')).get(`${bob}/32`), { timeoutMs: 20000 });
    expect(t1['next-hop']).toMatchObject({ kind: 'gre', remote: PE1, key: 7, tunnel: 'backbone' });
    const t2 = await waitFor('alice in client router 2', async () => (await fib(cr2, 'client')).get(`${alice}/32`), { timeoutMs: 20000 });
    expect(t2['next-hop']).toMatchObject({ kind: 'ipip', remote: PE2, tunnel: 'backbone' });
    // Their own hosts stay local (the LAN TUN), never sent into the tunnel.
    expect((await fib(cr1, 'client')).get('100.64.1.0/24')?.['next-hop']).toMatchObject({ kind: 'local' });
    expect((await fib(cr1, 'client')).has(`${alice}/32`)).toBe(false);
  });

  it('carries a ping between the hosts through both client routers, both PEs and the hub, the reply the same way', async () => {
    // Everything must be in place end to end: the hub knows both clients.
    const hubDut = duts[1];
    if (!hubDut) throw new Error('no hub');
    await waitFor('both clients at the hub', async () => ((await hubDut.request({ command: 'show-fib', vrf: 'hub' })) as Obj[]).filter((r) => String(r.prefix).startsWith('100.64.')).length === 2 || undefined, { timeoutMs: 20000 });
    const pcap = join(lab.dir, 'pe1.pcap');
    const cap: LabProcess = pe1.node.spawn(['tshark', '-i', 'eth0', '-w', pcap, '-f', 'ip proto 47 or ip proto 4'], `${pcap}.log`);
    await new Promise((r) => setTimeout(r, 1500));
    const out = (await h1.exec(['ping', '-c', '3', '-i', '0.2', '-W', '2', '-I', alice, bob])).stdout;
    await new Promise((r) => setTimeout(r, 300));
    await cap.stop();
    if (!/3 packets transmitted, 3 received/.test(out)) {
      const counters = await Promise.all(duts.map(async (d) => `${d.node.name}: ${JSON.stringify(((await d.request({ command: 'show-fib', counters: true })) as Obj).forwarding)}`));
      throw new Error(`${out}\n${counters.join('\n')}`);
    }
    // The reply leaves host 2 with TTL 64; seven routers decrement it once each: client router 2's kernel (into hd-lan),
    // hdvpnd on client router 2, PE 2, the hub, PE 1 and client router 1, then client router 1's kernel (out of hd-lan).
    const ttl = Number(/ttl=(\d+)/.exec(out)?.[1]);
    expect(ttl).toBe(64 - 7);
    const rows = execFileSync('tshark', ['-r', pcap, '-T', 'fields', '-E', 'separator=|', '-e', 'ip.src', '-e', 'ip.dst', '-e', 'icmp.type', '-Y', 'icmp'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim().split('\n');
    const legs = new Set(rows.map((r) => { const [src, dst, type] = r.split('|'); return `${src?.split(',')[0]}>${dst?.split(',')[0]} ${type?.split(',').pop()}`; }));
    // Echo requests (8): in from cr1, out to the hub. Echo replies (0): in from the hub, out to cr1. Nothing PE1 ↔ PE2 directly.
    expect(legs).toEqual(new Set([`${CR1}>${PE1} 8`, `${PE1}>${HUB} 8`, `${HUB}>${PE1} 0`, `${PE1}>${CR1} 0`]));
  });

  it('tells client router 1 about a new client on PE 2 within a second, and traffic to it flows', async () => {
    const started = Date.now();
    const carol = String(((await pe2.request({ command: 'session-add', client: 'carol', tunnel: { type: 'ipip', remote: CR2 } })) as Obj).address);
    await waitFor('carol in client router 1', async () => (await fib(cr1, 'client')).get(`${carol}/32`), { timeoutMs: 5000, intervalMs: 20 });
    const elapsed = Date.now() - started;
    process.stdout.write(`new client on PE 2 in client router 1's FIB after ${elapsed} ms\n`);
    expect(elapsed).toBeLessThan(1000);
    // carol sits behind client router 2 (its LAN is PE 2's pool): host 2 takes her address too, and host 1 reaches it.
    await runOk(['ip', '-n', h2.ns, 'addr', 'add', `${carol}/32`, 'dev', 'lan0']);
    await cr2.node.execOk(['ip', 'route', 'add', `${carol}/32`, 'dev', 'lan2']);
    const out = await h1.execOk(['ping', '-c', '2', '-i', '0.2', '-W', '2', '-I', alice, carol]);
    expect(out).toMatch(/2 packets transmitted, 2 received/);
  });

  it('applies a central policy change from the route server at every edge, without restarting anything', async () => {
    const uptime = (((await cr1.request({ command: 'show-neighbors' })) as Obj[])[0] ?? {}).uptime;
    rs.reconfigure(rsYaml('central'));
    // PE 1: the hub's default no longer falls back; client router 1: bob is now plain IP (the community came along).
    const up = await waitFor('no-fallback at PE 1', async () => {
      const r = (await fib(pe1, 'red-up')).get('0.0.0.0/0');
      return (r?.['next-hop'] as Obj | undefined)?.fallback === false ? r : undefined;
    }, { timeoutMs: 15000 });
    expect(up['next-hop']).toMatchObject({ kind: 'mpls', remote: HUB });
    await waitFor('bob plain at client router 1', async () => ((((await fib(cr1, 'client')).get(`${bob}/32`)?.['next-hop']) as Obj | undefined)?.kind === 'plain' ? true : undefined), { timeoutMs: 15000 });
    // Client router 2 was not targeted: alice still through its tunnel.
    expect((await fib(cr2, 'client')).get(`${alice}/32`)?.['next-hop']).toMatchObject({ kind: 'ipip' });
    // And back, again without a session reset anywhere.
    rs.reconfigure(rsYaml());
    await waitFor('bob tunnelled again at client router 1', async () => ((((await fib(cr1, 'client')).get(`${bob}/32`)?.['next-hop']) as Obj | undefined)?.kind === 'gre' ? true : undefined), { timeoutMs: 15000 });
    const pe1Neighbors = (await pe1.request({ command: 'show-neighbors' })) as Obj[];
    expect(pe1Neighbors.every((n) => n.state === 'Established')).toBe(true);
    expect((((await cr1.request({ command: 'show-neighbors' })) as Obj[])[0] ?? {}).uptime).toBeGreaterThanOrEqual(Number(uptime));
  });
});
