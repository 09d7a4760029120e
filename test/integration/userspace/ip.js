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

module.exports = { checksum, fillIpv4Checksum, swapIpv4Addresses, parseIpv4, formatIpv4 };
