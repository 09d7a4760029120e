/**
 * Jest globalSetup for test/interop: tags this run (workers inherit HDV_LAB_RUN, so every
 * namespace name carries the run's pid) and removes namespaces left by runs that died
 * without tearing down. Namespaces of runs still alive (parallel jest runs) are left alone.
 */
import { cleanupLabs, isStale } from './lab/cleanup';

export default async function globalSetup(): Promise<void> {
  process.env.HDV_LAB_RUN = String(process.pid);
  if (process.getuid?.() !== 0) return; // the tests skip themselves without root
  const removed = await cleanupLabs(isStale);
  if (removed.length > 0) process.stderr.write(`interop: removed ${removed.length} stale namespaces: ${removed.join(' ')}\n`);
}
