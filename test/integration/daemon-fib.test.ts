/**
 * The FIB fed by a running hub-and-spoke VPN (three hdvpnd over real TCP on
 * 127.0.0.0/8): sessions with GRE, IP-in-IP and no tunnel on a PE, the hub's
 * routes in the upstream table, the clients in the downstream table, labels
 * from the core. `fib lookup` runs the data plane's own decision, so these
 * checks are what a packet would get.
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

describe('FIB of a hub-and-spoke VPN', () => {
  let dir = '';
  let hub: Daemon;
  let pe: Daemon;
  const ports: number[] = [];

  function load(text: string, name: string) {
    const r = parseConfig(text, name, { checkSecrets: false });
    if (!r.ok) throw new Error(r.errors.map((e) => `${e.file}:${e.line}: ${e.reason}`).join('\n'));
    return r.config;
  }

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'hdvpn-fib-'));
    ports.push(await freePort('127.0.0.1'), await freePort('127.0.0.2'));
    hub = new Daemon({
      config: load(`asn: 65000
router-id: 192.0.2.100
listen: { address: 127.0.0.1, port: ${ports[0]} }
control: { socket: ${join(dir, 'hub.sock')} }
neighbors:
  - { address: 127.0.0.2, asn: 65000, port: ${ports[1]}, passive: true, families: [vpnv4-unicast], route-reflector-client: true, hold-time: 9, connect-retry: 1 }
vrfs:
  - name: hub
    rd: "65000:100"
    import: ["65000:2"]
    export: ["65000:1"]
    hub: { announce: [0.0.0.0/0, 100.64.0.0/10] }
`, 'hub.yaml'),
      logger: quiet(),
    });
    await hub.start();
    pe = new Daemon({
      config: load(`asn: 65000
router-id: 192.0.2.2
listen: { address: 127.0.0.2, port: ${ports[1]} }
control: { socket: ${join(dir, 'pe.sock')} }
neighbors:
  - { address: 127.0.0.1, asn: 65000, port: ${ports[0]}, local-address: 127.0.0.2, families: [vpnv4-unicast], hold-time: 9, connect-retry: 1 }
half-duplex:
  - name: red
    upstream:   { name: red-up,   rd: "65000:21", import: ["65000:1"] }
    downstream: { name: red-down, rd: "65000:22", export: ["65000:2"] }
    pool: [100.64.0.0/16]
routes:
  - { prefix: 192.168.2.0/24, vrf: red-down, next-hop: 192.0.2.202 }
`, 'pe.yaml'),
      logger: quiet(),
    });
    await pe.start();
  });
  afterAll(async () => {
    await Promise.all([pe?.stop(), hub?.stop()]);
    rmSync(dir, { recursive: true, force: true });
  });

  const ask = async (sock: string, req: ControlRequest): Promise<unknown> => controlRequest(join(dir, sock), req);
  const fib = async (sock: string, vrf?: string): Promise<Map<string, Obj>> =>
    new Map(((await ask(sock, { command: 'show-fib', ...(vrf ? { vrf } : {}) })) as Obj[]).map((e) => [`${String(e.table)} ${String(e.prefix)}`, e]));
  const label = async (sock: string, name: string): Promise<number> => Number((((await ask(sock, { command: 'show-vrf', name })) as Obj[])[0] ?? {}).label);
  const addresses = new Map<string, string>();

  it('builds the upstream table from the hub and the downstream table from sessions, each with its next hop', async () => {
    for (const [client, tunnel] of [
      ['alice', { type: 'gre', remote: '198.18.0.10', key: 7 }],
      ['bob', { type: 'ipip', remote: '198.18.0.11' }],
      ['carol', undefined],
    ] as const) {
      const s = (await ask('pe.sock', { command: 'session-add', client, ...(tunnel ? { tunnel } : {}) })) as Obj;
      addresses.set(client, String(s.address));
    }
    const hubLabel = await label('hub.sock', 'hub');
    const downLabel = await label('pe.sock', 'red-down');
    const t = await until('upstream routes in the FIB', async () => {
      const m = await fib('pe.sock');
      return m.has('red-up 0.0.0.0/0') && m.has('red-up 100.64.0.0/10') ? m : undefined;
    });
    // Upstream: the hub's announcements, labelled toward the hub (RFC 4364 §5, MPLS in GRE RFC 4023).
    expect(t.get('red-up 0.0.0.0/0')).toEqual({
      table: 'red-up',
      role: 'upstream',
      prefix: '0.0.0.0/0',
      'next-hop': { kind: 'mpls', labels: [hubLabel], encapsulation: 'gre', tunnel: 'core-127.0.0.1', local: '192.0.2.2', remote: '127.0.0.1', state: 'up', fallback: true },
    });
    // Downstream: each client down its own attachment.
    expect(t.get(`red-down ${addresses.get('alice')}/32`)?.['next-hop']).toEqual({ kind: 'gre', tunnel: 'gre-alice', local: '192.0.2.2', remote: '198.18.0.10', key: 7, state: 'up', fallback: true });
    expect(t.get(`red-down ${addresses.get('bob')}/32`)?.['next-hop']).toEqual({ kind: 'ipip', tunnel: 'ipip-bob', local: '192.0.2.2', remote: '198.18.0.11', state: 'up', fallback: true });
    // No local interface for carol without a packet backend: dropped, never sent elsewhere.
    expect(t.get(`red-down ${addresses.get('carol')}/32`)?.['next-hop']).toEqual({ kind: 'drop' });
    expect(t.get('red-down 192.168.2.0/24')?.['next-hop']).toEqual({ kind: 'plain' });
    // Nothing of the clients in the upstream table.
    expect([...t.keys()].filter((k) => k.startsWith('red-up')).sort()).toEqual(['red-up 0.0.0.0/0', 'red-up 100.64.0.0/10']);
    // The hub: clients back down toward the PE with the PE's downstream label.
    const h = await until('clients in the hub FIB', async () => {
      const m = await fib('hub.sock', 'hub');
      return m.has(`hub ${addresses.get('carol')}/32`) ? m : undefined;
    });
    expect(h.get(`hub ${addresses.get('alice')}/32`)).toMatchObject({ role: 'hub', 'next-hop': { kind: 'mpls', labels: [downLabel], remote: '127.0.0.2' } });
  });

  it('looks up a client\'s packet in its upstream table only: a neighbour on the same PE is reached through the hub', async () => {
    const r = (await ask('pe.sock', { command: 'fib-lookup', address: String(addresses.get('bob')), ingress: 'alice' })) as Obj;
    expect(r).toMatchObject({ table: 'red-up', role: 'upstream', prefix: '100.64.0.0/10', decision: 'forward', 'next-hop': { kind: 'mpls', remote: '127.0.0.1' } });
    expect(r.ingress).toEqual({ kind: 'session', session: 'alice', tunnel: 'gre', remote: '198.18.0.10', key: 7 });
  });

  it('sends a packet from the core with the downstream label down the client\'s tunnel', async () => {
    const downLabel = await label('pe.sock', 'red-down');
    const r = (await ask('pe.sock', { command: 'fib-lookup', address: String(addresses.get('bob')), ingress: 'core', label: downLabel })) as Obj;
    expect(r).toMatchObject({ table: 'red-down', role: 'downstream', prefix: `${addresses.get('bob')}/32`, decision: 'forward', 'next-hop': { kind: 'ipip', remote: '198.18.0.11' } });
    const unknown = (await ask('pe.sock', { command: 'fib-lookup', address: '100.64.0.1', ingress: 'core', label: 999 })) as Obj;
    expect(unknown).toMatchObject({ table: null, decision: 'unclassified' });
  });

  it('takes a session\'s routes and ingress out of the FIB when it ends', async () => {
    await ask('pe.sock', { command: 'session-del', client: 'alice' });
    const t = await fib('pe.sock', 'red-down');
    expect(t.has(`red-down ${addresses.get('alice')}/32`)).toBe(false);
    await expect(ask('pe.sock', { command: 'fib-lookup', address: '100.64.0.1', ingress: 'alice' })).rejects.toThrow(/no session alice/);
  });
});
