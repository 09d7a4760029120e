'use strict';
/**
 * Test handler for the AF_XDP test: a GRE packet from the peer is sent on
 * toward the far namespace with its payload untouched and a new outer header:
 * source init.local, destination 10.99.2.X where X is the last octet of the
 * inner destination (so the test picks the far address per flow), TTL 64, the
 * checksum left at zero (the backend fills it in, as the kernel does for a raw
 * IP_HDRINCL socket). It emits to the raw GRE port (init.grePort), and drops
 * packets that do not arrive as from port init.expectIngress. An inner
 * destination ending in .99 kills the worker (process.exit(3)), which leaves
 * its XSK sockets open for the backend to clean up.
 */
const { parseIpv4 } = require('./ip.js');

exports.createHandler = function createHandler(init) {
  const local = parseIpv4(init.local);
  const base = parseIpv4('10.99.2.0');
  return {
    handle(inBuf, len, ingress, out, result) {
      if (ingress !== init.expectIngress) return 0;
      if (len < 48 || inBuf[0] >> 4 !== 4 || inBuf[9] !== 47) return 0;
      const ihl = (inBuf[0] & 0x0f) * 4;
      const innerDst = inBuf.readUInt32BE(ihl + 4 + 16);
      if ((innerDst & 0xff) === 99) process.exit(3);
      inBuf.copy(out, 0, 0, len);
      out.writeUInt32BE(local, 12);
      out.writeUInt32BE((base + (innerDst & 0xff)) >>> 0, 16);
      out[8] = 64;
      out[10] = 0;
      out[11] = 0;
      result.port = init.grePort;
      result.dst = out.readUInt32BE(16);
      return len;
    },
  };
};
