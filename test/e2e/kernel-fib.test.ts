/**
 * hdvpnd with `fib: { backend: kernel }` in its own namespace: the FIB it
 * builds from VRFs and sessions is programmed into Linux (tables, routes on
 * shared nexthop objects, eBPF GRE/IP-in-IP encapsulation where the kernel
 * has no tunnel devices) and taken out again when a session ends.
 */
import { Dut } from '../interop/dut';
import { Lab, waitFor } from '../interop/lab';

const root = process.getuid?.() === 0;
const PE = '198.18.0.20';
type Obj = Record<string, unknown>;
interface KernelRoute { dst: string; table?: string | number; nhid?: number; type?: string }

(root ? describe : describe.skip)('kernel FIB backend under hdvpnd (netns)', () => {
  jest.setTimeout(120000);
  let lab: Lab;
  let pe: Dut;

  beforeAll(async () => {
    lab = await Lab.create();
    const node = await lab.addNode('pe', PE);
    pe = new Dut(node, `asn: 65000
router-id: ${PE}
listen: false
half-duplex:
  - name: red
    upstream:   { name: red-up,   rd: "65000:21", import: ["65000:1"] }
    downstream: { name: red-down, rd: "65000:22", export: ["65000:2"] }
    pool: [100.64.0.0/24]
routes:
  - { prefix: 192.168.2.0/24, vrf: red-down, next-hop: 192.0.2.202 }
fib: { backend: kernel }
`);
    await pe.start();
  });
  afterAll(async () => {
    await pe?.stop();
    await lab?.teardown();
  });

  const routes = async (): Promise<KernelRoute[]> => JSON.parse(await pe.node.execOk(['ip', '-j', 'route', 'show', 'table', 'all'])) as KernelRoute[];

  it('installs session routes with their tunnel encapsulation and removes them when the session ends', async () => {
    const s = (await pe.request({ command: 'session-add', client: 'alice', tunnel: { type: 'gre', remote: '198.18.0.31', key: 7 } })) as Obj;
    const host = `${String(s.address)}`;
    const installed = await waitFor('alice in a kernel table', async () => (await routes()).find((r) => r.dst === host && r.table !== 'local' && r.table !== 'main'), { timeoutMs: 15000 });
    expect(Number(installed.table)).toBeGreaterThanOrEqual(1000);
    expect(installed.nhid).toBeGreaterThan(0);
    // The shared nexthop object carries the eBPF GRE encapsulation.
    const nh = JSON.parse(await pe.node.execOk(['ip', '-j', 'nexthop', 'show', 'id', String(installed.nhid)])) as Obj[];
    expect(JSON.stringify(nh)).toMatch(/bpf|encap/);
    // The static route of the VRF is there too, in the same table.
    expect((await routes()).some((r) => r.dst === '192.168.2.0/24' && String(r.table) === String(installed.table))).toBe(true);
    await pe.request({ command: 'session-del', client: 'alice' });
    await waitFor('alice gone from the kernel', async () => ((await routes()).some((r) => r.dst === host && r.table !== 'local' && r.table !== 'main') ? undefined : true), { timeoutMs: 15000 });
  });
});
