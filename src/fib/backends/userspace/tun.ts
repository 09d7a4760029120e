/**
 * TUN devices for the userspace backend: open("/dev/net/tun") + ioctl(TUNSETIFF)
 * (Documentation/networking/tuntap.rst). With IFF_NO_PI every read() returns
 * exactly one IP packet and every write() injects one; with IFF_MULTI_QUEUE
 * each extra open + TUNSETIFF on the same name attaches one more queue, and the
 * kernel spreads flows over the queues (one worker per queue).
 */
import { execFileSync } from 'node:child_process';
import { libcIo, failWithErrno, O_CLOEXEC, O_NONBLOCK, O_RDWR } from './libc-io';

const TUNSETIFF = 0x400454ca;
const IFF_TUN = 0x0001;
const IFF_MULTI_QUEUE = 0x0100;
const IFF_NO_PI = 0x1000;
/** struct ifreq: 16-byte name, then the union (flags is a u16 at offset 16); 40 bytes on x86-64. */
const IFREQ_SIZE = 40;
const IFNAMSIZ = 16;

export interface TunOptions {
  /** Number of queues (descriptors); more than 1 sets IFF_MULTI_QUEUE. Default 1. */
  queues?: number;
  /** Force IFF_MULTI_QUEUE even with one queue, so that queues can be attached later. */
  multiQueue?: boolean;
}

export interface TunDevice {
  /** The name the kernel gave the device (a pattern such as "hdv%d" is expanded). */
  readonly name: string;
  /** One non-blocking, close-on-exec descriptor per queue. The caller owns them. */
  readonly fds: readonly number[];
}

/** Creates (or attaches to) the TUN device `name` in the caller's network namespace. */
export function openTun(name: string, options: TunOptions = {}): TunDevice {
  const queues = options.queues ?? 1;
  if (!Number.isInteger(queues) || queues < 1) throw new RangeError(`TUN queues must be a positive integer: ${queues}`);
  const nameBytes = Buffer.from(name, 'ascii');
  if (nameBytes.length === 0 || nameBytes.length >= IFNAMSIZ) throw new RangeError(`TUN name must be 1..15 bytes: ${name}`);
  const multiQueue = options.multiQueue === true || queues > 1;
  const io = libcIo();
  const fds: number[] = [];
  let actualName = name;
  try {
    for (let q = 0; q < queues; q++) {
      const fd = io.open('/dev/net/tun', O_RDWR | O_NONBLOCK | O_CLOEXEC);
      if (fd < 0) failWithErrno(io, 'open /dev/net/tun');
      fds.push(fd);
      const ifr = Buffer.alloc(IFREQ_SIZE);
      // Later queues attach by the name the kernel returned for the first one.
      ifr.write(actualName, 0, IFNAMSIZ - 1, 'ascii');
      ifr.writeUInt16LE(IFF_TUN | IFF_NO_PI | (multiQueue ? IFF_MULTI_QUEUE : 0), 16);
      if (io.ioctlPtr(fd, TUNSETIFF, ifr) < 0) failWithErrno(io, `ioctl(TUNSETIFF, ${actualName})`);
      const end = ifr.indexOf(0);
      actualName = ifr.toString('ascii', 0, end < 0 || end > IFNAMSIZ ? IFNAMSIZ : end);
    }
  } catch (e) {
    for (const fd of fds) io.close(fd);
    throw e;
  }
  return { name: actualName, fds };
}

export interface TunAddressing {
  /** Interface address with prefix length, e.g. "10.99.0.1/24". */
  address?: string;
  mtu?: number;
  /** Default true. */
  up?: boolean;
}

/** Sets the address, MTU and link state with `ip` (namespace of the calling process). */
export function configureTun(name: string, addressing: TunAddressing): void {
  if (addressing.mtu !== undefined) execFileSync('ip', ['link', 'set', 'dev', name, 'mtu', String(addressing.mtu)]);
  if (addressing.address !== undefined) execFileSync('ip', ['addr', 'add', addressing.address, 'dev', name]);
  if (addressing.up !== false) execFileSync('ip', ['link', 'set', 'dev', name, 'up']);
}

/** Closes every queue; the (non-persistent) device disappears with the last one. */
export function closeTun(device: TunDevice): void {
  const io = libcIo();
  for (const fd of device.fds) io.close(fd);
}
