/** CLI exit codes fixed by INTERFACE.md. */
export const ExitCode = {
  Ok: 0,
  /** The daemon (or the command's own work) answered with an error; message on stderr. */
  Failed: 1,
  /** Bad arguments. */
  Usage: 2,
  /** The daemon's control socket could not be reached. */
  Unreachable: 3,
} as const;

/** An error the CLI reports as one line on stderr and turns into an exit code. */
export class CliError extends Error {
  readonly exitCode: number;
  constructor(message: string, exitCode: number) {
    super(message);
    this.name = 'CliError';
    this.exitCode = exitCode;
  }
}

export function usageError(message: string): CliError {
  return new CliError(message, ExitCode.Usage);
}
