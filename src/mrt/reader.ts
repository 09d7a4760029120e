/**
 * Streaming MRT reader: a file, stdin or any byte stream in, records out,
 * decompressing on the way. Memory stays bounded by one chunk plus one record,
 * whatever the size of the dump, except that a file of a few megabytes is
 * read (and gunzipped) whole: see WHOLE_FILE_LIMIT in decompress.ts.
 */
import { closeSync, createReadStream, fstatSync, openSync } from 'node:fs';
import type { Readable } from 'node:stream';
import { MrtFramer } from '../bgp/wire/mrt/header';
import type { MrtItem } from '../bgp/wire/mrt/types';
import { decompressed, decompressedFile, type Decompressed } from './decompress';

/** Records of a decompressed byte stream, in batches (one per input chunk: cheaper than a promise per record). */
export async function* readMrtBatches(bytes: Readable): AsyncGenerator<MrtItem[]> {
  // The record decoder is required on use: `hdvpn mrt --format bgpdump` reads most records without it.
  const { decodeFrame } = require('../bgp/wire/mrt/record') as typeof import('../bgp/wire/mrt/record');
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

export type OpenedMrt = Decompressed;

/**
 * Opens `path` (or stdin for `-`) and sets up decompression. Rejects when the
 * file cannot be opened. The file is opened and examined synchronously: the
 * few system calls cost less than the thread-pool round trips of fs/promises,
 * which show in the run time of a small dump.
 */
export async function openMrt(path: string, options: { preferBzip2Binary?: boolean } = {}): Promise<OpenedMrt> {
  if (path === '-') return decompressed(process.stdin, options);
  const fd = openSync(path, 'r');
  let st;
  try {
    st = fstatSync(fd);
  } catch (e) {
    closeSync(fd);
    throw e;
  }
  if (st.isDirectory()) {
    closeSync(fd);
    throw Object.assign(new Error(`${path} is a directory`), { code: 'EISDIR' });
  }
  // A regular file: its first octets are read in place, no peeking stream needed.
  if (st.isFile()) return decompressedFile(fd, st.size, options);
  // A FIFO or a device: read as a stream, from where it stands.
  return decompressed(createReadStream('', { fd, highWaterMark: 1 << 16 }), options);
}
