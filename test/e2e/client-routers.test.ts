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
 *   reply the same way back; tshark on every hop sees exactly its own legs, both ways.
 * - A new client session on PE 2 reaches client router 1's FIB within a second.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Dut } from '../interop/dut';
import { type Lab, type LabNode, type LabProcess, runOk, waitFor } from '../interop/lab';
import { buildVpnTopology, CR1, CR2, CR3, HUB, PE1, PE2 } from './topology';

const root = process.getuid?.() === 0;
type Obj = Record<string, unknown>;

(root ? describe : describe.skip)('client routers, PEs, hub and route server: real hosts reach each other through the backbone', () => {
  jest.setTimeout(180000);
  let lab: Lab;
  let duts: Dut[] = [];
  let rs: Dut;
  let hub: Dut;
  let pe1: Dut;
  let pe2: Dut;
  let cr1: Dut;
  let cr2: Dut;
  let cr3: Dut;
  let h1: LabNode;
  let h2: LabNode;
  let h3: LabNode;
  let alice = '';
  let bob = '';
  let dave = '';
  let rsYaml: (toPe1?: string) => string;

  beforeAll(async () => {
    ({ lab, duts, rs, hub, pe1, pe2, cr1, cr2, cr3, h1, h2, h3, alice, bob, dave, rsYaml } = await buildVpnTopology());
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
    // Their own host stays local (the LAN TUN), never sent into the tunnel; the other client of the same PE goes in.
    expect((await fib(cr1, 'client')).get(`${alice}/32`)?.['next-hop']).toMatchObject({ kind: 'local' });
    expect((await waitFor('dave in client router 1', async () => (await fib(cr1, 'client')).get(`${dave}/32`), { timeoutMs: 20000 }))['next-hop']).toMatchObject({ kind: 'gre', remote: PE1 });
    expect((await fib(cr2, 'client')).get('100.64.2.0/24')?.['next-hop']).toMatchObject({ kind: 'local' });
  });

  /**
   * tshark on several nodes' links at once during `fn`: per node, [outer src > outer dst, ICMP type] of every ICMP
   * packet inside a tunnel to or from that node (the capture filter keeps bridge flooding out).
   */
  async function icmpLegsAt(ds: readonly Dut[], fn: () => Promise<void>): Promise<Map<string, Set<string>>> {
    const caps = ds.map((d) => {
      const pcap = join(lab.dir, `${d.node.name}-${Date.now()}.pcap`);
      const cap: LabProcess = d.node.spawn(['tshark', '-i', 'eth0', '-w', pcap, '-f', `host ${d.node.address} and (ip proto 47 or ip proto 4)`], `${pcap}.log`);
      return { d, pcap, cap };
    });
    // Several tsharks starting at once on two cores take a while: wait until each says it captures.
    for (const { pcap } of caps) {
      await waitFor(`tshark capturing (${pcap})`, () => (existsSync(`${pcap}.log`) && readFileSync(`${pcap}.log`, 'utf8').includes('Capturing on') ? true : undefined), { timeoutMs: 30000 });
    }
    await new Promise((r) => setTimeout(r, 200));
    await fn();
    await new Promise((r) => setTimeout(r, 300));
    const out = new Map<string, Set<string>>();
    for (const { d, pcap, cap } of caps) {
      await cap.stop();
      const rows = execFileSync('tshark', ['-r', pcap, '-T', 'fields', '-E', 'separator=|', '-e', 'ip.src', '-e', 'ip.dst', '-e', 'icmp.type', '-Y', 'icmp'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim().split('\n').filter(Boolean);
      out.set(d.node.name, new Set(rows.map((r) => { const [src, dst, type] = r.split('|'); return `${src?.split(',')[0]}>${dst?.split(',')[0]} ${type?.split(',').pop()}`; })));
    }
    return out;
  }

  const icmpLegs = async (d: Dut, fn: () => Promise<void>): Promise<Set<string>> => (await icmpLegsAt([d], fn)).get(d.node.name) ?? new Set();

  it('carries a ping between two clients of the same PE up to the hub and back down, never straight across (scenario 1)', async () => {
    let out = '';
    const atPe = await icmpLegs(pe1, async () => {
      out = (await h1.exec(['ping', '-c', '3', '-i', '0.2', '-W', '2', '-I', alice, dave])).stdout;
    });
    expect(out).toMatch(/3 packets transmitted, 3 received/);
    // Requests (8) and replies (0) both cross the hub; nothing goes from client router 1's tunnel straight to 3's.
    expect(atPe).toEqual(new Set([`${CR1}>${PE1} 8`, `${PE1}>${HUB} 8`, `${HUB}>${PE1} 8`, `${PE1}>${CR3} 8`, `${CR3}>${PE1} 0`, `${PE1}>${HUB} 0`, `${HUB}>${PE1} 0`, `${PE1}>${CR1} 0`]));
  });

  it('carries a ping between the hosts through both client routers, both PEs and the hub, the reply the same way', async () => {
    // Everything must be in place end to end: the hub knows both clients.
    await waitFor('both clients at the hub', async () => ((await hub.request({ command: 'show-fib', vrf: 'hub' })) as Obj[]).filter((r) => [`${alice}/32`, `${bob}/32`].includes(String(r.prefix))).length === 2 || undefined, { timeoutMs: 20000 });
    let out = '';
    const legs = await icmpLegsAt([cr1, pe1, hub, pe2, cr2], async () => {
      out = (await h1.exec(['ping', '-c', '3', '-i', '0.2', '-W', '2', '-I', alice, bob])).stdout;
    });
    if (!/3 packets transmitted, 3 received/.test(out)) {
      const counters = await Promise.all(duts.map(async (d) => `${d.node.name}: ${JSON.stringify(((await d.request({ command: 'show-fib', counters: true })) as Obj).forwarding)}`));
      throw new Error(`${out}\n${counters.join('\n')}`);
    }
    // The reply leaves host 2 with TTL 64; seven routers decrement it once each: client router 2's kernel (into hd-lan),
    // hdvpnd on client router 2, PE 2, the hub, PE 1 and client router 1, then client router 1's kernel (out of hd-lan).
    expect(Number(/ttl=(\d+)/.exec(out)?.[1])).toBe(64 - 7);
    // tshark at every hop: requests (8) go cr1 → pe1 → hub → pe2 → cr2, replies (0) come back the same way, reversed.
    expect(legs.get('cr1')).toEqual(new Set([`${CR1}>${PE1} 8`, `${PE1}>${CR1} 0`]));
    expect(legs.get('pe1')).toEqual(new Set([`${CR1}>${PE1} 8`, `${PE1}>${HUB} 8`, `${HUB}>${PE1} 0`, `${PE1}>${CR1} 0`]));
    expect(legs.get('hub')).toEqual(new Set([`${PE1}>${HUB} 8`, `${HUB}>${PE2} 8`, `${PE2}>${HUB} 0`, `${HUB}>${PE1} 0`]));
    expect(legs.get('pe2')).toEqual(new Set([`${HUB}>${PE2} 8`, `${PE2}>${CR2} 8`, `${CR2}>${PE2} 0`, `${PE2}>${HUB} 0`]));
    expect(legs.get('cr2')).toEqual(new Set([`${PE2}>${CR2} 8`, `${CR2}>${PE2} 0`]));
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

  it('falls back to best effort when the hub path goes down, without loops, and returns to the tunnels (scenario 4)', async () => {
    // Best effort is plain IP over the backbone's own routing: the operator's routes for the other PE's pool, and for
    // each PE's own clients toward their client routers.
    await pe1.node.execOk(['ip', 'route', 'add', '100.64.2.0/24', 'via', PE2]);
    await pe1.node.execOk(['ip', 'route', 'add', `${alice}/32`, 'via', CR1]);
    await pe2.node.execOk(['ip', 'route', 'add', '100.64.1.0/24', 'via', PE1]);
    await pe2.node.execOk(['ip', 'route', 'add', `${bob}/32`, 'via', CR2]);
    for (const d of [pe1, pe2]) await d.node.execOk(['sysctl', '-qw', 'net.ipv4.ip_forward=1']);
    const tunnelState = async (d: Dut, name: string): Promise<unknown> => (((await d.request({ command: 'show-tunnels', name })) as Obj[])[0] ?? {}).state;
    const before = Number(((await pe1.request({ command: 'show-fib', counters: true })) as { forwarding: Obj }).forwarding.fallback);
    await hub.node.execOk(['ip', 'link', 'set', 'eth0', 'down']);
    const downAt = Date.now();
    try {
      await waitFor('PE 1 core path down', async () => ((await tunnelState(pe1, `core-${HUB}`)) === 'down' ? true : undefined), { timeoutMs: 5000, intervalMs: 20 });
      await waitFor('PE 2 core path down', async () => ((await tunnelState(pe2, `core-${HUB}`)) === 'down' ? true : undefined), { timeoutMs: 5000, intervalMs: 20 });
      process.stdout.write(`hub path down noticed by both PEs ${Date.now() - downAt} ms after the link went down\n`);
      const out = (await h1.exec(['ping', '-c', '3', '-i', '0.2', '-W', '2', '-I', alice, bob])).stdout;
      expect(out).toMatch(/3 packets transmitted, 3 received/);
      const after = ((await pe1.request({ command: 'show-fib', counters: true })) as { forwarding: Obj }).forwarding;
      expect(Number(after.fallback) - before).toBeGreaterThanOrEqual(3);
      expect(Number(after['ttl-exceeded'])).toBe(0);
    } finally {
      await hub.node.execOk(['ip', 'link', 'set', 'eth0', 'up']);
    }
    const upAt = Date.now();
    await waitFor('PE 1 core path up', async () => ((await tunnelState(pe1, `core-${HUB}`)) === 'up' ? true : undefined), { timeoutMs: 10000, intervalMs: 20 });
    process.stdout.write(`hub path up again at PE 1 ${Date.now() - upAt} ms after the link came back\n`);
    const atHub = await icmpLegs(hub, async () => {
      expect((await h1.exec(['ping', '-c', '3', '-i', '0.2', '-W', '2', '-I', alice, bob])).stdout).toMatch(/3 packets transmitted, 3 received/);
    });
    expect(atHub.has(`${PE1}>${HUB} 8`) && atHub.has(`${HUB}>${PE2} 8`)).toBe(true);
  });
});
