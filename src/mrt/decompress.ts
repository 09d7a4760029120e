/**
 * Turns a raw byte stream into the decompressed MRT bytes, recognising the
 * compression by its magic octets: gzip (1f 8b, RFC 1952 §2.3.1), bzip2
 * ("BZh"), or none. Everything is streamed; nothing holds the whole file.
 *
 * bzip2 goes through the system `bzip2 -dc` when it is on PATH (about ten
 * times faster than the pure-JS unbzip2-stream on a RouteViews RIB) and
 * falls back to unbzip2-stream otherwise.
 */
import { spawn } from 'node:child_process';
import { accessSync, constants as fsConstants } from 'node:fs';
import type { FileHandle } from 'node:fs/promises';
import { delimiter, join } from 'node:path';
import { PassThrough, pipeline, Readable, type Duplex } from 'node:stream';
import { constants as zlibConstants, createGunzip } from 'node:zlib';

export type Compression = 'none' | 'gzip' | 'bzip2';

export function detectCompression(head: Buffer): Compression {
  if (head.length >= 2 && head[0] === 0x1f && head[1] === 0x8b) return 'gzip';
  if (head.length >= 3 && head[0] === 0x42 && head[1] === 0x5a && head[2] === 0x68) return 'bzip2';
  return 'none';
}

let bzip2Path: string | null | undefined;

/** The bzip2 executable on PATH, or null. Looked up once. */
export function findBzip2(): string | null {
  if (bzip2Path !== undefined) return bzip2Path;
  bzip2Path = null;
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    if (!dir) continue;
    const candidate = join(dir, 'bzip2');
    try {
      accessSync(candidate, fsConstants.X_OK);
      bzip2Path = candidate;
      break;
    } catch {
      // not here
    }
  }
  return bzip2Path;
}

/** Reads chunks until at least `n` octets (or the end); returns them and an iterator for the rest. */
async function peek(src: Readable, n: number): Promise<{ head: Buffer; rest: AsyncIterator<Buffer> }> {
  const it = src[Symbol.asyncIterator]() as AsyncIterator<Buffer>;
  const parts: Buffer[] = [];
  let have = 0;
  while (have < n) {
    const r = await it.next();
    if (r.done) break;
    parts.push(r.value);
    have += r.value.length;
  }
  return { head: Buffer.concat(parts), rest: it };
}

function rejoin(head: Buffer, rest: AsyncIterator<Buffer>): Readable {
  async function* all(): AsyncGenerator<Buffer> {
    if (head.length) yield head;
    for (let r = await rest.next(); !r.done; r = await rest.next()) yield r.value;
  }
  return Readable.from(all(), { objectMode: false, highWaterMark: 1 << 16 });
}

/**
 * `input` through `transform`; an error anywhere destroys the chain, so the
 * reader sees it. The PassThrough at the end gives a modern Readable (async
 * iterable) even when `transform` is an old-style stream, as unbzip2-stream's is.
 */
function through(input: Readable, transform: Duplex): Readable {
  return pipeline(input, transform, new PassThrough({ highWaterMark: CHUNK }), () => undefined);
}

/**
 * `bzip2 -dc` reading `input`: a Readable piped to its stdin, or a file
 * descriptor it reads itself (then no octet of the compressed file passes
 * through this process).
 */
function spawnBzip2(exe: string, input: Readable | number): Readable {
  const child = spawn(exe, ['-dc'], { stdio: [typeof input === 'number' ? input : 'pipe', 'pipe', 'pipe'] });
  const out = new PassThrough({ highWaterMark: 1 << 20 });
  const { stdout, stderr: errors } = child;
  if (stdout === null || errors === null) throw new Error('bzip2 spawned without stdout/stderr pipes'); // cannot happen: both are 'pipe'
  let stderr = '';
  errors.on('data', (d: Buffer) => {
    stderr += d.toString();
  });
  if (typeof input !== 'number' && child.stdin !== null) {
    input.on('error', (e) => out.destroy(e));
    child.stdin.on('error', () => undefined); // EPIPE when bzip2 stops early: reported through its exit status
    input.pipe(child.stdin);
  }
  stdout.pipe(out, { end: false });
  child.on('error', (e) => out.destroy(e));
  child.on('close', (code) => {
    if (code === 0) out.end();
    else out.destroy(new Error(`bzip2 -dc exited with status ${code ?? 'signal'}: ${stderr.trim().split('\n')[0] ?? ''}`));
  });
  out.on('close', () => {
    if (child.exitCode === null) child.kill();
  });
  return out;
}

/** gunzip; Z_SYNC_FLUSH at the end: a truncated .gz (an archive still being written) yields what it holds, as bgpdump reads it; the MRT framer then reports the cut record. */
function gunzip(): Duplex {
  return createGunzip({ chunkSize: CHUNK, finishFlush: zlibConstants.Z_SYNC_FLUSH });
}

/** Read and decompression chunk size: large enough that per-chunk stream overhead does not show. */
const CHUNK = 1 << 18;

/** The decompressed bytes of `src`, whatever its compression. */
export async function decompressed(src: Readable, options: { preferBzip2Binary?: boolean } = {}): Promise<{ stream: Readable; compression: Compression }> {
  const { head, rest } = await peek(src, 3);
  const compression = detectCompression(head);
  const input = rejoin(head, rest);
  switch (compression) {
    case 'none':
      return { stream: input, compression };
    case 'gzip':
      return { stream: through(input, gunzip()), compression };
    case 'bzip2': {
      const exe = options.preferBzip2Binary === false ? null : findBzip2();
      return { stream: exe ? spawnBzip2(exe, input) : through(input, (require('unbzip2-stream') as typeof import('unbzip2-stream'))()), compression };
    }
    default: {
      const never: never = compression;
      throw new Error(`unreachable ${String(never)}`);
    }
  }
}

/**
 * The decompressed bytes of the open file `handle`, its compression told by
 * its first octets (read in place). The file is streamed from offset 0 in
 * large chunks, or, for bzip2, handed to `bzip2 -dc` as its stdin. Takes
 * ownership of the handle.
 */
export async function decompressedFile(handle: FileHandle, options: { preferBzip2Binary?: boolean } = {}): Promise<{ stream: Readable; compression: Compression }> {
  const head = Buffer.alloc(3);
  const { bytesRead } = await handle.read(head, 0, 3, 0);
  const compression = detectCompression(head.subarray(0, bytesRead));
  const exe = compression === 'bzip2' && options.preferBzip2Binary !== false ? findBzip2() : null;
  if (exe !== null) {
    try {
      return { stream: spawnBzip2(exe, handle.fd), compression };
    } finally {
      // The child holds its own descriptor now.
      await handle.close();
    }
  }
  const file = handle.createReadStream({ start: 0, highWaterMark: CHUNK });
  switch (compression) {
    case 'none':
      return { stream: file, compression };
    case 'gzip':
      return { stream: through(file, gunzip()), compression };
    case 'bzip2':
      return { stream: through(file, (require('unbzip2-stream') as typeof import('unbzip2-stream'))()), compression };
    default: {
      const never: never = compression;
      throw new Error(`unreachable ${String(never)}`);
    }
  }
}
