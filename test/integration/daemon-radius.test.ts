/**
 * RADIUS as the address server, against a real FreeRADIUS: the PE's pair
 * `blue` has `address-server: radius`; the first configured RADIUS server
 * never answers, so every request also proves fail-over to the second, the
 * FreeRADIUS. `alice` is accepted with a Framed-IP-Address, a Framed-Route
 * and Cisco-AVPair `hdvpn:pair=blue`, and both prefixes reach the second
 * hdvpnd in VPNv4; `bob` is rejected with a Reply-Message; `carol` is given
 * alice's address and refused. Accounting Start and Stop reach FreeRADIUS's
 * detail file.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseConfig } from '../../src/daemon/config';
import { Daemon } from '../../src/daemon/daemon';
import { controlRequest } from '../../src/control/client';
import type { ControlRequest } from '../../src/control/protocol';
import { freePort, quietLogger as quiet, until } from '../helpers/daemon';
import { FreeRadius, freeUdpPort } from '../helpers/freeradius';

type Obj = Record<string, unknown>;

const USERS = `alice	Auth-Type := Accept
	Framed-IP-Address = 100.64.9.9,
	Framed-Route = "10.99.0.0/24 0.0.0.0 1",
	Cisco-AVPair = "hdvpn:pair=blue"

bob	Auth-Type := Reject
	Reply-Message = "account suspended"

carol	Auth-Type := Accept
	Framed-IP-Address = 100.64.9.9,
	Cisco-AVPair = "lcp:interface-config=ip vrf forwarding blue-up downstream blue-down"
`;

describe('client sessions with RADIUS (real FreeRADIUS) as the address server', () => {
  let dir = '';
  let radius: FreeRadius;
  let deadPort = 0;
  let a: Daemon;
  let b: Daemon;
  const ports: number[] = [];

  function load(text: string, name: string) {
    const r = parseConfig(text, name, { checkSecrets: false });
    if (!r.ok) throw new Error(r.errors.map((e) => `${e.file}:${e.line}: ${e.reason}`).join('\n'));
    return r.config;
  }

  const aConfig = (deadPort: number): string => `asn: 65000
router-id: 192.0.2.1
listen: { address: 127.0.0.1, port: ${ports[0]} }
control: { socket: ${join(dir, 'a.sock')} }
sessions: { store: ${join(dir, 'sessions.db')} }
neighbors:
  - { address: 127.0.0.2, asn: 65000, port: ${ports[1]}, local-address: 127.0.0.1, families: [vpnv4-unicast], hold-time: 9, connect-retry: 1 }
half-duplex:
  - name: blue
    upstream:   { name: blue-up,   rd: "65000:21", import: ["65000:1"] }
    downstream: { name: blue-down, rd: "65000:22", export: ["65000:2"] }
    address-server: radius
radius:
  timeout: 1
  retries: 0
  interim-interval: 1
  servers:
    - { address: 127.0.0.1, auth-port: ${deadPort}, accounting-port: ${deadPort}, secret: { file: ${join(dir, 'radius.secret')} } }
    - { address: 127.0.0.1, auth-port: ${radius.authPort}, accounting-port: ${radius.accountingPort}, secret: { file: ${join(dir, 'radius.secret')} } }
`;

  const bConfig = (): string => `asn: 65000
router-id: 192.0.2.2
listen: { address: 127.0.0.2, port: ${ports[1]} }
control: { socket: ${join(dir, 'b.sock')} }
neighbors:
  - { address: 127.0.0.1, asn: 65000, port: ${ports[0]}, passive: true, families: [vpnv4-unicast], hold-time: 9, connect-retry: 1 }
`;

  const ask = async (sock: string, req: ControlRequest): Promise<unknown> => controlRequest(join(dir, sock), req);
  const atB = async (prefix: string): Promise<Obj | undefined> => ((await ask('b.sock', { command: 'show-rib', family: 'vpnv4-unicast' })) as Obj[]).find((e) => e.prefix === prefix && e.best === true);

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'hdvpn-radius-'));
    writeFileSync(join(dir, 'radius.secret'), 'hdvpn-test-secret\n');
    radius = new FreeRadius({ dir: join(dir, 'raddb'), secret: 'hdvpn-test-secret', users: USERS });
    await radius.start();
    ports.push(await freePort('127.0.0.1'), await freePort('127.0.0.2'));
    // Nothing listens here: the first server times out and the client fails over to FreeRADIUS.
    deadPort = await freeUdpPort();
    b = new Daemon({ config: load(bConfig(), 'b.yaml'), logger: quiet() });
    await b.start();
    a = new Daemon({ config: load(aConfig(deadPort), 'a.yaml'), logger: quiet() });
    await a.start();
    await until('A established', async () => (((await ask('a.sock', { command: 'show-neighbors' })) as Obj[])[0]?.state === 'Established' ? true : undefined));
  }, 30000);
  afterAll(async () => {
    await Promise.all([a?.stop(), b?.stop(), radius?.stop()]);
    rmSync(dir, { recursive: true, force: true });
  });

  it('session add: alice gets her address, framed route and pair from FreeRADIUS, and B sees both in VPNv4', async () => {
    const s = (await ask('a.sock', { command: 'session-add', client: 'alice' })) as Obj;
    expect(s).toMatchObject({ client: 'alice', pair: 'blue', address: '100.64.9.9', routes: ['100.64.9.9/32', '10.99.0.0/24'], state: 'up' });
    expect(await ask('a.sock', { command: 'show-sessions' })).toEqual([s]);
    expect(await until('alice at B', () => atB('100.64.9.9/32'))).toMatchObject({ rd: '65000:22', 'route-targets': ['65000:2'] });
    expect(await until('framed route at B', () => atB('10.99.0.0/24'))).toMatchObject({ rd: '65000:22' });
    const start = await until('accounting Start in the detail file', () => (/Acct-Status-Type = Start/.test(radius.detail()) ? radius.detail() : undefined), 5000);
    expect(start).toMatch(/User-Name = "alice"/);
    expect(start).toMatch(/Framed-IP-Address = 100\.64\.9\.9/);
    expect(start).toMatch(/NAS-Identifier = "hdvpn"/);
  }, 20000);

  it('bob is refused with FreeRADIUS\'s Reply-Message; carol is refused alice\'s address; nothing is left behind', async () => {
    await expect(ask('a.sock', { command: 'session-add', client: 'bob' })).rejects.toThrow('RADIUS rejected client bob: account suspended');
    await expect(ask('a.sock', { command: 'session-add', client: 'carol' })).rejects.toThrow(/RADIUS assigned 100\.64\.9\.9 to carol, but another client of pair blue holds it/);
    expect(((await ask('a.sock', { command: 'show-sessions' })) as Obj[]).map((x) => x.client)).toEqual(['alice']);
  }, 20000);

  it('refuses a start with a clear error when no RADIUS server answers at all, and leaves nothing behind', async () => {
    // The same config with only the dead server: every try times out (timeout 1 s, no retries).
    const deadOnly = aConfig(deadPort).replace(/\n    - \{ address: 127\.0\.0\.1, auth-port: \d+, accounting-port: \d+, secret: \{ file: [^}]+\} \}\n$/, '\n');
    expect(deadOnly).not.toBe(aConfig(deadPort));
    await a.reload(load(deadOnly, 'a.yaml'));
    try {
      await expect(ask('a.sock', { command: 'session-add', client: 'dave' })).rejects.toThrow(/no RADIUS server answered \(127\.0\.0\.1:\d+: no answer after 1 tries\)/);
      expect(((await ask('a.sock', { command: 'show-sessions' })) as Obj[]).map((x) => x.client)).toEqual(['alice']);
      // Only alice's two routes ever reached B.
      const atBNow = ((await ask('b.sock', { command: 'show-rib', family: 'vpnv4-unicast' })) as Obj[]).map((r) => r.prefix).sort();
      expect(atBNow).toEqual(['10.99.0.0/24', '100.64.9.9/32']);
    } finally {
      await a.reload(load(aConfig(deadPort), 'a.yaml'));
    }
  }, 20000);

  it('sends accounting Interim-Update every interim-interval while alice is up (RFC 2866 §5.1)', async () => {
    const interim = await until('an Interim-Update in the detail file', () => (/Acct-Status-Type = Interim-Update/.test(radius.detail()) ? radius.detail() : undefined), 5000);
    // The detail file holds one record per request, separated by blank lines.
    const record = interim.split(/\n\s*\n/).find((r) => r.includes('Acct-Status-Type = Interim-Update')) ?? '';
    expect(record).toMatch(/User-Name = "alice"/);
    expect(interim).toMatch(/Acct-Session-Time = \d+/);
  }, 20000);

  it('session del withdraws alice at B and sends accounting Stop', async () => {
    await ask('a.sock', { command: 'session-del', client: 'alice' });
    await until('alice withdrawn at B', async () => ((await atB('100.64.9.9/32')) === undefined && (await atB('10.99.0.0/24')) === undefined ? true : undefined));
    const stop = await until('accounting Stop in the detail file', () => (/Acct-Status-Type = Stop/.test(radius.detail()) ? radius.detail() : undefined), 5000);
    expect(stop).toMatch(/Acct-Session-Time = \d+/);
    expect(stop).toMatch(/Acct-Terminate-Cause = Admin-Reset/);
    // The address is free again: carol may have it now.
    expect(await ask('a.sock', { command: 'session-add', client: 'carol' })).toMatchObject({ client: 'carol', pair: 'blue', address: '100.64.9.9' });
  }, 20000);
});
