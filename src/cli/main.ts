/**
 * `hdvpn`: the operator CLI. Each command lives in commands/; this file wires
 * them into commander and turns errors into the exit codes of INTERFACE.md.
 */
import { Command, CommanderError } from 'commander';
import { registerDecodeCommand } from './commands/decode';
import { registerFibCommands } from './commands/fib';
import { registerMrtCommand } from './commands/mrt';
import { registerNeighborCommands } from './commands/neighbor';
import { registerPolicyCommands } from './commands/policy';
import { registerSessionCommands } from './commands/session';
import { registerShowCommands } from './commands/show';
import { CliError, ExitCode } from './exit-codes';
import { defaultControlSocket } from '../control/socket-path';

export const DEFAULT_SOCKET = process.env.HDVPN_SOCKET ?? defaultControlSocket();

export function buildProgram(): Command {
  const program = new Command();
  program
    .name('hdvpn')
    .description('hdvpn operator CLI')
    .option('--socket <path>', 'control socket of hdvpnd (env HDVPN_SOCKET)', DEFAULT_SOCKET)
    .exitOverride()
    .configureOutput({ outputError: (str, write) => write(str.split('\n')[0] + '\n') });
  registerDecodeCommand(program);
  registerMrtCommand(program);
  registerShowCommands(program);
  registerNeighborCommands(program);
  registerPolicyCommands(program);
  registerSessionCommands(program);
  registerFibCommands(program);
  return program;
}

export async function main(argv: readonly string[]): Promise<number> {
  const program = buildProgram();
  try {
    await program.parseAsync([...argv]);
    return ExitCode.Ok;
  } catch (e) {
    if (e instanceof CliError) {
      process.stderr.write(`hdvpn: ${e.message}\n`);
      return e.exitCode;
    }
    if (e instanceof CommanderError) {
      // --help and --version are not errors; commander already printed a one-line message otherwise.
      if (e.code === 'commander.helpDisplayed' || e.code === 'commander.version' || e.exitCode === 0) return ExitCode.Ok;
      return ExitCode.Usage;
    }
    throw e;
  }
}
