import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { inspect } from 'node:util';
import { readSecret } from '../../../src/daemon/config/secrets';
import { clearSecrets, redactText } from '../../../src/daemon/redaction';
import { check, HEAD, load, yaml } from './helpers';

describe('secrets', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'hdvpn-secret-'));
    clearSecrets();
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  const withPassword = (ref: string): string => yaml(...HEAD, 'neighbors:', `  - { address: 192.0.2.2, asn: 65002, password: ${ref} }`);

  it('keeps only the reference in the model', () => {
    const path = join(dir, 'peer.key');
    writeFileSync(path, 'sekrit-md5-key\n');
    const config = load(withPassword(`{ file: ${path} }`), {});
    expect(config.neighbors[0]?.password).toEqual({ source: 'file', path });
    expect(JSON.stringify(config)).not.toContain('sekrit-md5-key');
  });

  it('reads a secret from a file (trailing newline dropped) or the environment, wrapped so it cannot be printed', () => {
    const path = join(dir, 'peer.key');
    writeFileSync(path, 'sekrit-md5-key\n');
    const fromFile = readSecret({ source: 'file', path }, 'tcp-md5');
    expect(fromFile.ok && fromFile.secret.reveal()).toBe('sekrit-md5-key');
    const fromEnv = readSecret({ source: 'env', variable: 'PEER_KEY' }, 'radius', { env: { PEER_KEY: 'radius-shared' }, readFile: () => Buffer.alloc(0) });
    expect(fromEnv.ok && fromEnv.secret.reveal()).toBe('radius-shared');
    if (!fromFile.ok) throw new Error('unreachable');
    expect(`${String(fromFile.secret)} ${JSON.stringify({ k: fromFile.secret })} ${inspect(fromFile.secret)}`).not.toContain('sekrit');
    // Reading registers the secret for log redaction.
    expect(redactText('key is sekrit-md5-key')).toBe('key is [redacted]');
  });

  it('makes an unreadable password file a config error naming the file, never the content', () => {
    const missing = join(dir, 'missing.key');
    expect(check(withPassword(`{ file: ${missing} }`), {}).errors).toEqual([`test.yaml:4: secret file ${missing} cannot be read (ENOENT)`]);
  });

  it('reports an unset variable, an empty file and an over-long TCP-MD5 key without showing them', () => {
    const empty = join(dir, 'empty.key');
    writeFileSync(empty, '\n');
    const long = join(dir, 'long.key');
    writeFileSync(long, 'x'.repeat(81));
    const text = yaml(
      ...HEAD,
      'neighbors:',
      '  - { address: 192.0.2.2, asn: 65002, password: { env: HDVPN_TEST_UNSET_VARIABLE } }',
      `  - { address: 192.0.2.3, asn: 65002, password: { file: ${empty} } }`,
      `  - { address: 192.0.2.4, asn: 65002, password: { file: ${long} } }`,
    );
    const errors = check(text, { secretSources: { env: {}, readFile: (p) => readFileSync(p) } }).errors;
    expect(errors).toEqual([
      'test.yaml:4: environment variable HDVPN_TEST_UNSET_VARIABLE is not set',
      `test.yaml:5: secret file ${empty} is empty`,
      `test.yaml:6: secret file ${long} holds a TCP-MD5 key longer than 80 bytes`,
    ]);
    expect(errors.join('\n')).not.toContain('xxxx');
  });

  it('checks RADIUS secrets too', () => {
    const text = yaml(...HEAD, 'radius:', '  servers:', '    - address: 192.0.2.50', '      secret: { env: RADIUS_SECRET }');
    expect(check(text, { secretSources: { env: {}, readFile: () => Buffer.alloc(0) } }).errors).toEqual(['test.yaml:6: environment variable RADIUS_SECRET is not set']);
    expect(check(text, { secretSources: { env: { RADIUS_SECRET: 's3' }, readFile: () => Buffer.alloc(0) } }).errors).toEqual([]);
  });
});
