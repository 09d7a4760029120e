/**
 * Turns a raw byte stream into the decompressed MRT bytes, recognising the
 * compression by its magic octets: gzip (1f 8b, RFC 1952 §2.3.1), bzip2
 * ("BZh"), or none. Everything is streamed; nothing holds the whole file.
 *
 * bzip2 goes through the system `bzip2 -dc` when it is on PATH (about ten
 * times faster than the pure-JS unbzip2-stream on a RouteViews RIB) and
 * falls back to unbzip2-stream otherwise.
 */
import { accessSync, closeSync, createReadStream, constants as fsConstants, readSync } from 'node:fs';
import { delimiter, join } from 'node:path';
import { PassThrough, pipeline, Readable, type Duplex } from 'node:stream';
import { constants as zlibConstants, createGunzip, gunzipSync } from 'node:zlib';

export type Compression = 'none' | 'gzip' | 'bzip2';

/** Decompressed MRT bytes: a stream, and for a small file read in one go, the same bytes in one buffer. */
export interface Decompressed {
  readonly compression: Compression;
  readonly stream: Readable;
  /** All the decompressed bytes when the file was read whole (see WHOLE_FILE_LIMIT), else null. */
  readonly whole: Buffer | null;
}

function streamed(stream: Readable, compression: Compression): Decompressed {
  return { stream, compression, whole: null };
}

/** A file read whole: its stream is made only when asked for (a consumer of `whole` spares it). */
class WholeFile implements Decompressed {
  private made: Readable | null = null;

  constructor(
    readonly compression: Compression,
    readonly whole: Buffer,
  ) {}

  get stream(): Readable {
    this.made ??= Readable.from([this.whole], { objectMode: false });
    return this.made;
  }
}

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
  // Required here: node:child_process costs a gzip or plain dump several milliseconds of startup.
  const { spawn } = require('node:child_process') as typeof import('node:child_process');
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
export async function decompressed(src: Readable, options: { preferBzip2Binary?: boolean } = {}): Promise<Decompressed> {
  const { head, rest } = await peek(src, 3);
  const compression = detectCompression(head);
  const input = rejoin(head, rest);
  switch (compression) {
    case 'none':
      return streamed(input, compression);
    case 'gzip':
      return streamed(through(input, gunzip()), compression);
    case 'bzip2': {
      const exe = options.preferBzip2Binary === false ? null : findBzip2();
      return streamed(exe ? spawnBzip2(exe, input) : through(input, (require('unbzip2-stream') as typeof import('unbzip2-stream'))()), compression);
    }
    default: {
      const never: never = compression;
      throw new Error(`unreachable ${String(never)}`);
    }
  }
}

/**
 * Files up to this size are read, and gunzipped, in one call each, and their
 * decompressed bytes come as one chunk: for them, the stream machinery (a
 * read stream, a gunzip stream, the thread pool they run on) costs more than
 * the work. It is also the most a whole-file gunzip may produce (a file that
 * inflates to more goes through the stream), which bounds the memory it takes.
 */
export const WHOLE_FILE_LIMIT = 4 << 20;
const WHOLE_OUTPUT_LIMIT = 64 << 20;

/** All `size` octets of the open file `fd` from offset 0, or null when it turned out to hold more or fewer (it changed). */
function readWhole(fd: number, size: number): Buffer | null {
  const data = Buffer.allocUnsafe(size);
  let have = 0;
  while (have < size) {
    const n = readSync(fd, data, have, size - have, have);
    if (n === 0) return null;
    have += n;
  }
  return readSync(fd, Buffer.alloc(1), 0, 1, size) === 0 ? data : null;
}

/**
 * A whole small gzip file inflated in one call, or null when it should go
 * through the stream after all: it inflates past WHOLE_OUTPUT_LIMIT, or it is
 * corrupt (the stream then yields what precedes the damage and fails where
 * the damage is, as it does for a large file). Z_SYNC_FLUSH: a truncated
 * file yields what it holds, as gunzip() does.
 */
function gunzipWhole(data: Buffer): Buffer | null {
  // RFC 1952 §2.3.1: ISIZE, the last four octets, is the (last member's) size mod 2^32. An
  // output buffer one octet larger takes the whole output, so zlib returns it without the
  // copy that joins its chunks; a wrong ISIZE costs only that copy.
  const isize = data.length >= 18 ? data.readUInt32LE(data.length - 4) : 0;
  if (isize > WHOLE_OUTPUT_LIMIT) return null;
  const chunkSize = Math.min(Math.max(isize + 1, 1 << 16), WHOLE_OUTPUT_LIMIT + 1);
  try {
    return gunzipSync(data, { finishFlush: zlibConstants.Z_SYNC_FLUSH, maxOutputLength: WHOLE_OUTPUT_LIMIT, chunkSize });
  } catch {
    return null;
  }
}

/**
 * The decompressed bytes of the open regular file `fd` of `size` octets, its
 * compression told by its first octets (read in place). The file is streamed
 * from offset 0 in large chunks, or, for bzip2, handed to `bzip2 -dc` as its
 * stdin; a small plain or gzip file is read whole (see WHOLE_FILE_LIMIT).
 * Takes ownership of the descriptor.
 */
export function decompressedFile(fd: number, size: number, options: { preferBzip2Binary?: boolean } = {}): Decompressed {
  const head = Buffer.alloc(3);
  let compression: Compression;
  let whole: Buffer | null = null;
  try {
    compression = detectCompression(head.subarray(0, readSync(fd, head, 0, 3, 0)));
    if (compression !== 'bzip2' && size <= WHOLE_FILE_LIMIT) whole = readWhole(fd, size);
  } catch (e) {
    closeSync(fd);
    throw e;
  }
  if (whole !== null) {
    const bytes = compression === 'gzip' ? gunzipWhole(whole) : whole;
    if (bytes !== null) {
      closeSync(fd);
      return new WholeFile(compression, bytes);
    }
  }
  const exe = compression === 'bzip2' && options.preferBzip2Binary !== false ? findBzip2() : null;
  if (exe !== null) {
    try {
      return streamed(spawnBzip2(exe, fd), compression);
    } finally {
      // The child holds its own descriptor now.
      closeSync(fd);
    }
  }
  const file = createReadStream('', { fd, start: 0, highWaterMark: CHUNK });
  switch (compression) {
    case 'none':
      return streamed(file, compression);
    case 'gzip':
      return streamed(through(file, gunzip()), compression);
    case 'bzip2':
      return streamed(through(file, (require('unbzip2-stream') as typeof import('unbzip2-stream'))()), compression);
    default: {
      const never: never = compression;
      throw new Error(`unreachable ${String(never)}`);
    }
  }
}
