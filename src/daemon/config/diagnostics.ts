/**
 * Config problems, each tied to a file and line (OpenBGPD's parse.y style:
 * `file:line: reason`). Validation never stops at the first problem: every
 * check reports here and carries on, so one run shows them all.
 */

export type Severity = 'error' | 'warning';

export interface Diagnostic {
  readonly severity: Severity;
  readonly file: string;
  readonly line: number;
  /** One sentence, no trailing period. */
  readonly reason: string;
}

export function formatDiagnostic(d: Diagnostic): string {
  return `${d.file}:${d.line}: ${d.reason}`;
}

/** The collector every validator reports to; it never throws, so checking goes on after a problem. */
export class Diagnostics {
  private readonly items: Diagnostic[] = [];

  constructor(readonly file: string) {}

  error(line: number, reason: string): void {
    this.items.push({ severity: 'error', file: this.file, line, reason });
  }

  warning(line: number, reason: string): void {
    this.items.push({ severity: 'warning', file: this.file, line, reason });
  }

  /** In line order, so the output reads like the file; stable for equal lines. */
  errors(): Diagnostic[] {
    return this.sorted('error');
  }

  warnings(): Diagnostic[] {
    return this.sorted('warning');
  }

  hasErrors(): boolean {
    return this.items.some((d) => d.severity === 'error');
  }

  private sorted(severity: Severity): Diagnostic[] {
    return this.items
      .map((d, i) => ({ d, i }))
      .filter(({ d }) => d.severity === severity)
      .sort((a, b) => a.d.line - b.d.line || a.i - b.i)
      .map(({ d }) => d);
  }
}

/** A config that could not be loaded; `errors` holds every problem found. */
export class ConfigError extends Error {
  constructor(
    readonly errors: readonly Diagnostic[],
    readonly warnings: readonly Diagnostic[],
  ) {
    super(errors.map(formatDiagnostic).join('\n'));
    this.name = 'ConfigError';
  }
}
