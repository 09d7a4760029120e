/**
 * Writes whole IP packets into a classic pcap with LINKTYPE_RAW (101), so an
 * independent decoder (tshark) can read what an encoder produced. Unlike
 * pcap-writer.ts nothing is wrapped: each buffer is one packet, as is.
 */
import { writeFileSync } from 'node:fs';

export const LINKTYPE_RAW = 101;

export function writeRawIpPcap(path: string, packets: readonly Buffer[]): void {
  const global = Buffer.alloc(24);
  global.writeUInt32LE(0xa1b2c3d4, 0); // magic, microsecond timestamps
  global.writeUInt16LE(2, 4); // version 2.4
  global.writeUInt16LE(4, 6);
  global.writeUInt32LE(262144, 16); // snaplen
  global.writeUInt32LE(LINKTYPE_RAW, 20);
  const parts: Buffer[] = [global];
  packets.forEach((packet, i) => {
    const record = Buffer.alloc(16);
    record.writeUInt32LE(1700000000 + i, 0); // seconds; microseconds stay 0
    record.writeUInt32LE(packet.length, 8); // captured length
    record.writeUInt32LE(packet.length, 12); // original length
    parts.push(record, packet);
  });
  writeFileSync(path, Buffer.concat(parts));
}
