/** Shared by the in-process hdvpnd tests: free ports on 127.0.0.0/8, polling, a silent logger. */
import net from 'node:net';
import { Writable } from 'node:stream';
import { createLogger } from '../../src/daemon/logging';

export function freePort(host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once('error', reject);
    s.listen(0, host, () => {
      const a = s.address();
      const port = typeof a === 'object' && a ? a.port : 0;
      s.close(() => resolve(port));
    });
  });
}

export const quietLogger = () => createLogger({ level: 'error', format: 'text', file: null, stream: new Writable({ write: (_c, _e, cb) => cb() }) });

export async function until<T>(what: string, fn: () => Promise<T | undefined> | T | undefined, ms = 15000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await fn();
    if (v !== undefined) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}
