/**
 * Userspace backend, AF_XDP ports (docs/packet-io.md, "AF_XDP ports"), with
 * real packets through three namespaces:
 *
 *   A (10.99.1.2) --va/fa-- F (10.99.1.1 | 10.99.2.1) --fb/cb-- C (10.99.2.2, 10.99.2.3)
 *
 * F runs the backend: a raw GRE socket (port 0), an XSK port on fa whose XDP
 * program redirects GRE to 10.99.1.1 (port 1, handed to the handler as from
 * port 0), and a transmit-only XSK port on fb owned by port 1's worker (port
 * 2). The handler re-addresses each GRE packet to 10.99.2.X (X from the inner
 * destination) and emits it to the raw GRE port; the worker sends it out of the
 * XSK socket on fb once the kernel knows the neighbour, and through the raw
 * socket (so the kernel resolves it) until then.
 */
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { BackendProcess, Capture, HELPERS, UserspaceLab, tsharkFields } from './lab';

interface Received {
  seq: number;
  src: string;
  dst: string;
  ttl: number;
  ipChecksumOk: boolean;
  totalLengthOk: boolean;
  payloadOk: boolean;
}

interface PingResult {
  sent: number;
  replies: { seq: number; src: string; ipChecksumOk: boolean; icmpChecksumOk: boolean; payloadOk: boolean }[];
}

const A = '10.99.1.2';
const F_IN = '10.99.1.1';
const F_OUT = '10.99.2.1';
const C1 = '10.99.2.2';
const C2 = '10.99.2.3';
const GRE_PORT = 0;
const XSK_IN = 1;
const XSK_OUT = 2;

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
const tx = (c: Record<string, number>): number => c.txPackets ?? NaN;

interface LinkXdp {
  xdp?: { mode?: number; prog?: { id?: number } };
}

describe('userspace backend: AF_XDP ports', () => {
  let lab: UserspaceLab;
  let nsA: string;
  let nsF: string;
  let nsC: string;
  let backend: BackendProcess;
  let xdpMode: string;

  const linkXdp = (dev: string): LinkXdp['xdp'] => (JSON.parse(execFileSync('ip', ['-j', '-n', nsF, 'link', 'show', 'dev', dev], { encoding: 'utf8' })) as LinkXdp[])[0]?.xdp;

  /** Starts a receiver in C (and waits until its socket is open), runs the sender in A, and returns what C got. */
  async function flow(innerDst: string, count: number, interval: number): Promise<Received[]> {
    const receiver = lab.spawn(nsC, ['node', path.join(HELPERS, 'gre-flow.js'), 'receive', '--local', '0.0.0.0', '--count', String(count), '--timeout', '5000']);
    let out = '';
    let err = '';
    receiver.stdout?.on('data', (d: Buffer) => (out += d.toString()));
    const exited = new Promise<number | null>((resolve) => receiver.on('exit', (code) => resolve(code)));
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`receiver did not start: ${err}`)), 15000);
      receiver.stderr?.on('data', (d: Buffer) => {
        err += d.toString();
        if (err.includes('ready')) {
          clearTimeout(timer);
          resolve();
        }
      });
    });
    const sent = await lab.runJson<{ sent: number }>(nsA, 'gre-flow.js', ['send', '--local', A, '--remote', F_IN, '--inner-dst', innerDst, '--count', String(count), '--interval', String(interval)]);
    expect(sent.sent).toBe(count);
    expect(await exited).toBe(0);
    return (JSON.parse(out) as { received: Received[] }).received;
  }

  /** Waits until `check` holds (polling), or fails with `what`. */
  async function until(what: string, check: () => boolean | Promise<boolean>, timeoutMs = 10000): Promise<void> {
    const end = Date.now() + timeoutMs;
    while (!(await check())) {
      if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
      await sleep(50);
    }
  }

  beforeAll(async () => {
    lab = new UserspaceLab();
    nsA = lab.addNamespace('a');
    nsF = lab.addNamespace('f');
    nsC = lab.addNamespace('c');
    lab.link(nsA, 'va', `${A}/24`, nsF, 'fa', `${F_IN}/24`);
    lab.link(nsF, 'fb', `${F_OUT}/24`, nsC, 'cb', `${C1}/24`);
    execFileSync('ip', ['-n', nsC, 'addr', 'add', `${C2}/24`, 'dev', 'cb']);
    backend = BackendProcess.start(lab, nsF, 'xsk-relay-handler.js', {
      handlerInit: { local: F_OUT, grePort: GRE_PORT, expectIngress: GRE_PORT },
      neighbourRefreshMs: 200,
    });
    await backend.request({ cmd: 'raw', protocol: 47 });
    const rx = await backend.request({ cmd: 'xsk', options: { ifname: 'fa', receive: { protocols: [47], localAddresses: [F_IN] }, ingressAs: GRE_PORT } });
    expect(rx.port).toBe(XSK_IN);
    xdpMode = String(rx.xdpMode);
    const out = await backend.request({ cmd: 'xsk', options: { ifname: 'fb', owner: XSK_IN } });
    expect(out.port).toBe(XSK_OUT);
    await backend.request({ cmd: 'start' });
  });

  afterAll(async () => {
    await lab.teardown();
  });

  it('attaches the XDP program to the ingress device only, in native mode on veth', () => {
    expect(xdpMode).toBe('native');
    // iproute2: xdp.mode 1 = driver (native), 2 = generic (SKB).
    expect(linkXdp('fa')).toMatchObject({ mode: 1 });
    expect(linkXdp('fa')?.prog?.id).toBeGreaterThan(0);
    expect(linkXdp('fb')).toBeUndefined();
  });

  it('ARP and ICMP to the node still reach the kernel while the program is attached (XDP_PASS)', async () => {
    execFileSync('ip', ['-n', nsA, 'neigh', 'flush', 'all']);
    execFileSync('ip', ['-n', nsF, 'neigh', 'flush', 'all']);
    const ping = await lab.runJson<PingResult>(nsA, 'pinger.js', ['--dst', F_IN, '--count', '3', '--interval', '100']);
    expect(ping.sent).toBe(3);
    expect(ping.replies.map((r) => r.seq).sort()).toEqual([1, 2, 3]);
    for (const r of ping.replies) expect(r).toMatchObject({ src: F_IN, ipChecksumOk: true, icmpChecksumOk: true, payloadOk: true });
    // A's ARP request crossed F's XDP program and F's kernel answered it.
    const neigh = JSON.parse(execFileSync('ip', ['-j', '-n', nsA, 'neigh', 'show', F_IN], { encoding: 'utf8' })) as { state?: string[] }[];
    expect(neigh[0]?.state?.some((s) => ['REACHABLE', 'STALE', 'DELAY'].includes(s))).toBe(true);
    // None of it went to the XSK socket.
    expect(await backend.counters(XSK_IN)).toMatchObject({ rxPackets: 0 });
  });

  it('forwards GRE received on the XSK socket: the first packets by the raw socket while the neighbour is unknown, then by XSK', async () => {
    // Phase 1: C1's MAC is unknown to F. The first packet leaves through the raw socket, which makes F's kernel resolve it.
    const first = await flow('10.99.7.2', 5, 0);
    expect(first.map((r) => r.seq).sort((a, b) => a - b)).toEqual([1, 2, 3, 4, 5]);
    for (const r of first) expect(r).toMatchObject({ src: F_OUT, dst: C1, ttl: 64, ipChecksumOk: true, totalLengthOk: true, payloadOk: true });
    const rx1 = await backend.counters(XSK_IN);
    expect(rx1).toMatchObject({ rxPackets: 5, drops: 0, handlerErrors: 0 });
    const raw1 = await backend.counters(GRE_PORT);
    expect(raw1.rxPackets).toBe(0); // every GRE packet went to the XSK socket, none to the raw socket
    expect(raw1.txPackets).toBeGreaterThanOrEqual(1); // the fall-back
    const out1 = await backend.counters(XSK_OUT);
    expect(tx(raw1) + tx(out1)).toBe(5);

    // Phase 2: once F's kernel has resolved C1 the resolver (every 200 ms here) tells the worker; from then on
    // everything leaves through the XSK socket on fb.
    await until('F to resolve C1', () => /lladdr \S+ (REACHABLE|STALE|DELAY)/.test(execFileSync('ip', ['-n', nsF, 'neigh', 'show', C1], { encoding: 'utf8' })));
    await sleep(1500);
    const capture = new Capture(lab, nsC, 'cb', path.join(lab.dir, 'cb.pcap'));
    await capture.ready();
    const second = await flow('10.99.7.2', 200, 0);
    const pcap = await capture.stop();
    expect(new Set(second.map((r) => r.seq)).size).toBe(200);
    expect(second.every((r) => r.payloadOk && r.ipChecksumOk && r.totalLengthOk && r.src === F_OUT && r.dst === C1)).toBe(true);
    const raw2 = await backend.counters(GRE_PORT);
    const out2 = await backend.counters(XSK_OUT);
    expect(raw2.txPackets).toBe(raw1.txPackets);
    expect(tx(out2) - tx(out1)).toBe(200);
    expect(out2.errors).toBe(0);
    expect(await backend.counters(XSK_IN)).toMatchObject({ rxPackets: 205, drops: 0, handlerErrors: 0 });
    // tshark on C's side: Ethernet from fb's MAC, IPv4 header checksums good (computed by the worker), GRE intact.
    const fbMac = (JSON.parse(execFileSync('ip', ['-j', '-n', nsF, 'link', 'show', 'dev', 'fb'], { encoding: 'utf8' })) as { address: string }[])[0]?.address;
    const frames = tsharkFields(pcap, 'gre && ip.dst == 10.99.2.2', ['eth.src', 'ip.src', 'ip.checksum.status', 'gre.proto']);
    expect(frames).toHaveLength(200);
    expect(new Set(frames.map((f) => f.join('|')))).toEqual(new Set([[fbMac, F_OUT, '1', '0x0800'].join('|')]));
  });

  it('a second, unknown destination falls back to the raw socket and is still delivered', async () => {
    const rawBefore = tx(await backend.counters(GRE_PORT));
    const got = await flow('10.99.7.3', 20, 0);
    expect(got.map((r) => r.seq).sort((a, b) => a - b)).toEqual(Array.from({ length: 20 }, (_, i) => i + 1));
    for (const r of got) expect(r).toMatchObject({ src: F_OUT, dst: C2, ipChecksumOk: true, payloadOk: true });
    expect(tx(await backend.counters(GRE_PORT))).toBeGreaterThan(rawBefore);
  });

  it('reports the kernel statistics of the XSK socket', async () => {
    const r = await backend.request({ cmd: 'xsk-stats', port: XSK_IN });
    expect(r.stats).toMatchObject({ rxInvalidDescs: 0, txInvalidDescs: 0 });
  });

  it('a worker that dies without closing its XSK sockets is restarted, and its successor receives and sends on the same queues', async () => {
    const rxBefore = (await backend.counters(XSK_IN)).rxPackets ?? NaN;
    const outBefore = tx(await backend.counters(XSK_OUT));
    await lab.runJson(nsA, 'gre-flow.js', ['send', '--local', A, '--remote', F_IN, '--inner-dst', '10.99.7.99', '--count', '1']);
    await until('the worker to die', () => backend.errors().some((e) => e.includes('exited with code 3')));
    expect(backend.errors().filter((e) => e.includes('exited with code 3'))).toHaveLength(1);
    // The successor has bound both sockets (and put the receiving one in the XSKMAP) when it reports them.
    const opened = async (port: number): Promise<boolean> => (await backend.request({ cmd: 'xsk-stats', port })).stats !== null;
    await until('the new worker to open its XSK sockets', async () => (await opened(XSK_IN)) && (await opened(XSK_OUT)));
    const got = await flow('10.99.7.2', 20, 5);
    expect(got.map((r) => r.seq).sort((a, b) => a - b)).toEqual(Array.from({ length: 20 }, (_, i) => i + 1));
    expect(got.every((r) => r.payloadOk && r.ipChecksumOk && r.dst === C1)).toBe(true);
    // The new worker bound both queues again (bind would fail with EBUSY if the old sockets were still there).
    expect(backend.errors().filter((e) => /XSK|bind|EBUSY/.test(e))).toEqual([]);
    expect((await backend.counters(XSK_IN)).rxPackets).toBe(rxBefore + 1 + 20);
    // With packets 5 ms apart, the neighbour is learnt again within the flow and the last ones leave through XSK.
    expect(tx(await backend.counters(XSK_OUT))).toBeGreaterThan(outBefore);
  });

  it('stops promptly, detaches the XDP program and exits', async () => {
    const r = await backend.request({ cmd: 'stop' });
    expect(r.stopMs).toBeLessThan(1000);
    expect(await backend.exited).toBe(0);
    expect(linkXdp('fa')).toBeUndefined();
    // GRE to F now reaches F's kernel again, which (with no GRE socket left) answers protocol-unreachable.
    const capture = new Capture(lab, nsA, 'va', path.join(lab.dir, 'va.pcap'));
    await capture.ready();
    await lab.runJson(nsA, 'gre-flow.js', ['send', '--local', A, '--remote', F_IN, '--count', '1']);
    const pcap = await capture.stop();
    expect(tsharkFields(pcap, 'icmp.type == 3 && icmp.code == 2', ['ip.src'])).toEqual([[F_IN]]);
  });
});
