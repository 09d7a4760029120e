/** `hdvpn mrt [--format json|bgpdump] FILE|-`: print an MRT dump (plain, gzip or bzip2) as JSON lines or as `bgpdump -m` does. */
import type { Command } from 'commander';
import { convertMrt, MRT_OUTPUT_FORMATS, type MrtOutputFormat } from '../../mrt/convert';
import { openMrt } from '../../mrt/reader';
import { CliError, ExitCode, usageError } from '../exit-codes';

interface MrtOptions {
  format: string;
}

function isFormat(text: string): text is MrtOutputFormat {
  return (MRT_OUTPUT_FORMATS as readonly string[]).includes(text);
}

async function runMrt(file: string, opts: MrtOptions): Promise<void> {
  if (!isFormat(opts.format)) throw usageError(`mrt: unknown format '${opts.format}' (expected ${MRT_OUTPUT_FORMATS.join(' or ')})`);
  let opened;
  try {
    opened = await openMrt(file);
  } catch (e) {
    const err = e as NodeJS.ErrnoException;
    throw usageError(`mrt: cannot read ${file}: ${err.code ?? ''}${err.code ? ' ' : ''}${err.message.replace(/^[A-Z]+: /, '')}`.trim());
  }
  let summary;
  try {
    summary = await convertMrt(opened.stream, opts.format, process.stdout);
  } catch (e) {
    throw new CliError(`mrt: ${file}: ${(e as Error).message}`, ExitCode.Failed);
  }
  // Like bgpdump, damaged records are reported on stderr and do not change the exit status.
  for (const err of summary.errors) process.stderr.write(`hdvpn: mrt: ${err.message}\n`);
}

export function registerMrtCommand(program: Command): void {
  program
    .command('mrt')
    .description('print an MRT dump (RFC 6396; plain, gzip or bzip2) as JSON lines, or exactly as `bgpdump -m` does')
    .argument('<file>', 'MRT file, or - for stdin')
    .option('--format <format>', `output format: ${MRT_OUTPUT_FORMATS.join(' | ')}`, 'json')
    .action(async (file: string, opts: MrtOptions) => runMrt(file, opts));
}
