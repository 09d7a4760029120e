/**
 * Jest globalTeardown for test/interop: the safety net behind Lab.teardown(). Anything this
 * run created and did not delete (a worker crashed or was killed on timeout) goes now.
 */
import { cleanupLabs } from './lab/cleanup';

export default async function globalTeardown(): Promise<void> {
  if (process.getuid?.() !== 0) return;
  const run = process.env.HDV_LAB_RUN ?? String(process.pid);
  const removed = await cleanupLabs((name) => name.startsWith(`hdv-${run}-`));
  if (removed.length > 0) process.stderr.write(`interop: teardown removed leftover namespaces: ${removed.join(' ')}\n`);
}
