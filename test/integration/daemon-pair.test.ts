/**
 * Two hdvpnd instances (in process) peer over real TCP on 127.0.0.0/8 and
 * exchange IPv4 and VPNv4 routes; what each learns is read through the control
 * socket handlers, as the CLI reads it. Interop with other implementations is
 * in test/interop/.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseConfig } from '../../src/daemon/config';
import { Daemon } from '../../src/daemon/daemon';
import { freePort, quietLogger as quiet, until } from '../helpers/daemon';
import { controlRequest } from '../../src/control/client';

type Obj = Record<string, unknown>;

describe('two hdvpnd peers', () => {
  let dir = '';
  let a: Daemon;
  let b: Daemon;
  let configA = '';
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'hdvpn-pair-'));
    const pa = await freePort('127.0.0.1');
    const pb = await freePort('127.0.0.2');
    configA = `asn: 65001
router-id: 192.0.2.1
listen: { address: 127.0.0.1, port: ${pa} }
control: { socket: ${join(dir, 'a.sock')} }
neighbors:
  - { address: 127.0.0.2, asn: 65002, port: ${pb}, families: [ipv4-unicast, vpnv4-unicast], hold-time: 9, connect-retry: 2 }
routes:
  - { prefix: 203.0.113.0/24, next-hop: 192.0.2.1, communities: ["65001:1"], large-communities: ["65001:2:3"], med: 20 }
  - { prefix: 10.1.0.0/24, rd: "65001:100", route-targets: ["65001:100"], label: 100, next-hop: 127.0.0.1 }
`;
    const ca = parseConfig(configA, 'a.yaml', { checkSecrets: false });
    const cb = parseConfig(
      `asn: 65002
router-id: 192.0.2.2
listen: { address: 127.0.0.2, port: ${pb} }
control: { socket: ${join(dir, 'b.sock')} }
neighbors:
  - { address: 127.0.0.1, asn: 65001, port: ${pa}, families: [ipv4-unicast, vpnv4-unicast], passive: true, hold-time: 9, connect-retry: 2 }
routes:
  - { prefix: 198.51.100.0/24, next-hop: 192.0.2.2 }
  # A 127/8 next hop is martian (RFC 4271 §6.3): the receiver must treat it as withdraw.
  - { prefix: 198.51.101.0/24, next-hop: 127.0.0.2 }
`,
      'b.yaml',
      { checkSecrets: false },
    );
    if (!ca.ok || !cb.ok) throw new Error(JSON.stringify(ca.ok ? cb : ca));
    a = new Daemon({ config: ca.config, logger: quiet() });
    b = new Daemon({ config: cb.config, logger: quiet() });
    await b.start();
    await a.start();
  });
  let bStopped = false;
  afterAll(async () => {
    await a?.stop();
    if (!bStopped) await b?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  const neighbors = async (sock: string): Promise<Obj[]> => (await controlRequest(join(dir, sock), { command: 'show-neighbors' })) as Obj[];
  const rib = async (sock: string, family?: string): Promise<Obj[]> =>
    (await controlRequest(join(dir, sock), { command: 'show-rib', ...(family ? { family } : {}) })) as Obj[];

  it('reaches Established with both families', async () => {
    const n = await until('Established', async () => {
      const list = await neighbors('b.sock');
      return list[0]?.state === 'Established' ? list[0] : undefined;
    });
    expect(n.asn).toBe(65001);
    expect(n.families).toEqual(['ipv4-unicast', 'vpnv4-unicast']);
  });

  it('carries IPv4 attributes across eBGP (AS prepended, MED, communities, large communities)', async () => {
    const r = await until('IPv4 route', async () => (await rib('b.sock', 'ipv4-unicast')).find((x) => x.prefix === '203.0.113.0/24'));
    expect(r).toMatchObject({ 'as-path': '65001', 'next-hop': '192.0.2.1', med: 20, communities: ['65001:1'], 'large-communities': ['65001:2:3'], from: '127.0.0.1', best: true, origin: 'igp' });
  });

  it('carries VPNv4 with RD, label and route target', async () => {
    const r = await until('VPNv4 route', async () => (await rib('b.sock', 'vpnv4-unicast')).find((x) => x.prefix === '10.1.0.0/24'));
    expect(r).toMatchObject({ rd: '65001:100', labels: [100], 'route-targets': ['65001:100'], 'next-hop': '127.0.0.1' });
  });

  it('routes go the other way too, and counts show in show neighbors', async () => {
    await until('B route at A', async () => (await rib('a.sock', 'ipv4-unicast')).find((x) => x.prefix === '198.51.100.0/24' && x.from === '127.0.0.2'));
    const n = (await neighbors('a.sock'))[0];
    expect(n?.received).toEqual({ 'ipv4-unicast': 1, 'vpnv4-unicast': 0 });
    expect(n?.sent).toEqual({ 'ipv4-unicast': 1, 'vpnv4-unicast': 1 });
    expect((await rib('a.sock', 'ipv4-unicast')).find((x) => x.prefix === '198.51.101.0/24' && x.from === '127.0.0.2')).toBeUndefined();
  });

  it('administrative shutdown carries its RFC 9003 message to the peer, and enable brings the session back', async () => {
    await controlRequest(join(dir, 'a.sock'), { command: 'neighbor', action: 'shutdown', address: '127.0.0.2', message: 'maintenance window' });
    const down = await until('B sees the shutdown', async () => {
      const n = (await neighbors('b.sock'))[0];
      return n && n.state !== 'Established' && typeof n['last-error'] === 'string' ? n : undefined;
    });
    expect(down['last-error']).toMatch(/6\/2.*maintenance window/);
    // B withdrew what it learned from A.
    expect((await rib('b.sock', 'ipv4-unicast')).filter((x) => x.from === '127.0.0.1')).toEqual([]);
    await controlRequest(join(dir, 'a.sock'), { command: 'neighbor', action: 'enable', address: '127.0.0.2' });
    await until('re-established', async () => ((await neighbors('a.sock'))[0]?.state === 'Established' ? true : undefined), 30000);
    await until('routes relearned', async () => (await rib('b.sock', 'ipv4-unicast')).find((x) => x.prefix === '203.0.113.0/24'));
  });

  it('reload (SIGHUP) withdraws removed routes and announces new ones without resetting the session', async () => {
    const transitions = (await neighbors('b.sock'))[0]?.['established-transitions'];
    const next = configA.replace('  - { prefix: 203.0.113.0/24, next-hop: 192.0.2.1, communities: ["65001:1"], large-communities: ["65001:2:3"], med: 20 }\n', '  - { prefix: 203.0.114.0/24, next-hop: 192.0.2.1 }\n');
    expect(next).not.toBe(configA);
    const parsed = parseConfig(next, 'a.yaml', { checkSecrets: false });
    if (!parsed.ok) throw new Error('config');
    await a.reload(parsed.config);
    await until('withdrawal', async () => ((await rib('b.sock', 'ipv4-unicast')).some((x) => x.prefix === '203.0.113.0/24') ? undefined : true));
    await until('new route', async () => (await rib('b.sock', 'ipv4-unicast')).find((x) => x.prefix === '203.0.114.0/24'));
    expect((await neighbors('b.sock'))[0]?.['established-transitions']).toBe(transitions);
  });

  it('stopping a daemon (the SIGTERM path) ends its sessions with Cease/Administrative Shutdown', async () => {
    bStopped = true;
    await b.stop('hdvpnd received SIGTERM');
    const n = await until('A sees the Cease', async () => {
      const x = (await neighbors('a.sock'))[0];
      return x && x.state !== 'Established' && typeof x['last-error'] === 'string' ? x : undefined;
    });
    // With the RFC 8538 N bit negotiated the Cease travels inside a Hard Reset (6/9); either way it names 6/2 and the reason.
    expect(n['last-error']).toMatch(/^received NOTIFICATION 6\/(2|9).*6\/2|^received NOTIFICATION 6\/2/);
    expect(n['last-error']).toMatch(/hdvpnd received SIGTERM/);
    await until('routes flushed at A', async () => ((await rib('a.sock', 'ipv4-unicast')).some((x) => x.from === '127.0.0.2') ? undefined : true));
  });
});
