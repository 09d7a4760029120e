/**
 * A hub-and-spoke VPN of three hdvpnd nodes over real TCP on 127.0.0.0/8
 * (RFC 7024 virtual hub-and-spoke): two PEs with a half-duplex pair each and
 * one hub that is also their route reflector. 1,000 client routes go into
 * the PEs' downstream VRFs through the issue-6 entry point
 * (VrfManager.addClientRoute); every route must land where the model says and
 * nowhere else: in its own PE's downstream VRF and the hub VRF, never in an
 * upstream VRF; the hub's announcements in both upstream VRFs only.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseConfig } from '../../src/daemon/config';
import { Daemon } from '../../src/daemon/daemon';
import { formatPrefix, ipv4Prefix, type Prefix } from '../../src/bgp/wire/values/prefix';
import { freePort, quietLogger as quiet, until } from '../helpers/daemon';
import { controlRequest } from '../../src/control/client';
import type { ControlRequest } from '../../src/control/protocol';

type Obj = Record<string, unknown>;
const CLIENTS_PER_PE = 500;
const HUB_ANNOUNCE = ['0.0.0.0/0', '100.64.0.0/10'];

/** Client i of PE n: 100.64.(4n + i/256).(i%256)/32. */
const client = (pe: number, i: number): Prefix => ipv4Prefix(((100 << 24) | (64 << 16) | ((pe * 4 + (i >> 8)) << 8) | (i & 255)) >>> 0, 32);

describe('hub and spoke VPN: two hdvpnd PEs and an hdvpnd hub', () => {
  let dir = '';
  let hub: Daemon;
  const pes: Daemon[] = [];
  const ports: number[] = [];

  function load(text: string, name: string) {
    const r = parseConfig(text, name, { checkSecrets: false });
    if (!r.ok) throw new Error(r.errors.map((e) => `${e.file}:${e.line}: ${e.reason}`).join('\n'));
    return r.config;
  }

  const hubConfig = (): string => `asn: 65000
router-id: 192.0.2.100
listen: { address: 127.0.0.1, port: ${ports[0]} }
control: { socket: ${join(dir, 'hub.sock')} }
neighbors:
  - { address: 127.0.0.2, asn: 65000, port: ${ports[1]}, passive: true, families: [vpnv4-unicast], route-reflector-client: true, hold-time: 9, connect-retry: 1 }
  - { address: 127.0.0.3, asn: 65000, port: ${ports[2]}, passive: true, families: [vpnv4-unicast], route-reflector-client: true, hold-time: 9, connect-retry: 1 }
vrfs:
  - name: hub
    rd: "65000:100"
    import: ["65000:2"]
    export: ["65000:1"]
    hub:
      announce: [${HUB_ANNOUNCE.join(', ')}]
      rules:
        - { name: no-mgmt, destination: 192.168.0.0/16, action: deny }
        - { name: acct, action: count }
`;

  const peConfig = (n: number): string => `asn: 65000
router-id: 192.0.2.${n}
listen: { address: 127.0.0.${n}, port: ${ports[n - 1]} }
control: { socket: ${join(dir, `pe${n}.sock`)} }
neighbors:
  - { address: 127.0.0.1, asn: 65000, port: ${ports[0]}, local-address: 127.0.0.${n}, families: [vpnv4-unicast], hold-time: 9, connect-retry: 1 }
half-duplex:
  - name: red
    upstream:   { name: red-up,   rd: "65000:${n}1", import: ["65000:1"] }
    downstream: { name: red-down, rd: "65000:${n}2", export: ["65000:2"] }
    pool: [100.64.0.0/16]
routes:
  - { prefix: 192.168.${n}.0/24, vrf: red-down, next-hop: 192.0.2.${200 + n} }
`;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'hdvpn-hub-'));
    ports.push(await freePort('127.0.0.1'), await freePort('127.0.0.2'), await freePort('127.0.0.3'));
    hub = new Daemon({ config: load(hubConfig(), 'hub.yaml'), logger: quiet() });
    await hub.start();
    for (const n of [2, 3]) {
      const d = new Daemon({ config: load(peConfig(n), `pe${n}.yaml`), logger: quiet() });
      pes.push(d);
      await d.start();
    }
  });
  afterAll(async () => {
    await Promise.all([...pes.map((d) => d.stop()), hub?.stop()]);
    rmSync(dir, { recursive: true, force: true });
  });

  const ask = async (sock: string, req: ControlRequest): Promise<unknown> => controlRequest(join(dir, sock), req);
  const vrfRib = async (sock: string, vrf: string): Promise<Obj[]> => ((await ask(sock, { command: 'show-rib', vrf })) as Obj[]).filter((e) => e.best === true);
  const showVrf = async (sock: string, name: string): Promise<Obj> => ((await ask(sock, { command: 'show-vrf', name })) as Obj[])[0] ?? {};
  const byPrefix = (entries: Obj[]): Map<string, Obj> => new Map(entries.map((e) => [String(e.prefix), e]));

  it('establishes the sessions and the pairs with their roles, labels and targets', async () => {
    for (const sock of ['pe2.sock', 'pe3.sock']) {
      await until(`${sock} established`, async () => (((await ask(sock, { command: 'show-neighbors' })) as Obj[])[0]?.state === 'Established' ? true : undefined));
    }
    const vrfs = (await ask('pe2.sock', { command: 'show-vrf' })) as Obj[];
    expect(vrfs.map((v) => Object.keys(v).slice(0, 8))).toEqual([
      ['name', 'rd', 'import', 'export', 'label', 'routes', 'sessions', 'role'],
      ['name', 'rd', 'import', 'export', 'label', 'routes', 'sessions', 'role'],
    ]);
    expect(vrfs[0]).toMatchObject({ name: 'red-up', rd: '65000:21', import: ['65000:1'], export: [], label: null, sessions: [], role: 'upstream', pair: 'red' });
    expect(vrfs[1]).toMatchObject({ name: 'red-down', rd: '65000:22', import: [], export: ['65000:2'], label: 16, role: 'downstream' });
    expect(await showVrf('hub.sock', 'hub')).toMatchObject({ role: 'vrf', hub: true, label: 16 });
  });

  it('puts 1,000 client routes where the model says and nowhere else', async () => {
    const started = Date.now();
    pes.forEach((d, k) => {
      for (let i = 0; i < CLIENTS_PER_PE; i++) d.vrfs.addClientRoute('red', client(k + 2, i));
    });
    const total = 2 * CLIENTS_PER_PE + 2 + HUB_ANNOUNCE.length;
    const atHub = await until('every client route at the hub', async () => {
      const r = await vrfRib('hub.sock', 'hub');
      return r.length === total ? r : undefined;
    }, 60000);
    const elapsed = Date.now() - started;
    const hubTable = byPrefix(atHub);
    const hubLabel = (await showVrf('hub.sock', 'hub')).label;
    for (const [k, sock] of ['pe2.sock', 'pe3.sock'].entries()) {
      const n = k + 2;
      const downLabel = (await showVrf(sock, 'red-down')).label;
      // At the hub: each client with the next hop, RD and label of its PE's downstream VRF (the way back down).
      for (let i = 0; i < CLIENTS_PER_PE; i++) {
        const e = hubTable.get(formatPrefix(client(n, i)));
        expect([i, e?.kind, e?.['next-hop'], e?.rd, e?.labels, e?.['route-targets']]).toEqual([i, 'imported', `127.0.0.${n}`, `65000:${n}2`, [downLabel], ['65000:2']]);
      }
      expect(hubTable.get(`192.168.${n}.0/24`)).toMatchObject({ kind: 'imported', 'next-hop': `127.0.0.${n}` });
      // Downstream: its own clients and static route, all local, nothing from the other PE or the hub.
      const down = await vrfRib(sock, 'red-down');
      expect(down).toHaveLength(CLIENTS_PER_PE + 1);
      expect(down.every((e) => e.kind === 'local' && e.rd === `65000:${n}2` && e.from === 'local')).toBe(true);
      const own = new Set(Array.from({ length: CLIENTS_PER_PE }, (_, i) => formatPrefix(client(n, i))));
      expect(down.filter((e) => !own.has(String(e.prefix))).map((e) => e.prefix)).toEqual([`192.168.${n}.0/24`]);
      // Upstream: the hub's announcements only, with the hub's label and next hop; no client route at all.
      const up = await until(`${sock} upstream`, async () => {
        const r = await vrfRib(sock, 'red-up');
        return r.length === HUB_ANNOUNCE.length ? r : undefined;
      });
      expect(up.map((e) => [e.prefix, e.kind, e['next-hop'], e.rd, e.labels, e['route-targets']]).sort()).toEqual(HUB_ANNOUNCE.map((p) => [p, 'imported', '127.0.0.1', '65000:100', [hubLabel], ['65000:1']]).sort());
    }
    // The other PE's client routes do reach each PE's VPN RIB (reflected by the hub), but no VRF imports them.
    const vpn = (await ask('pe2.sock', { command: 'show-rib', family: 'vpnv4-unicast' })) as Obj[];
    expect(vpn.filter((e) => e.rd === '65000:32')).toHaveLength(CLIENTS_PER_PE + 1);
    expect(elapsed).toBeLessThan(60000);
  });

  it('withdraws removed client routes from the hub, and the rest stays', async () => {
    const d = pes[0];
    if (!d) throw new Error('no PE');
    for (let i = 0; i < 100; i++) d.vrfs.removeClientRoute('red', client(2, i));
    const atHub = await until('100 withdrawals at the hub', async () => {
      const r = await vrfRib('hub.sock', 'hub');
      return r.length === 2 * CLIENTS_PER_PE - 100 + 2 + HUB_ANNOUNCE.length ? r : undefined;
    });
    const prefixes = new Set(atHub.map((e) => e.prefix));
    expect(prefixes.has(formatPrefix(client(2, 0)))).toBe(false);
    expect(prefixes.has(formatPrefix(client(2, 100)))).toBe(true);
    expect(await vrfRib('pe2.sock', 'red-down')).toHaveLength(CLIENTS_PER_PE - 100 + 1);
  });

  it('shows the hub and its rule counters, and answers errors for unknown VRFs', async () => {
    const hubs = (await ask('hub.sock', { command: 'show-hub' })) as Obj[];
    expect(hubs).toEqual([
      expect.objectContaining({
        vrf: 'hub',
        announce: HUB_ANNOUNCE,
        rules: [expect.objectContaining({ name: 'no-mgmt', action: 'deny', packets: 0 }), expect.objectContaining({ name: 'acct', action: 'count', packets: 0 })],
      }),
    ]);
    await expect(ask('hub.sock', { command: 'show-vrf', name: 'nope' })).rejects.toThrow(/no VRF nope/);
    await expect(ask('pe2.sock', { command: 'show-rib', vrf: 'nope' })).rejects.toThrow(/no VRF nope/);
    await expect(ask('pe2.sock', { command: 'show-hub' })).resolves.toEqual([]);
  });

  it('a reload that drops the hub VRF withdraws its announcements from both upstream VRFs', async () => {
    await hub.reload(load(hubConfig().replace(/vrfs:[\s\S]*$/, ''), 'hub.yaml'));
    for (const sock of ['pe2.sock', 'pe3.sock']) await until(`${sock} upstream empty`, async () => ((await vrfRib(sock, 'red-up')).length === 0 ? true : undefined));
    expect(await ask('hub.sock', { command: 'show-vrf' })).toEqual([]);
  });
});
