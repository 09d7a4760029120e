/**
 * The new-client notification as a real router sees it (issues 6 and 8): GoBGP
 * 3.10 plays a client router and a route server watcher of an hdvpnd PE.
 * A session started on the PE reaches GoBGP within a second twice over:
 * as the VPNv4 route (RD, spoke route target, label: issue 6's notification)
 * and as an IPv4 unicast route with an RFC 9012 TUNNEL_ENCAPSULATION
 * attribute — GRE, egress endpoint the PE — telling a client router how to
 * reach the backbone (issue 8). Ending the session withdraws both.
 */
import { Dut, type Obj } from './dut';
import { Lab, runOk, startPeer, waitFor, type GobgpPeer } from './lab';
import { isRoot, nodes } from './hdvpnd-gobgp-frr-util';

jest.setTimeout(120000);
const d = isRoot ? describe : describe.skip;

interface GobgpAttr { type: number; [k: string]: unknown }

d('new-client notification seen by GoBGP (VPNv4 and IPv4 with RFC 9012 tunnel encapsulation)', () => {
  let lab: Lab;
  let pe: Dut;
  let gobgp: GobgpPeer;

  beforeAll(async () => {
    lab = await Lab.create();
    const n = await nodes(lab, 'pe', 'cr');
    gobgp = (await startPeer('gobgp', n.cr, { as: 65101, neighbors: [{ address: n.pe.address, as: 65000, families: ['ipv4-unicast', 'vpnv4'] }] })) as GobgpPeer;
    pe = new Dut(n.pe, `asn: 65000
router-id: ${n.pe.address}
listen: { address: ${n.pe.address}, port: 179 }
neighbors:
  - { address: ${n.cr.address}, asn: 65101, families: [ipv4-unicast, vpnv4-unicast], hold-time: 9, connect-retry: 1 }
half-duplex:
  - name: red
    upstream:   { name: red-up,   rd: "65000:21", import: ["65000:1"] }
    downstream: { name: red-down, rd: "65000:22", export: ["65000:2"] }
    pool: [100.64.0.0/24]
inform-clients: { tunnel: gre }
`);
    await pe.start();
    await pe.waitEstablished(n.cr.address);
  });
  afterAll(async () => {
    await pe?.stop();
    await lab?.teardown();
  });

  const rib = async (family: 'ipv4' | 'vpnv4'): Promise<Record<string, { attrs: GobgpAttr[]; nlri: Obj }[]>> => {
    const text = (await runOk([...gobgp.cli, '-j', 'global', 'rib', '-a', family])).trim();
    return text === '' || text === 'null' ? {} : (JSON.parse(text) as Record<string, { attrs: GobgpAttr[]; nlri: Obj }[]>);
  };

  it('announces a new client in VPNv4 and, with a GRE tunnel attribute, in IPv4 within a second; withdraws both at the end', async () => {
    const started = Date.now();
    const s = (await pe.request({ command: 'session-add', client: 'alice', tunnel: { type: 'gre', remote: '198.18.0.99', key: 7 } })) as Obj;
    const host = `${String(s.address)}/32`;
    const unicast = await waitFor('the client in GoBGP IPv4', async () => (await rib('ipv4'))[host]?.[0], { timeoutMs: 5000, intervalMs: 20 });
    const vpn = await waitFor('the client in GoBGP VPNv4', async () => Object.entries(await rib('vpnv4')).find(([k]) => k.endsWith(host))?.[1]?.[0], { timeoutMs: 5000, intervalMs: 20 });
    const elapsed = Date.now() - started;
    process.stdout.write(`new-client notification at GoBGP ${elapsed} ms after session add (both families, CLI polling every 20 ms)\n`);
    expect(elapsed).toBeLessThan(1000);
    // RFC 9012: attribute 23, one tunnel of type 2 (GRE) whose egress endpoint is the PE.
    const tunnelAttr = unicast.attrs.find((a) => a.type === 23);
    // GoBGP's own decoding: tunnel type 2 (GRE), sub-TLV 6 (Tunnel Egress Endpoint, §3.1) = the PE.
    expect(tunnelAttr).toEqual({ type: 23, value: [{ type: 2, value: [{ type: 6, address: pe.node.address }] }] });
    expect(unicast.attrs.find((a) => a.type === 3)).toMatchObject({ nexthop: pe.node.address });
    // VPNv4: the pair's downstream RD and spoke route target.
    expect(JSON.stringify(vpn.nlri)).toContain('"assigned":22');
    expect(JSON.stringify(vpn.attrs.find((a) => a.type === 16))).toContain('65000:2');
    await pe.request({ command: 'session-del', client: 'alice' });
    await waitFor('both withdrawn', async () => ((await rib('ipv4'))[host] === undefined && !Object.keys(await rib('vpnv4')).some((k) => k.endsWith(host)) ? true : undefined), { timeoutMs: 5000 });
  });
});
