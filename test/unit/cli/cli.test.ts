/** The CLI's contract (INTERFACE.md): one-line errors and exit codes 0/1/2/3. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli, stubHandlers } from '../../helpers/cli';
import { ControlServer } from '../../../src/daemon/control-server';

const run = runCli;

describe('hdvpn decode', () => {
  it('prints one JSON document with -j', async () => {
    const r = await run(['decode', '-j', 'ffffffffffffffffffffffffffffffff001304']);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.out)).toEqual({ type: 'keepalive' });
  });
  it('decodes several messages into an array', async () => {
    const r = await run(['decode', '-j', 'ffffffffffffffffffffffffffffffff001304ffffffffffffffffffffffffffffffff00170200000000']);
    expect(JSON.parse(r.out)).toHaveLength(2);
  });
  it('a malformed message: one line naming the NOTIFICATION, exit 1', async () => {
    const r = await run(['decode', 'fffffffffffffffffffffffffffffffe001304']);
    expect(r.code).toBe(1);
    expect(r.err.trim().split('\n')).toHaveLength(1);
    expect(r.err).toMatch(/NOTIFICATION 1\/1/);
  });
  it('not hex: usage error, exit 2, one line', async () => {
    const r = await run(['decode', 'xyz']);
    expect(r.code).toBe(2);
    expect(r.err.trim().split('\n')).toHaveLength(1);
  });
});

describe('daemon commands', () => {
  let dir = '';
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'hdvpn-cli-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('unreachable daemon: exit 3 with one line', async () => {
    const r = await run(['--socket', join(dir, 'none.sock'), 'show', 'neighbors']);
    expect(r.code).toBe(3);
    expect(r.err.trim().split('\n')).toHaveLength(1);
  });
  it('unknown command and bad option: exit 2', async () => {
    expect((await run(['frobnicate'])).code).toBe(2);
    expect((await run(['show', 'rib', '--family', 'ipv5-unicast'])).code).toBe(2);
    expect((await run(['neighbor', 'reset', 'not-an-ip'])).code).toBe(2);
  });
  it('session add and del: bad arguments are exit 2 with one line, before the daemon is asked', async () => {
    const none = join(dir, 'none.sock');
    for (const args of [
      ['session', 'add'],
      ['session', 'add', '--client', 'a', '--tunnel', 'vxlan', '--remote', '198.51.100.1'],
      ['session', 'add', '--client', 'a', '--tunnel', 'gre'],
      ['session', 'add', '--client', 'a', '--tunnel', 'gre', '--remote', 'nowhere'],
      ['session', 'add', '--client', 'a', '--tunnel', 'ipip', '--remote', '198.51.100.1', '--key', '5'],
      ['session', 'add', '--client', 'a', '--tunnel', 'gre', '--remote', '198.51.100.1', '--key', '4294967296'],
      ['session', 'add', '--client', 'a', '--remote', '198.51.100.1'],
      ['session', 'del'],
    ]) {
      const r = await run(['--socket', none, ...args]);
      expect([args.join(' '), r.code]).toEqual([args.join(' '), 2]);
      expect(r.err.trim().split('\n')).toHaveLength(1);
    }
    expect((await run(['--socket', none, 'session', 'add', '--client', 'a', '--tunnel', 'gre', '--remote', '198.51.100.1', '--key', '7'])).code).toBe(3);
  });
  it('talks to a control socket: JSON passes through with -j, errors give exit 1', async () => {
    const path = join(dir, 'ctl.sock');
    const server = new ControlServer(
      path,
      stubHandlers({
        'show-neighbors': () => [{ address: '192.0.2.2', asn: 65002, state: 'Established', uptime: 5, families: ['ipv4-unicast'], received: { 'ipv4-unicast': 3 }, accepted: { 'ipv4-unicast': 3 }, sent: { 'ipv4-unicast': 1 }, 'last-error': null }],
        neighbor: (req) => {
          throw new Error(`no neighbor ${req.address}`);
        },
      }),
    );
    await server.listen();
    try {
      const r = await run(['--socket', path, 'show', 'neighbors', '-j']);
      expect(r.code).toBe(0);
      expect(JSON.parse(r.out)[0].state).toBe('Established');
      const t = await run(['--socket', path, 'show', 'neighbors']);
      expect(t.out).toMatch(/192\.0\.2\.2\s+65002\s+Established\s+0m05s\s+3\s+3\s+1/);
      const e = await run(['--socket', path, 'neighbor', 'reset', '192.0.2.9']);
      expect(e.code).toBe(1);
      expect(e.err).toBe('hdvpn: no neighbor 192.0.2.9\n');
    } finally {
      await server.close();
    }
  });
});

describe('hdvpn show rib options', () => {
  let dir = '';
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'hdvpn-cli-rib-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('refuses inconsistent options with exit 2 before asking the daemon', async () => {
    const sock = join(dir, 'none.sock');
    for (const args of [
      ['show', 'rib', '--in'],
      ['show', 'rib', '--neighbor', '192.0.2.2'],
      ['show', 'rib', '--neighbor', '192.0.2.2', '--in', '--out'],
      ['show', 'rib', '--neighbor', 'nope', '--in'],
      ['show', 'rib', '10.0.0.1'],
    ]) {
      const r = await run(['--socket', sock, ...args]);
      expect([args.join(' '), r.code]).toEqual([args.join(' '), 2]);
      expect(r.err.trim().split('\n')).toHaveLength(1);
    }
  });

  it('sends the neighbor, direction, summary and canonical prefix to the daemon, and renders the summary', async () => {
    const path = join(dir, 'rib.sock');
    const seen: unknown[] = [];
    const server = new ControlServer(
      path,
      stubHandlers({
        'show-rib': (req) => {
          seen.push(req);
          return req.summary ? { destinations: { 'ipv4-unicast': 5 }, 'attribute-sets': 2, originated: 1, neighbors: [{ address: '192.0.2.2', received: { 'ipv4-unicast': 4 }, accepted: { 'ipv4-unicast': 3 }, sent: { 'ipv4-unicast': 1 } }] } : [];
        },
      }),
    );
    await server.listen();
    try {
      expect((await run(['--socket', path, 'show', 'rib', '--neighbor', '192.0.2.2', '--out', '-j'])).code).toBe(0);
      expect((await run(['--socket', path, 'show', 'rib', '10.1.0.0/16', '-j'])).code).toBe(0);
      const t = await run(['--socket', path, 'show', 'rib', 'summary']);
      expect(t.code).toBe(0);
      expect(t.out).toMatch(/ipv4-unicast\s+5/);
      expect(t.out).toMatch(/192\.0\.2\.2\s+4\s+3\s+1/);
      expect(seen).toEqual([
        { command: 'show-rib', neighbor: '192.0.2.2', direction: 'out' },
        { command: 'show-rib', prefix: '10.1.0.0/16' },
        { command: 'show-rib', summary: true },
      ]);
    } finally {
      await server.close();
    }
  });
});

describe('hdvpn show vrf and show hub', () => {
  let dir = '';
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'hdvpn-cli-vrf-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('asks for one VRF or all, prints the JSON with -j and a table without', async () => {
    const path = join(dir, 'vrf.sock');
    const seen: unknown[] = [];
    const vrf = { name: 'red-down', rd: '65001:12', import: [], export: ['65000:2'], label: 16, routes: 3, sessions: ['c1'], role: 'downstream', pair: 'red', 'label-mode': 'per-vrf' };
    const server = new ControlServer(
      path,
      stubHandlers({
        'show-rib': (req) => {
          seen.push(req);
          return [];
        },
        'show-vrf': (req) => {
          seen.push(req);
          if (req.name === 'nope') throw new Error('no VRF nope');
          return [vrf];
        },
        'show-hub': (req) => {
          seen.push(req);
          return [{ vrf: 'hub', rd: '65000:100', import: ['65000:2'], export: ['65000:1'], announce: ['0.0.0.0/0'], label: 17, rules: [{ name: 'no-telnet-net', action: 'deny', destination: ['10.9.0.0/16'], client: [], packets: 4, bytes: 400, dropped: 4 }], unmatched: { packets: 1, bytes: 60 }, 'hook-drops': 0 }];
        },
      }),
    );
    await server.listen();
    try {
      const j = await run(['--socket', path, 'show', 'vrf', 'red-down', '-j']);
      expect(j.code).toBe(0);
      expect(JSON.parse(j.out)).toEqual([vrf]);
      const t = await run(['--socket', path, 'show', 'vrf']);
      expect(t.out).toMatch(/red-down\s+downstream\s+red\s+65001:12\s+65000:2\s+16\s+3\s+1/);
      expect((await run(['--socket', path, 'show', 'vrf', 'nope'])).code).toBe(1);
      const h = await run(['--socket', path, 'show', 'hub']);
      expect(h.out).toMatch(/no-telnet-net\s+deny\s+10\.9\.0\.0\/16\s+any\s+4\s+400\s+4/);
      expect((await run(['--socket', path, 'show', 'rib', '--vrf', 'red-down', '-j'])).code).toBe(0);
      expect(seen).toEqual([
        { command: 'show-vrf', name: 'red-down' },
        { command: 'show-vrf' },
        { command: 'show-vrf', name: 'nope' },
        { command: 'show-hub' },
        { command: 'show-rib', vrf: 'red-down' },
      ]);
    } finally {
      await server.close();
    }
  });
});
