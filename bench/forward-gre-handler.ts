/**
 * bench:forward with the real packet path: `npm run bench:forward -- --handler $PWD/dist/bench/forward-gre-handler.js`.
 * Each worker builds a FIB of its own (one upstream table, the TUN port bound to it, 0.0.0.0/0 → GRE with key 7 toward
 * the sink) and runs src/fib/forwarder.ts on every packet: classify, TTL, LPM lookup, next-hop record, GRE
 * encapsulation with a full outer IPv4 header (RFC 2784/2890), out of the raw socket (port 1).
 */
import { Fib } from '../src/fib/fib';
import { Forwarder, forwarderCounters } from '../src/fib/forwarder';
import type { EmitResult, PacketHandler } from '../src/fib/backends/userspace/handler';

const FWD_OUT = 0x0a630201; // 10.99.2.1, the forwarder's sink-side address
const SINK = 0x0a630202; // 10.99.2.2

export function createHandler(): PacketHandler {
  const fib = new Fib();
  fib.apply([
    { type: 'table', table: 'up', role: 'upstream' },
    { type: 'ingress', ingress: { kind: 'port', port: 0, session: 'bench' }, table: 'up' },
    { type: 'route', table: 'up', prefix: { afi: 1, address: 0, length: 0 }, nextHops: [{ kind: 'gre', tunnel: 'bench', local: FWD_OUT, remote: SINK, key: 7, fallback: false }] },
  ]);
  const fwd = new Forwarder({ snapshot: fib.snapshot(), ports: { gre: 1, ipip: -1, plain: 1 }, address: FWD_OUT, pathMtu: 1500, counters: forwarderCounters() });
  return {
    handle: (inBuf: Buffer, len: number, ingress: number, out: Buffer, result: EmitResult): number => fwd.handle(inBuf, len, ingress, out, result),
    idle: (): void => fwd.idle(),
  };
}
