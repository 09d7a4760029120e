/**
 * The young-generation cap (src/daemon/heap-tuning.ts), in a process of its
 * own: V8 flags are per process, and the cap must hold against an allocation
 * pattern like a table transfer's (most of what is allocated survives).
 */
import { execFileSync } from 'node:child_process';
import path from 'node:path';

const root = path.resolve(__dirname, '../../..');

/** Runs a table-transfer-like allocation burst, with the cap (in MiB) or without; returns new_space's size in bytes. */
function youngGenerationAfterBurst(capMiB: number | null): number {
  const script = `
    const t = require(${JSON.stringify(path.join(root, 'dist/src/daemon/heap-tuning.js'))});
    ${capMiB === null ? '' : `t.capYoungGeneration(${capMiB} << 20);`}
    const kept = [];
    let i = 0;
    // Allocate in slices of about 1 MB, so GC events reach the observer between them as between the socket reads of a table transfer.
    function slice() {
      for (let n = 0; n < 10000; n++, i++) kept.push({ a: i, b: [i] });
      if (i < 2000000) setImmediate(slice);
      else process.stdout.write(String(t.youngGenerationSize()));
    }
    slice();`;
  return Number(execFileSync(process.execPath, ['-e', script], { encoding: 'utf8' }));
}

describe('young-generation cap', () => {
  it('V8 grows the young generation past 8 MiB under a surviving burst, and the cap stops it one doubling after 4 MiB', () => {
    const uncapped = youngGenerationAfterBurst(null);
    const capped = youngGenerationAfterBurst(4);
    expect(uncapped).toBeGreaterThan(16 << 20);
    expect(capped).toBeGreaterThanOrEqual(4 << 20);
    expect(capped).toBeLessThanOrEqual(8 << 20);
  }, 60000);
});
