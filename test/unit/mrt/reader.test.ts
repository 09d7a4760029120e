/** The streaming reader: compression detection, decompression paths, arbitrary chunking, damaged input. */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { gunzipSync, gzipSync } from 'node:zlib';
import { readMrtBuffer, type MrtItem } from '../../../src/bgp/wire/mrt';
import { decompressed, detectCompression } from '../../../src/mrt/decompress';
import { openMrt, readMrtItems } from '../../../src/mrt/reader';

const FIXTURES = join(__dirname, '..', '..', 'fixtures', 'mrt');
const PLAIN = join(FIXTURES, 'mrtparse-samples', 'openbgpd_bgp');
const GZ = join(FIXTURES, 'routeviews-jinx-2014', 'ris.rrc06.updates.1401488100.gz');
const BZ2 = join(FIXTURES, 'routeviews-jinx-2014', 'routeviews.route-views.jinx.updates.1401493500.bz2');

function summary(items: MrtItem[]): string[] {
  return items.map((i) => (i.kind === 'error' ? `error:${i.error.reason}` : `${i.record.kind}@${i.offset}`));
}

async function collect(it: AsyncIterable<MrtItem>): Promise<MrtItem[]> {
  const out: MrtItem[] = [];
  for await (const x of it) out.push(x);
  return out;
}

async function bytesOf(stream: Readable): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const c of stream as AsyncIterable<Buffer>) parts.push(c);
  return Buffer.concat(parts);
}

describe('detectCompression', () => {
  it('recognises gzip and bzip2 by their magic octets, anything else as plain', () => {
    expect(detectCompression(Buffer.from([0x1f, 0x8b, 0x08]))).toBe('gzip');
    expect(detectCompression(Buffer.from('BZh9'))).toBe('bzip2');
    expect(detectCompression(Buffer.from([0x53, 0xa8, 0xf0, 0x00]))).toBe('none');
    expect(detectCompression(Buffer.alloc(0))).toBe('none');
  });
});

describe('openMrt', () => {
  it.each([
    ['plain', PLAIN, 'none'],
    ['gzip', GZ, 'gzip'],
    ['bzip2', BZ2, 'bzip2'],
  ])('streams a %s file to the same records as the whole decompressed buffer', async (_name, path, compression) => {
    const opened = await openMrt(path);
    expect(opened.compression).toBe(compression);
    const streamed = summary(await collect(readMrtItems(opened.stream)));
    const raw = readFileSync(path);
    const whole = compression === 'gzip' ? gunzipSync(raw) : compression === 'bzip2' ? await bytesOf((await openMrt(path)).stream) : raw;
    expect(streamed).toEqual(summary([...readMrtBuffer(whole)]));
    expect(streamed.length).toBeGreaterThan(10);
  });

  it('gives the same bytes through bzip2 -dc and the unbzip2-stream fallback', async () => {
    const viaBinary = await bytesOf((await decompressed(Readable.from([readFileSync(BZ2)]))).stream);
    const viaJs = await bytesOf((await decompressed(Readable.from([readFileSync(BZ2)]), { preferBzip2Binary: false })).stream);
    expect(viaJs.equals(viaBinary)).toBe(true);
  });

  it('reads a small gzip file whole, and gives the same bytes as a stream when asked', async () => {
    const opened = await openMrt(GZ);
    expect(opened.whole?.equals(gunzipSync(readFileSync(GZ)))).toBe(true);
    expect((await bytesOf(opened.stream)).equals(gunzipSync(readFileSync(GZ)))).toBe(true);
  });

  it('streams a small gzip file it cannot inflate whole, so the damage is found where it is', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'hdvpn-reader-'));
    try {
      const corrupt = Buffer.from(readFileSync(GZ));
      corrupt.fill(0x55, 2000, 2100);
      const path = join(dir, 'corrupt.gz');
      writeFileSync(path, corrupt);
      const opened = await openMrt(path);
      expect(opened.whole).toBeNull();
      await expect(bytesOf(opened.stream)).rejects.toThrow();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('rejects a file it cannot open', async () => {
    await expect(openMrt('/nonexistent/file.mrt')).rejects.toMatchObject({ code: 'ENOENT' });
  });
});

describe('readMrtItems', () => {
  it('frames a gzip stream delivered one octet at a time', async () => {
    const gz = readFileSync(join(FIXTURES, 'mrtparse-samples', 'bird6-mrtdump_bgp'));
    const oneByOne = Readable.from(
      (function* () {
        for (const b of gzipSync(gz)) yield Buffer.from([b]);
      })(),
    );
    const { stream } = await decompressed(oneByOne);
    expect(summary(await collect(readMrtItems(stream)))).toEqual(summary([...readMrtBuffer(gz)]));
  });

  it('ends with a truncated-record error when the dump stops inside a record', async () => {
    const plain = readFileSync(PLAIN);
    const cut = plain.subarray(0, plain.length - 5);
    const items = await collect(readMrtItems(Readable.from([cut])));
    expect(summary(items).slice(-1)).toEqual(['error:truncated-record']);
  });

  it('reads what a cut gzip stream holds and reports the cut record, as bgpdump does', async () => {
    const gz = readFileSync(GZ);
    const { stream } = await decompressed(Readable.from([gz.subarray(0, gz.length >> 1)]));
    const items = summary(await collect(readMrtItems(stream)));
    expect(items.length).toBeGreaterThan(100);
    expect(items.slice(0, -1).every((i) => !i.startsWith('error'))).toBe(true);
    expect(items[items.length - 1]).toMatch(/^(error:truncated-record|error:truncated-header|bgp4mp)/);
  });

  it('fails with the decompressor error for a corrupt gzip stream', async () => {
    const gz = Buffer.from(readFileSync(GZ));
    gz.fill(0x55, 100, 200);
    const { stream } = await decompressed(Readable.from([gz]));
    await expect(collect(readMrtItems(stream))).rejects.toThrow();
  });
});
