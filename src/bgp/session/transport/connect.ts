/**
 * Opening BGP transport connections with per-neighbor socket options. Options
 * that must exist before the SYN leaves (TCP-MD5, TTL) need a descriptor we
 * create ourselves through libc; node:net then adopts it and connects.
 */
import net from 'node:net';
import { BgpTransportError } from './errors';
import { AF_INET, AF_INET6, libc, SOCK_CLOEXEC, SOCK_NONBLOCK, SOCK_STREAM } from './libc';
import { setGtsm, setTcpMd5, setTtl } from './options';
import { familyOf, sockaddr } from './sockaddr';

export interface ConnectOptions {
  readonly remoteAddress: string;
  readonly remotePort: number;
  readonly localAddress?: string;
  /** TCP-MD5 key (RFC 2385). Never logged. */
  readonly md5Key?: string | Buffer;
  /** GTSM (RFC 5082): the peer is at most this many hops away. */
  readonly gtsmHops?: number;
  /** Outgoing TTL for multihop eBGP when GTSM is off. */
  readonly ttl?: number;
}

export function openConnection(opts: ConnectOptions): net.Socket {
  const needsFfi = opts.md5Key !== undefined || opts.gtsmHops !== undefined || opts.ttl !== undefined;
  if (!needsFfi) {
    return net.connect({ host: opts.remoteAddress, port: opts.remotePort, ...(opts.localAddress ? { localAddress: opts.localAddress } : {}) });
  }
  const c = libc();
  const family = familyOf(opts.remoteAddress);
  const fd = c.socket(family === 4 ? AF_INET : AF_INET6, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) throw new BgpTransportError(`socket() failed: errno ${c.errno()}`);
  try {
    if (opts.md5Key !== undefined) setTcpMd5(fd, opts.remoteAddress, opts.md5Key);
    if (opts.gtsmHops !== undefined) setGtsm(fd, opts.remoteAddress, opts.gtsmHops);
    else if (opts.ttl !== undefined) setTtl(fd, opts.remoteAddress, opts.ttl);
    if (opts.localAddress) {
      const sa = sockaddr(opts.localAddress, 0);
      if (c.bind(fd, sa, sa.length) !== 0) throw new BgpTransportError(`bind(${opts.localAddress}) failed: errno ${c.errno()}`);
    }
  } catch (e) {
    c.close(fd);
    throw e;
  }
  const socket = new net.Socket({ fd, readable: true, writable: true });
  socket.connect({ host: opts.remoteAddress, port: opts.remotePort });
  return socket;
}

/** The descriptor under a node:net socket or server (node keeps it on the private handle). */
export function descriptorOf(handleOwner: net.Socket | net.Server): number {
  const handle = (handleOwner as unknown as { _handle?: { fd?: unknown } })._handle;
  const fd = handle?.fd;
  if (typeof fd !== 'number' || fd < 0) throw new BgpTransportError('socket has no descriptor (not open yet, or closed)');
  return fd;
}

/**
 * TCP-MD5 on a listening socket: incoming connections from `peer` (or from a
 * prefix, for dynamic neighbors) must carry this key; an empty key removes it.
 */
export function setListenerMd5(server: net.Server, peer: string, key: string | Buffer, prefixLength?: number): void {
  setTcpMd5(descriptorOf(server), peer, key, prefixLength);
}

/** GTSM on an accepted connection: later segments below the minimum TTL are dropped by the kernel. */
export function setAcceptedGtsm(socket: net.Socket, peer: string, hops = 1): void {
  setGtsm(descriptorOf(socket), peer, hops);
}

/**
 * RFC 5082 §3 on the passive side: our SYN-ACK must already leave with TTL 255,
 * so the listener sends with TTL 255 whenever any neighbor uses GTSM (it only
 * raises the TTL of what we send; the minimum-TTL check is per accepted socket).
 */
export function setListenerGtsmTtl(server: net.Server, family: 4 | 6 = 4): void {
  setTtl(descriptorOf(server), family === 4 ? '0.0.0.0' : '::', 255);
}
