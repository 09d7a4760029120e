/**
 * The hub and PE of the e2e half-duplex topologies (packet-path, af-xdp,
 * tunnel-failover): a hub VRF announcing the default with the clients'
 * target imported, and a PE with one pair "red" whose sessions take
 * 100.64.0.0/24, iBGP VPNv4 between them (the hub reflects); and the
 * sessions the tests start on the PE.
 */
import type { Dut } from '../../interop/dut';
import { waitFor } from '../../interop/lab';
export const HUB = '198.18.0.10';
export const PE = '198.18.0.20';
export const C1 = '198.18.0.31';
export const C2 = '198.18.0.32';

export interface NodeConfigOptions {
  /** BGP hold time, seconds. */
  readonly holdTime: number;
  /** The whole `fib:` line. */
  readonly fib: string;
}

/** The hub; `rules` are extra lines under `hub: rules:` (per-target processing), already indented by 8. */
export function hubConfig(o: NodeConfigOptions & { readonly rules?: readonly string[] }): string {
  const rules = o.rules?.length ? ['      rules:', ...o.rules] : [];
  return [
    'asn: 65000',
    `router-id: ${HUB}`,
    `listen: { address: ${HUB}, port: 179 }`,
    'neighbors:',
    `  - { address: ${PE}, asn: 65000, families: [vpnv4-unicast], route-reflector-client: true, passive: true, hold-time: ${o.holdTime} }`,
    'vrfs:',
    '  - name: hub',
    '    rd: "65000:100"',
    '    import: ["65000:2"]',
    '    export: ["65000:1"]',
    '    hub:',
    '      announce: [0.0.0.0/0]',
    ...rules,
    o.fib,
    '',
  ].join('\n');
}

export function peConfig(o: NodeConfigOptions): string {
  return [
    'asn: 65000',
    `router-id: ${PE}`,
    `listen: { address: ${PE}, port: 179 }`,
    'neighbors:',
    `  - { address: ${HUB}, asn: 65000, families: [vpnv4-unicast], hold-time: ${o.holdTime}, connect-retry: 1 }`,
    'half-duplex:',
    '  - name: red',
    '    upstream:   { name: red-up,   rd: "65000:21", import: ["65000:1"] }',
    '    downstream: { name: red-down, rd: "65000:22", export: ["65000:2"] }',
    '    pool: [100.64.0.0/24]',
    o.fib,
    '',
  ].join('\n');
}

/** A session to start on the PE: a client and its tunnel (none: the pair's TUN device). */
export type ClientSpec = readonly [client: string, tunnel: { readonly type: 'gre' | 'ipip'; readonly remote: string; readonly key?: number } | undefined];

/**
 * Starts the sessions on the PE and waits until both directions are in the FIBs: the hub's default in the PE's
 * upstream VRF, every client in the hub's. Returns each client's address.
 */
export async function startClients(pe: Dut, hub: Dut, clients: readonly ClientSpec[]): Promise<Map<string, string>> {
  const addr = new Map<string, string>();
  for (const [client, tunnel] of clients) {
    const s = (await pe.request({ command: 'session-add', client, ...(tunnel ? { tunnel } : {}) })) as Record<string, unknown>;
    addr.set(client, String(s.address));
  }
  const fib = async (d: Dut, vrf: string): Promise<Record<string, unknown>[]> => (await d.request({ command: 'show-fib', vrf })) as Record<string, unknown>[];
  await waitFor('upstream default at the PE', async () => (await fib(pe, 'red-up')).length > 0 || undefined, { timeoutMs: 20000 });
  await waitFor('clients at the hub', async () => (await fib(hub, 'hub')).filter((r) => String(r.prefix).startsWith('100.64.0.')).length === clients.length || undefined, { timeoutMs: 20000 });
  return addr;
}
