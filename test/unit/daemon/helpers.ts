/** Shared helpers for the daemon config tests. */
import { formatDiagnostic } from '../../../src/daemon/config/diagnostics';
import { parseConfig, type LoadOptions } from '../../../src/daemon/config/loader';
import type { Config } from '../../../src/daemon/config/model';

export const FILE = 'test.yaml';
const NO_SECRETS: LoadOptions = { checkSecrets: false, defaultSocket: '/tmp/hdvpn-test.sock' };

/** Config text from lines, so tests can say which line an error is on. */
export function yaml(...lines: string[]): string {
  return `${lines.join('\n')}\n`;
}

export const HEAD = ['asn: 65001', 'router-id: 192.0.2.1'];

export function check(text: string, options: LoadOptions = NO_SECRETS): { errors: string[]; warnings: string[] } {
  const result = parseConfig(text, FILE, options);
  return { errors: result.ok ? [] : result.errors.map(formatDiagnostic), warnings: result.warnings.map(formatDiagnostic) };
}

export function errorsOf(text: string): string[] {
  return check(text).errors;
}

export function load(text: string, options: LoadOptions = NO_SECRETS): Config {
  const result = parseConfig(text, FILE, options);
  if (!result.ok) throw new Error(`unexpected config errors:\n${result.errors.map(formatDiagnostic).join('\n')}`);
  return result.config;
}
