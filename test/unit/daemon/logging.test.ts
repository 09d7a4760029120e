import { Writable } from 'node:stream';
import { childLogger, createLogger, type Logger } from '../../../src/daemon/logging';
import { clearSecrets, registerSecret, Secret } from '../../../src/daemon/redaction';
import type { LogFormat, LogLevel } from '../../../src/daemon/config/model';

/** A logger writing into an array; `flush` waits until winston has written every line. */
function capture(format: LogFormat, level: LogLevel = 'debug'): { logger: Logger; lines: string[]; flush: () => Promise<void> } {
  const lines: string[] = [];
  // Not objectMode: winston's Stream transport then writes the finished line, as a file or console would.
  const stream = new Writable({
    write(chunk: unknown, _encoding, callback) {
      lines.push(String(chunk).trimEnd());
      callback();
    },
  });
  const logger = createLogger({ level, format, file: null, stream });
  return { logger, lines, flush: () => new Promise((resolve) => setImmediate(resolve)) };
}

describe('logging', () => {
  beforeEach(() => clearSecrets());

  it('writes text lines with level, context and fields', async () => {
    const { logger, lines, flush } = capture('text');
    childLogger(logger, { peer: '192.0.2.2' }).info('session established', { holdTime: 90 });
    await flush();
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^\d{4}-\d\d-\d\dT\S+ info \[peer=192\.0\.2\.2\] session established holdTime=90$/);
  });

  it('writes JSON lines carrying the child context', async () => {
    const { logger, lines, flush } = capture('json');
    childLogger(childLogger(logger, { vrf: 'red' }), { session: 'alice' }).warn('pool nearly exhausted');
    await flush();
    expect(JSON.parse(lines[0] ?? '{}')).toMatchObject({ level: 'warn', message: 'pool nearly exhausted', vrf: 'red', session: 'alice' });
  });

  it('honours the level', async () => {
    const { logger, lines, flush } = capture('text', 'warn');
    logger.info('not shown');
    logger.debug('not shown either');
    logger.error('shown');
    await flush();
    expect(lines).toEqual([expect.stringContaining('error shown')]);
  });

  it.each(['text', 'json'] as const)('never lets a registered secret reach a %s line, in a message or inside an object', async (format) => {
    const { logger, lines, flush } = capture(format);
    registerSecret('tcp-md5-Sekr3t');
    logger.info('connecting with key tcp-md5-Sekr3t');
    logger.info('config loaded', { config: { neighbors: [{ address: '192.0.2.2', note: 'key=tcp-md5-Sekr3t' }] } });
    logger.error(new Error('setsockopt failed for tcp-md5-Sekr3t'));
    await flush();
    expect(lines).toHaveLength(3);
    for (const line of lines) expect(line).not.toContain('Sekr3t');
    expect(lines.join('\n')).toContain('[redacted]');
  });

  it('hides values under secret keys and Secret objects whatever their content', async () => {
    const { logger, lines, flush } = capture('json');
    logger.info('radius', { server: { address: '192.0.2.50', secret: 'never-registered', password: { file: '/etc/k' } }, key: new Secret('wrapped-value') });
    await flush();
    const line = lines[0] ?? '';
    expect(line).not.toContain('never-registered');
    expect(line).not.toContain('wrapped-value');
    expect(JSON.parse(line)).toMatchObject({ server: { address: '192.0.2.50', secret: '[redacted]', password: '[redacted]' }, key: '[redacted]' });
  });
});
