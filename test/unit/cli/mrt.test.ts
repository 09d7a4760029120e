/** `hdvpn mrt`: argument errors exit 2 with one line; JSON output is one object per line. */
import { join } from 'node:path';
import { commandNamed, main } from '../../../src/cli/main';
import { plainMrtArguments } from '../../../src/cli/commands/mrt';

const FIXTURES = join(__dirname, '..', '..', 'fixtures', 'mrt');

async function run(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const out = jest.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array, ...rest: unknown[]) => {
    stdout += typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8');
    const cb = rest.find((r) => typeof r === 'function') as (() => void) | undefined;
    cb?.();
    return true;
  });
  const err = jest.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => {
    stderr += typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8');
    return true;
  });
  try {
    const code = await main(['node', 'hdvpn', 'mrt', ...args]);
    return { code, stdout, stderr };
  } finally {
    out.mockRestore();
    err.mockRestore();
  }
}

describe('hdvpn mrt', () => {
  it('exits 2 with one line for an unknown format', async () => {
    const r = await run(['--format', 'xml', join(FIXTURES, 'mrtparse-samples', 'quagga_rib')]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^hdvpn: mrt: unknown format 'xml'[^\n]*\n$/);
    expect(r.stdout).toBe('');
  });

  it('exits 2 with one line for a file it cannot read', async () => {
    const r = await run(['/nonexistent/dump.mrt']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^hdvpn: mrt: cannot read \/nonexistent\/dump\.mrt: ENOENT[^\n]*\n$/);
  });

  it('exits 2 for a directory', async () => {
    const r = await run([FIXTURES]);
    expect(r.code).toBe(2);
    expect(r.stderr.split('\n')).toHaveLength(2);
  });

  it('exits 2 without a file argument', async () => {
    const r = await run([]);
    expect(r.code).toBe(2);
  });

  it('prints one JSON object per RIB entry, naming the peer from the PEER_INDEX_TABLE', async () => {
    const r = await run([join(FIXTURES, 'mrtparse-samples', 'quagga_rib')]);
    expect(r.code).toBe(0);
    const lines = r.stdout.trimEnd().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(lines[0]).toMatchObject({ type: 'peer-index-table', timestamp: 1486802400 });
    const entries = lines.filter((l) => l.type === 'rib-entry');
    expect(entries).toHaveLength(9);
    expect(entries[0]).toMatchObject({ prefix: '172.17.0.0/24', peer: { index: 0, address: '192.168.0.10', asn: 65000 } });
    expect(JSON.stringify(entries[0])).toContain('"as-path":"4200000000 4200000000 4200000000 64512 64512 64512"');
  });

  it('prints BGP4MP messages and state changes as JSON, with microseconds for BGP4MP_ET', async () => {
    const r = await run(['--format', 'json', join(FIXTURES, 'bgpdump-tests', 'updates.et-header.2015.first-2000-records.gz')]);
    const first = r.stdout.slice(0, r.stdout.indexOf('\n'));
    expect(JSON.parse(first)).toMatchObject({ type: 'bgp4mp-state-change', timestamp: 1445565678, microseconds: 509481, 'old-state': 1, 'new-state': 2 });
    expect(r.stdout).toContain('"type":"update"');
  });

  it('prints bgpdump lines with --format bgpdump', async () => {
    const r = await run(['--format', 'bgpdump', join(FIXTURES, 'mrtparse-samples', 'bird6-mrtdump_rib')]);
    expect(r.stdout.split('\n')[0]).toBe('TABLE_DUMP2|1486801684|B|::|0|::/0||INCOMPLETE|255.255.255.255|0|0||NAG||');
  });

  it('prints the same through its plain-argument path as through commander', async () => {
    const file = join(FIXTURES, 'mrtparse-samples', 'bird6-mrtdump_rib');
    const plain = await run(['--format', 'bgpdump', file]);
    // `--` is not a plain form: commander parses it.
    const parsed = await run(['--format', 'bgpdump', '--', file]);
    expect(plain.code).toBe(0);
    expect(plain).toEqual(parsed);
  });
});

describe('hdvpn mrt startup', () => {
  afterEach(() => {
    jest.dontMock('commander');
    jest.dontMock('../../../src/cli/commands/show');
  });

  it('loads neither commander nor the other commands for a plain `mrt FILE`', async () => {
    jest.doMock('commander', () => {
      throw new Error('commander was loaded');
    });
    jest.doMock('../../../src/cli/commands/show', () => {
      throw new Error('the show command was loaded');
    });
    let isolatedMain: typeof main = main;
    jest.isolateModules(() => {
      isolatedMain = (require('../../../src/cli/main') as typeof import('../../../src/cli/main')).main;
    });
    const out = jest.spyOn(process.stdout, 'write').mockImplementation(() => true);
    try {
      expect(await isolatedMain(['node', 'hdvpn', 'mrt', '--format', 'bgpdump', join(FIXTURES, 'mrtparse-samples', 'bird6-mrtdump_rib')])).toBe(0);
      await expect(isolatedMain(['node', 'hdvpn', 'mrt', '--help'])).rejects.toThrow('commander was loaded');
    } finally {
      out.mockRestore();
    }
  });
});

describe('plainMrtArguments', () => {
  it.each([
    [['f.gz'], { file: 'f.gz', format: 'json' }],
    [['-'], { file: '-', format: 'json' }],
    [['--format', 'bgpdump', 'f.gz'], { file: 'f.gz', format: 'bgpdump' }],
    [['--format=bgpdump', 'f.gz'], { file: 'f.gz', format: 'bgpdump' }],
    [['f.gz', '--format', 'xml'], { file: 'f.gz', format: 'xml' }],
  ])('reads %j as commander does', (args, want) => {
    expect(plainMrtArguments(args)).toEqual(want);
  });

  it.each([[[]], [['--help']], [['--format', 'json']], [['--format']], [['--', 'f']], [['a', 'b']], [['--format', 'json', '--format', 'bgpdump', 'f']], [['--format', '-x', 'f']], [['--socket', 's', 'f']], [['-h']]])(
    'leaves %j to commander',
    (args) => {
      expect(plainMrtArguments(args)).toBeNull();
    },
  );
});

describe('commandNamed', () => {
  it('names the command past the global option, and none for help or an unknown name', () => {
    expect(commandNamed(['mrt', 'f'])).toBe('mrt');
    expect(commandNamed(['--socket', '/s', 'show', 'rib'])).toBe('show');
    expect(commandNamed(['--socket=/s', 'fib', 'lookup'])).toBe('fib');
    expect(commandNamed(['--help'])).toBeNull();
    expect(commandNamed(['help', 'show'])).toBeNull();
    expect(commandNamed(['shw'])).toBeNull();
    expect(commandNamed(['toString'])).toBeNull();
    expect(commandNamed([])).toBeNull();
  });
});
