'use strict';
/**
 * `ping` for the tests (iputils ping is not installed here): sends ICMP echo
 * requests from a raw ICMP socket, optionally bound to a device (like ping -I),
 * and checks every reply itself: IPv4 header checksum, ICMP checksum, id,
 * sequence and payload. Prints one JSON object.
 * Usage: node pinger.js --dst 10.99.0.2 [--dev tun0] [--count 5] [--interval 200] [--size 56] [--marker 0xee] [--timeout 1000]
 */
const path = require('node:path');
const { parseArgs } = require('node:util');
const dist = path.resolve(__dirname, '../../../dist/src/fib/backends/userspace');
const { libcIo, POLLIN } = require(path.join(dist, 'libc-io.js'));
const { sockaddrIn } = require(path.join(dist, 'raw-socket.js'));
const { checksum, parseIpv4, formatIpv4 } = require('./ip.js');

const { values } = parseArgs({
  options: {
    dst: { type: 'string' },
    dev: { type: 'string' },
    count: { type: 'string', default: '5' },
    interval: { type: 'string', default: '200' },
    size: { type: 'string', default: '56' },
    marker: { type: 'string' },
    timeout: { type: 'string', default: '1000' },
  },
});
if (!values.dst) throw new Error('--dst is required');
const count = Number(values.count);
const size = Number(values.size);
const id = process.pid & 0xffff;
const io = libcIo();

const fd = io.socket(2 /* AF_INET */, 3 /* SOCK_RAW */ | 0x80000 /* SOCK_CLOEXEC */, 1 /* IPPROTO_ICMP */);
if (fd < 0) throw new Error(`socket: errno ${io.errno()}`);
if (values.dev) {
  const name = Buffer.from(`${values.dev}\0`);
  if (io.setsockopt(fd, 1 /* SOL_SOCKET */, 25 /* SO_BINDTODEVICE */, name, name.length) < 0) throw new Error(`SO_BINDTODEVICE: errno ${io.errno()}`);
}
const dst = sockaddrIn(parseIpv4(values.dst));

function payloadFor(seq) {
  const p = Buffer.alloc(size);
  for (let i = 0; i < size; i++) p[i] = (seq * 7 + i) & 0xff;
  if (values.marker !== undefined && size > 0) p[0] = Number(values.marker);
  return p;
}

const replies = [];
const pollFds = Buffer.alloc(8);
pollFds.writeInt32LE(fd, 0);
pollFds.writeInt16LE(POLLIN, 4);
const buf = Buffer.alloc(65536);

function receiveUntil(deadline) {
  for (;;) {
    const left = deadline - Date.now();
    if (left <= 0 || replies.length >= count) return;
    pollFds.writeInt16LE(0, 6);
    if (io.poll(pollFds, 1, left) <= 0) continue;
    const n = io.read(fd, buf, buf.length);
    if (n < 28) continue;
    const ihl = (buf[0] & 0x0f) * 4;
    const total = buf.readUInt16BE(2);
    if (buf[ihl] !== 0 || buf.readUInt16BE(ihl + 4) !== id) continue; // not our echo reply
    const seq = buf.readUInt16BE(ihl + 6);
    replies.push({
      seq,
      src: formatIpv4(buf.readUInt32BE(12)),
      ttl: buf[8],
      ipChecksumOk: checksum(buf, 0, ihl) === 0,
      icmpChecksumOk: total <= n && checksum(buf, ihl, total) === 0,
      payloadOk: total - ihl - 8 === size && buf.subarray(ihl + 8, total).equals(payloadFor(seq)),
    });
  }
}

let sent = 0;
for (let seq = 1; seq <= count; seq++) {
  const pkt = Buffer.concat([Buffer.alloc(8), payloadFor(seq)]);
  pkt[0] = 8; // echo request
  pkt.writeUInt16BE(id, 4);
  pkt.writeUInt16BE(seq, 6);
  pkt.writeUInt16BE(checksum(pkt, 0, pkt.length), 2);
  if (io.sendto(fd, pkt, pkt.length, 0, dst, 16) === pkt.length) sent++;
  receiveUntil(Date.now() + Number(values.interval));
}
receiveUntil(Date.now() + Number(values.timeout));
io.close(fd);
process.stdout.write(`${JSON.stringify({ sent, replies })}\n`);
