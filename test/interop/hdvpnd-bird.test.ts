/**
 * hdvpnd against BIRD 2, each in its own namespace, checked through birdc and through
 * hdvpnd's control socket. Topology:
 *   b  BIRD 65002 ── dut hdvpnd 65100   eBGP, IPv4 unicast + VPNv4, hold time 6 s
 *   bi BIRD 65100 ── dut                iBGP, IPv4 unicast (LOCAL_PREF travels only on iBGP)
 */
import { Dut } from './dut';
import { Lab, startPeer, waitFor, type BirdPeer, type Route } from './lab';
import {
  addNodes, dutYaml, establishedTransitions, lastError, msgCount, one, peerCapabilityTypes, pickRib, root, waitAbove,
  type DutNeighbor, type DutRoute,
} from './hdvpnd-lab-util';

jest.setTimeout(120000);

const d = root ? describe : describe.skip;
if (!root) process.stderr.write('interop tests need root (ip netns); skipped\n');

const HOLD = 6;
const AS_DUT = 65100;
const AS_BIRD = 65002;

d('hdvpnd <-> BIRD 2', () => {
  let lab: Lab;
  let b: BirdPeer;
  let bi: BirdPeer;
  let dut: Dut;
  let neighbors: DutNeighbor[];
  let routes: DutRoute[];

  const V4: DutRoute = { prefix: '10.100.0.0/24', med: 50, localPref: 200, communities: ['65100:1'], largeCommunities: ['65100:2:3'] };
  const V4B: DutRoute = { prefix: '10.101.0.0/24', communities: ['65100:9'] };
  const VPN: DutRoute = { prefix: '10.110.0.0/24', rd: '65100:1', routeTargets: ['65100:1', '65100:2'], label: 3999, med: 51 };

  beforeAll(async () => {
    lab = await Lab.create();
    const [nb, nbi, nd] = await addNodes(lab, 'bird', 'birdi', 'dut');
    const B = one(nb, 'bird');
    const BI = one(nbi, 'birdi');
    const D = one(nd, 'dut');
    neighbors = [
      { address: B.address, asn: AS_BIRD, families: ['ipv4-unicast', 'vpnv4-unicast'], holdTime: HOLD, connectRetry: 2 },
      { address: BI.address, asn: AS_DUT, families: ['ipv4-unicast'], holdTime: HOLD, connectRetry: 2 },
    ];
    routes = [V4, V4B, VPN];
    dut = new Dut(D, dutYaml(D, AS_DUT, neighbors, routes));
    [b, bi] = await Promise.all([
      startPeer('bird', B, {
        as: AS_BIRD,
        holdTime: HOLD,
        neighbors: [{ address: D.address, as: AS_DUT }],
        ipv4Routes: [
          { prefix: '10.2.0.0/24', med: 5, communities: ['65002:7'], largeCommunities: ['65002:1:2'] },
          { prefix: '10.4.0.0/24', communities: ['65002:4'] },
        ],
        vpnv4Routes: [{ prefix: '10.12.0.0/24', rd: '65002:100', routeTargets: ['65002:100'], label: 2001, med: 6 }],
      }),
      startPeer('bird', BI, {
        as: AS_DUT,
        holdTime: HOLD,
        neighbors: [{ address: D.address, as: AS_DUT, families: ['ipv4-unicast'] }],
        ipv4Routes: [{ prefix: '10.3.0.0/24', med: 7, localPref: 300, communities: ['65100:33'], largeCommunities: ['65100:3:3'] }],
      }),
      dut.start(),
    ]);
  });

  afterAll(async () => {
    await lab?.teardown();
  });

  const pick = (r: Route): Partial<Route> => ({
    prefix: r.prefix, rd: r.rd, labels: r.labels, nextHop: r.nextHop, asPath: r.asPath, med: r.med,
    communities: r.communities, largeCommunities: r.largeCommunities, routeTargets: r.routeTargets, from: r.from,
  });
  const diag = (): string => `${dut.logTail(30)}\n${b.logTail(15)}`;

  test('sessions reach Established with IPv4 unicast, VPNv4 and the expected capabilities on both sides', async () => {
    const [bs, bis, dn, dni] = await Promise.all([
      b.waitEstablished(dut.node.address),
      bi.waitEstablished(dut.node.address),
      dut.waitEstablished(b.address),
      dut.waitEstablished(bi.address),
    ]);
    // BIRD's view of hdvpnd's OPEN.
    expect(bs.remoteAs).toBe(AS_DUT);
    expect(bs.remoteCapabilities).toEqual(expect.arrayContaining(['as4', 'mp-ipv4-unicast', 'mp-vpnv4', 'route-refresh', 'enhanced-route-refresh', 'graceful-restart']));
    expect(bis.remoteCapabilities).toEqual(expect.arrayContaining(['as4', 'mp-ipv4-unicast', 'route-refresh']));
    expect(bis.remoteCapabilities).not.toContain('mp-vpnv4');
    expect(String(bs.raw)).toMatch(new RegExp(`Hold timer:\\s+[\\d.]+/${HOLD}`));
    // hdvpnd's view of BIRD's OPEN and of the negotiation.
    expect(dn).toMatchObject({ state: 'Established', asn: AS_BIRD, families: ['ipv4-unicast', 'vpnv4-unicast'], 'hold-time': HOLD, 'router-id': b.address });
    expect(dn.capabilities).toMatchObject({ 'four-octet-as': true, 'route-refresh': true, 'enhanced-route-refresh': true });
    expect(peerCapabilityTypes(dn)).toEqual(expect.arrayContaining(['mp-1/1', 'mp-1/128', 'route-refresh', 'four-octet-as', 'enhanced-route-refresh']));
    expect(dni).toMatchObject({ state: 'Established', asn: AS_DUT, families: ['ipv4-unicast'] });
  });

  test('BIRD -> hdvpnd: IPv4 and VPNv4 with every attribute (AS path, next hop, MED, communities, large, RD, RT, label)', async () => {
    const v4 = await dut.waitRoute('ipv4-unicast', '10.2.0.0/24', { from: b.address });
    expect(pickRib(v4)).toEqual({
      prefix: '10.2.0.0/24', 'next-hop': b.address, 'as-path': '65002', med: 5, 'local-pref': null,
      communities: ['65002:7'], 'large-communities': ['65002:1:2'], from: b.address,
    });
    const vpn = await dut.waitRoute('vpnv4-unicast', '10.12.0.0/24', { from: b.address, rd: '65002:100' });
    // BIRD 2.0.12 always sends label 3 for its own VPN routes (docs/interop.md), whatever the config says.
    expect(pickRib(vpn)).toMatchObject({ 'next-hop': b.address, 'as-path': '65002', med: 6, labels: [3], 'route-targets': ['65002:100'] });
    // iBGP: LOCAL_PREF arrives; the AS path stays empty.
    const ib = await dut.waitRoute('ipv4-unicast', '10.3.0.0/24', { from: bi.address });
    expect(pickRib(ib)).toMatchObject({ 'next-hop': bi.address, 'as-path': '', med: 7, 'local-pref': 300, communities: ['65100:33'], 'large-communities': ['65100:3:3'] });
  });

  test('hdvpnd -> BIRD: IPv4 and VPNv4 with our AS prepended, next-hop-self, MED, communities, RD, RT, label; LOCAL_PREF on iBGP', async () => {
    const [v4, vpn, ib] = await Promise.all([
      b.waitRoute('ipv4-unicast', V4.prefix, { from: dut.node.address }),
      b.waitRoute('vpnv4', '10.110.0.0/24', { from: dut.node.address, rd: '65100:1' }),
      bi.waitRoute('ipv4-unicast', V4.prefix, { from: dut.node.address }),
    ]);
    expect(pick(v4)).toEqual({
      prefix: V4.prefix, rd: undefined, labels: [], nextHop: dut.node.address, asPath: [AS_DUT], med: 50,
      communities: ['65100:1'], largeCommunities: ['65100:2:3'], routeTargets: [], from: dut.node.address,
    });
    expect(pick(vpn)).toEqual({
      prefix: '10.110.0.0/24', rd: '65100:1', labels: [3999], nextHop: dut.node.address, asPath: [AS_DUT], med: 51,
      communities: [], largeCommunities: [], routeTargets: ['65100:1', '65100:2'], from: dut.node.address,
    });
    expect(pick(ib)).toMatchObject({ asPath: [], nextHop: dut.node.address, med: 50, communities: ['65100:1'], largeCommunities: ['65100:2:3'] });
    expect(ib.localPref).toBe(200);
  });

  test('withdrawals both ways: BIRD withdraws; a route removed from hdvpnd\'s config (SIGHUP) is withdrawn from BIRD', async () => {
    await b.withdraw({ prefix: '10.4.0.0/24' });
    await dut.waitNoRoute('ipv4-unicast', '10.4.0.0/24', b.address);
    await dut.waitRoute('ipv4-unicast', '10.2.0.0/24', { from: b.address });

    routes = routes.filter((r) => r !== V4B);
    dut.reconfigure(dutYaml(dut.node, AS_DUT, neighbors, routes));
    await Promise.all([
      b.waitNoRoute('ipv4-unicast', V4B.prefix, { from: dut.node.address }),
      bi.waitNoRoute('ipv4-unicast', V4B.prefix, { from: dut.node.address }),
    ]);
    // The reload changed routes only: the sessions stayed up and the other routes stayed — hdvpnd's own, and the
    // iBGP neighbor's 10.3.0.0/24 it carries on to eBGP (RFC 4271 §9.2: our AS prepended, next-hop-self).
    const left = await b.routes('ipv4-unicast', { from: dut.node.address });
    expect(left.map((r) => r.prefix).sort()).toEqual([V4.prefix, '10.3.0.0/24'].sort());
    expect(left.find((r) => r.prefix === '10.3.0.0/24')).toMatchObject({ asPath: [AS_DUT], nextHop: dut.node.address });
    expect((await dut.neighbor(b.address))?.state).toBe('Established');
  });

  test('route refresh: hdvpnd asks and BIRD re-sends; `birdc reload in` asks and hdvpnd re-sends', async () => {
    await Promise.all([dut.waitEstablished(b.address), b.waitEstablished(dut.node.address)]);
    const sentRr = await msgCount(dut, b.address, 'sent', 'route-refresh');
    const rxUpd = await msgCount(dut, b.address, 'received', 'update');
    await dut.request({ command: 'route-refresh', address: b.address });
    await waitAbove('hdvpnd to send ROUTE-REFRESH', () => msgCount(dut, b.address, 'sent', 'route-refresh'), sentRr, diag);
    // BIRD answers with its whole table again (one UPDATE per family at least).
    await waitAbove('BIRD to re-send its UPDATEs', () => msgCount(dut, b.address, 'received', 'update'), rxUpd + 1, diag);

    const birdImport = async (): Promise<number> => {
      const out = await b.birdc('show', 'protocols', 'all', `n${dut.node.address.replace(/\./g, '_')}`);
      // "Import updates:  received rejected filtered ignored accepted", in the ipv4 channel (the first one).
      return Number(/Import updates:\s+(\d+)/.exec(out)?.[1] ?? '-1');
    };
    const rxRr = await msgCount(dut, b.address, 'received', 'route-refresh');
    const txUpd = await msgCount(dut, b.address, 'sent', 'update');
    const birdBefore = await birdImport();
    await b.refresh(dut.node.address, 'in');
    await waitAbove('hdvpnd to receive ROUTE-REFRESH', () => msgCount(dut, b.address, 'received', 'route-refresh'), rxRr, diag);
    await waitAbove('hdvpnd to re-send its UPDATEs', () => msgCount(dut, b.address, 'sent', 'update'), txUpd, diag);
    await waitAbove('BIRD to count the re-sent updates', birdImport, birdBefore, diag);
    await b.waitRoute('ipv4-unicast', V4.prefix, { from: dut.node.address });
  });

  test('BIRD restart: the session comes back and routes are relearned both ways', async () => {
    const before = await establishedTransitions(dut, b.address);
    await b.restart();
    await waitFor('hdvpnd to see a new session with BIRD', async () => (await establishedTransitions(dut, b.address)) > before, { timeoutMs: 30000, diagnostics: diag });
    await Promise.all([
      dut.waitEstablished(b.address),
      dut.waitRoute('ipv4-unicast', '10.2.0.0/24', { from: b.address }),
      dut.waitRoute('vpnv4-unicast', '10.12.0.0/24', { from: b.address, rd: '65002:100' }),
      b.waitRoute('vpnv4', '10.110.0.0/24', { from: dut.node.address, rd: '65100:1', where: (r) => r.labels[0] === 3999 }),
      b.waitRoute('ipv4-unicast', V4.prefix, { from: dut.node.address }),
    ]);
  });

  test('SIGSTOP of BIRD: hdvpnd\'s hold timer expires (NOTIFICATION 4/0) and BIRD\'s routes are flushed; SIGCONT recovers', async () => {
    await dut.waitRoute('ipv4-unicast', '10.2.0.0/24', { from: b.address });
    const t0 = Date.now();
    b.pause();
    try {
      await waitFor('hdvpnd to leave Established with BIRD', async () => (await dut.neighbor(b.address))?.state !== 'Established', {
        timeoutMs: (HOLD + 5) * 1000, diagnostics: diag,
      });
      const took = Date.now() - t0;
      // The hold timer, not something faster: at least most of the hold time passed.
      expect(took).toBeGreaterThan((HOLD - 3) * 1000);
      expect(await lastError(dut, b.address)).toMatch(/^sent NOTIFICATION 4\/0 Hold Timer Expired/);
      await Promise.all([dut.waitNoRoute('ipv4-unicast', '10.2.0.0/24', b.address), dut.waitNoRoute('vpnv4-unicast', '10.12.0.0/24', b.address)]);
      // The other session is untouched.
      expect((await dut.neighbor(bi.address))?.state).toBe('Established');
    } finally {
      b.resume();
    }
    await Promise.all([
      dut.waitEstablished(b.address, 40000),
      dut.waitRoute('ipv4-unicast', '10.2.0.0/24', { from: b.address }, 40000),
      b.waitRoute('ipv4-unicast', V4.prefix, { from: dut.node.address }, { timeoutMs: 40000 }),
    ]);
  });
});

