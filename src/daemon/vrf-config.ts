/** Config → the VRF manager's definitions (src/vrf/types.ts): plain VRFs, both halves of each pair, static routes. */
import type { PolicyEngine } from '../bgp/policy/engine';
import type { LocalRoute, VrfDefinition } from '../vrf/types';
import type { Config, HalfVrfConfig } from './config/model';
import type { Prefix } from '../bgp/wire/values/prefix';

function policiesOf(policies: PolicyEngine, v: { importPolicy: readonly string[]; exportPolicy: readonly string[] }): Pick<VrfDefinition, 'importPolicy' | 'exportPolicy'> {
  return {
    ...(v.importPolicy.length > 0 ? { importPolicy: policies.chain(v.importPolicy) } : {}),
    ...(v.exportPolicy.length > 0 ? { exportPolicy: policies.chain(v.exportPolicy) } : {}),
  };
}

function half(policies: PolicyEngine, v: HalfVrfConfig, role: 'upstream' | 'downstream', pair: string): VrfDefinition {
  // Halves have no label-mode key: one label per VRF, as Cisco's half-duplex VRFs.
  return { name: v.name, rd: v.rd, import: v.import, export: v.export, labelMode: 'per-vrf', role, pair, ...policiesOf(policies, v) };
}

export function vrfDefinitions(config: Config, policies: PolicyEngine): VrfDefinition[] {
  const out: VrfDefinition[] = config.vrfs.map((v) => ({
    name: v.name,
    rd: v.rd,
    import: v.import,
    export: v.export,
    labelMode: v.labelMode,
    role: 'vrf' as const,
    pair: null,
    ...policiesOf(policies, v),
    ...(v.hub ? { hub: { announce: v.hub.announce, rules: v.hub.rules.map((r) => ({ name: r.name, destination: r.destination, client: r.client, action: r.action, ...(r.rate !== null ? { rate: r.rate } : {}), ...(r.burst !== null ? { burst: r.burst } : {}) })) } } : {}),
  }));
  for (const p of config.halfDuplex) out.push(half(policies, p.upstream, 'upstream', p.name), half(policies, p.downstream, 'downstream', p.name));
  return out;
}

/** The `routes:` entries with `vrf` and the VRFs' `connected:` networks, grouped by VRF. */
export function staticRoutesByVrf(config: Config): Map<string, LocalRoute[]> {
  const out = new Map<string, LocalRoute[]>();
  const connected = (vrf: string, prefixes: readonly Prefix[]): void => {
    if (prefixes.length === 0) return;
    const list = out.get(vrf) ?? [];
    for (const prefix of prefixes) list.push({ kind: 'connected', prefix, nextHop: null, communities: [], largeCommunities: [], med: null, localPref: null });
    out.set(vrf, list);
  };
  for (const v of config.vrfs) connected(v.name, v.connected);
  for (const p of config.halfDuplex) connected(p.downstream.name, p.downstream.connected);
  for (const r of config.routes) {
    if (r.kind !== 'vrf') continue;
    const list = out.get(r.vrf) ?? [];
    list.push({ kind: 'static', prefix: r.prefix, nextHop: r.nextHop, communities: r.communities, largeCommunities: r.largeCommunities, med: r.med, localPref: r.localPref });
    out.set(r.vrf, list);
  }
  return out;
}
