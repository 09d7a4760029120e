/**
 * Issue 8's topology, all hdvpnd, each node in its own namespace on one bridge: a route server, a hub, two PEs
 * (inform-clients) and two client routers (client-router mode) with a plain Linux host behind each. Client router 1
 * reaches PE 1 over GRE (key 7), client router 2 reaches PE 2 over IP-in-IP. Shared by
 * test/e2e/client-routers.test.ts and bench/e2e.ts (`npm run bench:e2e`). Needs root and a built dist/.
 */
import { Dut } from '../interop/dut';
import { Lab, type LabNode, runOk } from '../interop/lab';

type Obj = Record<string, unknown>;
export const RS = '198.18.0.5';
export const HUB = '198.18.0.10';
export const PE1 = '198.18.0.21';
export const PE2 = '198.18.0.22';
export const CR1 = '198.18.0.31';
export const CR2 = '198.18.0.32';
/** A third client router, on PE 1 like the first: two clients of one PE (issue 8, scenario 1). */
export const CR3 = '198.18.0.33';
/** Tunnel probes everywhere: 100 ms, down after 3 missed. */
export const PROBE = 'probe-interval: 100, probe-multiplier: 3';
/** Every edge obeys the same central-policy marks (fib-feed.ts policyMarks). */
export const EDGE_FIB = `fib: { backend: userspace, ${PROBE}, no-fallback-community: "65000:901", no-tunnel-community: "65000:902" }`;

/**
 * The route server's central policy toward PE 1: the hub's default may not fall back to best effort,
 * and bob's route is to be reached as plain IP, not through the tunnel.
 */
export const CENTRAL_POLICY = `policies:
  - name: central
    terms:
      - { name: no-fallback, match: { prefix: { prefix: 0.0.0.0/0 } }, set: { community: { add: ["65000:901"] } }, action: accept }
      - { name: plain-bob, match: { prefix: { prefix: 100.64.2.0/24, ge: 32 } }, set: { community: { add: ["65000:902"] } }, action: accept }
      - { name: rest, action: accept }
`;

export const pair = (n: number): string => `half-duplex:
  - name: red
    upstream:   { name: red-up,   rd: "65000:${n}1", import: ["65000:1"] }
    downstream: { name: red-down, rd: "65000:${n}2", export: ["65000:2"] }
    pool: [100.64.${n}.0/24]`;


export interface VpnTopology {
  readonly lab: Lab;
  /** Every hdvpnd, in start order (stop them in reverse). */
  readonly duts: Dut[];
  readonly rs: Dut;
  readonly hub: Dut;
  readonly pe1: Dut;
  readonly pe2: Dut;
  readonly cr1: Dut;
  readonly cr2: Dut;
  readonly cr3: Dut;
  readonly h1: LabNode;
  readonly h2: LabNode;
  readonly h3: LabNode;
  /** The hosts' addresses: the sessions' addresses from the PEs' pools. */
  readonly alice: string;
  readonly bob: string;
  /** Host 3's address: a second client of PE 1, behind client router 3. */
  readonly dave: string;
  /** The route server's config, with an export policy toward PE 1 when named. */
  readonly rsYaml: (toPe1?: string) => string;
}

/** YAML from lines: no indentation surprises from the code around it. */
const lines = (...l: string[]): string => `${l.join('\n')}\n`;

export async function buildVpnTopology(): Promise<VpnTopology> {
  const lab = await Lab.create();
  const duts: Dut[] = [];
  try {
    const [rsN, hubN, pe1N, pe2N, cr1N, cr2N, cr3N] = await Promise.all([
      lab.addNode('rs', RS), lab.addNode('hub', HUB), lab.addNode('pe1', PE1), lab.addNode('pe2', PE2), lab.addNode('cr1', CR1), lab.addNode('cr2', CR2), lab.addNode('cr3', CR3),
    ]);
    const rrClient = (a: string, policy?: string): string =>
      `  - { address: ${a}, asn: 65000, families: [vpnv4-unicast], route-reflector-client: true, passive: true, hold-time: 30${policy ? `, export-policy: ${policy}` : ''} }`;
    const rsYaml = (toPe1 = ''): string =>
      lines(`asn: 65000`, `router-id: ${RS}`, `listen: { address: ${RS}, port: 179 }`, 'neighbors:', rrClient(HUB), rrClient(PE1, toPe1 || undefined), rrClient(PE2)) + (toPe1 ? CENTRAL_POLICY : '');
    const rs = new Dut(rsN, rsYaml());
    const hub = new Dut(hubN, lines(
      'asn: 65000', `router-id: ${HUB}`, `listen: { address: ${HUB}, port: 179 }`, 'neighbors:',
      `  - { address: ${RS}, asn: 65000, families: [vpnv4-unicast], hold-time: 30, connect-retry: 1 }`,
      'vrfs:', '  - { name: hub, rd: "65000:100", import: ["65000:2"], export: ["65000:1"], hub: { announce: [0.0.0.0/0] } }',
      `fib: { backend: userspace, ${PROBE} }`,
    ));
    const peYaml = (n: number, me: string, crs: readonly [string, number][]): string => lines(
      'asn: 65000', `router-id: ${me}`, `listen: { address: ${me}, port: 179 }`, 'neighbors:',
      `  - { address: ${RS}, asn: 65000, families: [vpnv4-unicast], hold-time: 30, connect-retry: 1 }`,
      ...crs.map(([cr, asn]) => `  - { address: ${cr}, asn: ${asn}, families: [ipv4-unicast], passive: true, hold-time: 30 }`),
      pair(n), 'inform-clients: { tunnel: gre }', EDGE_FIB,
    );
    const pe1 = new Dut(pe1N, peYaml(1, PE1, [[CR1, 65101], [CR3, 65103]]));
    const pe2 = new Dut(pe2N, peYaml(2, PE2, [[CR2, 65102]]));
    duts.push(rs, hub, pe1, pe2);
    await Promise.all(duts.map((d) => d.start()));
    await Promise.all([pe1.waitEstablished(RS), pe2.waitEstablished(RS), hub.waitEstablished(RS)]);
    const alice = String(((await pe1.request({ command: 'session-add', client: 'alice', tunnel: { type: 'gre', remote: CR1, key: 7 } })) as Obj).address);
    const bob = String(((await pe2.request({ command: 'session-add', client: 'bob', tunnel: { type: 'ipip', remote: CR2 } })) as Obj).address);
    const dave = String(((await pe1.request({ command: 'session-add', client: 'dave', tunnel: { type: 'gre', remote: CR3, key: 8 } })) as Obj).address);
    const crYaml = (n: number, me: string, pe: string, backbone: string, lan: string): string => lines(
      `asn: 6510${n}`, `router-id: ${me}`, 'listen: false', 'neighbors:',
      `  - { address: ${pe}, asn: 65000, families: [ipv4-unicast], hold-time: 30, connect-retry: 1 }`,
      'client-router:', `  backbone: ${backbone}`, `  lan: [${lan}]`, EDGE_FIB,
    );
    // Client router 2's LAN is PE 2's whole pool (new clients of PE 2 sit behind it); 1 and 3 share PE 1 with one host each.
    const cr1 = new Dut(cr1N, crYaml(1, CR1, PE1, `{ type: gre, remote: ${PE1}, key: 7 }`, `${alice}/32`));
    const cr2 = new Dut(cr2N, crYaml(2, CR2, PE2, `{ type: ipip, remote: ${PE2} }`, '100.64.2.0/24'));
    const cr3 = new Dut(cr3N, crYaml(3, CR3, PE1, `{ type: gre, remote: ${PE1}, key: 8 }`, `${dave}/32`));
    duts.push(cr1, cr2, cr3);
    await Promise.all([cr1.start(), cr2.start(), cr3.start()]);
    const h1 = await host(lab, 'h1', cr1N, alice, 'lan1');
    const h2 = await host(lab, 'h2', cr2N, bob, 'lan2');
    const h3 = await host(lab, 'h3', cr3N, dave, 'lan3');
    await Promise.all([cr1.waitEstablished(PE1), cr2.waitEstablished(PE2), cr3.waitEstablished(PE1)]);
    return { lab, duts, rs, hub, pe1, pe2, cr1, cr2, cr3, h1, h2, h3, alice, bob, dave, rsYaml };
  } catch (e) {
    for (const d of duts.reverse()) await d.stop();
    await lab.teardown();
    throw e;
  }
}

/** A host behind a client router: its own namespace, a veth to the router, the client's address, default via the router. */
export async function host(lab: Lab, name: string, router: LabNode, address: string, link: string): Promise<LabNode> {
  const h = await lab.addNode(name);
  await runOk(['ip', '-n', router.ns, 'link', 'add', link, 'type', 'veth', 'peer', 'name', 'lan0', 'netns', h.ns]);
  await runOk(['ip', '-n', router.ns, 'link', 'set', link, 'up']);
  await runOk(['ip', '-n', h.ns, 'link', 'set', 'lan0', 'up']);
  await runOk(['ip', '-n', h.ns, 'addr', 'add', `${address}/32`, 'dev', 'lan0']);
  await runOk(['ip', '-n', router.ns, 'addr', 'add', '10.255.255.1/32', 'dev', link]);
  await runOk(['ip', '-n', h.ns, 'route', 'add', '10.255.255.1/32', 'dev', 'lan0']);
  await runOk(['ip', '-n', h.ns, 'route', 'add', '100.64.0.0/16', 'via', '10.255.255.1', 'src', address]);
  // The router's kernel: the host's packets go into hdvpnd (hd-lan); hdvpnd's packets for the host come out of it.
  for (const cmd of [
    ['sysctl', '-qw', 'net.ipv4.ip_forward=1'],
    ['sysctl', '-qw', 'net.ipv4.conf.all.rp_filter=0'],
    ['sysctl', '-qw', 'net.ipv4.conf.hd-lan.rp_filter=0'],
    ['ip', 'route', 'add', `${address}/32`, 'dev', link],
    ['ip', 'rule', 'add', 'iif', link, 'lookup', '100', 'priority', '100'],
    ['ip', 'route', 'add', 'default', 'dev', 'hd-lan', 'table', '100'],
  ]) await router.execOk(cmd);
  return h;
}
