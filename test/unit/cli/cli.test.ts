/** The CLI's contract (INTERFACE.md): one-line errors and exit codes 0/1/2/3. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { main } from '../../../src/cli/main';
import { ControlServer } from '../../../src/daemon/control-server';

async function run(args: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const o = jest.spyOn(process.stdout, 'write').mockImplementation((s: string | Uint8Array) => {
    out += String(s);
    return true;
  });
  const e = jest.spyOn(process.stderr, 'write').mockImplementation((s: string | Uint8Array) => {
    err += String(s);
    return true;
  });
  try {
    const code = await main(['node', 'hdvpn', ...args]);
    return { code, out, err };
  } finally {
    o.mockRestore();
    e.mockRestore();
  }
}

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
  it('talks to a control socket: JSON passes through with -j, errors give exit 1', async () => {
    const path = join(dir, 'ctl.sock');
    const server = new ControlServer(path, {
      ping: () => 'pong',
      'show-neighbors': () => [{ address: '192.0.2.2', asn: 65002, state: 'Established', uptime: 5, families: ['ipv4-unicast'], received: { 'ipv4-unicast': 3 }, accepted: { 'ipv4-unicast': 3 }, sent: { 'ipv4-unicast': 1 }, 'last-error': null }],
      'show-rib': () => [],
      neighbor: (req) => {
        throw new Error(`no neighbor ${req.address}`);
      },
      'route-refresh': () => null,
      'policy-test': () => null,
    });
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
