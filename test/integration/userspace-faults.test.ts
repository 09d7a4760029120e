/**
 * Userspace backend faults: a handler that throws is reported through onError
 * and its worker keeps forwarding; a worker that dies is reported and restarted;
 * a handler module that cannot load makes start() fail cleanly. The main thread
 * (the child process driving the backend) answers throughout.
 */
import { BackendProcess, UserspaceLab } from './userspace/lab';

interface PingResult {
  sent: number;
  replies: { seq: number }[];
}

describe('userspace backend faults', () => {
  let lab: UserspaceLab;
  let ns: string;

  const ping = (extra: string[] = []): Promise<PingResult> =>
    lab.runJson<PingResult>(ns, 'pinger.js', ['--dst', '10.99.0.2', '--dev', 'tun0', '--count', '3', '--interval', '50', '--timeout', '500', ...extra]);

  beforeAll(() => {
    lab = new UserspaceLab();
    ns = lab.addNamespace('fault');
  });

  afterAll(async () => {
    await lab.teardown();
  });

  it('reports a throwing handler and keeps forwarding; restarts a worker that died', async () => {
    const backend = BackendProcess.start(lab, ns, 'faulty-handler.js');
    await backend.request({ cmd: 'tun', name: 'tun0', address: '10.99.0.1/24' });
    await backend.request({ cmd: 'start' });

    const poisoned = await ping(['--marker', '0xee']);
    expect(poisoned.replies).toEqual([]);
    expect(await backend.counters(0)).toMatchObject({ rxPackets: 3, handlerErrors: 3, txPackets: 0 });
    expect(backend.errors().some((m) => m.includes('packet handler failed on tun port 0') && m.includes('poisoned packet'))).toBe(true);
    expect((await ping()).replies).toHaveLength(3);

    await backend.request({ cmd: 'post', message: { exit: 3 } });
    await waitFor(() => backend.errors().some((m) => m.includes('exited with code 3')));
    // Restarted after 50 ms; packets sent meanwhile wait in the TUN queue.
    expect((await ping()).replies).toHaveLength(3);
    expect(await backend.counters(0)).toMatchObject({ txPackets: 6 });

    const r = await backend.request({ cmd: 'stop' });
    expect(r.stopMs).toBeLessThan(1000);
    expect(await backend.exited).toBe(0);
  });

  it('fails start() when the handler module cannot load, and stays usable', async () => {
    const backend = BackendProcess.start(lab, ns, 'no-such-handler.js');
    await backend.request({ cmd: 'tun', name: 'tun0', address: '10.99.0.1/24' });
    await expect(backend.request({ cmd: 'start' })).rejects.toThrow(/Cannot find module/);
    expect(backend.errors()).toEqual([]); // reported once, by start(), not also as a crash to restart
    expect(await backend.counters(0)).toMatchObject({ rxPackets: 0 });
    await backend.request({ cmd: 'stop' });
    expect(await backend.exited).toBe(0);
  });
});

async function waitFor(condition: () => boolean, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 20));
  }
}
