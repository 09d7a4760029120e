/** Runs the `hdvpn` CLI in process, capturing what it writes and its exit code. */
import { main } from '../../src/cli/main';
import type { ControlHandlers } from '../../src/daemon/control-server';

export async function runCli(args: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const o = jest.spyOn(process.stdout, 'write').mockImplementation((s: string | Uint8Array) => {
    out += String(s);
    return true;
  });
  const e = jest.spyOn(process.stderr, 'write').mockImplementation((s: string | Uint8Array) => {
    err += String(s);
    return true;
  });
  try {
    const code = await main(['node', 'hdvpn', ...args]);
    return { code, out, err };
  } finally {
    o.mockRestore();
    e.mockRestore();
  }
}

/** A daemon stand-in for CLI tests: empty answers for every command, except the ones the test gives. */
export function stubHandlers(given: Partial<ControlHandlers>): ControlHandlers {
  return {
    ping: () => 'pong',
    'show-neighbors': () => [],
    'show-rib': () => [],
    'show-vrf': () => [],
    'show-hub': () => [],
    'show-sessions': () => [],
    'show-fib': () => [],
    'show-tunnels': () => [],
    'fib-lookup': (req) => ({ address: req.address }),
    'session-add': () => null,
    'session-del': () => null,
    neighbor: () => null,
    'route-refresh': () => null,
    'policy-test': () => null,
    ...given,
  };
}
