/**
 * Per-neighbor TCP options operators expect: TCP-MD5 (RFC 2385) and GTSM
 * (RFC 5082). Both are setsockopt calls on the socket's descriptor.
 */
import { BgpTransportError } from './errors';
import { familyOf, sockaddr } from './sockaddr';
import {
  IP_MINTTL,
  IP_TTL,
  IPPROTO_IP,
  IPPROTO_IPV6,
  IPPROTO_TCP,
  IPV6_MINHOPCOUNT,
  IPV6_UNICAST_HOPS,
  libc,
  TCP_MD5SIG,
  TCP_MD5SIG_EXT,
} from './libc';

/** Linux TCP_MD5SIG_MAXKEYLEN. */
export const MD5_MAX_KEY_LENGTH = 80;

/**
 * struct tcp_md5sig (linux/tcp.h, 216 octets): sockaddr_storage (128), flags u8,
 * prefix length u8, key length u16, ifindex u32, key[80]. With a prefix
 * (TCP_MD5SIG_EXT) one key covers a whole range, which dynamic neighbors need.
 */
function md5Struct(peer: string, key: Buffer, prefixLength?: number): Buffer {
  const s = Buffer.alloc(216);
  sockaddr(peer, 0, 128).copy(s, 0);
  if (prefixLength !== undefined) {
    s[128] = 1; // TCP_MD5SIG_FLAG_PREFIX
    s[129] = prefixLength;
  }
  s.writeUInt16LE(key.length, 130);
  key.copy(s, 136);
  return s;
}

/**
 * Installs (or, with an empty key, removes) the MD5 key for `peer` on a socket:
 * on a listening socket it applies to connections from that peer, on an
 * outgoing one before connect() to that connection.
 */
export function setTcpMd5(fd: number, peer: string, key: string | Buffer, prefixLength?: number): void {
  const k = typeof key === 'string' ? Buffer.from(key, 'utf8') : key;
  if (k.length > MD5_MAX_KEY_LENGTH) throw new BgpTransportError(`TCP-MD5 key longer than ${MD5_MAX_KEY_LENGTH} octets`);
  const c = libc();
  const opt = prefixLength === undefined ? TCP_MD5SIG : TCP_MD5SIG_EXT;
  // The key itself is never part of an error message: secrets stay out of logs.
  if (c.setsockopt(fd, IPPROTO_TCP, opt, md5Struct(peer, k, prefixLength), 216) !== 0) {
    throw new BgpTransportError(`setsockopt(TCP_MD5SIG) for ${peer} failed: errno ${c.errno()}`);
  }
}

function setInt(fd: number, level: number, name: number, value: number, what: string): void {
  const b = Buffer.alloc(4);
  b.writeInt32LE(value, 0);
  const c = libc();
  if (c.setsockopt(fd, level, name, b, 4) !== 0) throw new BgpTransportError(`setsockopt(${what}) failed: errno ${c.errno()}`);
}

/**
 * RFC 5082 §3: send with TTL 255 and accept only packets whose TTL is at least
 * 256 - hops. `hops` is the number of hops the peer may be away (1 = directly connected).
 */
export function setGtsm(fd: number, peer: string, hops = 1): void {
  const minTtl = 256 - hops;
  if (familyOf(peer) === 4) {
    setInt(fd, IPPROTO_IP, IP_TTL, 255, 'IP_TTL');
    setInt(fd, IPPROTO_IP, IP_MINTTL, minTtl, 'IP_MINTTL');
  } else {
    setInt(fd, IPPROTO_IPV6, IPV6_UNICAST_HOPS, 255, 'IPV6_UNICAST_HOPS');
    setInt(fd, IPPROTO_IPV6, IPV6_MINHOPCOUNT, minTtl, 'IPV6_MINHOPCOUNT');
  }
}

/** Plain TTL for multihop eBGP without GTSM. */
export function setTtl(fd: number, peer: string, ttl: number): void {
  if (familyOf(peer) === 4) setInt(fd, IPPROTO_IP, IP_TTL, ttl, 'IP_TTL');
  else setInt(fd, IPPROTO_IPV6, IPV6_UNICAST_HOPS, ttl, 'IPV6_UNICAST_HOPS');
}
