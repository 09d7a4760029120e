import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { checkConfig, runCheckConfig } from '../../../src/daemon/check-config';
import { parseDaemonArgs } from '../../../src/daemon/cli-args';

describe('hdvpnd --check-config', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'hdvpn-check-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  const file = (text: string): string => {
    const path = join(dir, 'hdvpn.yaml');
    writeFileSync(path, text);
    return path;
  };

  it('passes a valid config and exits 0', () => {
    const path = file('asn: 65001\nrouter-id: 192.0.2.1\n');
    expect(checkConfig(path)).toEqual({ ok: true, errors: [], warnings: [] });
    const out: string[] = [];
    expect(runCheckConfig(path, { stdout: (l) => out.push(l), stderr: (l) => out.push(l) })).toBe(0);
    expect(out).toEqual([`${path}: configuration is valid`]);
  });

  it('prints FILE:LINE: reason for every problem and exits non-zero', () => {
    const path = file('asn: 0\nrouter-id: 0.0.0.0\n');
    const err: string[] = [];
    expect(runCheckConfig(path, { stdout: () => undefined, stderr: (l) => err.push(l) })).toBe(1);
    expect(err).toEqual([
      `${path}:1: AS 0 is reserved (RFC 7607) and cannot be configured`,
      `${path}:2: router-id 0.0.0.0 is not a valid BGP identifier (RFC 6286 requires a non-zero value)`,
    ]);
  });

  it('reports a missing file as FILE:1', () => {
    const path = join(dir, 'nope.yaml');
    expect(checkConfig(path)).toEqual({ ok: false, errors: [`${path}:1: cannot read the config file (ENOENT)`], warnings: [] });
  });

  it('marks warnings and still exits 0', () => {
    const path = file('asn: 65001\nrouter-id: 192.0.2.1\nvrfs: [{ name: red, rd: "65001:1", export: ["65001:9"] }]\n');
    const err: string[] = [];
    expect(runCheckConfig(path, { stdout: () => undefined, stderr: (l) => err.push(l) })).toBe(0);
    expect(err).toEqual([`${path}:3: warning: route target 65001:9 exported by VRF 'red' is imported by no VRF on this node; check that a peer imports it`]);
  });
});

describe('hdvpnd arguments', () => {
  const parse = (...args: string[]): { result: ReturnType<typeof parseDaemonArgs>; written: string } => {
    let written = '';
    const result = parseDaemonArgs(['node', 'hdvpnd', ...args], (t) => {
      written += t;
    });
    return { result, written };
  };

  it('runs on the built-in config or a file', () => {
    expect(parse().result).toEqual({ kind: 'run', configPath: null });
    expect(parse('--config', 'a.yaml').result).toEqual({ kind: 'run', configPath: 'a.yaml' });
  });

  it('accepts both spellings of a check', () => {
    expect(parse('--check-config', 'a.yaml').result).toEqual({ kind: 'check', configPath: 'a.yaml' });
    expect(parse('--config', 'a.yaml', '--check-config').result).toEqual({ kind: 'check', configPath: 'a.yaml' });
  });

  it('turns a bad argument into one line and exit code 2', () => {
    for (const args of [['--bogus'], ['extra'], ['--config'], ['--config', 'a', '--check-config', 'b']]) {
      const { result, written } = parse(...args);
      expect(result).toMatchObject({ kind: 'usage-error', exitCode: 2 });
      expect(written.trimEnd().split('\n')).toHaveLength(1);
      expect(written).toMatch(/^hdvpnd: /);
    }
  });
});
