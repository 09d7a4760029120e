/**
 * `npm run bench:e2e` (root): end-to-end latency and throughput through issue 8's topology (test/e2e/topology.ts:
 * host 1 → client router 1 → PE 1 → hub → PE 2 → client router 2 → host 2, every router an hdvpnd with the userspace
 * backend, GRE / MPLS in GRE / IP-in-IP on the way), then through the same namespaces and hops with plain Linux
 * kernel forwarding (static routes, no tunnels), in the same run. Prints a markdown table.
 */
import { buildVpnTopology, CR1, CR2, HUB, PE1, PE2, type VpnTopology } from '../test/e2e/topology';
import { waitFor } from '../test/interop/lab';

type Obj = Record<string, unknown>;
const SECONDS = Number(process.env.HDVPN_BENCH_SECONDS ?? 3);

interface Result {
  path: string;
  rttMin: number;
  rttAvg: number;
  rttMax: number;
  pingLoss: string;
  sentPps: number;
  deliveredPps: number;
}

async function ping(t: VpnTopology): Promise<{ min: number; avg: number; max: number; loss: string }> {
  const r = await t.h1.exec(['ping', '-q', '-c', '200', '-i', '0.005', '-W', '1', '-I', t.alice, t.bob]);
  const rtt = /= ([\d.]+)\/([\d.]+)\/([\d.]+)/.exec(r.stdout);
  const loss = /(\d+(?:\.\d+)?)% packet loss/.exec(r.stdout)?.[1] ?? '?';
  return { min: Number(rtt?.[1] ?? NaN), avg: Number(rtt?.[2] ?? NaN), max: Number(rtt?.[3] ?? NaN), loss: `${loss}%` };
}

/** A UDP flood of 64-octet payloads from host 1 for SECONDS, counted on host 2. */
async function flood(t: VpnTopology): Promise<{ sent: number; received: number }> {
  const recv = `const d=require('dgram').createSocket('udp4');let n=0;d.on('message',()=>n++);d.bind(9,'${t.bob}',()=>setTimeout(()=>{process.stdout.write(String(n));d.close();},${(SECONDS + 1.5) * 1000}));`;
  const send = `const d=require('dgram').createSocket('udp4');const b=Buffer.alloc(64);let n=0;const end=Date.now()+${SECONDS * 1000};d.bind(0,'${t.alice}',()=>{(function burst(){for(let i=0;i<64;i++){d.send(b,9,'${t.bob}');n++;}if(Date.now()<end)setImmediate(burst);else setTimeout(()=>{process.stdout.write(String(n));d.close();},200);})();});`;
  const receiver = t.h2.exec(['node', '-e', recv]);
  await new Promise((r) => setTimeout(r, 300));
  const sender = await t.h1.exec(['node', '-e', send]);
  const received = await receiver;
  return { sent: Number(sender.stdout), received: Number(received.stdout) };
}

async function measure(t: VpnTopology, path: string): Promise<Result> {
  const p = await ping(t);
  const f = await flood(t);
  return { path, rttMin: p.min, rttAvg: p.avg, rttMax: p.max, pingLoss: p.loss, sentPps: f.sent / SECONDS, deliveredPps: f.received / SECONDS };
}

/** The same hops with the kernel forwarding plain IP: static routes along client router 1 → PE 1 → hub → PE 2 → client router 2. */
async function kernelPath(t: VpnTopology): Promise<void> {
  const { alice, bob } = t;
  const steps: [VpnTopology['pe1'], string[][]][] = [
    [t.cr1, [['ip', 'route', 'replace', 'default', 'via', PE1, 'table', '100']]],
    [t.pe1, [['ip', 'route', 'add', `${bob}/32`, 'via', HUB], ['ip', 'route', 'add', `${alice}/32`, 'via', CR1]]],
    [t.hub, [['ip', 'route', 'add', `${bob}/32`, 'via', PE2], ['ip', 'route', 'add', `${alice}/32`, 'via', PE1]]],
    [t.pe2, [['ip', 'route', 'add', `${bob}/32`, 'via', CR2], ['ip', 'route', 'add', `${alice}/32`, 'via', HUB]]],
    [t.cr2, [['ip', 'route', 'replace', 'default', 'via', PE2, 'table', '100']]],
  ];
  for (const [d, cmds] of steps) {
    for (const c of [['sysctl', '-qw', 'net.ipv4.ip_forward=1'], ['sysctl', '-qw', 'net.ipv4.conf.all.rp_filter=0'], ['sysctl', '-qw', 'net.ipv4.conf.eth0.send_redirects=0'], ['sysctl', '-qw', 'net.ipv4.conf.all.send_redirects=0'], ...cmds]) await d.node.execOk(c);
  }
}

async function main(): Promise<void> {
  if (process.getuid?.() !== 0) {
    process.stderr.write('bench:e2e needs root (network namespaces)\n');
    process.exitCode = 2;
    return;
  }
  process.stderr.write('building the topology (6 hdvpnd, 2 hosts)...\n');
  const t = await buildVpnTopology();
  try {
    await waitFor('routes end to end', async () => {
      const hub = (await t.hub.request({ command: 'show-fib', vrf: 'hub' })) as Obj[];
      const cr1 = (await t.cr1.request({ command: 'show-fib', vrf: 'client' })) as Obj[];
      return hub.length >= 2 && cr1.some((r) => r.prefix === `${t.bob}/32`) ? true : undefined;
    }, { timeoutMs: 30000 });
    const results: Result[] = [];
    results.push(await measure(t, 'hdvpnd (GRE, MPLS in GRE via the hub, IP-in-IP)'));
    await kernelPath(t);
    results.push(await measure(t, 'Linux kernel (same namespaces and hops, plain IP)'));
    const [ours, kernel] = results;
    const rows = results.map((r) => `| ${r.path} | ${r.rttMin.toFixed(3)} / ${r.rttAvg.toFixed(3)} / ${r.rttMax.toFixed(3)} | ${r.pingLoss} | ${Math.round(r.sentPps)} | ${Math.round(r.deliveredPps)} |`);
    process.stdout.write(`\n## End to end: host 1 → host 2 through 5 routers (${SECONDS} s UDP flood, 64-octet payload; 200 pings at 5 ms)\n\n`);
    process.stdout.write('| path | RTT min / avg / max (ms) | ping loss | UDP sent/s | UDP delivered/s |\n|---|---|---|---|---|\n');
    process.stdout.write(`${rows.join('\n')}\n`);
    if (ours && kernel) process.stdout.write(`\nhdvpnd ÷ kernel: delivered ${(ours.deliveredPps / kernel.deliveredPps).toFixed(2)}x, average RTT ${(ours.rttAvg / kernel.rttAvg).toFixed(2)}x\n`);
  } finally {
    for (const d of [...t.duts].reverse()) await d.stop();
    await t.lab.teardown();
  }
}

main().catch((e: unknown) => {
  process.stderr.write(`bench:e2e: ${e instanceof Error ? e.stack ?? e.message : String(e)}\n`);
  process.exitCode = 1;
});
