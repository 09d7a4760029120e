/**
 * The userspace packet backend wired to the FIB (`fib: { backend: userspace }`):
 * raw IP sockets for GRE (protocol 47: client tunnels and MPLS in GRE from
 * the core) and IP-in-IP (protocol 4), one IPPROTO_RAW socket for best-effort
 * plain IP, and one worker thread per socket running the forwarder. FIB
 * snapshots go to the workers as control messages; routes and next-hop
 * states they read from shared memory.
 */
import { existsSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { Fib } from '../fib/fib';
import { forwarderCounters, type ForwarderInit, readForwarderCounters } from '../fib/forwarder';
import { UserspaceBackend, type PortCounters } from '../fib/backends/userspace/backend';
import { openRawSocket, sockaddrIn, SOCKADDR_IN_SIZE } from '../fib/backends/userspace/raw-socket';
import { formatIpv4 } from '../fib/address-text';
import { libcIo } from '../fib/backends/userspace/libc-io';
import { configureTun, openTun } from '../fib/backends/userspace/tun';
import type { SnapshotMessage } from '../fib/backends/userspace/fib-handler';
import type { Port } from '../fib/backends/userspace/handler';

/** IANA protocol numbers: GRE (RFC 2784), IP-in-IP (RFC 2003), and IPPROTO_RAW for sending whole packets. */
const PROTO_GRE = 47;
const PROTO_IPIP = 4;
const PROTO_RAW = 255;

/**
 * Workers load compiled JavaScript. Running from dist/ the modules sit next
 * to this file; running from the TypeScript sources (tests), in dist/.
 */
function compiled(relative: string): string {
  const here = join(__dirname, relative);
  if (existsSync(here)) return here;
  const built = resolve(__dirname, '../../dist/src/daemon', relative);
  if (existsSync(built)) return built;
  throw new Error(`${relative.replace(/^\.\.\//, 'src/')} is not built: run npm run build`);
}

/** The TUN interface of a pair's local sessions: `hd-` and the pair name, cut to Linux's 15 characters. */
export function pairInterfaceName(pair: string): string {
  return `hd-${pair}`.slice(0, 15);
}

/** A TUN device as a port: up, no address (the operator routes into it), IPv4 only. */
function addTun(backend: UserspaceBackend, name: string): number {
  const tun = openTun(name);
  const fd = tun.fds[0];
  if (fd === undefined) throw new Error(`TUN ${name}: no descriptor`);
  // IPv4 only (the packet path's family): no IPv6 link-local chatter from the kernel into the forwarder.
  try {
    writeFileSync(`/proc/sys/net/ipv6/conf/${tun.name}/disable_ipv6`, '1');
  } catch {
    // No IPv6 in this kernel: nothing to silence.
  }
  configureTun(tun.name, { up: true });
  return backend.addPort('tun', fd, tun.name).id;
}

export interface PacketPlaneOptions {
  /** This node's address: tunnel source, ICMP error source, and where raw sockets bind. */
  readonly address: number;
  /** Half-duplex pairs: each gets a TUN device, the local interface of its sessions without a tunnel. */
  readonly pairs: readonly string[];
  /** Further TUN devices by name (a client router's LAN side). */
  readonly tuns?: readonly string[];
  readonly pathMtu: number;
  /**
   * Devices whose GRE to `address` comes in through an AF_XDP socket (handed to the forwarder as from the GRE
   * socket) and whose forwarded packets leave through it once the next hop's MAC is known; until then, and for
   * other devices, by the raw sockets (docs/packet-io.md, "AF_XDP ports").
   */
  readonly afXdp?: readonly string[];
  readonly onError: (message: string) => void;
}

export class PacketPlane {
  private constructor(
    private readonly backend: UserspaceBackend,
    private readonly counters: SharedArrayBuffer,
    /** pair → the port of its TUN device. */
    private readonly pairPorts: ReadonlyMap<string, number>,
    private readonly tunPorts: ReadonlyMap<string, number>,
    private readonly xdpModes: readonly string[],
  ) {}

  /** The port of a TUN device given in `tuns`. */
  tunPort(name: string): number | null {
    return this.tunPorts.get(name) ?? null;
  }

  /** The TUN port of a pair's local sessions; null when the pair has none (added after start). */
  pairPort(pair: string): number | null {
    return this.pairPorts.get(pair) ?? null;
  }

  static async start(fib: Fib, opts: PacketPlaneOptions): Promise<PacketPlane> {
    const fds: number[] = [];
    try {
      // Not bound to one address: tunnels may arrive on any of the node's addresses.
      for (const protocol of [PROTO_GRE, PROTO_IPIP, PROTO_RAW]) fds.push(openRawSocket({ protocol, receiveBufferBytes: 4 << 20, sendBufferBytes: 4 << 20 }));
    } catch (e) {
      for (const fd of fds) libcIo().close(fd);
      throw e;
    }
    const counters = forwarderCounters();
    const [gre, ipip, plain] = fds as [number, number, number];
    // Port ids follow addPort order: 0 gre, 1 ipip, 2 plain.
    const init: ForwarderInit = { snapshot: fib.snapshot(), ports: { gre: 0, ipip: 1, plain: 2 }, address: opts.address, pathMtu: opts.pathMtu, counters };
    const backend = new UserspaceBackend({
      handlerModule: compiled('../fib/backends/userspace/fib-handler.js'),
      workerScript: compiled('../fib/backends/userspace/port-worker.js'),
      handlerInit: init,
      onError: (e, port) => opts.onError(`packet worker${port ? ` ${port.name}` : ''}: ${e.message}`),
    });
    const grePort = backend.addPort('raw', gre, 'gre').id;
    backend.addPort('raw', ipip, 'ipip');
    backend.addPort('raw', plain, 'plain');
    const xdpModes: string[] = [];
    try {
      for (const ifname of opts.afXdp ?? []) {
        const p = backend.addXskPort({ ifname, receive: { protocols: [PROTO_GRE], localAddresses: [formatIpv4(opts.address)] }, ingressAs: grePort });
        xdpModes.push(`${ifname} ${backend.xdpMode(p.id) ?? '?'}`);
      }
    } catch (e) {
      await backend.stop();
      throw e;
    }
    const pairPorts = new Map<string, number>();
    for (const pair of opts.pairs) pairPorts.set(pair, addTun(backend, pairInterfaceName(pair)));
    fib.onSnapshot((snapshot) => backend.post({ type: 'fib-snapshot', snapshot } satisfies SnapshotMessage));
    await backend.start();
    // A snapshot published while the workers started would be lost otherwise.
    backend.post({ type: 'fib-snapshot', snapshot: fib.snapshot() } satisfies SnapshotMessage);
    const tunPorts = new Map<string, number>();
    for (const name of opts.tuns ?? []) tunPorts.set(name, addTun(backend, name));
    return new PacketPlane(backend, counters, pairPorts, tunPorts, xdpModes);
  }

  /** The AF_XDP devices and the mode their XDP program runs in ("eth0 native"). */
  get afXdp(): readonly string[] {
    return this.xdpModes;
  }

  /**
   * Sends a whole IPv4 packet (outer header included, IP_HDRINCL) on the GRE
   * or IP-in-IP socket from the main thread: liveness probes, a few per
   * second, not the packet path. False when the kernel refused it.
   */
  send(socket: 'gre' | 'ipip', packet: Buffer, destination: number): boolean {
    const port = this.backend.ports.find((p) => p.name === socket);
    if (!port) return false;
    return libcIo().sendto(port.fd, packet, packet.length, 0, sockaddrIn(destination), SOCKADDR_IN_SIZE) === packet.length;
  }

  get ports(): readonly Port[] {
    return this.backend.ports;
  }

  portCounters(id: number): PortCounters {
    return this.backend.counters(id);
  }

  /** What the forwarder did: forwarded, fell back, dropped by reason. */
  forwarding(): ReturnType<typeof readForwarderCounters> {
    return readForwarderCounters(this.counters);
  }

  async stop(): Promise<void> {
    await this.backend.stop();
  }
}
