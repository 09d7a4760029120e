'use strict';
/**
 * The ICMP echo responder with controls and faults on demand:
 * - control message { ttl: n } sets the TTL of later replies (proves post() reaches the worker);
 * - an echo request whose payload starts with 0xEE makes handle() throw;
 * - control message { exit: code } kills the worker thread (process.exit inside a worker ends only that thread).
 */
const { fillIpv4Checksum } = require('./ip.js');
const { echoReply } = require('./icmp-echo-handler.js');

exports.createHandler = function createHandler() {
  let ttl = 64;
  return {
    handle(inBuf, len, ingress, out, result) {
      const ihl = (inBuf[0] & 0x0f) * 4;
      if (len > ihl + 8 && inBuf[ihl + 8] === 0xee) throw new Error('poisoned packet');
      result.port = ingress;
      const n = echoReply(inBuf, len, out);
      if (n > 0 && ttl !== 64) {
        out[8] = ttl;
        fillIpv4Checksum(out);
      }
      return n;
    },
    control(message) {
      if (message && typeof message.ttl === 'number') ttl = message.ttl;
      if (message && typeof message.exit === 'number') process.exit(message.exit);
    },
  };
};
