/**
 * hdvpnd against OpenBGPD 7.7 (Debian's portable build), each in its own namespace,
 * checked through `bgpctl -j` and hdvpnd's control socket. Topology:
 *   o OpenBGPD 65006 ── dut hdvpnd 65100   eBGP, IPv4 unicast + VPNv4, hold time 6 s
 * OpenBGPD cannot originate VPNv4 on Linux (it needs an OpenBSD mpe(4) interface), so VPNv4
 * goes one way only, hdvpnd -> OpenBGPD; and bgpctl shows no MPLS label (docs/interop.md).
 */
import { Dut } from './dut';
import { Lab, startPeer, waitFor, type OpenbgpdPeer, type Route } from './lab';
import {
  addNodes, dutYaml, establishedTransitions, lastError, msgCount, one, peerCapabilityTypes, pickRib, root, waitAbove,
  type DutNeighbor, type DutRoute,
} from './hdvpnd-lab-util';

jest.setTimeout(120000);

const d = root ? describe : describe.skip;
if (!root) process.stderr.write('interop tests need root (ip netns); skipped\n');

const HOLD = 6;
const AS_DUT = 65100;
const AS_O = 65006;

type Json = Record<string, unknown>;
const rec = (v: unknown): Json => (typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Json) : {});

d('hdvpnd <-> OpenBGPD', () => {
  let lab: Lab;
  let o: OpenbgpdPeer;
  let dut: Dut;
  let neighbors: DutNeighbor[];
  let routes: DutRoute[];

  const V4: DutRoute = { prefix: '10.100.0.0/24', med: 50, communities: ['65100:1'], largeCommunities: ['65100:2:3'] };
  const V4B: DutRoute = { prefix: '10.101.0.0/24', communities: ['65100:9'] };
  const VPN: DutRoute = { prefix: '10.110.0.0/24', rd: '65100:1', routeTargets: ['65100:1', '65100:2'], label: 3999, med: 51 };

  beforeAll(async () => {
    lab = await Lab.create();
    const [no, nd] = await addNodes(lab, 'obgpd', 'dut');
    const O = one(no, 'openbgpd');
    const D = one(nd, 'dut');
    neighbors = [{ address: O.address, asn: AS_O, families: ['ipv4-unicast', 'vpnv4-unicast'], holdTime: HOLD, connectRetry: 2 }];
    routes = [V4, V4B, VPN];
    dut = new Dut(D, dutYaml(D, AS_DUT, neighbors, routes));
    [o] = await Promise.all([
      startPeer('openbgpd', O, {
        as: AS_O,
        holdTime: HOLD,
        neighbors: [{ address: D.address, as: AS_DUT }],
        ipv4Routes: [
          { prefix: '10.6.0.0/24', med: 7, communities: ['65006:1'], largeCommunities: ['65006:1:1'] },
          { prefix: '10.7.0.0/24', communities: ['65006:7'] },
        ],
      }),
      dut.start(),
    ]);
  });

  afterAll(async () => {
    await lab?.teardown();
  });

  const pick = (r: Route): Partial<Route> => ({
    prefix: r.prefix, rd: r.rd, nextHop: r.nextHop, asPath: r.asPath, med: r.med,
    communities: r.communities, largeCommunities: r.largeCommunities, routeTargets: r.routeTargets, from: r.from,
  });
  const diag = (): string => `${dut.logTail(30)}\n${o.logTail(15)}`;
  /** OpenBGPD's own message counters for the session with hdvpnd (bgpctl -j show neighbor: stats.message). */
  const oStats = async (dir: 'sent' | 'received', kind: string): Promise<number> => {
    const raw = rec((await o.neighbor(dut.node.address)).raw);
    const v = rec(rec(rec(raw.stats).message)[dir])[kind];
    return typeof v === 'number' ? v : -1;
  };

  test('session reaches Established with IPv4 unicast, VPNv4 and the expected capabilities on both sides', async () => {
    const [os, dn] = await Promise.all([o.waitEstablished(dut.node.address), dut.waitEstablished(o.address)]);
    expect(os.remoteAs).toBe(AS_DUT);
    expect(os.remoteCapabilities).toEqual(expect.arrayContaining(['as4', 'mp-ipv4-unicast', 'mp-vpnv4', 'route-refresh', 'enhanced-route-refresh', 'graceful-restart']));
    expect(rec(rec(os.raw).session).holdtime).toBe(HOLD);
    expect(dn).toMatchObject({ state: 'Established', asn: AS_O, families: ['ipv4-unicast', 'vpnv4-unicast'], 'hold-time': HOLD, 'router-id': o.address });
    expect(dn.capabilities).toMatchObject({ 'four-octet-as': true, 'route-refresh': true });
    expect(peerCapabilityTypes(dn)).toEqual(expect.arrayContaining(['mp-1/1', 'mp-1/128', 'route-refresh', 'four-octet-as']));
  });

  test('OpenBGPD -> hdvpnd: IPv4 with AS path, next hop, MED, communities, large communities', async () => {
    const v4 = await dut.waitRoute('ipv4-unicast', '10.6.0.0/24', { from: o.address });
    expect(pickRib(v4)).toEqual({
      prefix: '10.6.0.0/24', 'next-hop': o.address, 'as-path': '65006', med: 7, 'local-pref': null,
      communities: ['65006:1'], 'large-communities': ['65006:1:1'], from: o.address,
    });
  });

  test('hdvpnd -> OpenBGPD: IPv4 and VPNv4 (RD, route targets) with our AS prepended, next-hop-self, MED, communities', async () => {
    const [v4, vpn] = await Promise.all([
      o.waitRoute('ipv4-unicast', V4.prefix, { from: dut.node.address }),
      o.waitRoute('vpnv4', '10.110.0.0/24', { from: dut.node.address, rd: '65100:1' }),
    ]);
    expect(pick(v4)).toEqual({
      prefix: V4.prefix, rd: undefined, nextHop: dut.node.address, asPath: [AS_DUT], med: 50,
      communities: ['65100:1'], largeCommunities: ['65100:2:3'], routeTargets: [], from: dut.node.address,
    });
    // bgpctl has no label field (neither text nor JSON), so the label cannot be checked here.
    expect(pick(vpn)).toEqual({
      prefix: '10.110.0.0/24', rd: '65100:1', nextHop: dut.node.address, asPath: [AS_DUT], med: 51,
      communities: [], largeCommunities: [], routeTargets: ['65100:1', '65100:2'], from: dut.node.address,
    });
  });

  test('route refresh: `bgpctl neighbor X refresh` asks and hdvpnd re-sends; hdvpnd\'s ROUTE-REFRESH is counted by OpenBGPD', async () => {
    await Promise.all([dut.waitEstablished(o.address), o.waitEstablished(dut.node.address)]);
    const rxRr = await msgCount(dut, o.address, 'received', 'route-refresh');
    const txUpd = await msgCount(dut, o.address, 'sent', 'update');
    const oRxUpd = await oStats('received', 'updates');
    await o.refresh(dut.node.address, 'in');
    await waitAbove('hdvpnd to receive ROUTE-REFRESH', () => msgCount(dut, o.address, 'received', 'route-refresh'), rxRr, diag);
    await waitAbove('hdvpnd to re-send its UPDATEs', () => msgCount(dut, o.address, 'sent', 'update'), txUpd, diag);
    await waitAbove('OpenBGPD to count the re-sent UPDATEs', () => oStats('received', 'updates'), oRxUpd, diag);
    await o.waitRoute('vpnv4', '10.110.0.0/24', { from: dut.node.address, rd: '65100:1' });

    // hdvpnd -> OpenBGPD: one well-formed ROUTE-REFRESH per family, accepted by OpenBGPD's session engine.
    const sentRr = await msgCount(dut, o.address, 'sent', 'route-refresh');
    const oRxRr = await oStats('received', 'route_refresh');
    await dut.request({ command: 'route-refresh', address: o.address });
    await waitAbove('hdvpnd to send ROUTE-REFRESH', () => msgCount(dut, o.address, 'sent', 'route-refresh'), sentRr + 1, diag);
    await waitAbove('OpenBGPD to count both ROUTE-REFRESH messages', () => oStats('received', 'route_refresh'), oRxRr + 1, diag);
    expect((await dut.neighbor(o.address))?.state).toBe('Established');
  });

  /*
   * OpenBGPD 7.7 (Debian 7.7-2) does not answer a ROUTE-REFRESH from anyone: its session engine
   * counts it, then its RDE logs "route refresh: AID IPv4 unicast not negotiated" and drops it.
   * The same happens with BIRD's `reload in` (checked by hand), so it is not hdvpnd's message.
   * test.failing keeps the check honest: it starts failing the day OpenBGPD re-sends.
   */
  test.failing('OpenBGPD re-sends its routes after hdvpnd\'s ROUTE-REFRESH (OpenBGPD 7.7 drops the request)', async () => {
    const rxUpd = await msgCount(dut, o.address, 'received', 'update');
    await dut.request({ command: 'route-refresh', address: o.address, family: 'ipv4-unicast' });
    await waitAbove('OpenBGPD to re-send its UPDATEs', () => msgCount(dut, o.address, 'received', 'update'), rxUpd, diag, 6000);
  });

  test('withdrawals both ways: OpenBGPD withdraws; a route removed from hdvpnd\'s config (SIGHUP) is withdrawn from OpenBGPD', async () => {
    await dut.waitRoute('ipv4-unicast', '10.7.0.0/24', { from: o.address });
    await o.withdraw({ prefix: '10.7.0.0/24' });
    await dut.waitNoRoute('ipv4-unicast', '10.7.0.0/24', o.address);

    await o.waitRoute('ipv4-unicast', V4B.prefix, { from: dut.node.address });
    routes = routes.filter((r) => r !== V4B);
    dut.reconfigure(dutYaml(dut.node, AS_DUT, neighbors, routes));
    await o.waitNoRoute('ipv4-unicast', V4B.prefix, { from: dut.node.address });
    expect((await o.routes('ipv4-unicast', { from: dut.node.address })).map((r) => r.prefix)).toEqual([V4.prefix]);
    await dut.waitRoute('ipv4-unicast', '10.6.0.0/24', { from: o.address });
  });

  test('OpenBGPD restart: the session comes back and routes are relearned both ways', async () => {
    const before = await establishedTransitions(dut, o.address);
    await o.restart();
    await waitFor('hdvpnd to see a new session with OpenBGPD', async () => (await establishedTransitions(dut, o.address)) > before, { timeoutMs: 40000, diagnostics: diag });
    await Promise.all([
      dut.waitEstablished(o.address),
      dut.waitRoute('ipv4-unicast', '10.6.0.0/24', { from: o.address }),
      o.waitRoute('vpnv4', '10.110.0.0/24', { from: dut.node.address, rd: '65100:1' }),
      o.waitRoute('ipv4-unicast', V4.prefix, { from: dut.node.address }),
    ]);
  });

  test('SIGSTOP of OpenBGPD: hdvpnd\'s hold timer expires (NOTIFICATION 4/0) and its routes are flushed; SIGCONT recovers', async () => {
    await dut.waitRoute('ipv4-unicast', '10.6.0.0/24', { from: o.address });
    const t0 = Date.now();
    o.pause();
    try {
      await waitFor('hdvpnd to leave Established with OpenBGPD', async () => (await dut.neighbor(o.address))?.state !== 'Established', {
        timeoutMs: (HOLD + 5) * 1000, diagnostics: diag,
      });
      expect(Date.now() - t0).toBeGreaterThan((HOLD - 3) * 1000);
      expect(await lastError(dut, o.address)).toMatch(/^sent NOTIFICATION 4\/0 Hold Timer Expired/);
      await dut.waitNoRoute('ipv4-unicast', '10.6.0.0/24', o.address);
    } finally {
      o.resume();
    }
    await Promise.all([
      dut.waitEstablished(o.address, 40000),
      dut.waitRoute('ipv4-unicast', '10.6.0.0/24', { from: o.address }, 40000),
      o.waitRoute('ipv4-unicast', V4.prefix, { from: dut.node.address }, { timeoutMs: 40000 }),
    ]);
  });
});
