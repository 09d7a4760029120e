/**
 * The contract between the userspace packet backend (which owns descriptors and
 * threads) and a packet handler (the FIB forwarder, or a test handler). A
 * handler module is loaded inside every port worker and must export
 * `createHandler: HandlerFactory`; it runs on that worker's thread only.
 */

export type PortKind = 'tun' | 'raw' | 'xsk';

/**
 * An AF_XDP port (docs/packet-io.md, "AF_XDP ports"): a socket on one queue of
 * one device, opened by the worker that owns it. Handlers never emit to it
 * directly: packets they emit to a raw port leave through it when their
 * destination's neighbour is on its device, and packets it receives reach the
 * handler as if from port `ingressAs`.
 */
export interface XskPortInfo {
  readonly ifname: string;
  readonly ifindex: number;
  readonly queue: number;
  /** Whether it receives (an XDP program on the device redirects the filtered packets to it). */
  readonly receive: boolean;
  /** The port id the handler sees as ingress for packets received here. */
  readonly ingressAs: number;
  /** The port whose worker owns (opens, drains and transmits on) this socket: itself when it receives. */
  readonly owner: number;
  /** XSKMAP descriptor of the device's XDP program (-1: transmit only). */
  readonly mapFd: number;
  /** The device's MAC address (aa:bb:cc:dd:ee:ff): the source of every frame sent here. */
  readonly mac: string;
  readonly mtu: number;
  readonly frames: number;
  readonly frameSize: number;
  readonly ringSize: number;
}

export interface Port {
  readonly id: number;
  readonly kind: PortKind;
  /** The descriptor; -1 for an XSK port, whose socket lives in its owner's worker. */
  readonly fd: number;
  readonly name: string;
  readonly xsk?: XskPortInfo;
}

export interface EmitResult {
  port: number;
  /** outer IPv4 destination (uint32) for raw ports */
  dst: number;
}

export interface PacketHandler {
  /**
   * inBuf[0..len) is one packet read from port `ingress` (TUN: an IP packet; raw
   * socket: outer IPv4 header + payload as the kernel returns it). Write the packet
   * to send into `out` starting at offset 0 and return its length, setting
   * result.port (and result.dst for raw ports); return 0 to drop. One in, at most
   * one out. Must not allocate per packet. A packet written to a TUN port must carry
   * a valid IPv4 header checksum (the kernel drops it otherwise); on a raw port with
   * IP_HDRINCL the kernel fills the checksum in. `inBuf` and `out` may be different
   * buffers on every call (batched I/O hands out one slot per packet): never keep them.
   */
  handle(inBuf: Buffer, len: number, ingress: number, out: Buffer, result: EmitResult): number;
  /** Called between batches (after the worker drained its descriptor); lets the handler pick up new shared tables. */
  idle?(): void;
  /** A control message broadcast with UserspaceBackend.post(), delivered between batches. */
  control?(message: unknown): void;
  /** A port was added while running; the `ports` array given to the factory already holds it. */
  portAdded?(port: Port): void;
}

/**
 * A module loaded in each worker: `createHandler(init, ports)` where init is
 * structured-clonable data (SharedArrayBuffers welcome). `ports` is the worker's
 * live table, indexed by port id; it grows when ports are added while running.
 */
export type HandlerFactory = (init: unknown, ports: readonly Port[]) => PacketHandler;
