/**
 * Three hdvpnd instances over real TCP on 127.0.0.0/8: B and C are clients of
 * route server A. Proves transit through the daemon with its config-driven
 * roles and policies: RFC 7947 transparency, the central import policy, a
 * per-client export policy, `policy test`, `show rib` views, and a policy
 * change by reload that takes effect without a session reset.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseConfig } from '../../src/daemon/config';
import { Daemon } from '../../src/daemon/daemon';
import { freePort, quietLogger as quiet, until } from '../helpers/daemon';
import { controlRequest } from '../../src/control/client';
import type { ControlRequest } from '../../src/control/protocol';

type Obj = Record<string, unknown>;

describe('hdvpnd as a route server with policies', () => {
  let dir = '';
  let a: Daemon;
  let b: Daemon;
  let c: Daemon;
  let ports: { a: number; b: number; c: number };

  function configA(exportToC: string, centralDrop = '198.18.0.0/15'): string {
    return `asn: 65000
router-id: 192.0.2.1
listen: { address: 127.0.0.1, port: ${ports.a} }
control: { socket: ${join(dir, 'a.sock')} }
prefix-lists:
  - name: bogons
    entries: [{ prefix: 10.0.0.0/8, le: 32 }]
policies:
  - name: central
    terms:
      - { name: no-bogons, match: { prefix-list: bogons }, action: reject }
      - { name: drop, match: { prefix: "${centralDrop}" }, action: reject }
      - { name: tag, set: { community: { add: ["65000:1"] } } }
  - name: to-c
    terms:
      - { name: drop-198, match: { prefix: "${exportToC}" }, action: reject }
route-server: { import-policy: central }
neighbors:
  - { address: 127.0.0.2, asn: 65002, port: ${ports.b}, passive: true, route-server-client: true, hold-time: 9, connect-retry: 1 }
  - { address: 127.0.0.3, asn: 65003, port: ${ports.c}, passive: true, route-server-client: true, export-policy: to-c, hold-time: 9, connect-retry: 1 }
`;
  }

  function client(asn: number, addr: string, sock: string, port: number, routes: string): string {
    return `asn: ${asn}
router-id: ${addr.replace('127.0.0', '192.0.2')}
listen: { address: ${addr}, port: ${port} }
control: { socket: ${join(dir, sock)} }
neighbors:
  - { address: 127.0.0.1, asn: 65000, port: ${ports.a}, local-address: ${addr}, hold-time: 9, connect-retry: 1 }
routes:
${routes}`;
  }

  function load(text: string, name: string) {
    const r = parseConfig(text, name, { checkSecrets: false });
    if (!r.ok) throw new Error(r.errors.map((e) => `${e.file}:${e.line}: ${e.reason}`).join('\n'));
    return r.config;
  }

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'hdvpn-rs-'));
    ports = { a: await freePort('127.0.0.1'), b: await freePort('127.0.0.2'), c: await freePort('127.0.0.3') };
    a = new Daemon({ config: load(configA('198.51.100.0/24'), 'a.yaml'), logger: quiet() });
    b = new Daemon({
      config: load(
        client(65002, '127.0.0.2', 'b.sock', ports.b, `  - { prefix: 198.51.100.0/24, next-hop: 192.0.2.2, med: 7 }
  - { prefix: 203.0.113.0/24, next-hop: 192.0.2.2 }
  - { prefix: 10.9.0.0/16, next-hop: 192.0.2.2 }
`),
        'b.yaml',
      ),
      logger: quiet(),
    });
    c = new Daemon({ config: load(client(65003, '127.0.0.3', 'c.sock', ports.c, '  - { prefix: 192.0.2.128/25, next-hop: 192.0.2.3 }\n'), 'c.yaml'), logger: quiet() });
    await a.start();
    await b.start();
    await c.start();
  });
  afterAll(async () => {
    await Promise.all([c?.stop(), b?.stop(), a?.stop()]);
    rmSync(dir, { recursive: true, force: true });
  });

  const ask = async (sock: string, req: ControlRequest): Promise<unknown> => controlRequest(join(dir, sock), req);
  const rib = async (sock: string): Promise<Obj[]> => (await ask(sock, { command: 'show-rib' })) as Obj[];
  const transitions = async (): Promise<unknown[]> => ((await ask('a.sock', { command: 'show-neighbors' })) as Obj[]).map((n) => n['established-transitions']);

  it('carries a client route to the other client transparently, with the central policy applied', async () => {
    const r = await until('203.0.113.0/24 at C', async () => (await rib('c.sock')).find((x) => x.prefix === '203.0.113.0/24'));
    // RFC 7947 §2.2.2.1: the route server's AS is not in the path; the next hop is B's.
    expect(r).toMatchObject({ 'as-path': '65002', 'next-hop': '192.0.2.2', from: '127.0.0.1', communities: ['65000:1'] });
    const back = await until('192.0.2.128/25 at B', async () => (await rib('b.sock')).find((x) => x.prefix === '192.0.2.128/25'));
    expect(back).toMatchObject({ 'as-path': '65003', 'next-hop': '192.0.2.3' });
  });

  it('keeps refused routes out: the central bogon filter and the per-client export policy', async () => {
    await until('B MED route at A', async () => (await rib('a.sock')).find((x) => x.prefix === '198.51.100.0/24'));
    const atC = (await rib('c.sock')).map((x) => x.prefix);
    expect(atC).not.toContain('10.9.0.0/16');
    expect(atC).not.toContain('198.51.100.0/24');
    const inA = (await ask('a.sock', { command: 'show-rib', neighbor: '127.0.0.2', direction: 'in' })) as Obj[];
    const bogon = inA.find((x) => x.prefix === '10.9.0.0/16');
    expect(bogon?.reason).toBe('rejected: import policy central term no-bogons');
    const outC = ((await ask('a.sock', { command: 'show-rib', neighbor: '127.0.0.3', direction: 'out' })) as Obj[]).map((x) => x.prefix);
    expect(outC).toEqual(['203.0.113.0/24']);
    const summary = (await ask('a.sock', { command: 'show-rib', summary: true })) as Obj;
    expect(summary.destinations).toEqual({ 'ipv4-unicast': 3 });
  });

  it('explains a decision for one prefix', async () => {
    const entries = (await ask('a.sock', { command: 'show-rib', prefix: '203.0.113.0/24' })) as Obj[];
    expect(entries).toHaveLength(1);
    expect(entries[0]).toMatchObject({ best: true, reason: 'only route' });
  });

  it('`policy test` shows what a policy does without applying it', async () => {
    const t = (await ask('a.sock', { command: 'policy-test', policy: 'central', route: '10.1.0.0/24 as-path 65002 next-hop 192.0.2.2' })) as Obj;
    expect(t.action).toBe('reject');
    const u = (await ask('a.sock', { command: 'policy-test', policy: 'central', route: '203.0.113.0/24 as-path 65002 next-hop 192.0.2.2' })) as Obj;
    expect(u.action).toBe('accept');
    expect(JSON.stringify(u.result)).toContain('65000:1');
    await expect(ask('a.sock', { command: 'policy-test', policy: 'nope', route: '203.0.113.0/24' })).rejects.toThrow(/unknown policy/);
  });

  it('a changed export policy applies on reload without resetting any session', async () => {
    const before = await transitions();
    await a.reload(load(configA('203.0.113.0/24'), 'a.yaml'));
    const atC = await until('C gets 198.51.100.0/24 and loses 203.0.113.0/24', async () => {
      const p = (await rib('c.sock')).map((x) => x.prefix);
      return p.includes('198.51.100.0/24') && !p.includes('203.0.113.0/24') ? p : undefined;
    });
    expect(atC).toContain('198.51.100.0/24');
    expect(await transitions()).toEqual(before);
    // RFC 7947: the MED crosses the route server unchanged.
    const r = (await rib('c.sock')).find((x) => x.prefix === '198.51.100.0/24');
    expect(r?.med).toBe(7);
  });

  it('a changed central policy applies on reload to every client, without resetting any session', async () => {
    const before = await transitions();
    await a.reload(load(configA('203.0.113.0/24', '192.0.2.128/25'), 'a.yaml'));
    await until('B loses 192.0.2.128/25', async () => ((await rib('b.sock')).some((x) => x.prefix === '192.0.2.128/25') ? undefined : true));
    const inA = (await ask('a.sock', { command: 'show-rib', neighbor: '127.0.0.3', direction: 'in' })) as Obj[];
    expect(inA.find((x) => x.prefix === '192.0.2.128/25')?.reason).toBe('rejected: import policy central term drop');
    expect(await transitions()).toEqual(before);
  });
});
