/** struct sockaddr_in / sockaddr_in6 bytes for the FFI calls (family in host order, port and address in network order). */
import { isIP } from 'node:net';
import { parseIp } from '../../wire/values/ip';
import { AF_INET, AF_INET6 } from './libc';

export function sockaddr(address: string, port: number, size?: number): Buffer {
  const bytes = parseIp(address);
  if (!bytes) throw new TypeError(`not an IP address: ${address}`);
  if (bytes.length === 4) {
    const b = Buffer.alloc(size ?? 16);
    b.writeUInt16LE(AF_INET, 0);
    b.writeUInt16BE(port, 2);
    b.set(bytes, 4);
    return b;
  }
  const b = Buffer.alloc(size ?? 28);
  b.writeUInt16LE(AF_INET6, 0);
  b.writeUInt16BE(port, 2);
  b.set(bytes, 8);
  return b;
}

export function familyOf(address: string): 4 | 6 {
  return isIP(address) === 6 ? 6 : 4;
}
