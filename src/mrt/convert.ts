/** MRT file to text, in either output format: the engine of `hdvpn mrt`, usable without the CLI. */
import type { Readable, Writable } from 'node:stream';
import type { MrtError, MrtItem } from '../bgp/wire/mrt';
import { BgpdumpFormatter } from './bgpdump-format';
import { BufferedWriter } from './output';
import { readMrtBatches } from './reader';
import { StringSink, type TextSink } from './text-sink';

export type MrtOutputFormat = 'json' | 'bgpdump';

export const MRT_OUTPUT_FORMATS: readonly MrtOutputFormat[] = ['json', 'bgpdump'];

export interface MrtFormatter {
  format(item: MrtItem, out: TextSink): void;
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

export interface ConvertSummary {
  records: number;
  errors: MrtError[];
}

/**
 * Formats every record of the decompressed stream `bytes` to `out`. Damaged
 * records are reported in the summary (and, in JSON, as error lines).
 */
export async function convertMrt(bytes: Readable, format: MrtOutputFormat, out: Writable): Promise<ConvertSummary> {
  const formatter = createFormatter(format);
  const writer = new BufferedWriter(out, format === 'bgpdump' ? 'latin1' : 'utf8');
  const summary: ConvertSummary = { records: 0, errors: [] };
  for await (const batch of readMrtBatches(bytes)) {
    for (const item of batch) {
      if (item.kind === 'error') summary.errors.push(item.error);
      else summary.records++;
      formatter.format(item, writer.sink);
    }
    if (writer.full) await writer.flush();
    if (writer.isClosed) {
      bytes.destroy();
      break;
    }
  }
  await writer.flush();
  return summary;
}

/** The whole output as one string: for tests and small files. */
export async function convertMrtToString(bytes: Readable, format: MrtOutputFormat): Promise<{ text: string; summary: ConvertSummary }> {
  const formatter = createFormatter(format);
  const sink = new StringSink();
  const summary: ConvertSummary = { records: 0, errors: [] };
  for await (const batch of readMrtBatches(bytes)) {
    for (const item of batch) {
      if (item.kind === 'error') summary.errors.push(item.error);
      else summary.records++;
      formatter.format(item, sink);
    }
  }
  return { text: sink.value, summary };
}
