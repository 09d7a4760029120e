'use strict';
/** IPv4 helpers shared by the test handlers and probes (plain CommonJS: they run in worker threads and under `node`). */

/** RFC 1071 Internet checksum of buf[start..end); 0 when a stored checksum inside the range is valid. */
function checksum(buf, start, end) {
  let sum = 0;
  let i = start;
  for (; i + 1 < end; i += 2) sum += (buf[i] << 8) | buf[i + 1];
  if (i < end) sum += buf[i] << 8;
  while (sum > 0xffff) sum = (sum & 0xffff) + (sum >>> 16);
  return ~sum & 0xffff;
}

/** Recomputes the IPv4 header checksum of the packet at buf[0..). */
function fillIpv4Checksum(buf) {
  const ihl = (buf[0] & 0x0f) * 4;
  buf[10] = 0;
  buf[11] = 0;
  buf.writeUInt16BE(checksum(buf, 0, ihl), 10);
}

/** Swaps the IPv4 source and destination addresses in place. */
function swapIpv4Addresses(buf) {
  const src = buf.readUInt32BE(12);
  buf.writeUInt32BE(buf.readUInt32BE(16), 12);
  buf.writeUInt32BE(src, 16);
}

function parseIpv4(text) {
  return text.split('.').reduce((a, o) => a * 256 + Number(o), 0);
}

function formatIpv4(n) {
  return [n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255].join('.');
}

/**
 * A GRE header (RFC 2784: no checksum, key or sequence; protocol 0x0800) and an inner IPv4/UDP packet
 * 10.99.7.1:4000 -> innerDst:9 whose identification is `seq` and whose payload is `${tag}-${seq}`.
 */
function grePayload(seq, innerDst, tag) {
  const data = Buffer.from(`${tag}-${seq}`);
  const inner = Buffer.alloc(28 + data.length);
  inner[0] = 0x45;
  inner.writeUInt16BE(inner.length, 2);
  inner.writeUInt16BE(seq, 4);
  inner[8] = 64;
  inner[9] = 17;
  inner.writeUInt32BE(parseIpv4('10.99.7.1'), 12);
  inner.writeUInt32BE(innerDst, 16);
  fillIpv4Checksum(inner);
  inner.writeUInt16BE(4000, 20);
  inner.writeUInt16BE(9, 22);
  inner.writeUInt16BE(8 + data.length, 24);
  data.copy(inner, 28);
  const gre = Buffer.alloc(4);
  gre.writeUInt16BE(0x0800, 2);
  return Buffer.concat([gre, inner]);
}

module.exports = { checksum, fillIpv4Checksum, swapIpv4Addresses, parseIpv4, formatIpv4, grePayload };
