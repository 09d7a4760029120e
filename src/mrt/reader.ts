/**
 * Streaming MRT reader: a file, stdin or any byte stream in, records out,
 * decompressing on the way. Memory stays bounded by one chunk plus one record,
 * whatever the size of the dump.
 */
import { open } from 'node:fs/promises';
import type { Readable } from 'node:stream';
import { decodeFrame, MrtFramer, type MrtItem } from '../bgp/wire/mrt';
import { decompressed, decompressedFile, type Compression } from './decompress';

/** Records of a decompressed byte stream, in batches (one per input chunk: cheaper than a promise per record). */
export async function* readMrtBatches(bytes: Readable): AsyncGenerator<MrtItem[]> {
  const framer = new MrtFramer();
  for await (const chunk of bytes as AsyncIterable<Buffer>) {
    framer.push(chunk);
    const batch: MrtItem[] = [];
    for (let frame = framer.next(); frame !== null; frame = framer.next()) batch.push(decodeFrame(frame));
    if (batch.length) yield batch;
  }
  const tail = framer.finish();
  if (tail !== null) yield [{ kind: 'error', error: tail }];
}

/** Records one at a time. */
export async function* readMrtItems(bytes: Readable): AsyncGenerator<MrtItem> {
  for await (const batch of readMrtBatches(bytes)) yield* batch;
}

export interface OpenedMrt {
  readonly compression: Compression;
  /** The decompressed bytes. */
  readonly stream: Readable;
}

/** Opens `path` (or stdin for `-`) and sets up decompression. Rejects when the file cannot be opened. */
export async function openMrt(path: string, options: { preferBzip2Binary?: boolean } = {}): Promise<OpenedMrt> {
  if (path === '-') return decompressed(process.stdin, options);
  const handle = await open(path, 'r');
  const st = await handle.stat();
  if (st.isDirectory()) {
    await handle.close();
    throw Object.assign(new Error(`${path} is a directory`), { code: 'EISDIR' });
  }
  // A regular file (or a FIFO): its first octets are read in place, no peeking stream needed.
  if (st.isFile()) return decompressedFile(handle, options);
  return decompressed(handle.createReadStream({ highWaterMark: 1 << 16 }), options);
}
