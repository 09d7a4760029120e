/**
 * Writes BGP messages into a classic pcap (LINKTYPE_RAW, IPv4/TCP port 179) so
 * an independent decoder (tshark) can read what our encoder produced.
 * Checksums are left zero: tshark does not verify them by default.
 */
import { writeFileSync } from 'node:fs';

function ipv4Tcp(payload: Buffer, seq: number, src: number, dst: number, sport: number, dport: number): Buffer {
  const ip = Buffer.alloc(20);
  const tcp = Buffer.alloc(20);
  ip[0] = 0x45;
  ip.writeUInt16BE(20 + 20 + payload.length, 2);
  ip[8] = 64;
  ip[9] = 6;
  ip.writeUInt32BE(src >>> 0, 12);
  ip.writeUInt32BE(dst >>> 0, 16);
  tcp.writeUInt16BE(sport, 0);
  tcp.writeUInt16BE(dport, 2);
  tcp.writeUInt32BE(seq >>> 0, 4);
  tcp.writeUInt32BE(1, 8);
  tcp[12] = 5 << 4;
  tcp[13] = 0x18; // PSH, ACK
  tcp.writeUInt16BE(65535, 14);
  return Buffer.concat([ip, tcp, payload]);
}

/** One TCP segment per message, all from 192.0.2.2:50000 to 192.0.2.1:179. */
export function writeBgpPcap(path: string, messages: readonly Buffer[]): void {
  const global = Buffer.alloc(24);
  global.writeUInt32LE(0xa1b2c3d4, 0);
  global.writeUInt16LE(2, 4);
  global.writeUInt16LE(4, 6);
  global.writeUInt32LE(262144, 16);
  global.writeUInt32LE(101, 20); // LINKTYPE_RAW
  const parts: Buffer[] = [global];
  let seq = 1;
  messages.forEach((m, i) => {
    const pkt = ipv4Tcp(m, seq, 0xc0000202, 0xc0000201, 50000, 179);
    seq += m.length;
    const rec = Buffer.alloc(16);
    rec.writeUInt32LE(1700000000 + i, 0);
    rec.writeUInt32LE(pkt.length, 8);
    rec.writeUInt32LE(pkt.length, 12);
    parts.push(rec, pkt);
  });
  writeFileSync(path, Buffer.concat(parts));
}
