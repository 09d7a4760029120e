/**
 * Raw IPv4 sockets for tunnel protocols the kernel here cannot terminate itself
 * (no GRE or IP-in-IP link types, docs/packet-io.md): socket(AF_INET, SOCK_RAW,
 * 47 | 4). Each read returns the outer IPv4 header plus payload, as received.
 * With IP_HDRINCL the forwarder writes the whole outer IPv4 header; the kernel
 * still fills in the header checksum and total length (and the ID and source
 * address when they are zero), see raw(7).
 */
import { parseIpv4 } from '../../address-text';
import {
  AF_INET,
  IPPROTO_IP,
  libcIo,
  SOCK_CLOEXEC,
  SOCK_NONBLOCK,
  SOL_SOCKET,
  failWithErrno,
  IP_HDRINCL,
  SOCK_RAW,
  SO_RCVBUF,
  SO_RCVBUFFORCE,
  SO_SNDBUF,
  SO_SNDBUFFORCE,
} from './libc-io';

export const SOCKADDR_IN_SIZE = 16;

export interface RawSocketOptions {
  /** IP protocol number: 47 (GRE), 4 (IP-in-IP), 255 (IPPROTO_RAW, send only). */
  protocol: number;
  /** Local IPv4 address to bind: only packets to it are received. Default: any. */
  bindAddress?: string;
  /** IP_HDRINCL: the caller writes the IPv4 header. Default true. */
  headerIncluded?: boolean;
  /** SO_RCVBUF / SO_SNDBUF in bytes (the FORCE variants first, as root may exceed rmem_max). */
  receiveBufferBytes?: number;
  sendBufferBytes?: number;
}

/** Opens a non-blocking, close-on-exec raw IPv4 socket. The caller owns the descriptor. */
export function openRawSocket(options: RawSocketOptions): number {
  const { protocol } = options;
  if (!Number.isInteger(protocol) || protocol < 1 || protocol > 255) throw new RangeError(`IP protocol must be 1..255: ${protocol}`);
  const io = libcIo();
  const fd = io.socket(AF_INET, SOCK_RAW | SOCK_NONBLOCK | SOCK_CLOEXEC, protocol);
  if (fd < 0) failWithErrno(io, `socket(AF_INET, SOCK_RAW, ${protocol})`);
  try {
    const int = Buffer.alloc(4);
    if (options.headerIncluded !== false) {
      int.writeInt32LE(1, 0);
      if (io.setsockopt(fd, IPPROTO_IP, IP_HDRINCL, int, 4) < 0) failWithErrno(io, 'setsockopt(IP_HDRINCL)');
    }
    if (options.receiveBufferBytes !== undefined) setBuffer(fd, SO_RCVBUFFORCE, SO_RCVBUF, options.receiveBufferBytes);
    if (options.sendBufferBytes !== undefined) setBuffer(fd, SO_SNDBUFFORCE, SO_SNDBUF, options.sendBufferBytes);
    if (options.bindAddress !== undefined) {
      const sa = sockaddrIn(parseIpv4(options.bindAddress));
      if (io.bind(fd, sa, SOCKADDR_IN_SIZE) < 0) failWithErrno(io, `bind(${options.bindAddress})`);
    }
  } catch (e) {
    io.close(fd);
    throw e;
  }
  return fd;
}

function setBuffer(fd: number, force: number, plain: number, bytes: number): void {
  const io = libcIo();
  const value = Buffer.alloc(4);
  value.writeInt32LE(bytes, 0);
  if (io.setsockopt(fd, SOL_SOCKET, force, value, 4) === 0) return;
  if (io.setsockopt(fd, SOL_SOCKET, plain, value, 4) < 0) failWithErrno(io, 'setsockopt(SO_RCVBUF/SO_SNDBUF)');
}

/** Writes struct sockaddr_in { u16 family (host order), u16 port (BE), u32 addr (BE), 8 zero bytes } in place. */
export function writeSockaddrIn(buf: Buffer, address: number, port = 0): void {
  buf.writeUInt16LE(AF_INET, 0);
  buf.writeUInt16BE(port, 2);
  buf.writeUInt32BE(address >>> 0, 4);
  buf.fill(0, 8, SOCKADDR_IN_SIZE);
}

export function sockaddrIn(address: number, port = 0): Buffer {
  const buf = Buffer.alloc(SOCKADDR_IN_SIZE);
  writeSockaddrIn(buf, address, port);
  return buf;
}
