'use strict';
/**
 * Test handler for a TUN port: answers ICMP echo requests (type 8) with echo
 * replies on the same port, recomputing both checksums; drops everything else.
 */
const { checksum, fillIpv4Checksum, swapIpv4Addresses } = require('./ip.js');

function echoReply(inBuf, len, out) {
  if (len < 28 || inBuf[0] >> 4 !== 4) return 0;
  const ihl = (inBuf[0] & 0x0f) * 4;
  const total = inBuf.readUInt16BE(2);
  if (inBuf[9] !== 1 || total > len || total < ihl + 8 || inBuf[ihl] !== 8) return 0;
  inBuf.copy(out, 0, 0, total);
  swapIpv4Addresses(out);
  out[8] = 64; // TTL
  fillIpv4Checksum(out);
  out[ihl] = 0; // echo reply
  out[ihl + 2] = 0;
  out[ihl + 3] = 0;
  out.writeUInt16BE(checksum(out, ihl, total), ihl + 2);
  return total;
}

exports.echoReply = echoReply;

exports.createHandler = function createHandler() {
  return {
    handle(inBuf, len, ingress, out, result) {
      const n = echoReply(inBuf, len, out);
      result.port = ingress;
      return n;
    },
  };
};
