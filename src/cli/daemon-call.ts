/** Runs one control request for a command and maps failures to the exit codes of INTERFACE.md. */
import type { Command } from 'commander';
import type { Json } from '../bgp/wire/json';
import { controlRequest, ControlRemoteError, ControlUnreachableError } from '../control/client';
import type { ControlRequest } from '../control/protocol';
import { CliError, ExitCode } from './exit-codes';

export function socketOf(cmd: Command): string {
  const opts = cmd.optsWithGlobals<{ socket: string }>();
  return opts.socket;
}

export async function callDaemon(cmd: Command, request: ControlRequest): Promise<Json> {
  try {
    return await controlRequest(socketOf(cmd), request);
  } catch (e) {
    if (e instanceof ControlUnreachableError) throw new CliError(e.message, ExitCode.Unreachable);
    if (e instanceof ControlRemoteError) throw new CliError(e.message, ExitCode.Failed);
    throw e;
  }
}

export function printJson(doc: Json): void {
  process.stdout.write(`${JSON.stringify(doc, null, 2)}\n`);
}
