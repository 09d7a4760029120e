/**
 * Issue 6 persistence, with a real kill -9: hdvpnd PE A runs as its own
 * process (bin/hdvpnd.js, built by `npm test`'s pretest), hosts client
 * sessions, and is killed with SIGKILL — no shutdown code runs. Started again
 * on the same store, every session is back with the same address, B (an
 * in-process hdvpnd) receives the clients' routes again, and a new client never
 * gets an address that is still held.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseConfig } from '../../src/daemon/config';
import { Daemon } from '../../src/daemon/daemon';
import { controlRequest } from '../../src/control/client';
import type { ControlRequest } from '../../src/control/protocol';
import { freePort, quietLogger as quiet, until } from '../helpers/daemon';

type Obj = Record<string, unknown>;
const BIN = resolve(__dirname, '..', '..', 'bin', 'hdvpnd.js');

describe('client sessions survive kill -9 of hdvpnd', () => {
  let dir = '';
  let b: Daemon;
  let a: ChildProcess | null = null;
  let portA = 0;
  let portB = 0;

  const start = (): ChildProcess => {
    const child = spawn(process.execPath, [BIN, '--config', join(dir, 'a.yaml')], { stdio: ['ignore', 'ignore', 'pipe'] });
    child.stderr?.resume();
    return child;
  };
  const ask = async (sock: string, req: ControlRequest): Promise<unknown> => controlRequest(join(dir, sock), req);
  const sessions = async (): Promise<Obj[]> => (await ask('a.sock', { command: 'show-sessions' })) as Obj[];
  const atB = async (): Promise<string[]> =>
    ((await ask('b.sock', { command: 'show-rib', family: 'vpnv4-unicast' })) as Obj[]).filter((e) => e.best === true).map((e) => String(e.prefix)).sort();

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'hdvpn-kill-'));
    portA = await freePort('127.0.0.1');
    portB = await freePort('127.0.0.2');
    writeFileSync(
      join(dir, 'a.yaml'),
      `asn: 65000
router-id: 192.0.2.1
listen: { address: 127.0.0.1, port: ${portA} }
control: { socket: ${join(dir, 'a.sock')} }
logging: { level: warn }
sessions: { store: ${join(dir, 'state', 'sessions.db')} }
neighbors:
  - { address: 127.0.0.2, asn: 65000, port: ${portB}, local-address: 127.0.0.1, families: [vpnv4-unicast], hold-time: 9, connect-retry: 1 }
half-duplex:
  - name: red
    upstream:   { name: red-up,   rd: "65000:11", import: ["65000:1"] }
    downstream: { name: red-down, rd: "65000:12", export: ["65000:2"] }
    pool: [100.64.0.0/28]
`,
    );
    const cb = parseConfig(
      `asn: 65000
router-id: 192.0.2.2
listen: { address: 127.0.0.2, port: ${portB} }
control: { socket: ${join(dir, 'b.sock')} }
neighbors:
  - { address: 127.0.0.1, asn: 65000, port: ${portA}, passive: true, families: [vpnv4-unicast], hold-time: 9, connect-retry: 1 }
`,
      'b.yaml',
      { checkSecrets: false },
    );
    if (!cb.ok) throw new Error('b config');
    b = new Daemon({ config: cb.config, logger: quiet() });
    await b.start();
    a = start();
  });
  afterAll(async () => {
    a?.kill('SIGKILL');
    await b?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('brings every session back with the same address and announces it again; no address is handed out twice', async () => {
    await until('A control socket', async () => ((await ask('a.sock', { command: 'ping' }).catch(() => undefined)) === 'pong' ? true : undefined));
    for (const client of ['alice', 'bob', 'carol']) await ask('a.sock', { command: 'session-add', client });
    const before = await sessions();
    const routes = before.map((s) => `${String(s.address)}/32`).sort();
    expect(new Set(before.map((s) => s.address)).size).toBe(3);
    await until('the three clients at B', async () => (JSON.stringify(await atB()) === JSON.stringify(routes) ? true : undefined));

    a?.kill('SIGKILL');
    await new Promise<void>((r) => a?.once('exit', () => r()));
    // B sees the session go (the kernel closes A's socket); A announced graceful restart, so B keeps the routes stale.
    await until('B sees A down', async () => (((await ask('b.sock', { command: 'show-neighbors' })) as Obj[])[0]?.state !== 'Established' ? true : undefined));

    a = start();
    await until('A control socket again', async () => ((await ask('a.sock', { command: 'ping' }).catch(() => undefined)) === 'pong' ? true : undefined));
    const after = await sessions();
    expect(after.map((s) => [s.client, s.address, s.since]).sort()).toEqual(before.map((s) => [s.client, s.address, s.since]).sort());
    // Announced again by the new process: at End-of-RIB B's copies are fresh (not stale) and exactly these.
    await until('the three clients at B again, fresh', async () => {
      const fresh = ((await ask('b.sock', { command: 'show-rib', family: 'vpnv4-unicast' })) as Obj[]).filter((e) => e.best === true && e.stale !== true);
      return JSON.stringify(fresh.map((e) => String(e.prefix)).sort()) === JSON.stringify(routes) ? true : undefined;
    }, 20000);
    const dave = (await ask('a.sock', { command: 'session-add', client: 'dave' })) as Obj;
    expect(before.map((s) => s.address)).not.toContain(dave.address);
  }, 60000);
});
