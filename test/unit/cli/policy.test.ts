/** `hdvpn policy test NAME ROUTE`: argument checks, the request it sends, and its output. */
import { mkdtempSync, rmSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Json } from '../../../src/bgp/wire/json';
import { renderPolicyTest } from '../../../src/cli/commands/policy';
import { runCli } from '../../helpers/cli';

const run = runCli;

/** A stand-in daemon: records each request line and answers with `answer(request)`. */
async function fakeDaemon(path: string, answer: (req: Record<string, unknown>) => { ok: true; result: Json } | { ok: false; error: string }): Promise<{ requests: Record<string, unknown>[]; close: () => Promise<void> }> {
  const requests: Record<string, unknown>[] = [];
  const server = net.createServer((sock) => {
    let buf = '';
    sock.setEncoding('utf8');
    sock.on('data', (chunk: string) => {
      buf += chunk;
      const nl = buf.indexOf('\n');
      if (nl < 0) return;
      const req = JSON.parse(buf.slice(0, nl)) as Record<string, unknown>;
      requests.push(req);
      sock.end(`${JSON.stringify(answer(req))}\n`);
    });
  });
  await new Promise<void>((resolve) => server.listen(path, resolve));
  return { requests, close: () => new Promise<void>((resolve) => server.close(() => resolve())) };
}

const ACCEPTED: Json = {
  policy: 'in',
  route: { family: 'ipv4-unicast', prefix: '10.0.0.0/24', neighbor: 'local', 'next-hop': 'self', 'as-path': '65002', 'local-pref': null, communities: [] },
  action: 'accept',
  term: 'tag',
  result: { 'next-hop': 'self', 'as-path': '65000 65002', 'local-pref': 200, communities: ['65000:1'] },
  changed: ['as-path', 'local-pref', 'communities'],
};

describe('hdvpn policy test', () => {
  let dir = '';
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'hdvpn-policy-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('a bad ROUTE is a usage error (exit 2, one line) before any daemon is asked', async () => {
    const r = await run(['--socket', join(dir, 'none.sock'), 'policy', 'test', 'in', '10.0.0.0/24 community 1:99999']);
    expect(r.code).toBe(2);
    expect(r.err).toBe("hdvpn: community '1:99999' is not valid (expected ASN:N or a well-known name)\n");
  });

  it('missing arguments: exit 2', async () => {
    expect((await run(['policy', 'test', 'in'])).code).toBe(2);
    expect((await run(['policy', 'frobnicate'])).code).toBe(2);
  });

  it('a valid route with no daemon: exit 3', async () => {
    const r = await run(['--socket', join(dir, 'none.sock'), 'policy', 'test', 'in', '10.0.0.0/24']);
    expect(r.code).toBe(3);
    expect(r.err.trim().split('\n')).toHaveLength(1);
  });

  it('sends the policy-test request and prints the JSON answer with -j', async () => {
    const path = join(dir, 'ok.sock');
    const daemon = await fakeDaemon(path, () => ({ ok: true, result: ACCEPTED }));
    try {
      const r = await run(['--socket', path, 'policy', 'test', 'in', '10.0.0.0/24 as-path "65002"', '-j']);
      expect(r.code).toBe(0);
      expect(JSON.parse(r.out)).toEqual(ACCEPTED);
      expect(daemon.requests).toEqual([{ command: 'policy-test', policy: 'in', route: '10.0.0.0/24 as-path "65002"' }]);
      const human = await run(['--socket', path, 'policy', 'test', 'in', '10.0.0.0/24']);
      expect(human.out).toBe(renderPolicyTest(ACCEPTED));
    } finally {
      await daemon.close();
    }
  });

  it('the daemon refusing (unknown policy) is exit 1 with its message', async () => {
    const path = join(dir, 'err.sock');
    const daemon = await fakeDaemon(path, () => ({ ok: false, error: "unknown policy 'nope'" }));
    try {
      const r = await run(['--socket', path, 'policy', 'test', 'nope', '10.0.0.0/24']);
      expect(r.code).toBe(1);
      expect(r.err).toBe("hdvpn: unknown policy 'nope'\n");
    } finally {
      await daemon.close();
    }
  });
});

describe('renderPolicyTest', () => {
  it('names the decision and term, then each changed attribute before -> after', () => {
    expect(renderPolicyTest(ACCEPTED)).toBe(
      ['10.0.0.0/24: accept by term tag of policy in', '  as-path: 65002 -> 65000 65002', '  local-pref: - -> 200', '  communities: - -> 65000:1', ''].join('\n'),
    );
  });

  it('a reject has no attribute lines; a default accept says no term matched', () => {
    expect(renderPolicyTest({ policy: 'in', route: { prefix: '10.0.0.0/25', rd: '65001:5' }, action: 'reject', term: 'too-long', result: null, changed: [] })).toBe(
      '10.0.0.0/25 rd 65001:5: reject by term too-long of policy in\n',
    );
    expect(renderPolicyTest({ policy: 'in', route: { prefix: '10.0.0.0/8' }, action: 'accept', term: null, result: {}, changed: [] })).toBe(
      '10.0.0.0/8: accept (no term matched: default accept) of policy in\n  no attribute changed\n',
    );
  });
});
