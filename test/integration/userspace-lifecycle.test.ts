/**
 * Userspace backend lifecycle in a child process: a multi-queue TUN (one worker
 * per queue), a port added while running, control messages reaching workers
 * blocked in poll(), and stop(): prompt, and the process then exits by itself.
 */
import { BackendProcess, UserspaceLab } from './userspace/lab';

interface PingResult {
  sent: number;
  replies: { seq: number; ttl: number; ipChecksumOk: boolean; icmpChecksumOk: boolean; payloadOk: boolean }[];
}

describe('userspace backend lifecycle', () => {
  let lab: UserspaceLab;
  let ns: string;
  let backend: BackendProcess;

  const ping = (dst: string, dev: string, count = 3): Promise<PingResult> =>
    lab.runJson<PingResult>(ns, 'pinger.js', ['--dst', dst, '--dev', dev, '--count', String(count), '--interval', '50']);

  const sum = async (ports: number[], key: string): Promise<number> => {
    let total = 0;
    for (const p of ports) total += (await backend.counters(p))[key] ?? 0;
    return total;
  };

  beforeAll(() => {
    lab = new UserspaceLab();
    ns = lab.addNamespace('life');
    backend = BackendProcess.start(lab, ns, 'faulty-handler.js');
  });

  afterAll(async () => {
    await lab.teardown();
  });

  it('serves a two-queue TUN with one worker per queue', async () => {
    const r = await backend.request({ cmd: 'tun', name: 'tun0', address: '10.99.0.1/24', queues: 2 });
    expect(r.ports).toEqual([0, 1]);
    await backend.request({ cmd: 'start' });
    const result = await ping('10.99.0.2', 'tun0', 5);
    expect(result.replies).toHaveLength(5);
    expect(await sum([0, 1], 'rxPackets')).toBe(5);
    expect(await sum([0, 1], 'txPackets')).toBe(5);
  });

  it('adds a port while running', async () => {
    const r = await backend.request({ cmd: 'tun', name: 'tun1', address: '10.99.2.1/24', wait: true });
    expect(r.ports).toEqual([2]);
    const result = await ping('10.99.2.2', 'tun1');
    expect(result.replies.map((x) => x.seq).sort()).toEqual([1, 2, 3]);
    expect(await backend.counters(2)).toMatchObject({ rxPackets: 3, txPackets: 3 });
    // The old ports still work next to it.
    expect((await ping('10.99.0.2', 'tun0')).replies).toHaveLength(3);
  });

  it('delivers post() to every worker, idle ones included', async () => {
    await backend.request({ cmd: 'post', message: { ttl: 77 } });
    const a = await ping('10.99.0.2', 'tun0');
    const b = await ping('10.99.2.2', 'tun1');
    for (const r of [...a.replies, ...b.replies]) expect(r).toMatchObject({ ttl: 77, ipChecksumOk: true, icmpChecksumOk: true });
    expect(a.replies).toHaveLength(3);
    expect(b.replies).toHaveLength(3);
  });

  it('stops within 1 s with every worker blocked in poll, and the process exits by itself', async () => {
    await new Promise((r) => setTimeout(r, 200)); // all three workers idle in poll()
    const r = await backend.request({ cmd: 'stop' });
    const stoppedAt = Date.now();
    expect(r.stopMs).toBeLessThan(1000);
    const code = await Promise.race([backend.exited, new Promise<string>((resolve) => setTimeout(() => resolve('still running'), 1000))]);
    expect(code).toBe(0);
    expect(Date.now() - stoppedAt).toBeLessThan(1000);
    // Only the stdio pipes were left when the driver looked.
    const resources = backend.events.find((e) => e.event === 'resources')?.resources ?? ['none reported'];
    expect(resources.filter((x) => x !== 'PipeWrap' && x !== 'TTYWrap')).toEqual([]);
    expect(backend.errors()).toEqual([]);
    const links = lab.exec(ns, ['ip', '-o', 'link', 'show']);
    expect(links).not.toContain('tun0');
    expect(links).not.toContain('tun1');
  });
});
