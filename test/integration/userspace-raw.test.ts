/**
 * Userspace backend, raw socket port: namespace A runs the backend with a raw
 * GRE socket (IP_HDRINCL) and a handler that sends each GRE packet back with the
 * outer addresses swapped; namespace B sends GRE packets over a veth and gets
 * them back. tshark on the veth sees GRE both ways with good IPv4 checksums.
 * Run twice: with recvmmsg()/sendmmsg() batching (the default) and with one
 * system call per packet.
 */
import path from 'node:path';
import { BackendProcess, Capture, UserspaceLab, tsharkFields } from './userspace/lab';

interface GreResult {
  sent: number;
  replies: { seq: number; src: string; dst: string; toUs: boolean; ipChecksumOk: boolean; payloadOk: boolean }[];
}

const A = '10.99.1.1';
const B = '10.99.1.2';

describe.each([
  ['batched I/O', true],
  ['one system call per packet', false],
])('userspace backend: raw GRE socket port, %s', (_name, batchIo) => {
  let lab: UserspaceLab;
  let nsA: string;
  let nsB: string;
  let backend: BackendProcess;

  beforeAll(async () => {
    lab = new UserspaceLab();
    nsA = lab.addNamespace('a');
    nsB = lab.addNamespace('b');
    lab.link(nsA, 'va', `${A}/24`, nsB, 'vb', `${B}/24`);
    backend = BackendProcess.start(lab, nsA, 'gre-reflect-handler.js', { batchIo });
    await backend.request({ cmd: 'raw', protocol: 47, bind: A });
    await backend.request({ cmd: 'start' });
  });

  afterAll(async () => {
    await lab.teardown();
  });

  it('reflects GRE packets: B gets every one back from A, intact, with valid outer checksums', async () => {
    const capture = new Capture(lab, nsA, 'va', path.join(lab.dir, 'va.pcap'));
    await capture.ready();
    const result = await lab.runJson<GreResult>(nsB, 'gre-peer.js', ['--local', B, '--remote', A, '--count', '5']);
    const pcap = await capture.stop();

    expect(result.sent).toBe(5);
    expect(result.replies.map((r) => r.seq).sort()).toEqual([1, 2, 3, 4, 5]);
    for (const r of result.replies) expect(r).toMatchObject({ src: A, dst: B, toUs: true, ipChecksumOk: true, payloadOk: true });

    const c = await backend.counters(0);
    expect(c).toMatchObject({ rxPackets: 5, txPackets: 5, drops: 0, errors: 0, handlerErrors: 0 });

    const fields = ['ip.src', 'ip.dst', 'ip.proto', 'ip.checksum.status', 'gre.proto'];
    const gre = tsharkFields(pcap, 'gre && !icmp', fields);
    expect(gre.filter((p) => p[0] === B)).toEqual(Array(5).fill([B, A, '47', '1', '0x0800']));
    expect(gre.filter((p) => p[0] === A)).toEqual(Array(5).fill([A, B, '47', '1', '0x0800']));
    // With a listener on protocol 47 the kernel must not answer "protocol unreachable".
    expect(tsharkFields(pcap, 'icmp', ['icmp.type'])).toEqual([]);
  });

  it('reflects a burst of 200 back-to-back packets, every one intact', async () => {
    const result = await lab.runJson<GreResult>(nsB, 'gre-peer.js', ['--local', B, '--remote', A, '--count', '200', '--interval', '0']);
    expect(result.sent).toBe(200);
    expect(new Set(result.replies.map((r) => r.seq)).size).toBe(200);
    expect(result.replies.every((r) => r.payloadOk && r.ipChecksumOk && r.toUs)).toBe(true);
    expect(await backend.counters(0)).toMatchObject({ rxPackets: 205, txPackets: 205, errors: 0 });
  });

  it('stops promptly and exits', async () => {
    const r = await backend.request({ cmd: 'stop' });
    expect(r.stopMs).toBeLessThan(1000);
    expect(await backend.exited).toBe(0);
  });
});
