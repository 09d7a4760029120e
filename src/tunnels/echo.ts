/**
 * Tunnel liveness probes: an IPv4/UDP echo to port 3785 (the BFD echo port,
 * RFC 5881 §4) sent *inside* a tunnel, addressed from the tunnel's far end
 * back to us, as GRE keepalives routers use (the far end decapsulates and
 * routes the inner packet home; nothing of ours runs there). The inner
 * source is the far end's address, so the answer is not a martian packet
 * with our own source when it arrives.
 *
 * Payload: "HDVE", tunnel id, sequence number, send time (ms, float64).
 */
import { internetChecksum } from './checksum';
import { IPV4_HEADER_LENGTH, IpProtocol } from './ipv4-header';

export const ECHO_PORT = 3785;
const MAGIC = 0x48445645; // "HDVE"
const UDP_LENGTH = 8;
const PAYLOAD = 20;
export const ECHO_PACKET_LENGTH = IPV4_HEADER_LENGTH + UDP_LENGTH + PAYLOAD;

export interface Echo {
  /** Our id of the tunnel the probe went into. */
  tunnel: number;
  seq: number;
  /** When it was sent (ms). */
  sentAt: number;
  /** The inner packet's addresses (uint32). */
  source: number;
  destination: number;
}

export function createEcho(): Echo {
  return { tunnel: -1, seq: 0, sentAt: 0, source: 0, destination: 0 };
}

/** Writes the inner probe packet at buf[offset]; returns its length. */
export function writeEcho(buf: Buffer, offset: number, from: number, to: number, tunnel: number, seq: number, sentAt: number): number {
  buf.fill(0, offset, offset + ECHO_PACKET_LENGTH);
  buf[offset] = 0x45;
  buf.writeUInt16BE(ECHO_PACKET_LENGTH, offset + 2);
  buf.writeUInt16BE(seq & 0xffff, offset + 4);
  buf[offset + 8] = 64;
  buf[offset + 9] = IpProtocol.Udp;
  buf.writeUInt32BE(from >>> 0, offset + 12);
  buf.writeUInt32BE(to >>> 0, offset + 16);
  buf.writeUInt16BE(internetChecksum(buf, offset, IPV4_HEADER_LENGTH), offset + 10);
  const udp = offset + IPV4_HEADER_LENGTH;
  buf.writeUInt16BE(ECHO_PORT, udp);
  buf.writeUInt16BE(ECHO_PORT, udp + 2);
  buf.writeUInt16BE(UDP_LENGTH + PAYLOAD, udp + 4);
  // UDP checksum 0: allowed over IPv4 (RFC 768).
  const p = udp + UDP_LENGTH;
  buf.writeUInt32BE(MAGIC, p);
  buf.writeUInt32BE(tunnel >>> 0, p + 4);
  buf.writeUInt32BE(seq >>> 0, p + 8);
  buf.writeDoubleBE(sentAt, p + 12);
  return ECHO_PACKET_LENGTH;
}

/** True when buf[offset, offset+length) is one of our probes; fills `out`. Never throws. */
export function readEcho(buf: Buffer, offset: number, length: number, out: Echo): boolean {
  if (length < ECHO_PACKET_LENGTH || offset + length > buf.length) return false;
  if ((buf[offset] ?? 0) >> 4 !== 4 || buf[offset + 9] !== IpProtocol.Udp) return false;
  const ihl = ((buf[offset] ?? 0) & 0x0f) * 4;
  if (ihl < IPV4_HEADER_LENGTH || length < ihl + UDP_LENGTH + PAYLOAD) return false;
  const udp = offset + ihl;
  if (buf.readUInt16BE(udp + 2) !== ECHO_PORT) return false;
  return readEchoPayload(buf, udp + UDP_LENGTH, buf.readUInt32BE(offset + 12), buf.readUInt32BE(offset + 16), out);
}

/** The UDP payload alone (as a UDP socket hands it over). */
export function readEchoPayload(buf: Buffer, offset: number, source: number, destination: number, out: Echo): boolean {
  if (offset + PAYLOAD > buf.length || buf.readUInt32BE(offset) !== MAGIC) return false;
  out.tunnel = buf.readUInt32BE(offset + 4);
  out.seq = buf.readUInt32BE(offset + 8);
  out.sentAt = buf.readDoubleBE(offset + 12);
  out.source = source >>> 0;
  out.destination = destination >>> 0;
  return true;
}
