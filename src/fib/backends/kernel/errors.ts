/**
 * What can go wrong between the kernel backend and Linux. A failed command is
 * data (which change, which command, what the kernel said), so the daemon can
 * log it, count it and re-sync; the backend never throws for a change it was
 * merely unable to install.
 */
import type { FibChange } from '../../changes';

export class KernelBackendError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'KernelBackendError';
  }
}

/** One change that could not be installed, with the command that failed (null when rejected before the kernel). */
export interface KernelFailure {
  readonly change: FibChange | null;
  readonly command: string | null;
  readonly message: string;
}

/** apply() rejects with this after installing everything else in the batch. */
export class KernelApplyError extends KernelBackendError {
  constructor(readonly failures: readonly KernelFailure[]) {
    super(
      `${failures.length} FIB change(s) not installed in the kernel: ` +
        failures
          .slice(0, 3)
          .map((f) => `${f.command ?? f.change?.type ?? '?'}: ${f.message}`)
          .join('; ') +
        (failures.length > 3 ? '; …' : ''),
    );
    this.name = 'KernelApplyError';
  }
}

/** A change the kernel here cannot express (no MPLS, no decapsulation): skipped, not failed. */
export interface KernelUnsupported {
  readonly change: FibChange;
  readonly reason: string;
}
