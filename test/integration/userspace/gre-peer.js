'use strict';
/**
 * The far end of the raw-socket test: sends GRE packets (RFC 2784, protocol
 * 0x0800, an inner IPv4/UDP packet carrying the sequence number) from a raw
 * socket whose outer header the kernel writes, then collects what comes back
 * and checks it: outer source and destination, outer IPv4 header checksum,
 * GRE payload identical to what was sent. Prints one JSON object.
 * Usage: node gre-peer.js --local 10.99.1.2 --remote 10.99.1.1 [--count 5] [--interval 50] [--timeout 1000]
 */
const path = require('node:path');
const { parseArgs } = require('node:util');
const dist = path.resolve(__dirname, '../../../dist/src/fib/backends/userspace');
const { libcIo, POLLIN } = require(path.join(dist, 'libc-io.js'));
const { openRawSocket, sockaddrIn } = require(path.join(dist, 'raw-socket.js'));
const { checksum, parseIpv4, formatIpv4, grePayload: greIpv4Payload } = require('./ip.js');

const { values } = parseArgs({
  options: {
    local: { type: 'string' },
    remote: { type: 'string' },
    count: { type: 'string', default: '5' },
    interval: { type: 'string', default: '50' },
    timeout: { type: 'string', default: '1000' },
  },
});
if (!values.local || !values.remote) throw new Error('--local and --remote are required');
const count = Number(values.count);
const local = parseIpv4(values.local);
const remote = parseIpv4(values.remote);
const io = libcIo();
const fd = openRawSocket({ protocol: 47, bindAddress: values.local, headerIncluded: false });

/** This peer's packets (ip.js): payload "hdvpn-gre-<seq>", inner destination 10.99.7.2. */
function grePayload(seq) {
  return greIpv4Payload(seq, parseIpv4('10.99.7.2'), 'hdvpn-gre');
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
    if (n < 24) continue;
    const ihl = (buf[0] & 0x0f) * 4;
    const src = buf.readUInt32BE(12);
    if (src !== remote) continue;
    const seq = buf.readUInt16BE(ihl + 4 + 4); // inner IPv4 identification
    replies.push({
      seq,
      src: formatIpv4(src),
      dst: formatIpv4(buf.readUInt32BE(16)),
      toUs: buf.readUInt32BE(16) === local,
      ipChecksumOk: checksum(buf, 0, ihl) === 0,
      payloadOk: buf.subarray(ihl, n).equals(grePayload(seq)),
    });
  }
}

const to = sockaddrIn(remote);
let sent = 0;
for (let seq = 1; seq <= count; seq++) {
  const p = grePayload(seq);
  if (io.sendto(fd, p, p.length, 0, to, 16) === p.length) sent++;
  receiveUntil(Date.now() + Number(values.interval));
}
receiveUntil(Date.now() + Number(values.timeout));
io.close(fd);
process.stdout.write(`${JSON.stringify({ sent, replies })}\n`);
