/** `hdvpn mrt [--format json|bgpdump] FILE|-`: print an MRT dump (plain, gzip or bzip2) as JSON lines or as `bgpdump -m` does. */
import type { Command } from 'commander';
import { convertMrt, MRT_OUTPUT_FORMATS, type MrtOutputFormat } from '../../mrt/convert';
import { openMrt } from '../../mrt/reader';
import { CliError, ExitCode, usageError } from '../exit-codes';

export interface MrtOptions {
  format: string;
}

/**
 * The arguments after `mrt` when they are one of the plain forms, `FILE`,
 * `--format F FILE`, `--format=F FILE` or either with the option after the
 * file, read as commander reads them; null for anything else (help, `--`,
 * other options, a repeated option, a value that looks like an option),
 * which commander then parses. This spares loading commander on the path
 * that `hdvpn mrt` is timed on against `bgpdump -m`.
 */
export function plainMrtArguments(args: readonly string[]): { file: string; format: string } | null {
  let file: string | null = null;
  let format: string | null = null;
  for (let i = 0; i < args.length; i++) {
    const arg = args[i] as string;
    let value: string | undefined;
    if (arg === '--format') value = args[++i];
    else if (arg.startsWith('--format=')) value = arg.slice('--format='.length);
    else if (file === null && (arg === '-' || !arg.startsWith('-'))) {
      file = arg;
      continue;
    } else return null;
    if (format !== null || value === undefined || value.startsWith('-')) return null;
    format = value;
  }
  return file === null ? null : { file, format: format ?? 'json' };
}

function isFormat(text: string): text is MrtOutputFormat {
  return (MRT_OUTPUT_FORMATS as readonly string[]).includes(text);
}

/** `hdvpn mrt FILE` with its options: the lines go to stdout, damaged records are reported on stderr. */
export async function runMrt(file: string, opts: MrtOptions): Promise<void> {
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
    summary = await convertMrt(opened.whole ?? opened.stream, opts.format, process.stdout);
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
    // The default is also plainMrtArguments'.
    .option('--format <format>', `output format: ${MRT_OUTPUT_FORMATS.join(' | ')}`, 'json')
    .action(async (file: string, opts: MrtOptions) => runMrt(file, opts));
}
