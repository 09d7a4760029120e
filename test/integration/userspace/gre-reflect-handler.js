'use strict';
/**
 * Test handler for a raw GRE port (IP_HDRINCL): sends every GRE packet back to
 * its outer source with the outer addresses swapped. The kernel fills in the
 * outer header checksum (raw(7)), so it is left at zero here.
 */
const { swapIpv4Addresses } = require('./ip.js');

exports.createHandler = function createHandler() {
  return {
    handle(inBuf, len, ingress, out, result) {
      if (len < 24 || inBuf[0] >> 4 !== 4 || inBuf[9] !== 47) return 0;
      inBuf.copy(out, 0, 0, len);
      swapIpv4Addresses(out);
      out[8] = 64;
      out[10] = 0;
      out[11] = 0;
      result.port = ingress;
      result.dst = inBuf.readUInt32BE(12);
      return len;
    },
  };
};
