/**
 * Userspace backend, TUN port: an ICMP echo responder running in a worker
 * answers echo requests sent into a TUN device from its namespace, and tshark
 * on the TUN sees both directions with valid IPv4 and ICMP checksums.
 */
import path from 'node:path';
import { BackendProcess, Capture, UserspaceLab, tsharkFields } from './userspace/lab';

interface PingResult {
  sent: number;
  replies: { seq: number; src: string; ttl: number; ipChecksumOk: boolean; icmpChecksumOk: boolean; payloadOk: boolean }[];
}

describe('userspace backend: TUN port', () => {
  let lab: UserspaceLab;
  let ns: string;
  let backend: BackendProcess;

  beforeAll(async () => {
    lab = new UserspaceLab();
    ns = lab.addNamespace('tun');
    backend = BackendProcess.start(lab, ns, 'icmp-echo-handler.js');
    await backend.request({ cmd: 'tun', name: 'tun0', address: '10.99.0.1/24' });
    await backend.request({ cmd: 'start' });
  });

  afterAll(async () => {
    await lab.teardown();
  });

  it('answers 5 of 5 echo requests with valid checksums; counters show 5 rx and 5 tx', async () => {
    const capture = new Capture(lab, ns, 'tun0', path.join(lab.dir, 'tun0.pcap'));
    await capture.ready();
    const ping = await lab.runJson<PingResult>(ns, 'pinger.js', ['--dst', '10.99.0.2', '--dev', 'tun0', '--count', '5']);
    const pcap = await capture.stop();

    expect(ping.sent).toBe(5);
    expect(ping.replies.map((r) => r.seq).sort()).toEqual([1, 2, 3, 4, 5]);
    for (const r of ping.replies) expect(r).toMatchObject({ src: '10.99.0.2', ttl: 64, ipChecksumOk: true, icmpChecksumOk: true, payloadOk: true });

    const c = await backend.counters(0);
    expect(c).toMatchObject({ rxPackets: 5, txPackets: 5, drops: 0, errors: 0, handlerErrors: 0, rxBytes: 5 * 84, txBytes: 5 * 84 });

    // Independent decoder: 5 requests and 5 replies, all checksums good (status 1 = Good).
    const packets = tsharkFields(pcap, 'icmp', ['icmp.type', 'ip.src', 'ip.dst', 'ip.checksum.status', 'icmp.checksum.status']);
    expect(packets.filter((p) => p[0] === '8')).toHaveLength(5);
    const replies = packets.filter((p) => p[0] === '0');
    expect(replies).toHaveLength(5);
    for (const p of replies) expect(p).toEqual(['0', '10.99.0.2', '10.99.0.1', '1', '1']);
    expect(backend.errors()).toEqual([]);
  });

  it('stops the worker and closes the device', async () => {
    const r = await backend.request({ cmd: 'stop' });
    expect(r.stopMs).toBeLessThan(1000);
    expect(await backend.exited).toBe(0);
    expect(lab.exec(ns, ['ip', '-o', 'link', 'show'])).not.toContain('tun0');
  });
});
