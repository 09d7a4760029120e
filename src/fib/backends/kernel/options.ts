/**
 * Configuration and reported capabilities of the kernel FIB backend. The id
 * ranges are the backend's own: it removes anything in them at start (what a
 * crashed run left) and at close, so two backends in one namespace need
 * disjoint ranges.
 */
import type { NextHopKind } from '../../next-hop';
import type { KernelUnsupported } from './errors';
import type { KernelFacts } from './probe';

export interface KernelBackendOptions {
  /** The interface a `local` next hop's port (a session) delivers to, and a port ingress is bound by; null while it has none. */
  interfaceOf(port: number): string | null;
  /** Run every command in this named namespace (`ip -n`); default: the daemon's own. */
  netns?: string | null;
  /** Linux table ids [tableBase, tableBase + tableCount). Default 1000, 10000. */
  tableBase?: number;
  tableCount?: number;
  /** Nexthop object ids [nexthopIdBase, + nexthopIdCount); the last one is kept for probing. Default 1_000_000, 1_000_000. */
  nexthopIdBase?: number;
  nexthopIdCount?: number;
  /** `ip rule` priorities [rulePriorityBase, + ruleCount), below the main table's 32766; the last is kept for probing. Default 1000, 10000. */
  rulePriorityBase?: number;
  ruleCount?: number;
  /** The device encapsulating nexthops hang off (the packet is rerouted after encapsulation); must be up. Default `lo`. */
  encapDevice?: string;
  /** Where the eBPF objects are built and cached (no whitespace). Default `$TMPDIR/hdvpn-kernel-bpf`. */
  bpfDirectory?: string;
  /** Set false to skip eBPF (then GRE, IP-in-IP and MPLS next hops are blackholes). Default true. */
  ebpf?: boolean;
  clang?: string;
  ip?: string;
  /** A change skipped because this kernel cannot express it. Default: process.emitWarning once per reason. */
  onUnsupported?: (event: KernelUnsupported) => void;
}

export type Support = 'kernel' | 'ebpf' | 'unsupported';

export interface KernelCapabilities extends KernelFacts {
  readonly nextHops: Readonly<Record<NextHopKind, Support>>;
  readonly ecmp: boolean;
  readonly portIngress: boolean;
  /** Decapsulating GRE/IP-in-IP client tunnels: not done by this backend. */
  readonly tunnelIngress: false;
  /** Label bindings need MPLS forwarding (and decapsulation from the core). */
  readonly labels: false;
}

export interface KernelRanges {
  readonly tableBase: number;
  readonly tableCount: number;
  readonly nexthopIdBase: number;
  readonly nexthopIdCount: number;
  readonly ruleBase: number;
  readonly ruleCount: number;
}

export function resolveRanges(options: KernelBackendOptions): KernelRanges {
  const ranges = {
    tableBase: options.tableBase ?? 1000,
    tableCount: options.tableCount ?? 10000,
    nexthopIdBase: options.nexthopIdBase ?? 1_000_000,
    nexthopIdCount: options.nexthopIdCount ?? 1_000_000,
    ruleBase: options.rulePriorityBase ?? 1000,
    ruleCount: options.ruleCount ?? 10000,
  };
  if (ranges.ruleBase < 1 || ranges.ruleCount < 2 || ranges.ruleBase + ranges.ruleCount > 32766) {
    throw new RangeError('rule priorities must lie in 1..32765, before the main table (32766)');
  }
  // 253-255 are default, main and local; 0 is unspecified.
  if (ranges.tableBase < 256 || ranges.tableCount < 1 || ranges.tableBase + ranges.tableCount > 0xffffffff) throw new RangeError('table ids must lie in 256..2^32-1');
  if (ranges.nexthopIdBase < 1 || ranges.nexthopIdCount < 2 || ranges.nexthopIdBase + ranges.nexthopIdCount > 0xffffffff) throw new RangeError('nexthop ids must lie in 1..2^32-1');
  return ranges;
}
