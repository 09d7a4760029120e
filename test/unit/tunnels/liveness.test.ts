/** Tunnel liveness: detection after interval x multiplier, recovery on answers, damping, and the echo probe codec. */
import { LivenessMonitor } from '../../../src/tunnels/liveness';
import { createEcho, ECHO_PACKET_LENGTH, readEcho, readEchoPayload, writeEcho } from '../../../src/tunnels/echo';
import { headerChecksumOk } from './packets';

describe('LivenessMonitor', () => {
  it('probes every interval and declares a silent tunnel down after interval x multiplier', () => {
    const m = new LivenessMonitor({ intervalMs: 100, multiplier: 3 });
    m.add('t', 0);
    expect(m.due(0)).toEqual([{ tunnel: 't', seq: 1 }]);
    expect(m.due(50)).toEqual([]);
    expect(m.due(100)).toEqual([{ tunnel: 't', seq: 2 }]);
    expect(m.answer('t', 2, 110)).toEqual({ tunnel: 't', state: 'up', at: 110, after: 0 });
    expect(m.check(409)).toEqual([]);
    expect(m.check(410)).toEqual([{ tunnel: 't', state: 'down', at: 410, after: 300 }]);
    expect(m.check(500)).toEqual([]); // once
    expect(m.state('t')).toBe('down');
    m.due(500);
    expect(m.answer('t', 3, 520)).toEqual({ tunnel: 't', state: 'up', at: 520, after: 110 });
  });

  it('goes down from init when the first answer never comes, and ignores duplicate, future and unknown answers', () => {
    const m = new LivenessMonitor({ intervalMs: 50, multiplier: 2 });
    m.add('t', 1000);
    m.due(1000);
    expect(m.answer('t', 7, 1001)).toBeNull(); // never sent
    expect(m.answer('x', 1, 1001)).toBeNull();
    expect(m.check(1100)).toEqual([{ tunnel: 't', state: 'down', at: 1100, after: 100 }]);
    expect(m.answer('t', 1, 1101)).toMatchObject({ state: 'up' });
    expect(m.answer('t', 1, 1102)).toBeNull();
  });

  it('needs upAfter answers in a row to come back (damping)', () => {
    const m = new LivenessMonitor({ intervalMs: 10, multiplier: 1, upAfter: 3 });
    m.add('t', 0);
    expect(m.check(10)).toHaveLength(1);
    for (let t = 10, seq = 1; seq <= 3; t += 10, seq++) {
      m.due(t);
      const e = m.answer('t', seq, t + 1);
      expect(e === null).toBe(seq < 3);
    }
  });
});

describe('echo probe', () => {
  it('writes a valid IPv4/UDP packet to port 3785 that reads back, and refuses anything else', () => {
    const b = Buffer.alloc(100);
    const n = writeEcho(b, 10, 0xc6120021, 0xc6120014, 42, 7, 1234.5);
    expect(n).toBe(ECHO_PACKET_LENGTH);
    const pkt = b.subarray(10, 10 + n);
    expect(headerChecksumOk(pkt)).toBe(true);
    expect([pkt.readUInt16BE(20), pkt.readUInt16BE(22), pkt.readUInt32BE(12), pkt.readUInt32BE(16)]).toEqual([3785, 3785, 0xc6120021, 0xc6120014]);
    const e = createEcho();
    expect(readEcho(b, 10, n, e)).toBe(true);
    expect(e).toEqual({ tunnel: 42, seq: 7, sentAt: 1234.5, source: 0xc6120021, destination: 0xc6120014 });
    expect(readEchoPayload(pkt.subarray(28), 0, 1, 2, e)).toBe(true);
    expect(readEcho(b, 10, n - 1, e)).toBe(false);
    const other = Buffer.from(pkt);
    other.writeUInt32BE(0, 28); // magic gone
    expect(readEcho(other, 0, n, e)).toBe(false);
  });
});
