'use strict';
/**
 * A client router at the far end of a GRE (RFC 2784/2890) or IP-in-IP
 * (RFC 2003) tunnel to an hdvpnd PE, run in its own namespace: raw sockets,
 * the kernel writes the outer IPv4 header, we write GRE and the inner packet.
 *   send: N inner UDP packets from --src to --dst into the tunnel, then collect replies.
 *   echo: for --ms, answer every inner UDP packet that arrives through the tunnel
 *         with a reply back through the tunnel (inner addresses swapped).
 *   reflect: for --ms, only route liveness probes (UDP 3785 inside the tunnel) home as
 *         plain IP, as a router decapsulating a GRE keepalive does. The other modes do it
 *         too unless --no-reflect (a test playing a dead tunnel keeps one running apart).
 * Prints one JSON object. Usage:
 *   node client-router.js --mode send|echo --tunnel gre|ipip --local A --pe B [--key K]
 *        [--src S --dst D --count N] [--ms T] [--ttl TTL]
 */
const path = require('node:path');
const { parseArgs } = require('node:util');
const dist = path.resolve(__dirname, '../../../dist/src/fib/backends/userspace');
const { libcIo, POLLIN } = require(path.join(dist, 'libc-io.js'));
const { openRawSocket, sockaddrIn } = require(path.join(dist, 'raw-socket.js'));

const { values: o } = parseArgs({
  options: {
    mode: { type: 'string' }, tunnel: { type: 'string' }, local: { type: 'string' }, pe: { type: 'string' }, key: { type: 'string' },
    src: { type: 'string' }, dst: { type: 'string' }, count: { type: 'string', default: '5' }, ms: { type: 'string', default: '3000' },
    ttl: { type: 'string', default: '64' }, interval: { type: 'string', default: '100' },
    'no-reflect': { type: 'boolean', default: false },
  },
});
const ip = (s) => s.split('.').reduce((a, x) => ((a << 8) | Number(x)) >>> 0, 0);
const fmt = (n) => [n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255].join('.');
const io = libcIo();
const gre = o.tunnel === 'gre';
const key = o.key === undefined ? null : Number(o.key);
const fd = openRawSocket({ protocol: gre ? 47 : 4, bindAddress: o.local, headerIncluded: false });
const pe = sockaddrIn(ip(o.pe));
// IPPROTO_RAW: whole IPv4 packets, sent as they are (the reflected probes).
const rawOut = openRawSocket({ protocol: 255 });

function checksum(b, off, len) {
  let s = 0;
  for (let i = 0; i < len; i += 2) s += (b[off + i] << 8) | (b[off + i + 1] ?? 0);
  while (s > 0xffff) s = (s & 0xffff) + (s >>> 16);
  return ~s & 0xffff;
}

function innerUdp(src, dst, text, id, ttl) {
  const data = Buffer.from(text);
  const p = Buffer.alloc(28 + data.length);
  p[0] = 0x45;
  p.writeUInt16BE(p.length, 2);
  p.writeUInt16BE(id, 4);
  p.writeUInt16BE(0x4000, 6); // DF
  p[8] = ttl;
  p[9] = 17;
  p.writeUInt32BE(src, 12);
  p.writeUInt32BE(dst, 16);
  p.writeUInt16BE(checksum(p, 0, 20), 10);
  p.writeUInt16BE(40000, 20);
  p.writeUInt16BE(9, 22);
  p.writeUInt16BE(8 + data.length, 24);
  data.copy(p, 28);
  return p;
}

function send(inner) {
  let payload = inner;
  if (gre) {
    const h = Buffer.alloc(key === null ? 4 : 8);
    h.writeUInt16BE(key === null ? 0 : 0x2000, 0); // K bit (RFC 2890 §2)
    h.writeUInt16BE(0x0800, 2);
    if (key !== null) h.writeUInt32BE(key >>> 0, 4);
    payload = Buffer.concat([h, inner]);
  }
  return io.sendto(fd, payload, payload.length, 0, pe, 16) === payload.length;
}

/** An arriving tunnel packet: outer header, GRE (if any), inner IPv4/UDP. */
function parse(buf, n) {
  const ihl = (buf[0] & 0x0f) * 4;
  const outerSrc = buf.readUInt32BE(12);
  let at = ihl;
  let greKey = null;
  if (gre) {
    const flags = buf.readUInt16BE(at);
    if (buf.readUInt16BE(at + 2) !== 0x0800) return null;
    at += 4;
    if (flags & 0x8000) at += 4;
    if (flags & 0x2000) { greKey = buf.readUInt32BE(at); at += 4; }
    if (flags & 0x1000) at += 4;
  }
  if (n < at + 28 || buf[at + 9] !== 17) return null;
  const iihl = (buf[at] & 0x0f) * 4;
  if (buf.readUInt16BE(at + iihl + 2) === 3785) {
    if (o['no-reflect']) return null;
    // A liveness probe: home it goes as plain IP, the TTL decremented and the checksum recomputed.
    const inner = Buffer.from(buf.subarray(at, at + buf.readUInt16BE(at + 2)));
    inner[8] -= 1;
    inner.writeUInt16BE(0, 10);
    inner.writeUInt16BE(checksum(inner, 0, iihl), 10);
    io.sendto(rawOut, inner, inner.length, 0, sockaddrIn(inner.readUInt32BE(16)), 16);
    reflected++;
    return null;
  }
  return {
    outerSrc: fmt(outerSrc), outerDst: fmt(buf.readUInt32BE(16)), key: greKey,
    src: fmt(buf.readUInt32BE(at + 12)), dst: fmt(buf.readUInt32BE(at + 16)), ttl: buf[at + 8],
    innerChecksumOk: checksum(buf, at, iihl) === 0,
    text: buf.toString('utf8', at + iihl + 8, at + buf.readUInt16BE(at + 2)),
  };
}

let reflected = 0;
const pollFds = Buffer.alloc(8);
pollFds.writeInt32LE(fd, 0);
pollFds.writeInt16LE(POLLIN, 4);
const buf = Buffer.alloc(65536);
const got = [];
function receive(until, onPacket) {
  for (;;) {
    const left = until - Date.now();
    if (left <= 0) return;
    pollFds.writeInt16LE(0, 6);
    if (io.poll(pollFds, 1, left) <= 0) continue;
    const n = io.read(fd, buf, buf.length);
    if (n <= 0 || buf.readUInt32BE(12) !== ip(o.pe)) continue;
    const p = parse(buf, n);
    if (p) onPacket(p);
  }
}

if (o.mode === 'send') {
  let sent = 0;
  for (let seq = 1; seq <= Number(o.count); seq++) {
    if (send(innerUdp(ip(o.src), ip(o.dst), `hdvpn-e2e-${seq}`, seq, Number(o.ttl)))) sent++;
    receive(Date.now() + Number(o.interval), (p) => got.push(p));
  }
  receive(Date.now() + Number(o.ms), (p) => got.push(p));
  process.stdout.write(`${JSON.stringify({ sent, received: got, reflected })}\n`);
} else if (o.mode === 'reflect') {
  receive(Date.now() + Number(o.ms), () => undefined);
  process.stdout.write(`${JSON.stringify({ reflected })}\n`);
} else {
  let replied = 0;
  receive(Date.now() + Number(o.ms), (p) => {
    got.push(p);
    if (!p.text.startsWith('hdvpn-e2e-')) return;
    if (send(innerUdp(ip(p.dst), ip(p.src), `reply:${p.text}`, 1, 64))) replied++;
  });
  process.stdout.write(`${JSON.stringify({ received: got, replied, reflected })}\n`);
}
io.close(fd);
io.close(rawOut);
