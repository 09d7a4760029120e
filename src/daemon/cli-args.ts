/**
 * `hdvpnd [--config FILE] [--check-config [FILE]]`. Both spellings of a check
 * work: `--config FILE --check-config` (INTERFACE.md) and `--check-config FILE`
 * (issue 3). A bad argument is one line on stderr and exit code 2.
 */
import { Command, CommanderError } from 'commander';

export const USAGE_EXIT_CODE = 2;

export type DaemonArgs =
  | { readonly kind: 'run'; readonly configPath: string | null }
  | { readonly kind: 'check'; readonly configPath: string | null }
  /** --help or --version: already printed, exit 0. */
  | { readonly kind: 'exit'; readonly exitCode: 0 }
  | { readonly kind: 'usage-error'; readonly message: string; readonly exitCode: typeof USAGE_EXIT_CODE };

interface RawOptions {
  config?: string;
  checkConfig?: string | boolean;
}

function usageError(message: string): DaemonArgs {
  return { kind: 'usage-error', message, exitCode: USAGE_EXIT_CODE };
}

function interpret(options: RawOptions): DaemonArgs {
  const check = options.checkConfig;
  if (check === undefined || check === false) return { kind: 'run', configPath: options.config ?? null };
  if (typeof check === 'string' && options.config !== undefined && options.config !== check) {
    return usageError(`--config ${options.config} and --check-config ${check} name different files`);
  }
  return { kind: 'check', configPath: typeof check === 'string' ? check : options.config ?? null };
}

/** `argv` as in process.argv (node, script, args...). `write` receives help and error text. */
export function parseDaemonArgs(argv: readonly string[], write: (text: string) => void = (t) => process.stderr.write(t)): DaemonArgs {
  let message = '';
  const program = new Command()
    .name('hdvpnd')
    .description('hdvpn daemon: BGP/VPN speaker for provider edges, hubs and route servers')
    .option('--config <file>', 'YAML config file (default: a built-in loopback config)')
    .option('--check-config [file]', 'validate the config, print FILE:LINE: reason for each problem, and exit')
    .exitOverride()
    .configureOutput({
      writeOut: write,
      writeErr: (text) => {
        message += text;
      },
    });
  try {
    program.parse([...argv]);
  } catch (e) {
    if (e instanceof CommanderError) {
      if (e.exitCode === 0) return { kind: 'exit', exitCode: 0 };
      const line = (message.split('\n')[0] ?? '').replace(/^error: /, '') || e.message;
      write(`hdvpnd: ${line}\n`);
      return usageError(line);
    }
    throw e;
  }
  if (program.args.length > 0) {
    const line = `unexpected argument '${program.args[0] ?? ''}'`;
    write(`hdvpnd: ${line}\n`);
    return usageError(line);
  }
  const result = interpret(program.opts<RawOptions>());
  if (result.kind === 'usage-error') write(`hdvpnd: ${result.message}\n`);
  return result;
}
