/** A route server's dynamic neighbors: hdvpnd accepts sessions from a configured prefix range (config → listener → speaker). */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseConfig } from '../../src/daemon/config';
import { Daemon } from '../../src/daemon/daemon';
import { freePort, quietLogger as quiet, until } from '../helpers/daemon';
import { controlRequest } from '../../src/control/client';

type Obj = Record<string, unknown>;

describe('dynamic neighbors in hdvpnd', () => {
  const dir = mkdtempSync(join(tmpdir(), 'hdvpn-dyn-'));
  const daemons: Daemon[] = [];
  afterAll(async () => {
    for (const d of daemons) await d.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('a client inside the range is accepted with the range settings and its routes are learned', async () => {
    const port = await freePort('127.0.0.3');
    const rs = parseConfig(
      `asn: 65000
router-id: 192.0.2.100
listen: { address: 127.0.0.3, port: ${port} }
control: { socket: ${join(dir, 'rs.sock')} }
dynamic-neighbors:
  - { prefix: 127.0.0.0/24, asn: 65001, limit: 2, families: [ipv4-unicast], hold-time: 9 }
`,
      'rs.yaml',
      { checkSecrets: false },
    );
    const client = parseConfig(
      `asn: 65001
router-id: 192.0.2.1
listen: false
control: { socket: ${join(dir, 'c.sock')} }
neighbors:
  - { address: 127.0.0.3, asn: 65000, port: ${port}, local-address: 127.0.0.4, families: [ipv4-unicast], hold-time: 9, connect-retry: 2 }
routes:
  - { prefix: 203.0.113.0/24, next-hop: 192.0.2.1 }
`,
      'c.yaml',
      { checkSecrets: false },
    );
    if (!rs.ok || !client.ok) throw new Error(JSON.stringify(rs.ok ? client : rs));
    const a = new Daemon({ config: rs.config, logger: quiet() });
    const b = new Daemon({ config: client.config, logger: quiet() });
    daemons.push(b, a);
    await a.start();
    await b.start();
    const n = await until('dynamic neighbor Established', async () => {
      const list = (await controlRequest(join(dir, 'rs.sock'), { command: 'show-neighbors' })) as Obj[];
      return list.find((x) => x.address === '127.0.0.4' && x.state === 'Established');
    });
    expect(n.asn).toBe(65001);
    const routes = await until('route from the dynamic neighbor', async () => {
      const r = (await controlRequest(join(dir, 'rs.sock'), { command: 'show-rib', family: 'ipv4-unicast' })) as Obj[];
      return r.length ? r : undefined;
    });
    expect(routes[0]).toMatchObject({ prefix: '203.0.113.0/24', from: '127.0.0.4', 'as-path': '65001' });
  });
});
