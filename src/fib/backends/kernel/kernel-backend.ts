/**
 * The kernel FIB backend: programs Linux, in the namespace the daemon runs in
 * (or `netns`), so the kernel forwards as the FIB says. It is fed the same
 * FibChange batches as the userspace backend (STYLE.md: the FIB is fed).
 *
 *   table              a routing table id from `tableBase` up
 *   route              `ip route replace PREFIX table N nhid X`, X a shared
 *                      nexthop object (nexthop-objects.ts); several next hops
 *                      make a nexthop group; a lone plain next hop a `throw`
 *                      route (lookup goes on in the main table)
 *   tunnel-state       one `ip nexthop replace` per dependent object
 *   ingress (port)     `ip rule add iif DEV lookup N pref P`, IPv4 and IPv6
 *   ingress (tunnel), label   unsupported: no decapsulation, no MPLS here
 *
 * The backend keeps what the FIB asked for (desired state). A batch goes to
 * the kernel as one `ip -force -batch -` (plus one `ip -6` for IPv6 objects
 * and rules); a line the kernel refuses is reported with its change in a
 * KernelApplyError after the rest is installed, and resync() rebuilds the
 * kernel side from the desired state.
 */
import os from 'node:os';
import path from 'node:path';
import type { FibChange, FibPrefix, Ingress, TableRole } from '../../changes';
import { type NextHop, nextHopKey } from '../../next-hop';
import { EncapObjects } from './bpf-encap';
import { KernelApplyError, KernelBackendError, type KernelFailure } from './errors';
import { Batch, type BatchLine, type Family, type RouteTarget, routeDelete, routeReplace, ruleAdd, ruleDelete } from './ip-batch';
import { IpRunner } from './ip-runner';
import { IFNAME, type KernelNextHop, NexthopObjects } from './nexthop-objects';
import { formatFibPrefix } from '../../address-text';
import { type KernelBackendOptions, type KernelCapabilities, type KernelRanges, type Support, resolveRanges } from './options';
import { probeKernel } from './probe';
import { sweepKernel } from './sweep';

export type { KernelBackendOptions, KernelCapabilities, Support } from './options';

interface Route {
  readonly prefix: string;
  readonly target: KernelNextHop | 'throw' | 'blackhole';
}

interface Table {
  readonly id: number;
  readonly role: TableRole;
  readonly routes: Map<string, Route>;
}

interface PortBinding {
  readonly device: string;
  readonly table: string;
  readonly priority: number;
}

const NO_ORIGIN = null;

export class KernelBackend {
  private readonly tables = new Map<string, Table>();
  private readonly tableIdsUsed = new Set<number>();
  private readonly ports = new Map<number, PortBinding>();
  private readonly prioritiesUsed = new Set<number>();
  private readonly objects: NexthopObjects;
  private readonly warned = new Set<string>();
  private queue: Promise<unknown> = Promise.resolve();
  private closed = false;
  private unsupported = 0;
  /** Failures found while working out lines, for the batch being built. */
  private failures: KernelFailure[] = [];
  /** Interfaces up with carrier in the namespace, read once per batch that needs them. */
  private devices = new Set<string>();
  /** `ip` stopped mid-batch: what the kernel has is unknown until the next re-sync. */
  private needsResync = false;

  private constructor(
    private readonly ip: IpRunner,
    private readonly options: KernelBackendOptions,
    private readonly ranges: KernelRanges,
    private readonly caps: KernelCapabilities,
    encap: EncapObjects | null,
    encapDevice: string,
  ) {
    const ctx = {
      encap,
      encapDevice,
      interfaceOf: (port: number) => options.interfaceOf(port),
      deviceUsable: (name: string) => this.devices.has(name),
      onUnsupported: (change: FibChange | null, reason: string) => this.reportUnsupported(change, reason),
      onFailure: (change: FibChange | null, message: string) => this.failures.push({ change, command: null, message }),
    };
    this.objects = new NexthopObjects(ctx, ranges.nexthopIdBase, ranges.nexthopIdBase + ranges.nexthopIdCount - 1);
  }

  /** Probes the kernel, builds the eBPF program, and removes anything a previous run with the same ranges left behind. */
  static async open(options: KernelBackendOptions): Promise<KernelBackend> {
    const ranges = resolveRanges(options);
    const encapDevice = options.encapDevice ?? 'lo';
    if (!IFNAME.test(encapDevice)) throw new RangeError(`encapDevice is not an interface name: ${encapDevice}`);
    const ip = new IpRunner(options.netns ?? null, options.ip ?? 'ip');
    let encap: EncapObjects | null = null;
    let buildError: string | null = 'disabled by option';
    if (options.ebpf ?? true) {
      const directory = options.bpfDirectory ?? path.join(os.tmpdir(), 'hdvpn-kernel-bpf');
      if (/\s/.test(directory)) throw new RangeError(`bpfDirectory must not contain whitespace: ${directory}`);
      try {
        encap = await EncapObjects.build(directory, options.clang ?? 'clang');
        buildError = null;
      } catch (e) {
        buildError = e instanceof Error ? e.message : String(e);
      }
    }
    const facts = await probeKernel(ip, {
      nexthopId: ranges.nexthopIdBase + ranges.nexthopIdCount - 1,
      rulePriority: ranges.ruleBase + ranges.ruleCount - 1,
      encap,
      buildError,
      encapDevice,
    });
    if (!facts.nexthopObjects || !facts.policyRouting) {
      throw new KernelBackendError(`the kernel backend needs nexthop objects and policy routing: ${facts.notes.join('; ')}`);
    }
    if (!facts.bpfLwt) encap = null;
    const bpf: Support = facts.bpfLwt ? 'ebpf' : 'unsupported';
    const caps: KernelCapabilities = {
      ...facts,
      nextHops: { local: 'kernel', drop: 'kernel', plain: 'kernel', gre: bpf, ipip: bpf, mpls: bpf },
      ecmp: true,
      portIngress: true,
      tunnelIngress: false,
      labels: false,
    };
    const backend = new KernelBackend(ip, options, ranges, caps, encap, encapDevice);
    await backend.sweep();
    return backend;
  }

  capabilities(): KernelCapabilities {
    return this.caps;
  }

  stats(): { tables: number; routes: number; nexthopObjects: number; rules: number; unsupported: number } {
    let routes = 0;
    for (const t of this.tables.values()) routes += t.routes.size;
    return { tables: this.tables.size, routes, nexthopObjects: this.objects.size, rules: this.ports.size, unsupported: this.unsupported };
  }

  /** The Linux table id a FIB table was given, for `show` commands and tests. */
  tableId(name: string): number | null {
    return this.tables.get(name)?.id ?? null;
  }

  /** Installs a batch; rejects with KernelApplyError (after installing the rest) if some changes could not be. */
  apply(changes: readonly FibChange[]): Promise<void> {
    return this.serialize(async () => {
      if (this.closed) throw new KernelBackendError('kernel backend is closed');
      this.failures = [];
      if (this.needsResync) await this.reinstall();
      if (changes.some(needsDevices)) await this.loadDevices();
      const batch = new Batch();
      for (const change of changes) {
        const problem = this.applyOne(change, batch);
        if (problem !== null) this.failures.push({ change, command: null, message: problem });
      }
      this.objects.collect(batch);
      await this.send(batch);
      if (this.failures.length > 0) throw new KernelApplyError(this.failures);
    });
  }

  /**
   * The daemon calls this when a port's interface appears, changes, goes down
   * or comes back: re-sends its local nexthop objects and every route using
   * them (the kernel deletes a nexthop object and its routes when the device
   * loses carrier), and moves its ingress rules to the new interface.
   */
  portChanged(port: number): Promise<void> {
    return this.serialize(async () => {
      if (this.closed) throw new KernelBackendError('kernel backend is closed');
      this.failures = [];
      await this.loadDevices();
      const batch = new Batch();
      const touched = this.objects.refreshPort(port, batch);
      if (touched.size > 0) {
        for (const table of this.tables.values()) {
          for (const route of table.routes.values()) {
            if (typeof route.target !== 'string' && touched.has(route.target)) batch.add(null, routeReplace(route.prefix, table.id, this.targetOf(route)), NO_ORIGIN);
          }
        }
      }
      const binding = this.ports.get(port);
      const device = this.options.interfaceOf(port);
      const table = binding ? this.tables.get(binding.table) : undefined;
      if (binding && table && device !== binding.device) {
        this.unbindRules(binding.priority, batch, NO_ORIGIN);
        if (device === null || !IFNAME.test(device)) {
          this.ports.delete(port);
          this.prioritiesUsed.delete(binding.priority);
        } else {
          this.ports.set(port, { ...binding, device });
          this.bindRules(device, table.id, binding.priority, batch, NO_ORIGIN);
        }
      }
      await this.send(batch);
      if (this.failures.length > 0) throw new KernelApplyError(this.failures);
    });
  }

  /** Removes everything of ours from the kernel and installs the desired state again. */
  resync(): Promise<void> {
    return this.serialize(async () => {
      if (this.closed) throw new KernelBackendError('kernel backend is closed');
      this.failures = [];
      await this.reinstall();
      if (this.failures.length > 0) throw new KernelApplyError(this.failures);
    });
  }

  private async reinstall(): Promise<void> {
    this.needsResync = false;
    await this.sweep();
    await this.loadDevices();
    const batch = new Batch();
    this.objects.reinstall(batch);
    for (const table of this.tables.values()) {
      for (const route of table.routes.values()) batch.add(null, routeReplace(route.prefix, table.id, this.targetOf(route)), NO_ORIGIN);
    }
    for (const binding of this.ports.values()) {
      const table = this.tables.get(binding.table);
      if (table) this.bindRules(binding.device, table.id, binding.priority, batch, NO_ORIGIN);
    }
    await this.send(batch);
  }

  private async loadDevices(): Promise<void> {
    const links = await this.ip.json(['link', 'show']);
    this.devices = new Set();
    for (const link of Array.isArray(links) ? (links as unknown[]) : []) {
      if (typeof link !== 'object' || link === null || !('ifname' in link) || !('flags' in link)) continue;
      const flags = Array.isArray(link.flags) ? (link.flags as unknown[]) : [];
      if (flags.includes('UP') && flags.includes('LOWER_UP')) this.devices.add(String(link.ifname));
    }
  }

  /** Removes every rule, route and nexthop object of ours; the backend cannot be used afterwards. */
  close(): Promise<void> {
    return this.serialize(async () => {
      if (this.closed) return;
      this.closed = true;
      try {
        await this.sweep();
      } finally {
        this.tables.clear();
        this.tableIdsUsed.clear();
        this.ports.clear();
        this.prioritiesUsed.clear();
        this.objects.clear();
      }
    });
  }

  private serialize<T>(work: () => Promise<T>): Promise<T> {
    const run = this.queue.then(work, work);
    this.queue = run.catch(() => undefined);
    return run;
  }

  private sweep(): Promise<void> {
    return sweepKernel(this.ip, {
      tables: [this.ranges.tableBase, this.ranges.tableBase + this.ranges.tableCount],
      nexthopIds: [this.ranges.nexthopIdBase, this.ranges.nexthopIdBase + this.ranges.nexthopIdCount],
      rulePriorities: [this.ranges.ruleBase, this.ranges.ruleBase + this.ranges.ruleCount],
    });
  }

  /** Updates the desired state and queues the lines; returns why the change was refused, or null. */
  private applyOne(c: FibChange, batch: Batch): string | null {
    switch (c.type) {
      case 'table':
        return this.addTable(c.table, c.role);
      case 'table-remove':
        this.removeTable(c.table, batch, c);
        return null;
      case 'route':
        return this.setRoute(c, batch);
      case 'route-remove':
        this.removeRoute(c.table, c.prefix, batch, c);
        return null;
      case 'ingress':
        return this.bind(c.ingress, c.table, batch, c);
      case 'label':
        this.reportUnsupported(c, 'label bindings need MPLS forwarding, which this backend does not program (the kernel here has none)');
        return null;
      case 'tunnel-state':
        this.objects.setTunnelState(c.tunnel, c.up, batch, c);
        return null;
      case 'targets':
        // A hub's per-target rules (target-rules.ts) are a userspace data-plane feature; nftables could carry them later.
        if (c.rules.length > 0) this.reportUnsupported(c, 'per-target rules of a hub table are not programmed by the kernel backend');
        return null;
      default: {
        const never: never = c;
        return `unknown FIB change ${JSON.stringify(never)}`;
      }
    }
  }

  private addTable(name: string, role: TableRole): string | null {
    const existing = this.tables.get(name);
    if (existing) return existing.role === role ? null : `FIB table ${name} exists as ${existing.role}, not ${role}`;
    let id = this.ranges.tableBase;
    while (this.tableIdsUsed.has(id)) id++;
    if (id >= this.ranges.tableBase + this.ranges.tableCount) return `no free kernel table id for ${name}`;
    this.tableIdsUsed.add(id);
    this.tables.set(name, { id, role, routes: new Map() });
    return null;
  }

  private removeTable(name: string, batch: Batch, origin: FibChange): void {
    const table = this.tables.get(name);
    if (!table) return;
    // Route by route: `ip route flush` fails on routes with eBPF encapsulation (iproute2 6.1 sends the encap back).
    for (const route of table.routes.values()) {
      batch.add(null, routeDelete(route.prefix, table.id), origin);
      if (typeof route.target !== 'string') this.objects.release(route.target);
    }
    for (const [port, binding] of this.ports) {
      if (binding.table !== name) continue;
      this.unbindRules(binding.priority, batch, origin);
      this.ports.delete(port);
      this.prioritiesUsed.delete(binding.priority);
    }
    this.tables.delete(name);
    this.tableIdsUsed.delete(table.id);
  }

  private setRoute(c: Extract<FibChange, { type: 'route' }>, batch: Batch): string | null {
    const table = this.tables.get(c.table);
    if (!table) return `no FIB table ${c.table}`;
    if (c.nextHops.length === 0) return 'a route needs at least one next hop';
    const prefix = formatFibPrefix(c.prefix);
    const family: Family = c.prefix.afi === 1 ? 4 : 6;
    const target = this.resolve(c.nextHops, family, batch, c);
    const previous = table.routes.get(prefix);
    const route: Route = { prefix, target };
    table.routes.set(prefix, route);
    batch.add(null, routeReplace(prefix, table.id, this.targetOf(route)), c);
    // Released after the new target is acquired, so a shared object is never deleted and re-created.
    if (previous && typeof previous.target !== 'string') this.objects.release(previous.target);
    return null;
  }

  private resolve(nextHops: readonly NextHop[], family: Family, batch: Batch, origin: FibChange): Route['target'] {
    const unique = [...new Map(nextHops.map((nh) => [nextHopKey(nh), nh])).values()];
    const first = unique[0];
    if (unique.length === 1 && first) {
      if (first.kind === 'plain') return 'throw';
      return this.objects.acquire(first, family, false, batch, origin);
    }
    const members = unique.map((nh) => this.objects.acquire(nh, family, true, batch, origin));
    return this.objects.acquireGroup(members, batch, origin);
  }

  private targetOf(route: Route): RouteTarget {
    return typeof route.target === 'string' ? { type: route.target } : { type: 'nexthop', id: route.target.id };
  }

  private removeRoute(tableName: string, prefix: FibPrefix, batch: Batch, origin: FibChange): void {
    const table = this.tables.get(tableName);
    const text = formatFibPrefix(prefix);
    const route = table?.routes.get(text);
    if (!table || !route) return;
    table.routes.delete(text);
    batch.add(null, routeDelete(text, table.id), origin);
    if (typeof route.target !== 'string') this.objects.release(route.target);
  }

  private bind(ingress: Ingress, tableName: string | null, batch: Batch, origin: FibChange): string | null {
    if (ingress.kind === 'tunnel') {
      this.reportUnsupported(origin, `${ingress.type} tunnel ingress needs decapsulation, which this backend does not program (no ${ingress.type} link type here)`);
      return null;
    }
    const previous = this.ports.get(ingress.port);
    if (tableName === null) {
      if (previous) {
        this.unbindRules(previous.priority, batch, origin);
        this.ports.delete(ingress.port);
        this.prioritiesUsed.delete(previous.priority);
      }
      return null;
    }
    const table = this.tables.get(tableName);
    if (!table) return `no FIB table ${tableName}`;
    // RFC 7024 §3 (as in fib.ts): client traffic never meets a downstream table.
    if (table.role === 'downstream') return `session ${ingress.session}: a client ingress cannot be bound to downstream table ${tableName}`;
    const device = this.options.interfaceOf(ingress.port);
    if (device === null) return `port ${ingress.port} has no interface to bind`;
    if (!IFNAME.test(device)) return `port ${ingress.port}: bad interface name ${JSON.stringify(device)}`;
    let priority = previous?.priority;
    if (priority === undefined) {
      priority = this.ranges.ruleBase;
      const limit = this.ranges.ruleBase + this.ranges.ruleCount - 1;
      while (this.prioritiesUsed.has(priority) && priority < limit) priority++;
      if (priority >= limit) return 'no free rule priority';
      this.prioritiesUsed.add(priority);
    } else this.unbindRules(priority, batch, origin);
    this.ports.set(ingress.port, { device, table: tableName, priority });
    this.bindRules(device, table.id, priority, batch, origin);
    return null;
  }

  private bindRules(device: string, table: number, priority: number, batch: Batch, origin: FibChange | null): void {
    batch.add(4, ruleAdd(device, table, priority), origin);
    batch.add(6, ruleAdd(device, table, priority), origin);
  }

  private unbindRules(priority: number, batch: Batch, origin: FibChange | null): void {
    batch.add(4, ruleDelete(priority), origin);
    batch.add(6, ruleDelete(priority), origin);
  }

  /** IPv6 objects and rules first (their own `ip -6` batch), then the rest; failures go to this.failures. */
  private async send(batch: Batch): Promise<void> {
    const run = async (lines: readonly BatchLine[], family6: boolean): Promise<void> => {
      const outcome = await this.ip.batch(
        lines.map((l) => l.text),
        family6,
      );
      for (const f of outcome.failures) {
        const line = lines[f.line];
        this.failures.push({ change: line?.origin ?? null, command: line?.text ?? null, message: f.message });
      }
      if (outcome.aborted !== null) {
        this.needsResync = true;
        this.failures.push({ change: null, command: null, message: `ip stopped mid-batch (${outcome.aborted}); the next apply re-syncs` });
      }
    };
    await run(batch.v6, true);
    await run([...batch.main, ...batch.tail], false);
  }

  private reportUnsupported(change: FibChange | null, reason: string): void {
    this.unsupported++;
    if (change === null) return;
    if (this.options.onUnsupported) {
      this.options.onUnsupported({ change, reason });
      return;
    }
    if (this.warned.has(reason)) return;
    this.warned.add(reason);
    process.emitWarning(`kernel FIB backend: ${reason}`, 'KernelBackendUnsupported');
  }
}

/** Changes whose lines name an interface (nexthop `dev`): `ip` aborts the batch on an unknown one, so it is checked first. */
function needsDevices(c: FibChange): boolean {
  if (c.type === 'route') return c.nextHops.some((nh) => nh.kind === 'local');
  return false;
}
