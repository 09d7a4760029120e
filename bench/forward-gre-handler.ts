/**
 * bench:forward with the real packet path: `npm run bench:forward -- --handler $PWD/dist/bench/forward-gre-handler.js
 * [--ingress gre]`. Each worker builds a FIB of its own (one upstream table, 0.0.0.0/0 → GRE with key 7 toward the
 * sink) and runs src/fib/forwarder.ts on every packet: classify, (decapsulate,) TTL, LPM lookup, next-hop record, GRE
 * encapsulation with a full outer IPv4 header (RFC 2784/2890), out of a raw socket.
 *
 * - `ingress: 'tun'` (default): the TUN (port 0) is a local session's interface; the packet leaves by the
 *   IPPROTO_RAW socket (port 1).
 * - `ingress: 'gre'`: port 0 is the raw GRE socket, and the generator's tunnel (remote 10.99.1.2, key 5) is a client
 *   router's, bound to the upstream table as on a PE; the packet leaves by the same GRE socket, as in hdvpnd.
 */
import { Fib } from '../src/fib/fib';
import { Forwarder, forwarderCounters } from '../src/fib/forwarder';
import type { Ingress } from '../src/fib/changes';
import type { EmitResult, PacketHandler } from '../src/fib/backends/userspace/handler';

const GEN = 0x0a630102; // 10.99.1.2, the generator (a client router)
const FWD_IN = 0x0a630101; // 10.99.1.1, the forwarder's generator-side address
const FWD_OUT = 0x0a630201; // 10.99.2.1, the forwarder's sink-side address
const SINK = 0x0a630202; // 10.99.2.2
/** bench/forward.ts BENCH_CLIENT_KEY (not imported: that would load the bench's main program, koffi and the backend, into every worker). */
const CLIENT_KEY = 5;

export function createHandler(init: unknown): PacketHandler {
  const gre = typeof init === 'object' && init !== null && (init as { ingress?: unknown }).ingress === 'gre';
  const ingress: Ingress = gre
    ? { kind: 'tunnel', type: 'gre', remote: GEN, key: CLIENT_KEY, session: 'bench', tunnel: 'client' }
    : { kind: 'port', port: 0, session: 'bench' };
  const fib = new Fib();
  fib.apply([
    { type: 'table', table: 'up', role: 'upstream' },
    { type: 'ingress', ingress, table: 'up' },
    { type: 'route', table: 'up', prefix: { afi: 1, address: 0, length: 0 }, nextHops: [{ kind: 'gre', tunnel: 'bench', local: FWD_OUT, remote: SINK, key: 7, fallback: false }] },
  ]);
  const fwd = new Forwarder({
    snapshot: fib.snapshot(),
    ports: gre ? { gre: 0, ipip: -1, plain: 1 } : { gre: 1, ipip: -1, plain: 1 },
    address: gre ? FWD_IN : FWD_OUT,
    pathMtu: 1500,
    counters: forwarderCounters(),
  });
  return {
    handle: (inBuf: Buffer, len: number, ingress: number, out: Buffer, result: EmitResult): number => fwd.handle(inBuf, len, ingress, out, result),
    idle: (): void => fwd.idle(),
  };
}
