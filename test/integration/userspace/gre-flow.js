'use strict';
/**
 * A one-way GRE flow for the AF_XDP test: `send` emits GRE packets (RFC 2784,
 * protocol 0x0800) around an inner IPv4/UDP packet whose identification is the
 * sequence number, from a raw socket whose outer header the kernel writes;
 * `receive` collects GRE packets on a raw socket and checks each one: outer
 * addresses, outer IPv4 header checksum, and the GRE payload byte for byte
 * against what the sender built. Prints one JSON object.
 * Usage: node gre-flow.js send --local A --remote F [--inner-dst 10.99.7.2] [--count 5] [--interval 0]
 *        node gre-flow.js receive --local C [--count N] [--timeout 3000]
 */
const path = require('node:path');
const { parseArgs } = require('node:util');
const dist = path.resolve(__dirname, '../../../dist/src/fib/backends/userspace');
const { libcIo, POLLIN } = require(path.join(dist, 'libc-io.js'));
const { openRawSocket, sockaddrIn } = require(path.join(dist, 'raw-socket.js'));
const { checksum, parseIpv4, formatIpv4, grePayload: greIpv4Payload } = require('./ip.js');

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    local: { type: 'string' },
    remote: { type: 'string' },
    'inner-dst': { type: 'string', default: '10.99.7.2' },
    count: { type: 'string', default: '5' },
    interval: { type: 'string', default: '0' },
    timeout: { type: 'string', default: '3000' },
  },
});
const mode = positionals[0];
if (!values.local || (mode !== 'send' && mode !== 'receive')) throw new Error('usage: gre-flow.js send|receive --local ADDR ...');
const io = libcIo();
const count = Number(values.count);

/** This flow's packets (ip.js): payload "hdvpn-xsk-<seq>". */
function grePayload(seq, innerDst) {
  return greIpv4Payload(seq, innerDst, 'hdvpn-xsk');
}

if (mode === 'send') {
  const fd = openRawSocket({ protocol: 47, bindAddress: values.local, headerIncluded: false });
  const to = sockaddrIn(parseIpv4(values.remote));
  const innerDst = parseIpv4(values['inner-dst']);
  const interval = Number(values.interval);
  let sent = 0;
  for (let seq = 1; seq <= count; seq++) {
    const p = grePayload(seq, innerDst);
    if (io.sendto(fd, p, p.length, 0, to, 16) === p.length) sent++;
    if (interval > 0) Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, interval);
  }
  io.close(fd);
  process.stdout.write(`${JSON.stringify({ sent })}\n`);
} else {
  const fd = openRawSocket({ protocol: 47, bindAddress: values.local, headerIncluded: false });
  const pollFds = Buffer.alloc(8);
  pollFds.writeInt32LE(fd, 0);
  pollFds.writeInt16LE(POLLIN, 4);
  const buf = Buffer.alloc(65536);
  const received = [];
  process.stderr.write('ready\n');
  const deadline = Date.now() + Number(values.timeout);
  while (received.length < count) {
    const left = deadline - Date.now();
    if (left <= 0) break;
    pollFds.writeInt16LE(0, 6);
    if (io.poll(pollFds, 1, left) <= 0) continue;
    const n = io.read(fd, buf, buf.length);
    if (n < 24) continue;
    const ihl = (buf[0] & 0x0f) * 4;
    const seq = buf.readUInt16BE(ihl + 4 + 4);
    const innerDst = buf.readUInt32BE(ihl + 4 + 16);
    received.push({
      seq,
      src: formatIpv4(buf.readUInt32BE(12)),
      dst: formatIpv4(buf.readUInt32BE(16)),
      ttl: buf[8],
      ipChecksumOk: checksum(buf, 0, ihl) === 0,
      totalLengthOk: buf.readUInt16BE(2) === n,
      payloadOk: buf.subarray(ihl, n).equals(grePayload(seq, innerDst)),
    });
  }
  io.close(fd);
  process.stdout.write(`${JSON.stringify({ received })}\n`);
}
