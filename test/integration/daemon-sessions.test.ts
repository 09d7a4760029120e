/**
 * Hosted client sessions end to end on two in-process hdvpnd nodes over real
 * TCP on 127.0.0.0/8: `session add` on PE A puts the client's /32 into A's
 * downstream VRF and announces it in VPNv4 (the new-client notification);
 * B must see it with A's RD, spoke route target and label. `session del`
 * withdraws it, and a restart of A on the same SQLite store brings the
 * session back with the same address and announces it again.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseConfig } from '../../src/daemon/config';
import { Daemon } from '../../src/daemon/daemon';
import { controlRequest } from '../../src/control/client';
import type { ControlRequest } from '../../src/control/protocol';
import { freePort, quietLogger as quiet, until } from '../helpers/daemon';

type Obj = Record<string, unknown>;

describe('client sessions: two hdvpnd nodes', () => {
  let dir = '';
  let a: Daemon;
  let b: Daemon;
  const ports: number[] = [];

  function load(text: string, name: string) {
    const r = parseConfig(text, name, { checkSecrets: false });
    if (!r.ok) throw new Error(r.errors.map((e) => `${e.file}:${e.line}: ${e.reason}`).join('\n'));
    return r.config;
  }

  const aConfig = (): string => `asn: 65000
router-id: 192.0.2.1
listen: { address: 127.0.0.1, port: ${ports[0]} }
control: { socket: ${join(dir, 'a.sock')} }
sessions: { store: ${join(dir, 'state', 'sessions.db')} }
neighbors:
  - { address: 127.0.0.2, asn: 65000, port: ${ports[1]}, local-address: 127.0.0.1, families: [vpnv4-unicast], hold-time: 9, connect-retry: 1 }
half-duplex:
  - name: red
    upstream:   { name: red-up,   rd: "65000:11", import: ["65000:1"] }
    downstream: { name: red-down, rd: "65000:12", export: ["65000:2"] }
    pool: [100.64.0.0/29]
    pool-exclude: [100.64.0.1/32]
`;

  const bConfig = (): string => `asn: 65000
router-id: 192.0.2.2
listen: { address: 127.0.0.2, port: ${ports[1]} }
control: { socket: ${join(dir, 'b.sock')} }
neighbors:
  - { address: 127.0.0.1, asn: 65000, port: ${ports[0]}, passive: true, families: [vpnv4-unicast], hold-time: 9, connect-retry: 1 }
`;

  const ask = async (sock: string, req: ControlRequest): Promise<unknown> => controlRequest(join(dir, sock), req);
  const established = async (): Promise<void> => {
    await until('A established', async () => (((await ask('a.sock', { command: 'show-neighbors' })) as Obj[])[0]?.state === 'Established' ? true : undefined));
  };
  const atB = async (prefix: string): Promise<Obj | undefined> => ((await ask('b.sock', { command: 'show-rib', family: 'vpnv4-unicast' })) as Obj[]).find((e) => e.prefix === prefix && e.best === true);

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'hdvpn-sessions-'));
    ports.push(await freePort('127.0.0.1'), await freePort('127.0.0.2'));
    b = new Daemon({ config: load(bConfig(), 'b.yaml'), logger: quiet() });
    await b.start();
    a = new Daemon({ config: load(aConfig(), 'a.yaml'), logger: quiet() });
    await a.start();
    await established();
  });
  afterAll(async () => {
    await Promise.all([a?.stop(), b?.stop()]);
    rmSync(dir, { recursive: true, force: true });
  });

  it('session add: the client /32 reaches B with A\'s RD, spoke route target and label within a second', async () => {
    const label = (((await ask('a.sock', { command: 'show-vrf', name: 'red-down' })) as Obj[])[0] ?? {}).label;
    const started = Date.now();
    const s = (await ask('a.sock', { command: 'session-add', client: 'alice', tunnel: { type: 'gre', remote: '198.51.100.7', key: 7 } })) as Obj;
    expect(s).toEqual({ client: 'alice', pair: 'red', address: '100.64.0.2', routes: ['100.64.0.2/32'], tunnel: { type: 'gre', remote: '198.51.100.7', key: 7 }, state: 'up', since: expect.any(String), counters: { 'rx-packets': 0, 'rx-bytes': 0, 'tx-packets': 0, 'tx-bytes': 0 } });
    const route = await until('alice at B', () => atB('100.64.0.2/32'), 1000);
    expect(Date.now() - started).toBeLessThan(1000);
    expect(route).toMatchObject({ rd: '65000:12', labels: [label], 'route-targets': ['65000:2'] });
    expect(await ask('a.sock', { command: 'show-sessions' })).toEqual([s]);
    expect((((await ask('a.sock', { command: 'show-vrf', name: 'red-down' })) as Obj[])[0] ?? {}).sessions).toEqual(['alice']);
  });

  it('refuses a duplicate client and an unknown pair with a reason, and adds nothing', async () => {
    await expect(ask('a.sock', { command: 'session-add', client: 'alice' })).rejects.toThrow(/client alice already has a session/);
    await expect(ask('a.sock', { command: 'session-add', client: 'bob', pair: 'blue' })).rejects.toThrow(/no half-duplex pair blue/);
    expect(((await ask('a.sock', { command: 'show-sessions' })) as Obj[]).map((x) => x.client)).toEqual(['alice']);
  });

  it('session del withdraws the route from B', async () => {
    await ask('a.sock', { command: 'session-add', client: 'bob' });
    await until('bob at B', () => atB('100.64.0.3/32'));
    await ask('a.sock', { command: 'session-del', client: 'bob' });
    await until('bob withdrawn at B', async () => ((await atB('100.64.0.3/32')) === undefined ? true : undefined));
    expect(((await ask('a.sock', { command: 'show-sessions' })) as Obj[]).map((x) => x.client)).toEqual(['alice']);
  });

  it('a restart of A brings the session back with the same address and announces it again', async () => {
    const before = (await ask('a.sock', { command: 'show-sessions' })) as Obj[];
    await a.stop();
    await until('alice withdrawn at B', async () => ((await atB('100.64.0.2/32')) === undefined ? true : undefined));
    a = new Daemon({ config: load(aConfig(), 'a.yaml'), logger: quiet() });
    await a.start();
    expect(await ask('a.sock', { command: 'show-sessions' })).toEqual(before);
    await established();
    await until('alice at B again', () => atB('100.64.0.2/32'));
    // bob's address is remembered for bob; a new client gets a fresh one.
    expect(await ask('a.sock', { command: 'session-add', client: 'carol' })).toMatchObject({ address: '100.64.0.4' });
    expect(await ask('a.sock', { command: 'session-add', client: 'bob' })).toMatchObject({ address: '100.64.0.3' });
  });
});
