/**
 * V8 heap settings for a daemon whose memory is its RIB. Node takes V8's
 * sizing flags only at startup, and `hdvpnd` is started by operators as
 * `node bin/hdvpnd.js` (or its shebang), so what can still be set from
 * inside the process is set here, once, before the first session.
 */
import { setFlagsFromString, getHeapSpaceStatistics } from 'node:v8';
import { PerformanceObserver } from 'node:perf_hooks';

/**
 * The young generation stops growing once its space reaches this (V8's
 * `new_space`: two semi-spaces). V8 grows it to 32 MiB while a full table
 * arrives, since most of what a table transfer allocates survives a
 * scavenge; that was 60 bytes per route of a 500k table's peak RSS
 * (bench:ingest). Capped, the same table converged in the same time.
 */
export const YOUNG_GENERATION_CAP = 8 << 20;

export function tuneHeap(): void {
  // A full table arrives as a burst of short-lived objects; V8's default heap growth (up to 2x per major GC)
  // then leaves the old generation far above the live RIB. Growing by 20% keeps peak RSS about 20% lower at the
  // same convergence time (bench:ingest, docs/bench.md), like GOGC for GoBGP.
  setFlagsFromString('--heap-growing-percent=20');
  capYoungGeneration(YOUNG_GENERATION_CAP);
}

/**
 * `--max-semi-space-size` cannot be changed after startup, but the growth
 * factor V8 applies after a scavenge is read each time: once the young
 * generation has reached `cap`, growth is turned off (factor 1). Checked
 * after each GC, so it may stop one doubling past `cap`.
 */
export function capYoungGeneration(cap: number): void {
  if (youngGenerationSize() >= cap) {
    setFlagsFromString('--semi-space-growth-factor=1');
    return;
  }
  const observer = new PerformanceObserver(() => {
    if (youngGenerationSize() < cap) return;
    setFlagsFromString('--semi-space-growth-factor=1');
    observer.disconnect();
  });
  observer.observe({ entryTypes: ['gc'] });
}

export function youngGenerationSize(): number {
  return getHeapSpaceStatistics().find((s) => s.space_name === 'new_space')?.space_size ?? 0;
}
