/**
 * Kernel nexthop objects, one per distinct FIB next hop and family, shared by
 * every route that uses it (the kernel-side twin of NextHopTable). A tunnel
 * changing state rewrites its objects with one `ip nexthop replace` each, and
 * every route pointing at them follows at once (PLATFORM.md: re-pointing 100k
 * routes took 63 ms).
 *
 * What an object does (its "spec") follows from the next hop, the tunnel's
 * state and what the kernel supports:
 *   local        dev <interface of the port>
 *   drop         blackhole; inside a multipath group an eBPF drop (the kernel
 *                refuses blackhole members in groups of more than one path)
 *   plain        (in a group only; a lone plain next hop is a `throw` route) eBPF reroute by the main table
 *   gre/ipip/mpls  eBPF encapsulation while the tunnel is up; while it is down
 *                eBPF reroute (fallback allowed) or eBPF drop
 * Without eBPF every eBPF spec degrades to blackhole, reported as unsupported.
 */
import type { FibChange } from '../../changes';
import { type NextHop, nextHopKey, nextHopTunnel } from '../../next-hop';
import { type EncapObjects, type EncapParams, MODE_DROP, MODE_GRE, MODE_IPIP, MODE_MPLS_GRE, MODE_REROUTE } from './bpf-encap';
import { BLACKHOLE_SPEC, type Batch, type Family, bpfSpec, deviceSpec, groupSpec, nexthopDelete, nexthopSet } from './ip-batch';

export interface KernelNextHop {
  readonly id: number;
  readonly key: string;
  /** Null for a group, whose family is none (the kernel refuses one). */
  readonly family: Family | null;
  readonly nextHop: NextHop | null;
  /** A member of a multipath group (where blackhole is not allowed). */
  readonly member: boolean;
  readonly members: readonly KernelNextHop[];
  refs: number;
  spec: string;
}

export interface NextHopContext {
  readonly encap: EncapObjects | null;
  readonly encapDevice: string;
  interfaceOf(port: number): string | null;
  /**
   * Whether the device exists, is up and has carrier: `ip` aborts a whole
   * batch on an unknown device name, and the kernel refuses a nexthop on a
   * device without carrier.
   */
  deviceUsable(name: string): boolean;
  onUnsupported(change: FibChange | null, reason: string): void;
  /** The change could not be installed as asked (it was installed as a drop). */
  onFailure(change: FibChange | null, message: string): void;
}

/** What a Linux interface name may be (IFNAMSIZ - 1), and all a batch line may carry. */
export const IFNAME = /^[A-Za-z0-9_.:@-]{1,15}$/;

export class NexthopObjects {
  private readonly byKey = new Map<string, KernelNextHop>();
  private readonly freeIds: number[] = [];
  private nextId: number;
  private readonly unused = new Set<KernelNextHop>();
  private readonly down = new Set<string>();

  constructor(
    private readonly ctx: NextHopContext,
    private readonly idBase: number,
    /** Ids in [idBase, idLimit) are ours. */
    private readonly idLimit: number,
  ) {
    this.nextId = idBase;
  }

  get size(): number {
    return this.byKey.size;
  }

  all(): IterableIterator<KernelNextHop> {
    return this.byKey.values();
  }

  /** The object for one next hop, created (an `add` line) on first use; takes a reference. */
  acquire(nh: NextHop, family: Family, member: boolean, batch: Batch, origin: FibChange | null): KernelNextHop {
    const variant = member && (nh.kind === 'drop' || nh.kind === 'plain' || nh.kind === 'local') ? 'member' : 'single';
    const key = `${family}|${variant}|${nextHopKey(nh)}`;
    const existing = this.byKey.get(key);
    if (existing) return this.take(existing);
    const spec = this.specFor(nh, variant === 'member', origin);
    const object: KernelNextHop = { id: this.allocate(), key, family, nextHop: nh, member: variant === 'member', members: [], refs: 1, spec };
    this.byKey.set(key, object);
    batch.add(family, nexthopSet('add', object.id, spec), origin);
    return object;
  }

  /** A multipath group over objects already acquired; the group takes over their references when it is new. */
  acquireGroup(members: readonly KernelNextHop[], batch: Batch, origin: FibChange | null): KernelNextHop {
    const ids = members.map((m) => m.id).sort((a, b) => a - b);
    const key = `group|${ids.join('/')}`;
    const existing = this.byKey.get(key);
    if (existing) {
      // The group already holds one reference per member.
      for (const m of members) this.release(m);
      return this.take(existing);
    }
    const spec = groupSpec(ids);
    const object: KernelNextHop = { id: this.allocate(), key, family: null, nextHop: null, member: false, members, refs: 1, spec };
    this.byKey.set(key, object);
    batch.add(null, nexthopSet('add', object.id, spec), origin);
    return object;
  }

  release(object: KernelNextHop): void {
    object.refs--;
    if (object.refs <= 0) this.unused.add(object);
  }

  /** Deletes (tail lines) the objects no route uses after the whole batch; groups before their members. */
  collect(batch: Batch): void {
    while (this.unused.size > 0) {
      const objects = [...this.unused];
      this.unused.clear();
      for (const object of objects.sort((a, b) => Number(b.family === null) - Number(a.family === null))) {
        if (object.refs > 0 || this.byKey.get(object.key) !== object) continue;
        this.byKey.delete(object.key);
        this.freeIds.push(object.id);
        batch.tail.push({ text: nexthopDelete(object.id), origin: null });
        for (const m of object.members) this.release(m);
      }
    }
  }

  /** One `replace` per object that depends on the tunnel and whose spec changes. */
  setTunnelState(tunnel: string, up: boolean, batch: Batch, origin: FibChange): void {
    if (up) this.down.delete(tunnel);
    else this.down.add(tunnel);
    for (const object of this.byKey.values()) {
      if (object.nextHop === null || nextHopTunnel(object.nextHop) !== tunnel) continue;
      const spec = this.specFor(object.nextHop, object.member, origin);
      if (spec === object.spec) continue;
      object.spec = spec;
      batch.add(object.family, nexthopSet('replace', object.id, spec), origin);
    }
  }

  /**
   * Re-resolves the interface of `port` and re-sends (`replace` creates) its
   * local objects and the groups holding them: the kernel deletes a nexthop
   * object, and every route using it, when its device loses carrier or goes
   * down. Returns the objects re-sent, whose routes the caller re-sends too.
   */
  refreshPort(port: number, batch: Batch): Set<KernelNextHop> {
    const touched = new Set<KernelNextHop>();
    for (const object of this.byKey.values()) {
      if (object.nextHop?.kind !== 'local' || object.nextHop.port !== port) continue;
      object.spec = this.specFor(object.nextHop, object.member, null);
      batch.add(object.family, nexthopSet('replace', object.id, object.spec), null);
      touched.add(object);
    }
    for (const object of this.byKey.values()) {
      if (object.members.some((m) => touched.has(m))) {
        batch.add(null, nexthopSet('replace', object.id, object.spec), null);
        touched.add(object);
      }
    }
    return touched;
  }

  /** Every object as `add` lines, members before groups, specs worked out again: re-installing after a sweep. */
  reinstall(batch: Batch): void {
    const objects = [...this.byKey.values()];
    for (const o of objects) if (o.nextHop !== null) o.spec = this.specFor(o.nextHop, o.member, null);
    for (const o of objects) if (o.family !== null) batch.add(o.family, nexthopSet('add', o.id, o.spec), null);
    for (const o of objects) if (o.family === null) batch.add(null, nexthopSet('add', o.id, o.spec), null);
  }

  clear(): void {
    this.byKey.clear();
    this.unused.clear();
    this.freeIds.length = 0;
    this.nextId = this.idBase;
  }

  private take(object: KernelNextHop): KernelNextHop {
    object.refs++;
    this.unused.delete(object);
    return object;
  }

  private allocate(): number {
    const id = this.freeIds.pop() ?? this.nextId++;
    if (id >= this.idLimit) throw new RangeError(`kernel nexthop ids exhausted (${this.idBase}..${this.idLimit - 1})`);
    return id;
  }

  private specFor(nh: NextHop, member: boolean, origin: FibChange | null): string {
    switch (nh.kind) {
      case 'local': {
        const device = this.ctx.interfaceOf(nh.port);
        if (device === null) this.ctx.onFailure(origin, `port ${nh.port} has no interface: installed as a drop until portChanged()`);
        else if (!IFNAME.test(device)) this.ctx.onFailure(origin, `port ${nh.port}: bad interface name ${JSON.stringify(device)}: installed as a drop`);
        else if (!this.ctx.deviceUsable(device)) this.ctx.onFailure(origin, `interface ${device} of port ${nh.port} is missing, down or without carrier: installed as a drop until portChanged()`);
        else return deviceSpec(device);
        return this.dropSpec(member, origin);
      }
      case 'drop':
        return this.dropSpec(member, origin);
      case 'plain':
        return this.bpf({ mode: MODE_REROUTE }, origin, 'plain IP inside a multipath group');
      case 'gre':
      case 'ipip':
      case 'mpls': {
        if (this.down.has(nh.tunnel)) return nh.fallback ? this.bpf({ mode: MODE_REROUTE }, origin, 'tunnel fallback to plain IP') : this.dropSpec(true, origin);
        return this.bpf(encapParams(nh), origin, `${nh.kind} encapsulation`);
      }
      default: {
        const never: never = nh;
        return never;
      }
    }
  }

  private dropSpec(member: boolean, origin: FibChange | null): string {
    return member ? this.bpf({ mode: MODE_DROP }, origin, 'drop inside a multipath group') : BLACKHOLE_SPEC;
  }

  private bpf(params: EncapParams, origin: FibChange | null, what: string): string {
    if (this.ctx.encap === null) {
      this.ctx.onUnsupported(origin, `${what} needs eBPF lwt, not available here: installed as blackhole`);
      return BLACKHOLE_SPEC;
    }
    return bpfSpec(this.ctx.encap.file(params), this.ctx.encapDevice);
  }
}

function encapParams(nh: Extract<NextHop, { kind: 'gre' | 'ipip' | 'mpls' }>): EncapParams {
  switch (nh.kind) {
    case 'gre':
      return { mode: MODE_GRE, local: nh.local, remote: nh.remote, key: nh.key };
    case 'ipip':
      return { mode: MODE_IPIP, local: nh.local, remote: nh.remote };
    case 'mpls':
      return { mode: MODE_MPLS_GRE, local: nh.local, remote: nh.remote, labels: nh.labels };
    default: {
      const never: never = nh;
      return never;
    }
  }
}
