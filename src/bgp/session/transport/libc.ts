/**
 * The few libc calls Node has no API for (TCP-MD5, GTSM, binding a socket we
 * create ourselves), through koffi. Loaded lazily so that code paths without
 * these options never touch FFI.
 */
import koffi from 'koffi';

export interface Libc {
  socket(domain: number, type: number, protocol: number): number;
  setsockopt(fd: number, level: number, name: number, value: Buffer, len: number): number;
  bind(fd: number, addr: Buffer, len: number): number;
  close(fd: number): number;
  /** errno of the last failed call on this thread. */
  errno(): number;
}

let cached: Libc | undefined;

export function libc(): Libc {
  if (cached) return cached;
  const lib = koffi.load('libc.so.6');
  const socket = lib.func('int socket(int, int, int)') as (d: number, t: number, p: number) => number;
  const setsockopt = lib.func('int setsockopt(int, int, int, const void *, uint32_t)') as (fd: number, l: number, n: number, v: Buffer, len: number) => number;
  const bind = lib.func('int bind(int, const void *, uint32_t)') as (fd: number, a: Buffer, len: number) => number;
  const close = lib.func('int close(int)') as (fd: number) => number;
  const errnoLocation = lib.func('int *__errno_location()') as () => unknown;
  cached = {
    socket,
    setsockopt,
    bind,
    close,
    errno: () => koffi.decode(errnoLocation(), 'int') as number,
  };
  return cached;
}

// Linux constants (include/uapi/linux/*.h, asm-generic/socket.h).
export const AF_INET = 2;
export const AF_INET6 = 10;
export const SOCK_STREAM = 1;
export const SOCK_NONBLOCK = 0x800;
export const SOCK_CLOEXEC = 0x80000;
export const IPPROTO_IP = 0;
export const IPPROTO_TCP = 6;
export const IPPROTO_IPV6 = 41;
export const IP_TTL = 2;
export const IP_MINTTL = 21;
export const IPV6_UNICAST_HOPS = 16;
export const IPV6_MINHOPCOUNT = 73;
export const TCP_MD5SIG = 14;
export const TCP_MD5SIG_EXT = 32;
export const SOL_SOCKET = 1;
export const SO_REUSEADDR = 2;
export const IPV6_V6ONLY = 26;
