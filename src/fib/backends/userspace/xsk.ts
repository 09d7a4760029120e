/**
 * AF_XDP sockets (Documentation/networking/af_xdp.rst): a UMEM (one mmap'd
 * area of fixed-size frames, registered with XDP_UMEM_REG), its fill and
 * completion rings, and the socket's RX and TX rings, each a single-producer /
 * single-consumer ring of descriptors shared with the kernel through mmap at
 * the XDP_PGOFF_* / XDP_UMEM_PGOFF_* offsets (getsockopt XDP_MMAP_OFFSETS).
 *
 * One socket belongs to one thread: every ring here has exactly one user-space
 * producer or consumer, so the only synchronisation is the ordering of the
 * producer/consumer words against the descriptors. Those words are read and
 * written with Atomics (sequentially consistent: at least the acquire/release
 * af_xdp.rst asks for) and the descriptors with plain typed-array accesses.
 *
 * veth has no zero-copy support, so sockets bind with XDP_COPY: the kernel
 * copies each received frame into a UMEM frame, and on transmit builds an skb
 * from a UMEM frame when sendto() kicks it (af_xdp.rst, "XDP_COPY"). Nothing
 * here allocates per packet: frame views are made once and cached.
 */
import koffi from 'koffi';
import { libcIo, failWithErrno, EAGAIN, EBUSY, ENOBUFS, MSG_DONTWAIT, SOCK_CLOEXEC, SOCK_RAW, type LibcIo } from './libc-io';

export const AF_XDP = 44;
export const SOL_XDP = 283;
const XDP_MMAP_OFFSETS = 1;
const XDP_RX_RING = 2;
const XDP_TX_RING = 3;
const XDP_UMEM_REG = 4;
const XDP_UMEM_FILL_RING = 5;
const XDP_UMEM_COMPLETION_RING = 6;
const XDP_STATISTICS = 7;
const XDP_COPY = 1 << 1;
const XDP_USE_NEED_WAKEUP = 1 << 3;
const XDP_RING_NEED_WAKEUP = 1;
const XDP_PGOFF_RX_RING = 0;
const XDP_PGOFF_TX_RING = 0x80000000;
const XDP_UMEM_PGOFF_FILL_RING = 0x100000000;
const XDP_UMEM_PGOFF_COMPLETION_RING = 0x180000000;
const PROT_READ = 1;
const PROT_WRITE = 2;
const MAP_SHARED = 0x01;
const MAP_PRIVATE = 0x02;
const MAP_ANONYMOUS = 0x20;
const MAP_POPULATE = 0x8000;
/** struct xdp_desc: u64 addr, u32 len, u32 options. */
const DESC_SIZE = 16;

interface XskCalls {
  mmap(addr: null, len: number, prot: number, flags: number, fd: number, offset: number): unknown;
  munmap(addr: unknown, len: number): number;
  getsockopt(fd: number, level: number, name: number, value: Buffer, len: Buffer): number;
  kick(fd: number, buf: null, len: number, flags: number, addr: null, addrLen: number): number;
  recvKick(fd: number, buf: null, len: number, flags: number, addr: null, addrLen: null): number;
  ifNameToIndex(name: string): number;
}

let cached: XskCalls | undefined;

function xskCalls(): XskCalls {
  if (cached) return cached;
  const lib = koffi.load('libc.so.6');
  cached = {
    mmap: lib.func('void *mmap(void *, size_t, int, int, int, int64_t)') as XskCalls['mmap'],
    munmap: lib.func('int munmap(void *, size_t)') as XskCalls['munmap'],
    getsockopt: lib.func('int getsockopt(int, int, int, void *, void *)') as XskCalls['getsockopt'],
    kick: lib.func('intptr_t sendto(int, const void *, size_t, int, const void *, uint32_t)') as XskCalls['kick'],
    recvKick: lib.func('intptr_t recvfrom(int, void *, size_t, int, void *, void *)') as XskCalls['recvKick'],
    ifNameToIndex: lib.func('unsigned int if_nametoindex(const char *)') as XskCalls['ifNameToIndex'],
  };
  return cached;
}

export function ifIndex(name: string): number {
  const index = xskCalls().ifNameToIndex(name);
  if (index === 0) throw new Error(`no network device ${name} in this namespace`);
  return index;
}

/** An mmap'd region seen from JavaScript. */
class Mapping {
  readonly bytes: Uint8Array;
  readonly words: Uint32Array;
  constructor(
    readonly pointer: unknown,
    readonly length: number,
  ) {
    const ab = koffi.view(pointer, length);
    this.bytes = new Uint8Array(ab);
    this.words = new Uint32Array(ab);
  }
  unmap(): void {
    xskCalls().munmap(this.pointer, this.length);
  }
}

function mapOrFail(io: LibcIo, len: number, prot: number, flags: number, fd: number, offset: number, what: string): Mapping {
  const p = xskCalls().mmap(null, len, prot, flags, fd, offset);
  // MAP_FAILED is (void *)-1.
  if (p === null || koffi.address(p) === 0xffffffffffffffffn) failWithErrno(io, what);
  return new Mapping(p, len);
}

/**
 * One ring: producer and consumer words, `flags`, and `size` descriptors of
 * `descSize` bytes. Indices are free-running u32 counters (af_xdp.rst).
 */
export class Ring {
  readonly mask: number;
  /** Word indices into the mapping. */
  readonly producerWord: number;
  readonly consumerWord: number;
  readonly flagsWord: number;
  /** Word index of descriptor 0. */
  readonly descWord: number;

  constructor(
    readonly mapping: Mapping,
    readonly size: number,
    readonly descSize: number,
    offsets: { producer: number; consumer: number; desc: number; flags: number },
  ) {
    this.mask = size - 1;
    this.producerWord = offsets.producer / 4;
    this.consumerWord = offsets.consumer / 4;
    this.flagsWord = offsets.flags / 4;
    this.descWord = offsets.desc / 4;
  }

  get words(): Uint32Array {
    return this.mapping.words;
  }

  loadProducer(): number {
    return Atomics.load(this.mapping.words, this.producerWord);
  }
  loadConsumer(): number {
    return Atomics.load(this.mapping.words, this.consumerWord);
  }
  storeProducer(value: number): void {
    Atomics.store(this.mapping.words, this.producerWord, value >>> 0);
  }
  storeConsumer(value: number): void {
    Atomics.store(this.mapping.words, this.consumerWord, value >>> 0);
  }
  needsWakeup(): boolean {
    return (Atomics.load(this.mapping.words, this.flagsWord) & XDP_RING_NEED_WAKEUP) !== 0;
  }
}

export interface XskSocketOptions {
  ifname: string;
  queue?: number;
  /** Receive ring (and fill ring) wanted. Default true. */
  rx?: boolean;
  /** Transmit ring (and completion ring) wanted. Default true. */
  tx?: boolean;
  /** UMEM frames (power of two). Default 4096. */
  frames?: number;
  /** Frame size: 2048 or 4096. Default 2048. */
  frameSize?: number;
  /** Descriptors per ring (power of two). Default 2048. */
  ringSize?: number;
}

export interface XskStatistics {
  rxDropped: number;
  rxInvalidDescs: number;
  txInvalidDescs: number;
  rxRingFull: number;
  rxFillRingEmpty: number;
  txRingEmpty: number;
}

/**
 * A bound AF_XDP socket with its own UMEM. The first half of the frames (or
 * all of them without TX) feed the fill ring; the others are the transmit pool.
 */
export class XskSocket {
  readonly fd: number;
  readonly ifindex: number;
  readonly queue: number;
  readonly frameSize: number;
  readonly frames: number;
  readonly umem: Mapping;
  readonly fill: Ring | undefined;
  readonly completion: Ring | undefined;
  readonly rx: Ring | undefined;
  readonly tx: Ring | undefined;
  /** Frame views by frame index, cached with the data offset they were made for (-1: none). */
  private readonly views: Buffer[] = [];
  private readonly viewOffset: Int32Array;
  /** Free transmit frames (addresses), a stack. */
  private readonly txFree: Uint32Array;
  private txFreeCount = 0;
  /** Local copies of the ring indices this side owns. */
  private rxConsumer = 0;
  private fillProducer = 0;
  private txProducer = 0;
  private txPublished = 0;
  /** Free TX ring slots as last read (a lower bound: the kernel only ever frees more). */
  private txRoomSeen = 0;
  private completionConsumer = 0;
  private closed = false;
  private readonly io: LibcIo = libcIo();

  constructor(options: XskSocketOptions) {
    const io = this.io;
    const wantRx = options.rx ?? true;
    const wantTx = options.tx ?? true;
    if (!wantRx && !wantTx) throw new RangeError('an XSK socket needs a receive or a transmit ring');
    this.frames = options.frames ?? 4096;
    this.frameSize = options.frameSize ?? 2048;
    const ringSize = options.ringSize ?? 2048;
    for (const [what, n] of [['frames', this.frames], ['ringSize', ringSize]] as const) {
      if (!Number.isInteger(n) || n < 2 || (n & (n - 1)) !== 0) throw new RangeError(`XSK ${what} must be a power of two: ${n}`);
    }
    this.queue = options.queue ?? 0;
    this.ifindex = ifIndex(options.ifname);
    this.viewOffset = new Int32Array(this.frames).fill(-1);
    this.txFree = new Uint32Array(this.frames);
    const fd = io.socket(AF_XDP, SOCK_RAW | SOCK_CLOEXEC, 0);
    if (fd < 0) failWithErrno(io, 'socket(AF_XDP)');
    this.fd = fd;
    const maps: Mapping[] = [];
    try {
      // Documentation/networking/af_xdp.rst, "UMEM": page-aligned memory, registered before the rings are mapped.
      this.umem = mapOrFail(io, this.frames * this.frameSize, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE, -1, 0, 'mmap(UMEM)');
      maps.push(this.umem);
      const reg = Buffer.alloc(32);
      reg.writeBigUInt64LE(koffi.address(this.umem.pointer), 0);
      reg.writeBigUInt64LE(BigInt(this.umem.length), 8);
      reg.writeUInt32LE(this.frameSize, 16);
      reg.writeUInt32LE(0, 20); // headroom
      reg.writeUInt32LE(0, 24); // flags: aligned chunks
      this.setInt(XDP_UMEM_REG, reg, 'XDP_UMEM_REG');
      // Both UMEM rings are required by bind, even for a socket that only sends (or only receives).
      this.setInt(XDP_UMEM_FILL_RING, int(ringSize), 'XDP_UMEM_FILL_RING');
      this.setInt(XDP_UMEM_COMPLETION_RING, int(ringSize), 'XDP_UMEM_COMPLETION_RING');
      if (wantRx) this.setInt(XDP_RX_RING, int(ringSize), 'XDP_RX_RING');
      if (wantTx) this.setInt(XDP_TX_RING, int(ringSize), 'XDP_TX_RING');
      const off = Buffer.alloc(128);
      const offLen = Buffer.alloc(4);
      offLen.writeUInt32LE(off.length, 0);
      if (xskCalls().getsockopt(fd, SOL_XDP, XDP_MMAP_OFFSETS, off, offLen) < 0) failWithErrno(io, 'getsockopt(XDP_MMAP_OFFSETS)');
      // struct xdp_mmap_offsets { rx, tx, fr, cr }, each { producer, consumer, desc, flags } (u64).
      const ringOffsets = (i: number): { producer: number; consumer: number; desc: number; flags: number } => ({
        producer: Number(off.readBigUInt64LE(i * 32)),
        consumer: Number(off.readBigUInt64LE(i * 32 + 8)),
        desc: Number(off.readBigUInt64LE(i * 32 + 16)),
        flags: Number(off.readBigUInt64LE(i * 32 + 24)),
      });
      const mapRing = (i: number, descSize: number, pgoff: number, what: string): Ring => {
        const o = ringOffsets(i);
        const m = mapOrFail(io, o.desc + ringSize * descSize, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_POPULATE, fd, pgoff, `mmap(${what})`);
        maps.push(m);
        return new Ring(m, ringSize, descSize, o);
      };
      this.rx = wantRx ? mapRing(0, DESC_SIZE, XDP_PGOFF_RX_RING, 'RX ring') : undefined;
      this.tx = wantTx ? mapRing(1, DESC_SIZE, XDP_PGOFF_TX_RING, 'TX ring') : undefined;
      this.fill = mapRing(2, 8, XDP_UMEM_PGOFF_FILL_RING, 'fill ring');
      this.completion = mapRing(3, 8, XDP_UMEM_PGOFF_COMPLETION_RING, 'completion ring');
      // Frames: the receive half goes to the fill ring now, the transmit half to the free stack.
      const rxFrames = wantRx ? (wantTx ? this.frames / 2 : this.frames) : 0;
      const toFill = Math.min(rxFrames, ringSize);
      for (let i = 0; i < toFill; i++) this.writeFill(i, i * this.frameSize);
      this.fillProducer = toFill;
      this.fill.storeProducer(toFill);
      for (let i = this.frames - 1; i >= rxFrames; i--) this.txFree[this.txFreeCount++] = i * this.frameSize;
      const sxdp = Buffer.alloc(16);
      sxdp.writeUInt16LE(AF_XDP, 0);
      sxdp.writeUInt16LE(XDP_COPY | XDP_USE_NEED_WAKEUP, 2);
      sxdp.writeUInt32LE(this.ifindex, 4);
      sxdp.writeUInt32LE(this.queue, 8);
      if (io.bind(fd, sxdp, 16) < 0) failWithErrno(io, `bind(AF_XDP, ${options.ifname} queue ${this.queue})`);
    } catch (e) {
      for (const m of maps) m.unmap();
      io.close(fd);
      throw e;
    }
  }

  private setInt(name: number, value: Buffer, what: string): void {
    if (this.io.setsockopt(this.fd, SOL_XDP, name, value, value.length) < 0) failWithErrno(this.io, `setsockopt(${what})`);
  }

  private writeFill(index: number, address: number): void {
    const ring = this.fill;
    if (!ring) return;
    const w = ring.descWord + (index & ring.mask) * 2;
    ring.words[w] = address;
    ring.words[w + 1] = 0;
  }

  /**
   * A Buffer from `address` to the end of its frame, cached per frame: the
   * kernel puts received data at the same offset of every frame, so after the
   * first packet in a frame no view is allocated any more.
   */
  view(address: number): Buffer {
    const frame = (address / this.frameSize) | 0;
    const offset = address - frame * this.frameSize;
    let v = this.views[frame];
    if (v === undefined || this.viewOffset[frame] !== offset) {
      v = Buffer.from(this.umem.bytes.buffer, address, this.frameSize - offset);
      this.views[frame] = v;
      this.viewOffset[frame] = offset;
    }
    return v;
  }

  // ---- receive ----

  /** Number of received descriptors waiting (up to `max`). */
  rxAvailable(max: number): number {
    const ring = this.rx;
    if (!ring) return 0;
    const n = (ring.loadProducer() - this.rxConsumer) >>> 0;
    return n < max ? n : max;
  }

  /** Address of the i-th waiting descriptor (i < rxAvailable()). */
  rxAddress(i: number): number {
    const ring = this.rx as Ring;
    return ring.words[ring.descWord + ((this.rxConsumer + i) & ring.mask) * 4] ?? 0;
  }

  rxLength(i: number): number {
    const ring = this.rx as Ring;
    return ring.words[ring.descWord + ((this.rxConsumer + i) & ring.mask) * 4 + 2] ?? 0;
  }

  /** Releases n received descriptors and gives their frames back to the kernel through the fill ring. */
  rxRelease(n: number): void {
    const ring = this.rx as Ring;
    const fill = this.fill as Ring;
    const frameMask = ~(this.frameSize - 1);
    for (let i = 0; i < n; i++) {
      const address = ring.words[ring.descWord + ((this.rxConsumer + i) & ring.mask) * 4] ?? 0;
      const w = fill.descWord + ((this.fillProducer + i) & fill.mask) * 2;
      fill.words[w] = address & frameMask;
      fill.words[w + 1] = 0;
    }
    this.rxConsumer = (this.rxConsumer + n) >>> 0;
    ring.storeConsumer(this.rxConsumer);
    this.fillProducer = (this.fillProducer + n) >>> 0;
    fill.storeProducer(this.fillProducer);
  }

  /** With XDP_USE_NEED_WAKEUP the kernel sets this when the fill ring ran dry and it wants a poll()/recvfrom(). */
  fillNeedsWakeup(): boolean {
    return this.fill?.needsWakeup() ?? false;
  }

  // ---- transmit ----

  /** A free transmit frame's address, or -1 when every frame is in flight (reap completions first). */
  txFrame(): number {
    if (this.txFreeCount === 0) {
      this.reapCompletions();
      if (this.txFreeCount === 0) return -1;
    }
    return this.txFree[--this.txFreeCount] ?? -1;
  }

  /** Returns a frame taken with txFrame() that was not queued. */
  txUnused(address: number): void {
    this.txFree[this.txFreeCount++] = address;
  }

  /** Free room in the TX ring (the kernel's consumer word is read again only when the last reading is used up). */
  txRoom(): number {
    if (this.txRoomSeen > 0) return this.txRoomSeen;
    const ring = this.tx as Ring;
    this.txRoomSeen = ring.size - ((this.txProducer - ring.loadConsumer()) >>> 0);
    return this.txRoomSeen;
  }

  /** Queues one frame (not yet visible to the kernel: txPublish()). */
  txQueue(address: number, length: number): void {
    const ring = this.tx as Ring;
    const w = ring.descWord + (this.txProducer & ring.mask) * 4;
    ring.words[w] = address;
    ring.words[w + 1] = 0;
    ring.words[w + 2] = length;
    ring.words[w + 3] = 0;
    this.txProducer = (this.txProducer + 1) >>> 0;
    if (this.txRoomSeen > 0) this.txRoomSeen--;
  }

  /**
   * Publishes the queued descriptors and kicks the kernel: in copy mode a
   * sendto() sends them (at most 32 per call, so it is repeated while the
   * kernel answers EAGAIN and still has descriptors). Returns the errno of a
   * failed kick, 0 when fine.
   */
  txPublish(): number {
    const ring = this.tx as Ring;
    ring.storeProducer(this.txProducer);
    this.txPublished = this.txProducer;
    let errno = 0;
    // In copy mode each sendto() transmits at most 32 descriptors (TX_BATCH_SIZE in net/xdp/xsk.c) and answers
    // EAGAIN when more are left: kick until the kernel has taken all of them (bounded, in case it stops taking).
    for (let guard = 0; guard < 256; guard++) {
      if (ring.loadConsumer() === this.txProducer || !ring.needsWakeup()) break;
      const r = xskCalls().kick(this.fd, null, 0, MSG_DONTWAIT, null, 0);
      if (r >= 0) continue;
      const e = this.io.errno();
      if (e === EAGAIN || e === EBUSY) continue;
      // ENOBUFS: no skb could be allocated; the descriptors stay queued for the next kick.
      if (e !== ENOBUFS) errno = e;
      break;
    }
    this.reapCompletions();
    return errno;
  }

  /** Descriptors queued with txQueue() and not yet published. */
  get txPending(): number {
    return (this.txProducer - this.txPublished) >>> 0;
  }

  /** Moves completed transmit frames back to the free stack. */
  reapCompletions(): number {
    const ring = this.completion;
    if (!ring || !this.tx) return 0;
    const n = (ring.loadProducer() - this.completionConsumer) >>> 0;
    for (let i = 0; i < n; i++) {
      const w = ring.descWord + ((this.completionConsumer + i) & ring.mask) * 2;
      this.txFree[this.txFreeCount++] = ring.words[w] ?? 0;
    }
    if (n > 0) {
      this.completionConsumer = (this.completionConsumer + n) >>> 0;
      ring.storeConsumer(this.completionConsumer);
    }
    return n;
  }

  /** Descriptors queued to the kernel and not yet completed. */
  get txInFlight(): number {
    return this.frames - this.txFreeCount - (this.rx ? (this.tx ? this.frames / 2 : this.frames) : 0);
  }

  /** A recvfrom() with MSG_DONTWAIT: the wake-up the kernel asks for when the fill ring ran dry. */
  rxWakeup(): void {
    xskCalls().recvKick(this.fd, null, 0, MSG_DONTWAIT, null, null);
  }

  statistics(): XskStatistics {
    return readXskStatistics(this.fd);
  }

  /** Unmaps the rings and the UMEM and closes the socket (the kernel unpins the UMEM when the last reference goes). */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    for (const r of [this.rx, this.tx, this.fill, this.completion]) r?.mapping.unmap();
    this.io.close(this.fd);
    this.umem.unmap();
  }

  /**
   * The mappings (koffi 3 pointers are BigInts, so these are structured-clonable): what another thread must unmap,
   * together with closing `fd`, if this socket's thread dies without close() (releaseXsk).
   */
  get regions(): XskRegion[] {
    const maps = [this.umem, ...[this.rx, this.tx, this.fill, this.completion].map((r) => r?.mapping)];
    return maps.filter((m): m is Mapping => m !== undefined).map((m) => ({ address: BigInt(koffi.address(m.pointer)), length: m.length }));
  }
}

export interface XskRegion {
  readonly address: bigint;
  readonly length: number;
}

/**
 * Releases the socket of a thread that died without closing it (a worker that
 * called process.exit, or was terminated): unmaps its rings and UMEM and closes
 * the descriptor, so the kernel unbinds it from its queue (the ring mappings
 * hold a reference to the socket as long as they exist).
 */
export function releaseXsk(fd: number, regions: readonly XskRegion[]): void {
  for (const r of regions) xskCalls().munmap(r.address, r.length);
  libcIo().close(fd);
}

function int(n: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeInt32LE(n, 0);
  return b;
}

/** getsockopt(XDP_STATISTICS) on any XSK descriptor of this process. */
export function readXskStatistics(fd: number): XskStatistics {
  const io = libcIo();
  const b = Buffer.alloc(48);
  const len = Buffer.alloc(4);
  len.writeUInt32LE(48, 0);
  if (xskCalls().getsockopt(fd, SOL_XDP, XDP_STATISTICS, b, len) < 0) failWithErrno(io, 'getsockopt(XDP_STATISTICS)');
  const u = (i: number): number => Number(b.readBigUInt64LE(i * 8));
  return { rxDropped: u(0), rxInvalidDescs: u(1), txInvalidDescs: u(2), rxRingFull: u(3), rxFillRingEmpty: u(4), txRingEmpty: u(5) };
}
