/**
 * What the kernel the daemon runs on can do, found by trying it: each probe
 * creates one object with an id reserved for probing and removes it at once.
 * PLATFORM.md lists what one machine lacked (GRE/IP-in-IP link types, MPLS);
 * the backend must not assume it, so the answer comes from the kernel itself.
 */
import { ENCAP_HEADROOM, ENCAP_SECTION, type EncapObjects, MODE_REROUTE } from './bpf-encap';
import type { IpRunner } from './ip-runner';

export interface KernelFacts {
  /** `ip rule` (CONFIG_IP_MULTIPLE_TABLES): ingress bindings need it. */
  readonly policyRouting: boolean;
  /** `ip nexthop` (Linux 5.3+): shared next hops and ECMP groups need it. */
  readonly nexthopObjects: boolean;
  /** Kernel GRE/IP-in-IP devices. Not used by this backend (per-route encapsulation is eBPF), reported for operators. */
  readonly greLink: boolean;
  readonly ipipLink: boolean;
  /** `ip -f mpls route add` (net.mpls with platform labels): label bindings would need it. */
  readonly mplsForwarding: boolean;
  /** clang compiled the encapsulation program and an `encap bpf xmit` nexthop loaded it. */
  readonly bpfLwt: boolean;
  /** Why each missing feature is missing, in the kernel's (or tool's) words. */
  readonly notes: readonly string[];
}

export interface ProbeOptions {
  /** A nexthop id and rule priority the backend never allocates. */
  readonly nexthopId: number;
  readonly rulePriority: number;
  /** Null when the encapsulation program could not be built (the reason goes in `buildError`). */
  readonly encap: EncapObjects | null;
  readonly buildError: string | null;
  /** The device encapsulating nexthops hang off; it must be up (`lo` normally is). */
  readonly encapDevice: string;
}

function firstLine(text: string): string {
  return text.trim().split('\n')[0] ?? '';
}

export async function probeKernel(ip: IpRunner, o: ProbeOptions): Promise<KernelFacts> {
  const notes: string[] = [];
  const attempt = async (name: string, add: string[], remove: string[]): Promise<boolean> => {
    const r = await ip.run(add);
    if (r.code !== 0) {
      notes.push(`${name}: \`ip ${add.join(' ')}\`: ${firstLine(r.stderr)}`);
      return false;
    }
    await ip.run(remove);
    return true;
  };
  const pref = String(o.rulePriority);
  const id = String(o.nexthopId);
  // TEST-NET-1 broadcast as source: the probe rule can match no real packet while it exists.
  const policyRouting = await attempt('policy routing', ['rule', 'add', 'pref', pref, 'from', '192.0.2.255/32', 'lookup', 'main'], ['rule', 'del', 'pref', pref]);
  const nexthopObjects = await attempt('nexthop objects', ['nexthop', 'add', 'id', id, 'blackhole'], ['nexthop', 'del', 'id', id]);
  const link = `hdvpnp${process.pid % 100000}`;
  const greLink = await attempt('GRE link', ['link', 'add', link, 'type', 'gre', 'local', '127.0.0.1', 'remote', '127.0.0.2'], ['link', 'del', link]);
  const ipipLink = await attempt('IP-in-IP link', ['link', 'add', link, 'type', 'ipip', 'local', '127.0.0.1', 'remote', '127.0.0.2'], ['link', 'del', link]);
  // Listing works without MPLS; adding a label route is the real question (net.mpls, platform_labels).
  const mplsForwarding = await attempt('MPLS forwarding', ['-f', 'mpls', 'route', 'add', '16', 'dev', 'lo'], ['-f', 'mpls', 'route', 'del', '16']);
  let bpfLwt = false;
  if (o.encap === null) notes.push(`eBPF lwt: encapsulation program not built: ${o.buildError ?? 'unknown reason'}`);
  else if (nexthopObjects) {
    const file = o.encap.file({ mode: MODE_REROUTE });
    bpfLwt = await attempt(
      'eBPF lwt',
      ['nexthop', 'add', 'id', id, 'encap', 'bpf', 'xmit', 'obj', file, 'section', ENCAP_SECTION, 'headroom', String(ENCAP_HEADROOM), 'dev', o.encapDevice],
      ['nexthop', 'del', 'id', id],
    );
  } else notes.push('eBPF lwt: not tried (it is attached to nexthop objects)');
  return { policyRouting, nexthopObjects, greLink, ipipLink, mplsForwarding, bpfLwt, notes };
}
