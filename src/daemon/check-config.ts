/**
 * `hdvpnd --check-config FILE`: validate and report, nothing else. Errors and
 * warnings come as `FILE:LINE: reason` lines; the exit code is 0 when the
 * config is valid (warnings allowed) and 1 otherwise.
 */
import { formatDiagnostic } from './config/diagnostics';
import { loadConfigFile, type LoadOptions } from './config/loader';

export interface CheckResult {
  readonly ok: boolean;
  readonly errors: string[];
  readonly warnings: string[];
}

export function checkConfig(path: string, options: LoadOptions = {}): CheckResult {
  const result = loadConfigFile(path, options);
  const warnings = result.warnings.map(formatDiagnostic);
  return result.ok ? { ok: true, errors: [], warnings } : { ok: false, errors: result.errors.map(formatDiagnostic), warnings };
}

export interface CheckOutput {
  readonly stdout: (line: string) => void;
  readonly stderr: (line: string) => void;
}

const PROCESS_OUTPUT: CheckOutput = {
  stdout: (line) => process.stdout.write(`${line}\n`),
  stderr: (line) => process.stderr.write(`${line}\n`),
};

/** Prints the result (errors, then warnings marked as such, on stderr) and returns the exit code. */
export function runCheckConfig(path: string, output: CheckOutput = PROCESS_OUTPUT, options: LoadOptions = {}): number {
  const result = checkConfig(path, options);
  for (const line of result.errors) output.stderr(line);
  for (const line of result.warnings) output.stderr(line.replace(/^(.*?:\d+: )/, '$1warning: '));
  if (result.ok) output.stdout(`${path}: configuration is valid`);
  return result.ok ? 0 : 1;
}
