/**
 * hdvpnd against GoBGP 3.10 (Debian), each in its own lab namespace. Every check is made
 * from both ends: GoBGP's own CLI (`gobgp -j`) and hdvpnd's control socket.
 *
 *   g1 GoBGP AS 65001, eBGP, IPv4 + VPNv4, graceful restart on both sides
 *   g2 GoBGP AS 65100, iBGP, IPv4 + VPNv4, no GR
 *   g3 GoBGP AS 65003, eBGP, IPv4, hold time 3 s, no GR (hold timer and plain restart)
 *   dut hdvpnd AS 65100
 */
import { Dut, type Obj } from './dut';
import { Lab, runOk, sleep, startPeer, waitFor, type GobgpPeer, type Route } from './lab';
import {
  arr, dutMessages, dutPeerCaps, dutRoutesFrom, dutYaml, isRoot, nodes, numOf, pickRib, rec, Timings, waitAbove,
  type DutRoute,
} from './hdvpnd-gobgp-frr-util';

jest.setTimeout(180000);

const d = isRoot ? describe : describe.skip;
if (!isRoot) process.stderr.write('interop tests need root (ip netns); skipped\n');

const AS_DUT = 65100;
// Not an interface address: next-hop-self must still be hdvpnd's address on the session (it used to be the router id).
const ROUTER_ID = '10.255.0.100';

/** hdvpnd's originated routes; `withdrawLater` ones are removed by a reload in the withdrawal test. */
const ROUTES: DutRoute[] = [
  { prefix: '10.100.1.0/24', med: 50, localPref: 250, communities: ['65100:1', '65100:2'], largeCommunities: ['65100:1:2'] },
  { prefix: '10.110.1.0/24', rd: '65100:1', routeTargets: ['65100:1', '65100:2'], label: 1100, med: 60, localPref: 260, communities: ['65100:11'], largeCommunities: ['65100:3:4'] },
];
const WITHDRAW_LATER: DutRoute[] = [
  { prefix: '10.100.9.0/24', communities: ['65100:9'] },
  { prefix: '10.110.9.0/24', rd: '65100:9', routeTargets: ['65100:9'], label: 1109 },
];

d('hdvpnd <-> GoBGP', () => {
  let lab: Lab;
  let dut: Dut;
  let g1: GobgpPeer;
  let g2: GobgpPeer;
  let g3: GobgpPeer;
  let yaml: (routes: DutRoute[]) => string;
  const timings = new Timings();

  beforeAll(async () => {
    await timings.time('start-up (lab, 3 GoBGP, hdvpnd)', async () => {
      lab = await Lab.create();
      const n = await nodes(lab, 'dut', 'g1', 'g2', 'g3');
      const dutNb = { address: n.dut.address, as: AS_DUT };
      const started = Promise.all([
        startPeer('gobgp', n.g1, {
          as: 65001, gracefulRestart: true, holdTime: 9, neighbors: [dutNb],
          ipv4Routes: [
            { prefix: '10.1.0.0/24', med: 20, communities: ['65001:1', '65001:2'], largeCommunities: ['65001:2:3'] },
            // Dropped from the spec before the graceful restart: must be swept at End-of-RIB.
            { prefix: '10.1.1.0/24', communities: ['65001:11'] },
            { prefix: '10.1.5.0/24' },
          ],
          vpnv4Routes: [
            { prefix: '10.11.0.0/24', rd: '65001:100', routeTargets: ['65001:100', '65001:101'], label: 1001, med: 7, communities: ['65001:7'], largeCommunities: ['65001:7:7'] },
            { prefix: '10.11.5.0/24', rd: '65001:100', routeTargets: ['65001:100'], label: 1005 },
          ],
        }),
        startPeer('gobgp', n.g2, {
          as: AS_DUT, holdTime: 9, neighbors: [dutNb],
          ipv4Routes: [{ prefix: '10.2.0.0/24', med: 5, localPref: 300, communities: ['65100:200'], largeCommunities: ['65100:2:2'] }],
          vpnv4Routes: [{ prefix: '10.12.0.0/24', rd: '65100:2', routeTargets: ['65100:2'], label: 2002, localPref: 310 }],
        }),
        startPeer('gobgp', n.g3, {
          as: 65003, holdTime: 3, neighbors: [{ ...dutNb, families: ['ipv4-unicast'] }],
          ipv4Routes: [{ prefix: '10.3.0.0/24', med: 3 }],
        }),
      ]);
      yaml = (routes) => dutYaml(n.dut, AS_DUT, [
        { address: n.g1.address, asn: 65001, families: ['ipv4-unicast', 'vpnv4-unicast'], holdTime: 9, connectRetry: 1, gracefulRestart: 60 },
        { address: n.g2.address, asn: AS_DUT, families: ['ipv4-unicast', 'vpnv4-unicast'], holdTime: 9, connectRetry: 1, gracefulRestart: false },
        { address: n.g3.address, asn: 65003, families: ['ipv4-unicast'], holdTime: 3, connectRetry: 1, gracefulRestart: false },
      ], routes, ROUTER_ID);
      dut = new Dut(n.dut, yaml([...ROUTES, ...WITHDRAW_LATER]));
      const [peers] = await Promise.all([started, dut.start()]);
      [g1, g2, g3] = peers;
    });
  });

  afterAll(async () => {
    timings.report('hdvpnd <-> GoBGP timings');
    await lab?.teardown();
  });

  const pick = (r: Route): Partial<Route> => ({
    prefix: r.prefix, rd: r.rd, labels: r.labels, nextHop: r.nextHop, asPath: r.asPath, med: r.med, localPref: r.localPref,
    communities: r.communities, largeCommunities: r.largeCommunities, routeTargets: r.routeTargets,
  });
  const diag = (): string => `${dut.logTail(30)}\n${g1.logTail(10)}`;

  /** GoBGP's raw path JSON for one prefix from one neighbor (for fields the lab's Route lacks, like `stale`). */
  async function gobgpRawPaths(peer: GobgpPeer, family: 'ipv4' | 'vpnv4', prefix: string): Promise<Obj[]> {
    const text = (await runOk([...peer.cli, '-j', 'global', 'rib', '-a', family])).trim();
    if (text === '' || text === 'null') return [];
    const j = rec(JSON.parse(text));
    const out: Obj[] = [];
    for (const paths of Object.values(j)) {
      for (const p of arr(paths).map(rec)) if (rec(p.nlri).prefix === prefix && p['neighbor-ip'] === dut.node.address) out.push(p);
    }
    return out;
  }

  async function gobgpMessages(peer: GobgpPeer, dir: 'received' | 'sent', kind: 'update' | 'refresh'): Promise<number> {
    const raw = rec((await peer.neighbor(dut.node.address)).raw);
    return numOf(rec(rec(rec(rec(raw.state).messages)[dir]))[kind]) ?? Number(rec(rec(rec(raw.state).messages)[dir])[kind] ?? 0);
  }

  test('sessions reach Established with 4-octet AS, route refresh, IPv4 + VPNv4 and GR (g1 only), both views', async () => {
    await timings.time('established + capabilities', async () => {
      const [s1, s2, s3] = await Promise.all([g1, g2, g3].map((g) => g.waitEstablished(dut.node.address)));
      for (const s of [s1, s2]) expect(s?.remoteCapabilities).toEqual(expect.arrayContaining(['as4', 'mp-ipv4-unicast', 'mp-vpnv4', 'route-refresh']));
      expect(s1?.remoteCapabilities).toContain('graceful-restart');
      expect(s2?.remoteCapabilities).not.toContain('graceful-restart');
      expect(s3?.remoteCapabilities).toEqual(expect.arrayContaining(['as4', 'mp-ipv4-unicast', 'route-refresh']));
      expect(s3?.remoteCapabilities).not.toContain('mp-vpnv4');
      expect(s1?.remoteAs).toBe(AS_DUT);
      expect(rec(rec(s1?.raw).state).router_id).toBe(ROUTER_ID);

      const [n1, n2, n3] = await Promise.all([dut.waitEstablished(g1.address), dut.waitEstablished(g2.address), dut.waitEstablished(g3.address)]);
      for (const n of [n1, n2]) {
        expect(n.capabilities).toMatchObject({ 'four-octet-as': true, 'route-refresh': true });
        expect(n.families).toEqual(expect.arrayContaining(['ipv4-unicast', 'vpnv4-unicast']));
        expect(dutPeerCaps(n)).toEqual(expect.arrayContaining(['four-octet-as', 'multiprotocol 1/1', 'multiprotocol 1/128', 'route-refresh']));
      }
      expect(rec(n1.capabilities)['graceful-restart']).toMatchObject({ 'restart-time': 120, families: expect.arrayContaining(['1/1', '1/128']) });
      expect(rec(n2.capabilities)['graceful-restart']).toBeNull();
      expect(n3.families).toEqual(['ipv4-unicast']);
      expect(n3['hold-time']).toBe(3);
      expect(n1['hold-time']).toBe(9);
      expect(n1['router-id']).toBe(g1.address);
    });
  });

  test('GoBGP -> hdvpnd: IPv4 and VPNv4 with every attribute (eBGP and iBGP)', async () => {
    await timings.time('GoBGP -> hdvpnd attributes', async () => {
      const v4 = await dut.waitRoute('ipv4-unicast', '10.1.0.0/24', { from: g1.address });
      expect(pickRib(v4)).toEqual({
        prefix: '10.1.0.0/24', 'next-hop': g1.address, 'as-path': '65001', med: 20, 'local-pref': null,
        communities: ['65001:1', '65001:2'], 'large-communities': ['65001:2:3'], from: g1.address,
      });
      const vpn = await dut.waitRoute('vpnv4-unicast', '10.11.0.0/24', { from: g1.address, rd: '65001:100' });
      expect(pickRib(vpn)).toEqual({
        prefix: '10.11.0.0/24', rd: '65001:100', labels: [1001], 'next-hop': g1.address, 'as-path': '65001', med: 7, 'local-pref': null,
        communities: ['65001:7'], 'large-communities': ['65001:7:7'], 'route-targets': ['65001:100', '65001:101'], from: g1.address,
      });
      // iBGP: empty AS path, LOCAL_PREF carried.
      const ib = await dut.waitRoute('ipv4-unicast', '10.2.0.0/24', { from: g2.address });
      expect(pickRib(ib)).toMatchObject({ 'next-hop': g2.address, 'as-path': '', med: 5, 'local-pref': 300, communities: ['65100:200'], 'large-communities': ['65100:2:2'] });
      const ibVpn = await dut.waitRoute('vpnv4-unicast', '10.12.0.0/24', { from: g2.address });
      expect(pickRib(ibVpn)).toMatchObject({ rd: '65100:2', labels: [2002], 'as-path': '', 'local-pref': 310, 'route-targets': ['65100:2'] });
      const n1 = await dut.neighbor(g1.address);
      expect(rec(n1?.received)).toMatchObject({ 'ipv4-unicast': 3, 'vpnv4-unicast': 2 });
    });
  });

  test('hdvpnd -> GoBGP: originated IPv4 and VPNv4 with every attribute; AS prepended on eBGP, LOCAL_PREF on iBGP only', async () => {
    await timings.time('hdvpnd -> GoBGP attributes', async () => {
      const from = dut.node.address;
      const [v4, vpn, ib, ibVpn] = await Promise.all([
        g1.waitRoute('ipv4-unicast', '10.100.1.0/24', { from }),
        g1.waitRoute('vpnv4', '10.110.1.0/24', { from, rd: '65100:1' }),
        g2.waitRoute('ipv4-unicast', '10.100.1.0/24', { from }),
        g2.waitRoute('vpnv4', '10.110.1.0/24', { from, rd: '65100:1' }),
      ]);
      expect(pick(v4)).toEqual({
        prefix: '10.100.1.0/24', rd: undefined, labels: [], nextHop: from, asPath: [AS_DUT], med: 50, localPref: undefined,
        communities: ['65100:1', '65100:2'], largeCommunities: ['65100:1:2'], routeTargets: [],
      });
      expect(pick(vpn)).toEqual({
        prefix: '10.110.1.0/24', rd: '65100:1', labels: [1100], nextHop: from, asPath: [AS_DUT], med: 60, localPref: undefined,
        communities: ['65100:11'], largeCommunities: ['65100:3:4'], routeTargets: ['65100:1', '65100:2'],
      });
      expect(pick(ib)).toMatchObject({ nextHop: from, asPath: [], med: 50, localPref: 250, communities: ['65100:1', '65100:2'] });
      expect(pick(ibVpn)).toMatchObject({ labels: [1100], asPath: [], localPref: 260, routeTargets: ['65100:1', '65100:2'] });
      // Routes learned from one neighbor are not re-advertised to others yet (Adj-RIB-Out of learned routes is
      // issue 4); docs/interop-matrix.md lists this.
    });
  });

  test('withdrawals both ways: GoBGP withdraws; a route removed from hdvpnd config + SIGHUP is withdrawn', async () => {
    await timings.time('withdrawals', async () => {
      await dut.waitRoute('ipv4-unicast', '10.1.5.0/24', { from: g1.address });
      await dut.waitRoute('vpnv4-unicast', '10.11.5.0/24', { from: g1.address });
      await g1.withdraw({ prefix: '10.1.5.0/24' }, { prefix: '10.11.5.0/24', rd: '65001:100' });
      await Promise.all([dut.waitNoRoute('ipv4-unicast', '10.1.5.0/24', g1.address), dut.waitNoRoute('vpnv4-unicast', '10.11.5.0/24', g1.address)]);
      await dut.waitRoute('ipv4-unicast', '10.1.0.0/24', { from: g1.address });

      const from = dut.node.address;
      await Promise.all([
        g1.waitRoute('ipv4-unicast', '10.100.9.0/24', { from }),
        g1.waitRoute('vpnv4', '10.110.9.0/24', { from, rd: '65100:9' }),
        g2.waitRoute('ipv4-unicast', '10.100.9.0/24', { from }),
      ]);
      const transitions = (await dut.neighbor(g1.address))?.['established-transitions'];
      dut.reconfigure(yaml(ROUTES));
      await Promise.all([
        g1.waitNoRoute('ipv4-unicast', '10.100.9.0/24', { from }),
        g1.waitNoRoute('vpnv4', '10.110.9.0/24', { from, rd: '65100:9' }),
        g2.waitNoRoute('ipv4-unicast', '10.100.9.0/24', { from }),
        g2.waitNoRoute('vpnv4', '10.110.9.0/24', { from, rd: '65100:9' }),
      ]);
      // Withdrawn by UPDATE, not by a session reset: the rest stays, the session was not bounced.
      await g1.waitRoute('ipv4-unicast', '10.100.1.0/24', { from });
      expect((await dut.neighbor(g1.address))?.['established-transitions']).toBe(transitions);
    });
  });

  test('route refresh: hdvpnd sends ROUTE-REFRESH and GoBGP re-sends its routes', async () => {
    await timings.time('route refresh', async () => {
      const addr = g1.address;
      const updIn = await dutMessages(dut, addr, 'received', 'update');
      const rrAtGobgp = await gobgpMessages(g1, 'received', 'refresh');
      expect(await dut.request({ command: 'route-refresh', address: addr })).toEqual({ address: addr, families: 2 });
      await waitAbove('GoBGP to count our ROUTE-REFRESH', () => gobgpMessages(g1, 'received', 'refresh'), rrAtGobgp, diag);
      await waitAbove('hdvpnd to receive GoBGP\'s re-sent UPDATEs', () => dutMessages(dut, addr, 'received', 'update'), updIn, diag);
      expect(await dutMessages(dut, addr, 'sent', 'route-refresh')).toBeGreaterThanOrEqual(2);

      // GoBGP 3.10's `neighbor X softresetin` only re-runs its policies over the Adj-RIB-In it keeps: it sends no
      // ROUTE-REFRESH (hdvpnd's counter stays put), so hdvpnd's re-send is proven with FRR (hdvpnd-frr.test.ts).
      const rrIn = await dutMessages(dut, addr, 'received', 'route-refresh');
      await g1.refresh(dut.node.address, 'in');
      await sleep(1500);
      expect(await dutMessages(dut, addr, 'received', 'route-refresh')).toBe(rrIn);
      await g1.waitRoute('ipv4-unicast', '10.100.1.0/24', { from: dut.node.address });
    });
  });

  test('SIGSTOP GoBGP: hdvpnd\'s hold timer expires (NOTIFICATION 4/0 sent), routes flushed; SIGCONT brings it back', async () => {
    await timings.time('hold timer (SIGSTOP/SIGCONT)', async () => {
      await dut.waitRoute('ipv4-unicast', '10.3.0.0/24', { from: g3.address });
      const t0 = Date.now();
      g3.pause();
      try {
        const n = await waitFor('hdvpnd to expire its hold timer with g3', async () => {
          const x = await dut.neighbor(g3.address);
          return x && x.state !== 'Established' && /sent NOTIFICATION 4\/0/.test(String(x['last-error'])) ? x : undefined;
        }, { timeoutMs: 15000, intervalMs: 100, diagnostics: diag });
        expect(String(n['last-error'])).toMatch(/^sent NOTIFICATION 4\/0 Hold Timer Expired/);
        // Negotiated hold time 3 s: expiry after 3 s (plus the last keepalive's age), well before 9.
        expect(Date.now() - t0).toBeLessThan(9000);
        await dut.waitNoRoute('ipv4-unicast', '10.3.0.0/24', g3.address, 5000);
      } finally {
        g3.resume();
      }
      await dut.waitEstablished(g3.address, 40000);
      await dut.waitRoute('ipv4-unicast', '10.3.0.0/24', { from: g3.address });
      await g3.waitEstablished(dut.node.address);
    });
  });

  test('GoBGP restart (no GR): the session comes back and routes are relearned both ways', async () => {
    await timings.time('peer restart', async () => {
      const before = numOf((await dut.neighbor(g3.address))?.['established-transitions']) ?? 0;
      await g3.restart();
      await dut.waitNoRoute('ipv4-unicast', '10.3.0.0/24', g3.address, 10000).catch(() => {
        /* the restart may be quicker than one poll; established-transitions below proves the bounce */
      });
      await waitAbove('a new session with g3', async () => numOf((await dut.neighbor(g3.address))?.['established-transitions']) ?? 0, before, diag, 40000);
      await dut.waitRoute('ipv4-unicast', '10.3.0.0/24', { from: g3.address });
      await g3.waitRoute('ipv4-unicast', '10.100.1.0/24', { from: dut.node.address, where: (r) => r.asPath[0] === AS_DUT });
    });
  });

  test('graceful restart, hdvpnd as receiving speaker: GoBGP killed -9, routes kept stale, refreshed and swept at End-of-RIB', async () => {
    await timings.time('GR: GoBGP restarts', async () => {
      await dut.waitRoute('ipv4-unicast', '10.1.1.0/24', { from: g1.address });
      g1.spec.ipv4Routes = (g1.spec.ipv4Routes ?? []).filter((r) => r.prefix !== '10.1.1.0/24');
      await g1.kill();
      await waitFor('hdvpnd to see g1 down', async () => (await dut.neighbor(g1.address))?.state !== 'Established', { timeoutMs: 15000, diagnostics: diag });
      // Kept, marked stale, for both families; g1's routes are still announced to the other peers.
      const stale4 = await dut.waitRoute('ipv4-unicast', '10.1.0.0/24', { from: g1.address, stale: true }, 5000);
      expect(pickRib(stale4)).toMatchObject({ 'as-path': '65001', med: 20, communities: ['65001:1', '65001:2'] });
      await dut.waitRoute('ipv4-unicast', '10.1.1.0/24', { from: g1.address, stale: true }, 5000);
      await dut.waitRoute('vpnv4-unicast', '10.11.0.0/24', { from: g1.address, stale: true }, 5000);
      await sleep(2000);
      expect((await dutRoutesFrom(dut, 'ipv4-unicast', g1.address)).map((r) => [r.prefix, r.stale])).toEqual([['10.1.0.0/24', true], ['10.1.1.0/24', true]]);

      await g1.start();
      await dut.waitEstablished(g1.address, 40000);
      // Re-announced routes replace the stale ones; 10.1.1.0/24 was not re-announced and goes at End-of-RIB,
      // long before the 120 s restart time GoBGP announced.
      const t0 = Date.now();
      await dut.waitNoRoute('ipv4-unicast', '10.1.1.0/24', g1.address, 20000);
      expect(Date.now() - t0).toBeLessThan(20000);
      await waitFor('g1\'s routes fresh again', async () => {
        const rs = [...(await dutRoutesFrom(dut, 'ipv4-unicast', g1.address)), ...(await dutRoutesFrom(dut, 'vpnv4-unicast', g1.address))];
        return rs.length === 2 && rs.every((r) => r.stale === undefined) ? rs : undefined;
      }, { timeoutMs: 20000, diagnostics: diag });
    });
  });

  test('graceful restart, hdvpnd as restarting speaker: SIGKILL hdvpnd, GoBGP keeps its routes stale; hdvpnd comes back with the R bit', async () => {
    await timings.time('GR: hdvpnd restarts', async () => {
      const from = dut.node.address;
      await g1.waitEstablished(from);
      await g1.waitRoute('ipv4-unicast', '10.100.1.0/24', { from });
      await dut.proc?.kill();
      await g1.waitNotEstablished(from, { timeoutMs: 15000 });
      // GoBGP (GR helper) keeps the paths and marks them stale.
      const kept = await waitFor('GoBGP to keep hdvpnd\'s paths as stale', async () => {
        const [a, b] = await Promise.all([gobgpRawPaths(g1, 'ipv4', '10.100.1.0/24'), gobgpRawPaths(g1, 'vpnv4', '10.110.1.0/24')]);
        return a.length === 1 && b.length === 1 && a[0]?.stale === true && b[0]?.stale === true ? [a, b] : undefined;
      }, { timeoutMs: 10000, diagnostics: diag });
      expect(kept).toHaveLength(2);
      // Without GR, g2's copy goes at once (adj-in is not readable while down: ask the global RIB).
      await waitFor('g2 to flush hdvpnd\'s routes', async () => (await gobgpRawPaths(g2, 'ipv4', '10.100.1.0/24')).length === 0, { timeoutMs: 10000, diagnostics: diag });

      // The restarted hdvpnd originates one more route, and no longer 10.110.1.0/24: GoBGP must learn the new one
      // and drop the stale one that was not re-announced when hdvpnd's End-of-RIB arrives.
      dut.reconfigure(yaml([ROUTES[0] ?? { prefix: '10.100.1.0/24' }, { prefix: '10.100.3.0/24', communities: ['65100:3'] }]));
      await dut.start();
      expect(dut.logTail(400)).toMatch(/previous run did not stop cleanly: announcing graceful restart \(R bit\)/);
      const st = await g1.waitEstablished(from, { timeoutMs: 40000 });
      const grCap = arr(rec(rec(st.raw).state).remote_cap).map(rec).find((c) => String(c.type_url).endsWith('GracefulRestartCapability'));
      expect(grCap).toBeDefined();
      // GoBGP's JSON gives the capability as base64 protobuf: flags byte 0x08 is the R bit (RFC 4724 §3).
      const flags = Buffer.from(String(grCap?.value ?? ''), 'base64');
      expect(flags[0] === 0x08 && (flags[1] ?? 0) & 0x08).toBeTruthy();
      await g1.waitRoute('ipv4-unicast', '10.100.3.0/24', { from });
      await waitFor('GoBGP to refresh 10.100.1.0/24 and sweep 10.110.1.0/24', async () => {
        const [a, b] = await Promise.all([gobgpRawPaths(g1, 'ipv4', '10.100.1.0/24'), gobgpRawPaths(g1, 'vpnv4', '10.110.1.0/24')]);
        return a.length === 1 && a[0]?.stale !== true && b.length === 0;
      }, { timeoutMs: 20000, diagnostics: diag });
      await Promise.all([g2, g3].map((g) => dut.waitEstablished(g.address, 40000)));
      await g2.waitRoute('ipv4-unicast', '10.100.1.0/24', { from });
    });
  });
});
