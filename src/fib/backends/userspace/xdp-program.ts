/**
 * The XDP program in front of an AF_XDP port (xsk.ts): it redirects to the
 * port's XSKMAP only the packets the worker wants (IPv4 to one of the local
 * addresses, with one of the IP protocols, not fragmented) and passes every
 * other frame (ARP, ICMP, BGP over TCP, fragments) to the kernel unchanged
 * (XDP_PASS). See Documentation/networking/af_xdp.rst ("XSKMAP / BPF_MAP_TYPE_XSKMAP").
 *
 * The program is a handful of instructions, assembled here with the filter as
 * immediate operands and loaded with the bpf(2) system call: no compiler, no
 * object file, no libbpf at run time. It is attached with a BPF link
 * (BPF_LINK_CREATE, attach type BPF_XDP), so it is detached when the link
 * descriptor is closed, including when the process dies: a crashed daemon
 * leaves no program behind to swallow GRE.
 *
 * Native (driver) mode is tried first; veth supports it. Generic (SKB) mode is
 * the fall-back, and `mode` says which one ran.
 */
import koffi from 'koffi';
import { parseIpv4 } from '../../address-text';
import { libcIo, failWithErrno } from './libc-io';

export interface XskFilter {
  /** IP protocol numbers to redirect. Default [47] (GRE). */
  readonly protocols?: readonly number[];
  /** Redirect only packets to these IPv4 addresses (dotted quads). Default: any destination. */
  readonly localAddresses?: readonly string[];
}

export type XdpMode = 'native' | 'generic';

// include/uapi/linux/bpf.h
const BPF_MAP_CREATE = 0;
const BPF_MAP_UPDATE_ELEM = 2;
const BPF_PROG_LOAD = 5;
const BPF_LINK_CREATE = 28;
const BPF_MAP_TYPE_XSKMAP = 17;
const BPF_PROG_TYPE_XDP = 6;
const BPF_XDP = 37;
const XDP_FLAGS_SKB_MODE = 1 << 1;
const XDP_FLAGS_DRV_MODE = 1 << 2;
const XDP_PASS = 2;
const BPF_FUNC_redirect_map = 51;
const SYS_bpf = 321; // x86-64
/** Large enough for every command used here; the kernel requires the unused tail to be zero. */
const ATTR_SIZE = 144;

interface BpfCalls {
  bpf(cmd: number, attr: Buffer, size: number): number;
}

let calls: BpfCalls | undefined;

function bpfCalls(): BpfCalls {
  if (calls) return calls;
  const lib = koffi.load('libc.so.6');
  const syscall = lib.func('long syscall(long, ...)') as (n: number, ...args: unknown[]) => number;
  calls = { bpf: (cmd, attr, size) => syscall(SYS_bpf, 'int', cmd, 'void *', attr, 'uint32_t', size) };
  return calls;
}

function bpf(cmd: number, attr: Buffer, what: string): number {
  const r = bpfCalls().bpf(cmd, attr, ATTR_SIZE);
  if (r < 0) failWithErrno(libcIo(), what);
  return r;
}

/** One eBPF instruction (struct bpf_insn): opcode, dst/src registers, 16-bit offset, 32-bit immediate. */
function insn(code: number, dst: number, src: number, off: number, imm: number): Buffer {
  const b = Buffer.alloc(8);
  b.writeUInt8(code, 0);
  b.writeUInt8(((src & 0xf) << 4) | (dst & 0xf), 1);
  b.writeInt16LE(off, 2);
  b.writeInt32LE(imm | 0, 4);
  return b;
}

// Opcodes (Documentation/bpf/standardization/instruction-set.rst).
const LDX_W = 0x61;
const LDX_H = 0x69;
const LDX_B = 0x71;
const MOV64_X = 0xbf;
const MOV64_K = 0xb7;
const ADD64_K = 0x07;
const AND64_K = 0x57;
const JGT_X = 0x2d;
const JNE_K = 0x55;
const JEQ_K = 0x15;
const JSET_K = 0x45;
const JMP32_JEQ_K = 0x16;
const JA = 0x05;
const CALL = 0x85;
const EXIT = 0x95;
const LD_IMM64 = 0x18;
const BPF_PSEUDO_MAP_FD = 1;

/** A u32 read from the packet with a little-endian load, for network-order bytes `a.b.c.d`. */
function leOfNetworkOrder(address: number): number {
  const b = Buffer.alloc(4);
  b.writeUInt32BE(address >>> 0, 0);
  return b.readInt32LE(0);
}

/**
 * The filter program. Registers: r1 ctx (struct xdp_md), r2 data_end, r3 data,
 * r5 scratch. Any test that fails jumps to PASS (return XDP_PASS); a packet that
 * passes every test goes to bpf_redirect_map(xskmap, rx_queue_index, XDP_PASS),
 * which also passes it when no socket is in the map for that queue.
 */
export function assembleFilter(mapFd: number, filter: XskFilter = {}): Buffer {
  const protocols = filter.protocols ?? [47];
  if (protocols.length === 0 || protocols.some((p) => !Number.isInteger(p) || p < 0 || p > 255)) {
    throw new RangeError(`XSK filter protocols must be 0..255: ${protocols.join(',')}`);
  }
  const addresses = (filter.localAddresses ?? []).map(parseIpv4);
  // Jumps are patched once PASS's index is known: [instruction index, kind].
  const code: Buffer[] = [];
  const toPass: number[] = [];
  const emit = (b: Buffer): number => code.push(b) - 1;
  emit(insn(LDX_W, 2, 1, 4, 0)); // r2 = ctx->data_end
  emit(insn(LDX_W, 3, 1, 0, 0)); // r3 = ctx->data
  emit(insn(MOV64_X, 4, 3, 0, 0)); // r4 = data
  emit(insn(ADD64_K, 4, 0, 0, 14 + 20)); // Ethernet + IPv4 header without options
  toPass.push(emit(insn(JGT_X, 4, 2, 0, 0))); // too short
  emit(insn(LDX_H, 5, 3, 12, 0)); // EtherType (network order, loaded little-endian)
  toPass.push(emit(insn(JNE_K, 5, 0, 0, 0x0008))); // not 0x0800 IPv4
  emit(insn(LDX_B, 5, 3, 14, 0)); // version / IHL
  emit(insn(AND64_K, 5, 0, 0, 0xf0));
  toPass.push(emit(insn(JNE_K, 5, 0, 0, 0x40))); // not IPv4
  emit(insn(LDX_H, 5, 3, 20, 0)); // flags / fragment offset
  toPass.push(emit(insn(JSET_K, 5, 0, 0, 0xff3f))); // MF or an offset: a fragment, the kernel reassembles it
  emit(insn(LDX_B, 5, 3, 23, 0)); // protocol
  const protocolMatch: number[] = protocols.map((p) => emit(insn(JEQ_K, 5, 0, 0, p)));
  toPass.push(emit(insn(JA, 0, 0, 0, 0)));
  const afterProtocol = code.length;
  for (const i of protocolMatch) code[i]?.writeInt16LE(afterProtocol - i - 1, 2);
  if (addresses.length > 0) {
    emit(insn(LDX_W, 5, 3, 30, 0)); // destination address
    const addressMatch = addresses.map((a) => emit(insn(JMP32_JEQ_K, 5, 0, 0, leOfNetworkOrder(a))));
    toPass.push(emit(insn(JA, 0, 0, 0, 0)));
    const afterAddress = code.length;
    for (const i of addressMatch) code[i]?.writeInt16LE(afterAddress - i - 1, 2);
  }
  emit(insn(LDX_W, 2, 1, 16, 0)); // r2 = ctx->rx_queue_index: the key
  emit(insn(LD_IMM64, 1, BPF_PSEUDO_MAP_FD, 0, mapFd)); // r1 = the XSKMAP
  emit(insn(0, 0, 0, 0, 0));
  emit(insn(MOV64_K, 3, 0, 0, XDP_PASS)); // flags: the action when the queue has no socket
  emit(insn(CALL, 0, 0, 0, BPF_FUNC_redirect_map));
  emit(insn(EXIT, 0, 0, 0, 0));
  const pass = code.length;
  emit(insn(MOV64_K, 0, 0, 0, XDP_PASS));
  emit(insn(EXIT, 0, 0, 0, 0));
  for (const i of toPass) code[i]?.writeInt16LE(pass - i - 1, 2);
  return Buffer.concat(code);
}

/** The program, its XSKMAP and its attachment to one device. Close it to detach. */
export class XdpProgram {
  private closed = false;

  private constructor(
    readonly ifindex: number,
    readonly mode: XdpMode,
    readonly mapFd: number,
    readonly progFd: number,
    readonly linkFd: number,
  ) {}

  /**
   * Loads the filter for `filter` and attaches it to `ifindex` (native mode
   * first, unless `mode` says otherwise). `queues`: XSKMAP size (one entry per
   * receive queue of the device).
   */
  static attach(ifindex: number, filter: XskFilter = {}, options: { mode?: XdpMode; queues?: number } = {}): XdpProgram {
    const io = libcIo();
    const mapAttr = Buffer.alloc(ATTR_SIZE);
    mapAttr.writeUInt32LE(BPF_MAP_TYPE_XSKMAP, 0);
    mapAttr.writeUInt32LE(4, 4); // key: queue index
    mapAttr.writeUInt32LE(4, 8); // value: socket descriptor
    mapAttr.writeUInt32LE(Math.max(1, options.queues ?? 64), 12);
    mapAttr.write('hdvpn_xsks', 28, 'latin1');
    const mapFd = bpf(BPF_MAP_CREATE, mapAttr, 'bpf(BPF_MAP_CREATE, XSKMAP)');
    let progFd = -1;
    try {
      const insns = assembleFilter(mapFd, filter);
      const license = Buffer.from('GPL\0', 'latin1');
      const log = Buffer.alloc(65536);
      const progAttr = Buffer.alloc(ATTR_SIZE);
      progAttr.writeUInt32LE(BPF_PROG_TYPE_XDP, 0);
      progAttr.writeUInt32LE(insns.length / 8, 4);
      progAttr.writeBigUInt64LE(koffi.address(insns), 8);
      progAttr.writeBigUInt64LE(koffi.address(license), 16);
      progAttr.writeUInt32LE(1, 24); // log_level
      progAttr.writeUInt32LE(log.length, 28);
      progAttr.writeBigUInt64LE(koffi.address(log), 32);
      progAttr.write('hdvpn_xsk', 48, 'latin1');
      progAttr.writeUInt32LE(BPF_XDP, 68); // expected_attach_type
      progFd = bpfCalls().bpf(BPF_PROG_LOAD, progAttr, ATTR_SIZE);
      if (progFd < 0) {
        const e = io.errno();
        const text = log.toString('latin1', 0, Math.max(0, log.indexOf(0)));
        throw new Error(`bpf(BPF_PROG_LOAD) of the XSK filter: ${io.strerror(e)} (errno ${e})\n${text}`);
      }
      const tryAttach = (flags: number): number => {
        const linkAttr = Buffer.alloc(ATTR_SIZE);
        linkAttr.writeUInt32LE(progFd, 0);
        linkAttr.writeUInt32LE(ifindex, 4);
        linkAttr.writeUInt32LE(BPF_XDP, 8);
        linkAttr.writeUInt32LE(flags, 12);
        return bpfCalls().bpf(BPF_LINK_CREATE, linkAttr, ATTR_SIZE);
      };
      const order: XdpMode[] = options.mode ? [options.mode] : ['native', 'generic'];
      const failures: string[] = [];
      for (const mode of order) {
        const linkFd = tryAttach(mode === 'native' ? XDP_FLAGS_DRV_MODE : XDP_FLAGS_SKB_MODE);
        if (linkFd >= 0) return new XdpProgram(ifindex, mode, mapFd, progFd, linkFd);
        const e = io.errno();
        failures.push(`${mode}: ${io.strerror(e)} (errno ${e})`);
      }
      throw new Error(`cannot attach the XSK filter to ifindex ${ifindex}: ${failures.join('; ')}`);
    } catch (e) {
      if (progFd >= 0) io.close(progFd);
      io.close(mapFd);
      throw e;
    }
  }

  /** Puts the AF_XDP socket `xskFd` in the map for receive queue `queue`. */
  setSocket(queue: number, xskFd: number): void {
    xskMapSet(this.mapFd, queue, xskFd);
  }

  /** Detaches (closing the link) and releases the program and the map. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    const io = libcIo();
    io.close(this.linkFd);
    io.close(this.progFd);
    io.close(this.mapFd);
  }
}

/**
 * Puts a bound AF_XDP socket into an XSKMAP for receive queue `queue` (any
 * thread: descriptors are process-wide). The socket leaves the map by itself
 * when it is closed (af_xdp.rst, "XSKMAP / BPF_MAP_TYPE_XSKMAP").
 */
export function xskMapSet(mapFd: number, queue: number, xskFd: number): void {
  const key = Buffer.alloc(4);
  const value = Buffer.alloc(4);
  key.writeUInt32LE(queue, 0);
  value.writeUInt32LE(xskFd, 0);
  const attr = Buffer.alloc(ATTR_SIZE);
  attr.writeUInt32LE(mapFd, 0);
  attr.writeBigUInt64LE(koffi.address(key), 8);
  attr.writeBigUInt64LE(koffi.address(value), 16);
  bpf(BPF_MAP_UPDATE_ELEM, attr, `bpf(BPF_MAP_UPDATE_ELEM, queue ${queue})`);
}
