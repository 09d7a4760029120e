/**
 * hdvpnd against ExaBGP 4.2, each in its own namespace. ExaBGP has no query CLI here: what it
 * received is read from its JSON API stream (received.jsonl), and it announces through its
 * config and API commands (docs/interop.md). Topology:
 *   e ExaBGP 65005 ── dut hdvpnd 65100   eBGP, IPv4 unicast + VPNv4, hold time 6 s
 */
import { readFileSync } from 'node:fs';
import { Dut } from './dut';
import { Lab, sleep, startPeer, waitFor, type ExabgpPeer, type Route } from './lab';
import {
  addNodes, dutYaml, establishedTransitions, lastError, msgCount, one, peerCapabilityTypes, pickRib, root, waitAbove,
  type DutNeighbor, type DutRoute,
} from './hdvpnd-lab-util';

jest.setTimeout(120000);

const d = root ? describe : describe.skip;
if (!root) process.stderr.write('interop tests need root (ip netns); skipped\n');

const HOLD = 6;
const AS_DUT = 65100;
const AS_E = 65005;

d('hdvpnd <-> ExaBGP', () => {
  let lab: Lab;
  let e: ExabgpPeer;
  let dut: Dut;
  let neighbors: DutNeighbor[];
  let routes: DutRoute[];

  const V4: DutRoute = { prefix: '10.100.0.0/24', med: 50, communities: ['65100:1'], largeCommunities: ['65100:2:3'] };
  const V4B: DutRoute = { prefix: '10.101.0.0/24', communities: ['65100:9'] };
  const VPN: DutRoute = { prefix: '10.110.0.0/24', rd: '65100:1', routeTargets: ['65100:1', '65100:2'], label: 3999, med: 51, communities: ['65100:5'] };
  const VPNB: DutRoute = { prefix: '10.111.0.0/24', rd: '65100:1', routeTargets: ['65100:1'], label: 3998 };

  beforeAll(async () => {
    lab = await Lab.create();
    const [ne, nd] = await addNodes(lab, 'exabgp', 'dut');
    const E = one(ne, 'exabgp');
    const D = one(nd, 'dut');
    neighbors = [{ address: E.address, asn: AS_E, families: ['ipv4-unicast', 'vpnv4-unicast'], holdTime: HOLD, connectRetry: 2 }];
    routes = [V4, V4B, VPN, VPNB];
    dut = new Dut(D, dutYaml(D, AS_DUT, neighbors, routes));
    [e] = await Promise.all([
      startPeer('exabgp', E, {
        as: AS_E,
        holdTime: HOLD,
        neighbors: [{ address: D.address, as: AS_DUT }],
        ipv4Routes: [
          { prefix: '10.5.0.0/24', med: 10, communities: ['65005:1'], largeCommunities: ['65005:1:1'] },
          { prefix: '10.8.0.0/24', communities: ['65005:8'] },
        ],
        vpnv4Routes: [
          { prefix: '10.15.0.0/24', rd: '65005:100', routeTargets: ['65005:100', '65005:101'], label: 5001, med: 11, communities: ['65005:2'], largeCommunities: ['65005:2:2'] },
          { prefix: '10.16.0.0/24', rd: '65005:100', routeTargets: ['65005:100'], label: 5002 },
        ],
      }),
      dut.start(),
    ]);
  });

  afterAll(async () => {
    await lab?.teardown();
  });

  const pick = (r: Route): Partial<Route> => ({
    prefix: r.prefix, rd: r.rd, labels: r.labels, nextHop: r.nextHop, asPath: r.asPath, med: r.med, localPref: r.localPref,
    communities: r.communities, largeCommunities: r.largeCommunities, routeTargets: r.routeTargets, from: r.from,
  });
  const diag = (): string => `${dut.logTail(30)}\n${e.logTail(15)}`;
  /** UPDATEs ExaBGP received from hdvpnd that announce `prefix`. */
  const exaUpdatesWith = (prefix: string): number =>
    e.messages().filter((m) => m.peer === dut.node.address && m.type === 'update' && JSON.stringify(m.body).includes(`"${prefix}"`)).length;

  /**
   * ROUTE-REFRESH lines of ExaBGP's API stream, read raw: ExaBGP 4.2.21 writes them as invalid
   * JSON (`"afi": ""ipv4""`), which ExabgpPeer.messages() (and so refreshesReceived()) skips.
   */
  const rawRefreshes = (): string[] => {
    let text = '';
    try {
      text = readFileSync(e.receivedFile, 'utf8');
    } catch {
      return [];
    }
    return text.split('\n').filter((l) => l.includes('"type": "refresh"') && l.includes(`"peer": "${dut.node.address}"`));
  };

  test('session reaches Established with IPv4 unicast, VPNv4 and the expected capabilities on both sides', async () => {
    const [es, dn] = await Promise.all([e.waitEstablished(dut.node.address), dut.waitEstablished(e.address)]);
    // From the OPEN ExaBGP received.
    expect(es.remoteAs).toBe(AS_DUT);
    expect(es.remoteCapabilities).toEqual(expect.arrayContaining(['as4', 'mp-ipv4-unicast', 'mp-vpnv4', 'route-refresh', 'enhanced-route-refresh', 'graceful-restart']));
    expect(dn).toMatchObject({ state: 'Established', asn: AS_E, families: ['ipv4-unicast', 'vpnv4-unicast'], 'hold-time': HOLD, 'router-id': e.address });
    expect(dn.capabilities).toMatchObject({ 'four-octet-as': true, 'route-refresh': true });
    expect(peerCapabilityTypes(dn)).toEqual(expect.arrayContaining(['mp-1/1', 'mp-1/128', 'route-refresh', 'four-octet-as']));
  });

  test('ExaBGP -> hdvpnd: IPv4 and VPNv4 with every attribute (AS path, next hop, MED, communities, large, RD, RT, label)', async () => {
    const [v4, vpn] = await Promise.all([
      dut.waitRoute('ipv4-unicast', '10.5.0.0/24', { from: e.address }),
      dut.waitRoute('vpnv4-unicast', '10.15.0.0/24', { from: e.address, rd: '65005:100' }),
    ]);
    expect(pickRib(v4)).toEqual({
      prefix: '10.5.0.0/24', 'next-hop': e.address, 'as-path': '65005', med: 10, 'local-pref': null,
      communities: ['65005:1'], 'large-communities': ['65005:1:1'], from: e.address,
    });
    expect(pickRib(vpn)).toEqual({
      prefix: '10.15.0.0/24', rd: '65005:100', labels: [5001], 'next-hop': e.address, 'as-path': '65005', med: 11, 'local-pref': null,
      communities: ['65005:2'], 'large-communities': ['65005:2:2'], 'route-targets': ['65005:100', '65005:101'], from: e.address,
    });
  });

  test('hdvpnd -> ExaBGP: IPv4 and VPNv4 with our AS prepended, next-hop-self, MED, communities, large, RD, RT, label', async () => {
    const [v4, vpn] = await Promise.all([
      e.waitRoute('ipv4-unicast', V4.prefix, { from: dut.node.address }),
      e.waitRoute('vpnv4', '10.110.0.0/24', { from: dut.node.address, rd: '65100:1' }),
    ]);
    // No LOCAL_PREF on eBGP (RFC 4271 §5.1.5): ExaBGP shows none.
    expect(pick(v4)).toEqual({
      prefix: V4.prefix, rd: undefined, labels: [], nextHop: dut.node.address, asPath: [AS_DUT], med: 50, localPref: undefined,
      communities: ['65100:1'], largeCommunities: ['65100:2:3'], routeTargets: [], from: dut.node.address,
    });
    expect(pick(vpn)).toEqual({
      prefix: '10.110.0.0/24', rd: '65100:1', labels: [3999], nextHop: dut.node.address, asPath: [AS_DUT], med: 51, localPref: undefined,
      communities: ['65100:5'], largeCommunities: [], routeTargets: ['65100:1', '65100:2'], from: dut.node.address,
    });
  });

  test('withdrawals both ways, IPv4 and VPNv4: ExaBGP withdraws (API); routes removed from hdvpnd\'s config (SIGHUP) are withdrawn', async () => {
    await Promise.all([
      dut.waitRoute('ipv4-unicast', '10.8.0.0/24', { from: e.address }),
      dut.waitRoute('vpnv4-unicast', '10.16.0.0/24', { from: e.address, rd: '65005:100' }),
      e.waitRoute('ipv4-unicast', V4B.prefix, { from: dut.node.address }),
      e.waitRoute('vpnv4', VPNB.prefix, { from: dut.node.address, rd: '65100:1' }),
    ]);
    await e.withdraw({ prefix: '10.8.0.0/24' }, { prefix: '10.16.0.0/24', rd: '65005:100' });
    await Promise.all([dut.waitNoRoute('ipv4-unicast', '10.8.0.0/24', e.address), dut.waitNoRoute('vpnv4-unicast', '10.16.0.0/24', e.address)]);
    await dut.waitRoute('vpnv4-unicast', '10.15.0.0/24', { from: e.address, rd: '65005:100' });

    routes = routes.filter((r) => r !== V4B && r !== VPNB);
    dut.reconfigure(dutYaml(dut.node, AS_DUT, neighbors, routes));
    await Promise.all([
      e.waitNoRoute('ipv4-unicast', V4B.prefix, { from: dut.node.address }),
      e.waitNoRoute('vpnv4', VPNB.prefix, { from: dut.node.address, rd: '65100:1' }),
    ]);
    expect((await e.routes('ipv4-unicast', { from: dut.node.address })).map((r) => r.prefix)).toEqual([V4.prefix]);
    expect((await e.routes('vpnv4', { from: dut.node.address })).map((r) => r.prefix)).toEqual([VPN.prefix]);
  });

  test('route refresh: ExaBGP asks (API) and hdvpnd re-sends', async () => {
    await Promise.all([dut.waitEstablished(e.address), e.waitEstablished(dut.node.address)]);
    const rxRr = await msgCount(dut, e.address, 'received', 'route-refresh');
    const txUpd = await msgCount(dut, e.address, 'sent', 'update');
    const seen = exaUpdatesWith(V4.prefix);
    await e.refresh(dut.node.address, 'in');
    // One per family (the lab asks for both).
    await waitAbove('hdvpnd to receive ROUTE-REFRESH', () => msgCount(dut, e.address, 'received', 'route-refresh'), rxRr + 1, diag);
    await waitAbove('hdvpnd to re-send its UPDATEs', () => msgCount(dut, e.address, 'sent', 'update'), txUpd, diag);
    await waitFor('ExaBGP to receive the re-sent IPv4 route', () => exaUpdatesWith(V4.prefix) > seen, { timeoutMs: 10000, diagnostics: diag });
    expect((await dut.neighbor(e.address))?.state).toBe('Established');
  });

  test('route refresh: hdvpnd\'s ROUTE-REFRESH reaches ExaBGP and is decoded as an IPv4 unicast request', async () => {
    const before = rawRefreshes().length;
    const sentRr = await msgCount(dut, e.address, 'sent', 'route-refresh');
    await dut.request({ command: 'route-refresh', address: e.address, family: 'ipv4-unicast' });
    await waitAbove('hdvpnd to send ROUTE-REFRESH', () => msgCount(dut, e.address, 'sent', 'route-refresh'), sentRr, diag);
    const rr = await waitFor('ExaBGP to receive the ROUTE-REFRESH', () => rawRefreshes()[before], { timeoutMs: 10000, diagnostics: diag });
    expect(rr).toMatch(/"afi": ""ipv4"", "safi": ""unicast"", "subtype": ""query""/);
  });

  /*
   * ExaBGP 4.2.21 drops the session right after it receives a ROUTE-REFRESH ("peer reset,
   * message () error()" in its state messages, a TCP reset seen by hdvpnd), and does not
   * re-send. BIRD's `birdc reload in` does exactly the same to ExaBGP (checked by hand), so
   * this is ExaBGP's, not hdvpnd's. test.failing starts failing the day ExaBGP handles it.
   */
  test.failing('ExaBGP stays up and re-sends its routes after hdvpnd\'s ROUTE-REFRESH (ExaBGP 4.2.21 resets instead)', async () => {
    await dut.waitEstablished(e.address, 20000);
    const rxUpd = await msgCount(dut, e.address, 'received', 'update');
    const transitions = await establishedTransitions(dut, e.address);
    await dut.request({ command: 'route-refresh', address: e.address, family: 'ipv4-unicast' });
    await waitAbove('ExaBGP to re-send its UPDATEs', () => msgCount(dut, e.address, 'received', 'update'), rxUpd, diag, 5000);
    await sleep(1000);
    expect(await establishedTransitions(dut, e.address)).toBe(transitions);
    expect((await dut.neighbor(e.address))?.state).toBe('Established');
  });

  test('ExaBGP restart: the session comes back and routes are relearned both ways', async () => {
    const before = await establishedTransitions(dut, e.address);
    const seen = exaUpdatesWith(VPN.prefix);
    await e.restart();
    await waitFor('hdvpnd to see a new session with ExaBGP', async () => (await establishedTransitions(dut, e.address)) > before, { timeoutMs: 40000, diagnostics: diag });
    await Promise.all([
      dut.waitEstablished(e.address),
      dut.waitRoute('ipv4-unicast', '10.5.0.0/24', { from: e.address }),
      dut.waitRoute('vpnv4-unicast', '10.15.0.0/24', { from: e.address, rd: '65005:100' }),
      waitFor('ExaBGP to relearn the VPNv4 route', () => exaUpdatesWith(VPN.prefix) > seen, { timeoutMs: 20000, diagnostics: diag }),
    ]);
    await e.waitRoute('vpnv4', VPN.prefix, { from: dut.node.address, rd: '65100:1', where: (r) => r.labels[0] === 3999 });
  });

  test('SIGSTOP of ExaBGP: hdvpnd\'s hold timer expires (NOTIFICATION 4/0) and its routes are flushed; SIGCONT recovers', async () => {
    await dut.waitRoute('ipv4-unicast', '10.5.0.0/24', { from: e.address });
    const t0 = Date.now();
    e.pause();
    try {
      await waitFor('hdvpnd to leave Established with ExaBGP', async () => (await dut.neighbor(e.address))?.state !== 'Established', {
        timeoutMs: (HOLD + 5) * 1000, diagnostics: diag,
      });
      expect(Date.now() - t0).toBeGreaterThan((HOLD - 3) * 1000);
      expect(await lastError(dut, e.address)).toMatch(/^sent NOTIFICATION 4\/0 Hold Timer Expired/);
      await Promise.all([dut.waitNoRoute('ipv4-unicast', '10.5.0.0/24', e.address), dut.waitNoRoute('vpnv4-unicast', '10.15.0.0/24', e.address)]);
    } finally {
      e.resume();
    }
    await Promise.all([
      dut.waitEstablished(e.address, 40000),
      dut.waitRoute('ipv4-unicast', '10.5.0.0/24', { from: e.address }, 40000),
      dut.waitRoute('vpnv4-unicast', '10.15.0.0/24', { from: e.address, rd: '65005:100' }, 40000),
    ]);
  });
});
