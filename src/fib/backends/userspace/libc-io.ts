/**
 * The libc calls the userspace packet backend needs (TUN ioctl, raw sockets,
 * non-blocking reads, poll, eventfd) through koffi. Node has no API for any of
 * them on a TUN descriptor or a raw IP socket (docs/packet-io.md).
 *
 * Loaded lazily and cached per thread: every worker thread has its own module
 * instance, so each loads its own bindings the first time it needs them.
 * Synchronous koffi calls cost about 0.3 µs; never use `.async` on the hot path.
 */
import koffi from 'koffi';

export interface LibcIo {
  open(path: string, flags: number): number;
  /** ioctl with a pointer argument (struct ifreq and friends). */
  ioctlPtr(fd: number, request: number, arg: Buffer): number;
  read(fd: number, buf: Buffer, len: number): number;
  write(fd: number, buf: Buffer, len: number): number;
  socket(domain: number, type: number, protocol: number): number;
  bind(fd: number, addr: Buffer, len: number): number;
  sendto(fd: number, buf: Buffer, len: number, flags: number, addr: Buffer, addrLen: number): number;
  /** recvfrom without a source address (the IPv4 header already carries it). */
  recv(fd: number, buf: Buffer, len: number, flags: number): number;
  recvfrom(fd: number, buf: Buffer, len: number, flags: number, addr: Buffer, addrLen: Buffer): number;
  setsockopt(fd: number, level: number, name: number, value: Buffer, len: number): number;
  /** fcntl with an int argument (F_GETFL, F_SETFL). */
  fcntlInt(fd: number, cmd: number, arg: number): number;
  poll(fds: Buffer, nfds: number, timeoutMs: number): number;
  eventfd(initval: number, flags: number): number;
  close(fd: number): number;
  /** errno of the last failed call on this thread. */
  errno(): number;
  strerror(errnum: number): string;
}

let cached: LibcIo | undefined;

export function libcIo(): LibcIo {
  if (cached) return cached;
  const lib = koffi.load('libc.so.6');
  const open = lib.func('int open(const char *, int)') as (p: string, f: number) => number;
  const ioctl = lib.func('int ioctl(int, unsigned long, ...)') as (fd: number, r: number, t: string, a: Buffer) => number;
  const read = lib.func('intptr_t read(int, void *, size_t)') as (fd: number, b: Buffer, n: number) => number;
  const write = lib.func('intptr_t write(int, const void *, size_t)') as (fd: number, b: Buffer, n: number) => number;
  const socket = lib.func('int socket(int, int, int)') as (d: number, t: number, p: number) => number;
  const bind = lib.func('int bind(int, const void *, uint32_t)') as (fd: number, a: Buffer, n: number) => number;
  const sendto = lib.func('intptr_t sendto(int, const void *, size_t, int, const void *, uint32_t)') as (
    fd: number,
    b: Buffer,
    n: number,
    f: number,
    a: Buffer,
    al: number,
  ) => number;
  const recvfrom = lib.func('intptr_t recvfrom(int, void *, size_t, int, void *, void *)') as (
    fd: number,
    b: Buffer,
    n: number,
    f: number,
    a: Buffer | null,
    al: Buffer | null,
  ) => number;
  const setsockopt = lib.func('int setsockopt(int, int, int, const void *, uint32_t)') as (
    fd: number,
    l: number,
    n: number,
    v: Buffer,
    len: number,
  ) => number;
  const fcntl = lib.func('int fcntl(int, int, ...)') as (fd: number, c: number, t: string, a: number) => number;
  const poll = lib.func('int poll(void *, unsigned long, int)') as (f: Buffer, n: number, t: number) => number;
  const eventfd = lib.func('int eventfd(unsigned int, int)') as (v: number, f: number) => number;
  const close = lib.func('int close(int)') as (fd: number) => number;
  const strerror = lib.func('const char *strerror(int)') as (e: number) => string;
  cached = {
    open,
    ioctlPtr: (fd, request, arg) => ioctl(fd, request, 'void *', arg),
    read,
    write,
    socket,
    bind,
    sendto,
    recv: (fd, buf, len, flags) => recvfrom(fd, buf, len, flags, null, null),
    recvfrom,
    setsockopt,
    fcntlInt: (fd, cmd, arg) => fcntl(fd, cmd, 'int', arg),
    poll,
    eventfd,
    close,
    errno: () => koffi.errno(),
    strerror,
  };
  return cached;
}

/** Throws `what: strerror (errno N)` for a failed call. */
export function failWithErrno(io: LibcIo, what: string): never {
  const e = io.errno();
  throw new Error(`${what}: ${io.strerror(e)} (errno ${e})`);
}

/** Sets O_NONBLOCK on the open file description (shared by every descriptor that refers to it). */
export function setNonBlocking(io: LibcIo, fd: number): void {
  const flags = io.fcntlInt(fd, F_GETFL, 0);
  if (flags < 0) failWithErrno(io, `fcntl(${fd}, F_GETFL)`);
  if ((flags & O_NONBLOCK) !== 0) return;
  if (io.fcntlInt(fd, F_SETFL, flags | O_NONBLOCK) < 0) failWithErrno(io, `fcntl(${fd}, F_SETFL)`);
}

// Linux x86-64 / generic constants (include/uapi/asm-generic/fcntl.h, poll.h, errno-base.h, linux/in.h, eventfd.h).
export const O_RDWR = 0x2;
export const O_NONBLOCK = 0x800;
export const O_CLOEXEC = 0x80000;
export const F_GETFL = 3;
export const F_SETFL = 4;
export const POLLIN = 0x1;
export const POLLERR = 0x8;
export const POLLHUP = 0x10;
export const POLLNVAL = 0x20;
export const EFD_NONBLOCK = 0x800;
export const EFD_CLOEXEC = 0x80000;
export const EINTR = 4;
export const EAGAIN = 11;
export const EBUSY = 16;
export const ENOBUFS = 105;
/** send/recv flag: do not block this one call. */
export const MSG_DONTWAIT = 0x40;
// Socket constants of x86-64 Linux, declared here too: the FIB never imports bgp/ (DESIGN.md), whose TCP transport has its own.
export const AF_INET = 2;
export const SOCK_NONBLOCK = 0x800;
export const SOCK_CLOEXEC = 0x80000;
export const SOL_SOCKET = 1;
export const IPPROTO_IP = 0;
export const SOCK_RAW = 3;
export const IP_HDRINCL = 3;
export const SO_SNDBUF = 7;
export const SO_RCVBUF = 8;
export const SO_SNDBUFFORCE = 32;
export const SO_RCVBUFFORCE = 33;
export const IPPROTO_IPIP = 4;
export const IPPROTO_GRE = 47;
export const IPPROTO_RAW = 255;
/** struct pollfd: int fd; short events; short revents. */
export const POLLFD_SIZE = 8;
