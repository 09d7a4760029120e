/**
 * The new-client notification as a real router sees it (issues 6 and 8): GoBGP
 * 3.10 watches an hdvpnd PE (VPNv4, and IPv4 as a client router would), next
 * to an hdvpnd hub that imports the client.
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
  let hub: Dut;
  let gobgp: GobgpPeer;

  beforeAll(async () => {
    lab = await Lab.create();
    const n = await nodes(lab, 'pe', 'cr', 'hub');
    gobgp = (await startPeer('gobgp', n.cr, { as: 65101, neighbors: [{ address: n.pe.address, as: 65000, families: ['ipv4-unicast', 'vpnv4'] }] })) as GobgpPeer;
    pe = new Dut(n.pe, `asn: 65000
router-id: ${n.pe.address}
listen: { address: ${n.pe.address}, port: 179 }
neighbors:
  - { address: ${n.cr.address}, asn: 65101, families: [ipv4-unicast, vpnv4-unicast], hold-time: 9, connect-retry: 1 }
  - { address: ${n.hub.address}, asn: 65000, families: [vpnv4-unicast], hold-time: 9, connect-retry: 1 }
half-duplex:
  - name: red
    upstream:   { name: red-up,   rd: "65000:21", import: ["65000:1"] }
    downstream: { name: red-down, rd: "65000:22", export: ["65000:2"] }
    pool: [100.64.0.0/24]
  - name: tiny
    upstream:   { name: tiny-up,   rd: "65000:31", import: ["65000:1"] }
    downstream: { name: tiny-down, rd: "65000:32", export: ["65000:2"] }
    pool: [100.65.0.0/30]
inform-clients: { tunnel: gre }
`);
    hub = new Dut(n.hub, `asn: 65000
router-id: ${n.hub.address}
listen: { address: ${n.hub.address}, port: 179 }
neighbors:
  - { address: ${n.pe.address}, asn: 65000, families: [vpnv4-unicast], passive: true, hold-time: 9 }
vrfs:
  - { name: hub, rd: "65000:100", import: ["65000:2"], export: ["65000:1"], hub: { announce: [0.0.0.0/0] } }
`);
    await hub.start();
    await pe.start();
    await pe.waitEstablished(n.cr.address);
    await pe.waitEstablished(n.hub.address);
  });
  afterAll(async () => {
    await hub?.stop();
    await pe?.stop();
    await lab?.teardown();
  });

  const rib = async (family: 'ipv4' | 'vpnv4'): Promise<Record<string, { attrs: GobgpAttr[]; nlri: Obj }[]>> => {
    const text = (await runOk([...gobgp.cli, '-j', 'global', 'rib', '-a', family])).trim();
    return text === '' || text === 'null' ? {} : (JSON.parse(text) as Record<string, { attrs: GobgpAttr[]; nlri: Obj }[]>);
  };

  it('announces a new client in VPNv4 and, with a GRE tunnel attribute, in IPv4 within a second; withdraws both at the end', async () => {
    const started = Date.now();
    const s = (await pe.request({ command: 'session-add', client: 'alice', pair: 'red', tunnel: { type: 'gre', remote: '198.18.0.99', key: 7 } })) as Obj;
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
    // VPNv4: the pair's downstream RD, spoke route target and label, as GoBGP decodes them.
    const downLabel = Number((((await pe.request({ command: 'show-vrf', name: 'red-down' })) as Obj[])[0] ?? {}).label);
    expect(vpn.nlri).toMatchObject({ prefix: host, rd: { admin: 65000, assigned: 22 }, labels: [downLabel] });
    expect(JSON.stringify(vpn.attrs.find((a) => a.type === 16))).toContain('65000:2');
    // The hub imported it with the same RD and label.
    const atHub = await waitFor('the client at the hub', async () => ((await hub.request({ command: 'show-rib', vrf: 'hub' })) as Obj[]).find((r) => r.prefix === host), { timeoutMs: 5000 });
    expect(atHub).toMatchObject({ rd: '65000:22', labels: [downLabel], 'route-targets': ['65000:2'] });
    await pe.request({ command: 'session-del', client: 'alice' });
    await waitFor('both withdrawn', async () => ((await rib('ipv4'))[host] === undefined && !Object.keys(await rib('vpnv4')).some((k) => k.endsWith(host)) ? true : undefined), { timeoutMs: 5000 });
    await waitFor('withdrawn at the hub', async () => (((await hub.request({ command: 'show-rib', vrf: 'hub' })) as Obj[]).some((r) => r.prefix === host) ? undefined : true), { timeoutMs: 5000 });
  });

  it('refuses a start when the pool is exhausted, with the reason, and leaves no trace at any peer', async () => {
    // 100.65.0.0/30: two usable addresses (RFC 3021 aside, network and broadcast are never handed out).
    for (const client of ['t1', 't2']) await pe.request({ command: 'session-add', client, pair: 'tiny' });
    await waitFor('two tiny clients at GoBGP', async () => (Object.keys(await rib('vpnv4')).filter((k) => k.includes('100.65.0.')).length === 2 ? true : undefined), { timeoutMs: 5000 });
    await expect(pe.request({ command: 'session-add', client: 't3', pair: 'tiny' })).rejects.toThrow(/address pool of pair tiny is exhausted/);
    await new Promise((r) => setTimeout(r, 500));
    expect(Object.keys(await rib('vpnv4')).filter((k) => k.includes('100.65.0.'))).toHaveLength(2);
    expect(((await pe.request({ command: 'show-sessions' })) as Obj[]).map((x) => x.client).sort()).toEqual(['t1', 't2']);
    expect(((await hub.request({ command: 'show-rib', vrf: 'hub' })) as Obj[]).filter((r) => String(r.prefix).startsWith('100.65.0.'))).toHaveLength(2);
  });
});
