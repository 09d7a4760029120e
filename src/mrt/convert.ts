/** MRT file to text, in either output format: the engine of `hdvpn mrt`, usable without the CLI. */
import type { Readable, Writable } from 'node:stream';
import { MrtFramer } from '../bgp/wire/mrt/header';
import type { MrtError, MrtItem } from '../bgp/wire/mrt/types';
import { BgpdumpFormatter } from './bgpdump-format';
import { BufferedWriter } from './output';
import { ByteSink, type TextSink } from './text-sink';

export type MrtOutputFormat = 'json' | 'bgpdump';

export const MRT_OUTPUT_FORMATS: readonly MrtOutputFormat[] = ['json', 'bgpdump'];

export interface MrtFormatter {
  format(item: MrtItem, out: TextSink): void;
}

/** A formatter fed from the framer: the record it stands on, and the item of a truncated tail. */
interface FrameFormatter extends MrtFormatter {
  /** Writes the record's lines; returns its error when it is damaged. */
  formatFrame(framer: MrtFramer, out: TextSink): MrtError | null;
}

/** A formatter of decoded items, fed from the framer. */
class ItemFrameFormatter implements FrameFormatter {
  private readonly decodeFrame = (require('../bgp/wire/mrt/record') as typeof import('../bgp/wire/mrt/record')).decodeFrame;

  constructor(private readonly formatter: MrtFormatter) {}

  formatFrame(framer: MrtFramer, out: TextSink): MrtError | null {
    const item = this.decodeFrame(framer.frame());
    this.formatter.format(item, out);
    return item.kind === 'error' ? item.error : null;
  }

  format(item: MrtItem, out: TextSink): void {
    this.formatter.format(item, out);
  }
}

export function createFormatter(format: MrtOutputFormat): MrtFormatter {
  switch (format) {
    case 'json':
      // Loaded on use: `--format bgpdump` does not need the JSON codec.
      return new (require('./json-format') as typeof import('./json-format')).JsonFormatter();
    case 'bgpdump':
      return new BgpdumpFormatter();
    default: {
      const never: never = format;
      throw new Error(`unknown format ${String(never)}`);
    }
  }
}

function createFrameFormatter(format: MrtOutputFormat): FrameFormatter {
  // The bgpdump formatter reads BGP4MP records in place, without decoding them into items.
  return format === 'bgpdump' ? new BgpdumpFormatter() : new ItemFrameFormatter(createFormatter(format));
}

/** `latin1` is the fast path for pure-ASCII text (bgpdump lines); JSON, which may carry UTF-8 view names, needs `utf8`. */
function outputEncoding(format: MrtOutputFormat): 'latin1' | 'utf8' {
  return format === 'bgpdump' ? 'latin1' : 'utf8';
}

export interface ConvertSummary {
  records: number;
  errors: MrtError[];
}

/**
 * Formats the complete records in the framer, counting records and
 * collecting errors, until there are no more (false) or `full()` says the
 * output should be flushed first (true: call again after flushing).
 */
function formatFrames(framer: MrtFramer, formatter: FrameFormatter, out: TextSink, summary: ConvertSummary, full: () => boolean): boolean {
  while (framer.advance()) {
    const error = formatter.formatFrame(framer, out);
    if (error === null) summary.records++;
    else summary.errors.push(error);
    if (full()) return true;
  }
  return false;
}

const NEVER_FULL = (): boolean => false;

/** At the end of input: a partial record left over is an error item. */
function formatTail(framer: MrtFramer, formatter: FrameFormatter, out: TextSink, summary: ConvertSummary): void {
  const tail = framer.finish();
  if (tail === null) return;
  summary.errors.push(tail);
  formatter.format({ kind: 'error', error: tail }, out);
}

/**
 * Formats every record of the decompressed stream `bytes` (or of all the
 * decompressed bytes in one buffer, OpenedMrt.whole) to `out`. Damaged
 * records are reported in the summary (and, in JSON, as error lines).
 */
export async function convertMrt(bytes: Readable | Buffer, format: MrtOutputFormat, out: Writable): Promise<ConvertSummary> {
  const formatter = createFrameFormatter(format);
  const writer = new BufferedWriter(out, outputEncoding(format));
  const summary: ConvertSummary = { records: 0, errors: [] };
  const framer = new MrtFramer();
  const full = (): boolean => writer.full;
  const chunks = Buffer.isBuffer(bytes) ? [bytes] : (bytes as AsyncIterable<Buffer>);
  try {
    for await (const chunk of chunks) {
      framer.push(chunk);
      // Flushed as soon as the buffer is full, not once per input chunk: the buffer then never grows.
      while (formatFrames(framer, formatter, writer.sink, summary, full)) {
        await writer.flush();
        if (writer.isClosed) {
          if (!Buffer.isBuffer(bytes)) bytes.destroy();
          return summary;
        }
      }
    }
  } catch (e) {
    // The input failed (a corrupt gzip stream): the records read before the damage are still printed,
    // however much of them the buffer held.
    await writer.flush();
    throw e;
  }
  formatTail(framer, formatter, writer.sink, summary);
  await writer.flush();
  return summary;
}

/**
 * The whole output as one string: for tests and small files. It is written
 * through the same byte sink as convertMrt's, so tests see the CLI's bytes.
 */
export async function convertMrtToString(bytes: Readable, format: MrtOutputFormat): Promise<{ text: string; summary: ConvertSummary }> {
  const formatter = createFrameFormatter(format);
  const encoding = outputEncoding(format);
  const sink = new ByteSink(encoding);
  const summary: ConvertSummary = { records: 0, errors: [] };
  const framer = new MrtFramer();
  for await (const chunk of bytes as AsyncIterable<Buffer>) {
    framer.push(chunk);
    formatFrames(framer, formatter, sink, summary, NEVER_FULL);
  }
  formatTail(framer, formatter, sink, summary);
  return { text: sink.take().toString(encoding), summary };
}
