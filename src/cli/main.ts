/**
 * `hdvpn`: the operator CLI. Each command lives in commands/; this file wires
 * them into commander and turns errors into the exit codes of INTERFACE.md.
 *
 * Startup time is part of every command's run time (`hdvpn mrt` is compared
 * with `bgpdump -m`, a C program that starts in a millisecond), so only the
 * module of the command being run is loaded, and `hdvpn mrt FILE` in its plain
 * forms does not load commander at all.
 */
import type { Command } from 'commander';
import { CliError, ExitCode } from './exit-codes';
import { defaultControlSocket } from '../control/socket-path';

export const DEFAULT_SOCKET = process.env.HDVPN_SOCKET ?? defaultControlSocket();

/**
 * The top-level commands in the order `--help` lists them, each registering
 * itself from its own module, required only when that command is wanted.
 */
const COMMANDS: { readonly [name: string]: (program: Command) => void } = {
  decode: (p) => (require('./commands/decode') as typeof import('./commands/decode')).registerDecodeCommand(p),
  mrt: (p) => (require('./commands/mrt') as typeof import('./commands/mrt')).registerMrtCommand(p),
  show: (p) => (require('./commands/show') as typeof import('./commands/show')).registerShowCommands(p),
  neighbor: (p) => (require('./commands/neighbor') as typeof import('./commands/neighbor')).registerNeighborCommands(p),
  policy: (p) => (require('./commands/policy') as typeof import('./commands/policy')).registerPolicyCommands(p),
  session: (p) => (require('./commands/session') as typeof import('./commands/session')).registerSessionCommands(p),
  fib: (p) => (require('./commands/fib') as typeof import('./commands/fib')).registerFibCommands(p),
};

/**
 * The command the arguments (after `node hdvpn`) name, or null when they ask
 * for help, name none or name an unknown one: then every command is
 * registered, so that help lists them all and commander can suggest a name.
 * Skips the one global option, `--socket PATH` / `--socket=PATH`.
 */
export function commandNamed(args: readonly string[]): string | null {
  for (let i = 0; i < args.length; i++) {
    const arg = args[i] as string;
    if (arg === '--socket') i++;
    else if (arg.startsWith('--socket=')) continue;
    else if (arg.startsWith('-')) return null;
    else return Object.hasOwn(COMMANDS, arg) ? arg : null;
  }
  return null;
}

/** The program with every command, or with `only` when the arguments name it (see commandNamed). */
export function buildProgram(only: string | null = null): Command {
  const { Command: CommandClass } = require('commander') as typeof import('commander');
  const program = new CommandClass();
  program
    .name('hdvpn')
    .description('hdvpn operator CLI')
    .option('--socket <path>', 'control socket of hdvpnd (env HDVPN_SOCKET)', DEFAULT_SOCKET)
    .exitOverride()
    .configureOutput({ outputError: (str, write) => write(str.split('\n')[0] + '\n') });
  for (const [name, register] of Object.entries(COMMANDS)) if (only === null || name === only) register(program);
  return program;
}

/** Runs the command; the exit code for what commander reports (help, usage errors), a CliError thrown for the rest. */
async function run(argv: readonly string[]): Promise<number> {
  const args = argv.slice(2);
  if (args[0] === 'mrt') {
    const mrt = require('./commands/mrt') as typeof import('./commands/mrt');
    const plain = mrt.plainMrtArguments(args.slice(1));
    if (plain !== null) {
      await mrt.runMrt(plain.file, { format: plain.format });
      return ExitCode.Ok;
    }
  }
  const { CommanderError } = require('commander') as typeof import('commander');
  try {
    await buildProgram(commandNamed(args)).parseAsync([...argv]);
    return ExitCode.Ok;
  } catch (e) {
    if (!(e instanceof CommanderError)) throw e;
    // --help and --version are not errors; commander already printed a one-line message otherwise.
    if (e.code === 'commander.helpDisplayed' || e.code === 'commander.version' || e.exitCode === 0) return ExitCode.Ok;
    return ExitCode.Usage;
  }
}

export async function main(argv: readonly string[]): Promise<number> {
  try {
    return await run(argv);
  } catch (e) {
    if (e instanceof CliError) {
      process.stderr.write(`hdvpn: ${e.message}\n`);
      return e.exitCode;
    }
    throw e;
  }
}
