/**
 * Tunnel liveness and best-effort fallback with real packets (issue 8,
 * scenario 4): a PE and a hub (hdvpnd, userspace backend, probes every
 * 100 ms, down after 3 missed) and two client routers that route probes
 * home as GRE keepalives are routed. When bob's router stops answering, or
 * the hub's link goes down, alice's packets to bob go out as plain IP within
 * the detection time, and back into the tunnels when they answer again.
 */
import { join } from 'node:path';
import { Dut } from '../interop/dut';
import { Lab, type LabNode, type LabProcess, waitFor } from '../interop/lab';
import { C1, C2, HUB, PE, hubConfig, peConfig } from './helpers/vpn-configs';

const root = process.getuid?.() === 0;
const CLIENT = join(__dirname, 'helpers/client-router.js');
const INTERVAL = 100;
const MULTIPLIER = 3;

type Obj = Record<string, unknown>;
interface Seen { outerSrc: string; src: string; dst: string; text: string }

(root ? describe : describe.skip)('tunnel liveness and best-effort fallback (netns, userspace backend)', () => {
  jest.setTimeout(120000);
  let lab: Lab;
  let hub: Dut;
  let pe: Dut;
  let c1: LabNode;
  let c2: LabNode;
  let reflector1: LabProcess;
  let reflector2: LabProcess | null = null;
  let alice = '';
  let bob = '';

  const tunnel = async (name: string): Promise<Obj> => ((await pe.request({ command: 'show-tunnels', name })) as Obj[])[0] ?? {};
  const reflect = (node: LabNode, type: string, local: string, extra: string[] = []): LabProcess =>
    node.spawn(['node', CLIENT, '--mode', 'reflect', '--tunnel', type, '--local', local, '--pe', PE, '--ms', '100000', ...extra], join(lab.dir, `${node.name}-reflect-${Date.now()}.json`));

  /** Three packets alice → bob from c1's tunnel; what bob's side got: through IP-in-IP (echo) and as plain UDP to bob's address. */
  async function send(): Promise<{ tunnelled: Seen[]; plain: string[] }> {
    const echo = c2.spawn(['node', CLIENT, '--mode', 'echo', '--no-reflect', '--tunnel', 'ipip', '--local', C2, '--pe', PE, '--ms', '2500'], join(lab.dir, `c2-echo-${Date.now()}.json`));
    const script = `const d=require('dgram').createSocket('udp4');const got=[];d.on('message',(m)=>got.push(m.toString()));d.bind(9,'${bob}',()=>setTimeout(()=>{process.stdout.write(JSON.stringify(got));d.close();},2500));`;
    const plainP = c2.execOk(['node', '-e', script]);
    await new Promise((r) => setTimeout(r, 300));
    await c1.execOk(['node', CLIENT, '--mode', 'send', '--no-reflect', '--tunnel', 'gre', '--key', '7', '--local', C1, '--pe', PE, '--src', alice, '--dst', bob, '--count', '3', '--ms', '300']);
    const plain = JSON.parse(await plainP) as string[];
    await echo.exited;
    const { readFileSync } = await import('node:fs');
    const tunnelled = (JSON.parse(readFileSync(echo.logFile, 'utf8')) as { received: Seen[] }).received.filter((p) => p.text.startsWith('hdvpn-e2e-'));
    return { tunnelled, plain: plain.filter((t) => t.startsWith('hdvpn-e2e-')) };
  }

  beforeAll(async () => {
    lab = await Lab.create();
    const hubNode = await lab.addNode('hub', HUB);
    const peNode = await lab.addNode('pe', PE);
    c1 = await lab.addNode('c1', C1);
    c2 = await lab.addNode('c2', C2);
    const fib = `fib: { backend: userspace, probe-interval: ${INTERVAL}, probe-multiplier: ${MULTIPLIER} }`;
    hub = new Dut(hubNode, hubConfig({ holdTime: 30, fib }));
    pe = new Dut(peNode, peConfig({ holdTime: 30, fib }));
    await hub.start();
    await pe.start();
    await pe.waitEstablished(HUB);
    alice = String(((await pe.request({ command: 'session-add', client: 'alice', tunnel: { type: 'gre', remote: C1, key: 7 } })) as Obj).address);
    bob = String(((await pe.request({ command: 'session-add', client: 'bob', tunnel: { type: 'ipip', remote: C2 } })) as Obj).address);
    // Best effort toward bob's address goes to his router as plain IP; his host answers on it.
    await pe.node.execOk(['ip', 'route', 'add', `${bob}/32`, 'via', C2]);
    await c2.execOk(['ip', 'addr', 'add', `${bob}/32`, 'dev', 'eth0']);
    reflector1 = reflect(c1, 'gre', C1);
    reflector2 = reflect(c2, 'ipip', C2);
    await waitFor('hub FIB has the clients', async () => ((await hub.request({ command: 'show-fib', vrf: 'hub' })) as Obj[]).length >= 3 || undefined, { timeoutMs: 20000 });
    for (const t of ['gre-alice', 'ipip-bob', `core-${HUB}`]) await waitFor(`${t} up`, async () => ((await tunnel(t)).state === 'up' ? true : undefined), { timeoutMs: 10000, diagnostics: async () => `${JSON.stringify(await tunnel(t))}\n${pe.logTail()}` });
  });

  afterAll(async () => {
    reflector1?.signal('SIGKILL');
    reflector2?.signal('SIGKILL');
    await pe?.stop();
    await hub?.stop();
    await lab?.teardown();
  });

  it('carries alice → bob through the tunnels while every tunnel answers', async () => {
    const r = await send();
    expect(r.tunnelled.map((p) => [p.outerSrc, p.src, p.dst])).toEqual(Array(3).fill([PE, alice, bob]));
    expect(r.plain).toEqual([]);
  });

  it('falls back to plain IP within the detection time when bob\'s tunnel stops answering, and returns when it answers again', async () => {
    reflector2?.signal('SIGKILL');
    const killedAt = Date.now();
    const down = await waitFor('ipip-bob down', async () => {
      const t = await tunnel('ipip-bob');
      return t.state === 'down' ? t : undefined;
    }, { timeoutMs: 5000 });
    const noticed = Date.now() - killedAt;
    // Detection: no answer for interval x multiplier, checked every quarter interval.
    expect(Number(down['last-failover-ms'])).toBeGreaterThanOrEqual(INTERVAL * MULTIPLIER);
    expect(Number(down['last-failover-ms'])).toBeLessThan(INTERVAL * MULTIPLIER + INTERVAL);
    expect(noticed).toBeLessThan(INTERVAL * MULTIPLIER + 1000);
    const fallback = await send();
    expect(fallback.tunnelled).toEqual([]);
    expect(fallback.plain.sort()).toEqual(['hdvpn-e2e-1', 'hdvpn-e2e-2', 'hdvpn-e2e-3']);
    const restartedAt = Date.now();
    reflector2 = reflect(c2, 'ipip', C2);
    const up = await waitFor('ipip-bob up', async () => {
      const t = await tunnel('ipip-bob');
      return t.state === 'up' ? t : undefined;
    }, { timeoutMs: 5000 });
    expect(Number(up['last-recovery-ms'])).toBeGreaterThan(0);
    process.stdout.write(`failover ${String(down['last-failover-ms'])} ms after the last answer (noticed ${noticed} ms after the kill); back up ${Date.now() - restartedAt} ms after the reflector restarted, outage ${String(up['last-recovery-ms'])} ms\n`);
    const back = await send();
    expect(back.tunnelled.map((p) => p.src)).toEqual([alice, alice, alice]);
    expect(back.plain).toEqual([]);
  });

  it('falls back when the hub path goes down, with no loop, and returns when it is back', async () => {
    await hub.node.execOk(['ip', 'link', 'set', 'eth0', 'down']);
    try {
      await waitFor('core path down', async () => ((await tunnel(`core-${HUB}`)).state === 'down' ? true : undefined), { timeoutMs: 5000 });
      const r = await send();
      expect(r.tunnelled).toEqual([]);
      expect(r.plain.sort()).toEqual(['hdvpn-e2e-1', 'hdvpn-e2e-2', 'hdvpn-e2e-3']);
      const c = (await pe.request({ command: 'show-fib', counters: true })) as { forwarding: Obj };
      expect(Number(c.forwarding.fallback)).toBeGreaterThanOrEqual(3);
      expect(Number(c.forwarding['ttl-exceeded'])).toBe(0);
    } finally {
      await hub.node.execOk(['ip', 'link', 'set', 'eth0', 'up']);
    }
    await waitFor('core path up', async () => ((await tunnel(`core-${HUB}`)).state === 'up' ? true : undefined), { timeoutMs: 10000 });
    const back = await send();
    expect(back.tunnelled.map((p) => p.src)).toEqual([alice, alice, alice]);
  });
});
