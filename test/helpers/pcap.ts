/**
 * A small capture reader for tests: classic pcap (either byte order, micro- or
 * nanosecond) and pcapng (SHB/IDB/EPB/SPB), gzip-wrapped or not. Link types:
 * Ethernet (with 802.1Q/QinQ tags), Linux cooked v1/v2, raw IP, BSD loopback
 * and Cisco HDLC. IPv4 and IPv6 (skipping common extension headers), TCP only.
 * TCP streams are reassembled per direction by concatenating payloads in
 * capture order: enough for the tidy captures of the test corpus.
 */
import { readFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';

export interface CapturedPacket {
  readonly linkType: number;
  readonly data: Buffer;
}

export interface TcpSegment {
  readonly src: string;
  readonly dst: string;
  readonly srcPort: number;
  readonly dstPort: number;
  readonly seq: number;
  /** TCP flags octet (FIN 0x01, SYN 0x02, RST 0x04, PSH 0x08, ACK 0x10). */
  readonly flags: number;
  readonly payload: Buffer;
}

export interface StreamMessage {
  /** "src:port>dst:port" of the direction the message travelled. */
  readonly stream: string;
  readonly message: Buffer;
}

function readUInt32(b: Buffer, off: number, le: boolean): number {
  return le ? b.readUInt32LE(off) : b.readUInt32BE(off);
}

function readUInt16(b: Buffer, off: number, le: boolean): number {
  return le ? b.readUInt16LE(off) : b.readUInt16BE(off);
}

function readClassicPcap(buf: Buffer): CapturedPacket[] {
  const magicLe = buf.readUInt32LE(0);
  const le = magicLe === 0xa1b2c3d4 || magicLe === 0xa1b23c4d;
  const linkType = readUInt32(buf, 20, le) & 0xffff;
  const out: CapturedPacket[] = [];
  for (let off = 24; off + 16 <= buf.length; ) {
    const incl = readUInt32(buf, off + 8, le);
    const start = off + 16;
    if (start + incl > buf.length) break;
    out.push({ linkType, data: buf.subarray(start, start + incl) });
    off = start + incl;
  }
  return out;
}

function readPcapng(buf: Buffer): CapturedPacket[] {
  const out: CapturedPacket[] = [];
  let le = true;
  let interfaces: number[] = [];
  for (let off = 0; off + 12 <= buf.length; ) {
    if (buf.readUInt32LE(off) === 0x0a0d0d0a) {
      // Section Header Block: the byte-order magic decides the endianness of the section.
      le = buf.readUInt32LE(off + 8) === 0x1a2b3c4d;
      interfaces = [];
    }
    const type = readUInt32(buf, off, le);
    const length = readUInt32(buf, off + 4, le);
    if (length < 12 || off + length > buf.length) break;
    if (type === 1) interfaces.push(readUInt16(buf, off + 8, le));
    if (type === 6) {
      const linkType = interfaces[readUInt32(buf, off + 8, le)] ?? 1;
      const captured = readUInt32(buf, off + 20, le);
      out.push({ linkType, data: buf.subarray(off + 28, off + 28 + captured) });
    }
    if (type === 3) {
      const original = readUInt32(buf, off + 8, le);
      out.push({ linkType: interfaces[0] ?? 1, data: buf.subarray(off + 12, off + 12 + Math.min(original, length - 16)) });
    }
    off += length;
  }
  return out;
}

/** Every packet of a capture file (pcap or pcapng, optionally gzipped). */
export function readCapture(path: string): CapturedPacket[] {
  let buf = readFileSync(path);
  if (buf[0] === 0x1f && buf[1] === 0x8b) buf = gunzipSync(buf);
  if (buf.length < 24) return [];
  return buf.readUInt32LE(0) === 0x0a0d0d0a ? readPcapng(buf) : readClassicPcap(buf);
}

/** The IP packet inside a link-layer frame, or null when it is not IP. */
function ipPayload(linkType: number, d: Buffer): Buffer | null {
  const byEtherType = (etherType: number, off: number): Buffer | null =>
    etherType === 0x0800 || etherType === 0x86dd ? d.subarray(off) : null;
  switch (linkType) {
    case 1: {
      let off = 12;
      let etherType = d.length >= 14 ? d.readUInt16BE(off) : 0;
      while ((etherType === 0x8100 || etherType === 0x88a8) && d.length >= off + 6) {
        off += 4;
        etherType = d.readUInt16BE(off);
      }
      return byEtherType(etherType, off + 2);
    }
    case 113:
      return d.length >= 16 ? byEtherType(d.readUInt16BE(14), 16) : null;
    case 276:
      return d.length >= 20 ? byEtherType(d.readUInt16BE(0), 20) : null;
    case 104:
      return d.length >= 4 ? byEtherType(d.readUInt16BE(2), 4) : null;
    case 0:
    case 108:
      return d.subarray(4);
    case 12:
    case 14:
    case 101:
    case 228:
    case 229:
      return d;
    default:
      return null;
  }
}

function ipv6Address(b: Buffer): string {
  const groups: string[] = [];
  for (let i = 0; i < 16; i += 2) groups.push(b.readUInt16BE(i).toString(16));
  return groups.join(':');
}

/** Source, destination and TCP octets of an IP packet, or null when not TCP. */
function tcpOfIp(ip: Buffer): { src: string; dst: string; tcp: Buffer } | null {
  const version = (ip[0] ?? 0) >> 4;
  if (version === 4 && ip.length >= 20) {
    const ihl = ((ip[0] ?? 0) & 0x0f) * 4;
    if (ip[9] !== 6) return null;
    const total = Math.min(ip.readUInt16BE(2), ip.length);
    return { src: [...ip.subarray(12, 16)].join('.'), dst: [...ip.subarray(16, 20)].join('.'), tcp: ip.subarray(ihl, total) };
  }
  if (version === 6 && ip.length >= 40) {
    let next = ip[6] ?? 0;
    let off = 40;
    const end = Math.min(40 + ip.readUInt16BE(4), ip.length);
    // Hop-by-hop, routing and destination options: length in 8-octet units after the first 8.
    while ((next === 0 || next === 43 || next === 60 || next === 44) && off + 8 <= end) {
      const length = next === 44 ? 8 : ((ip[off + 1] ?? 0) + 1) * 8;
      next = ip[off] ?? 0;
      off += length;
    }
    if (next !== 6) return null;
    return { src: ipv6Address(ip.subarray(8, 24)), dst: ipv6Address(ip.subarray(24, 40)), tcp: ip.subarray(off, end) };
  }
  return null;
}

/** The TCP segments of a capture, in capture order. */
export function readTcpSegments(path: string): TcpSegment[] {
  const out: TcpSegment[] = [];
  for (const p of readCapture(path)) {
    const ip = ipPayload(p.linkType, p.data);
    const t = ip ? tcpOfIp(ip) : null;
    if (!t || t.tcp.length < 20) continue;
    const dataOffset = ((t.tcp[12] ?? 0) >> 4) * 4;
    out.push({
      src: t.src,
      dst: t.dst,
      srcPort: t.tcp.readUInt16BE(0),
      dstPort: t.tcp.readUInt16BE(2),
      seq: t.tcp.readUInt32BE(4),
      flags: t.tcp[13] ?? 0,
      payload: t.tcp.subarray(dataOffset),
    });
  }
  return out;
}

/** Each direction's payload, concatenated in capture order, keyed "src:port>dst:port". */
export function tcpStreams(segments: readonly TcpSegment[]): Map<string, Buffer> {
  const parts = new Map<string, Buffer[]>();
  for (const s of segments) {
    if (s.payload.length === 0) continue;
    const key = `${s.src}:${s.srcPort}>${s.dst}:${s.dstPort}`;
    const list = parts.get(key) ?? [];
    list.push(s.payload);
    parts.set(key, list);
  }
  return new Map([...parts].map(([k, v]) => [k, Buffer.concat(v)]));
}

/** Splits a byte stream into BGP messages by their Length field; stops at a bad marker or a partial message. */
export function splitBgpMessages(stream: Buffer): Buffer[] {
  const out: Buffer[] = [];
  for (let off = 0; off + 19 <= stream.length; ) {
    for (let i = 0; i < 16; i++) if (stream[off + i] !== 0xff) return out;
    const length = stream.readUInt16BE(off + 16);
    if (length < 19 || off + length > stream.length) return out;
    out.push(stream.subarray(off, off + length));
    off += length;
  }
  return out;
}

/**
 * Every BGP message of a capture (TCP with either port in `ports`), in the
 * order each completed: a message is emitted when its last segment is seen.
 */
export function readBgpMessages(path: string, ports: readonly number[] = [179]): StreamMessage[] {
  const pending = new Map<string, Buffer>();
  const out: StreamMessage[] = [];
  for (const s of readTcpSegments(path)) {
    if (s.payload.length === 0 || !(ports.includes(s.srcPort) || ports.includes(s.dstPort))) continue;
    const stream = `${s.src}:${s.srcPort}>${s.dst}:${s.dstPort}`;
    const buf = Buffer.concat([pending.get(stream) ?? Buffer.alloc(0), s.payload]);
    const messages = splitBgpMessages(buf);
    let used = 0;
    for (const message of messages) {
      out.push({ stream, message });
      used += message.length;
    }
    pending.set(stream, buf.subarray(used));
  }
  return out;
}
