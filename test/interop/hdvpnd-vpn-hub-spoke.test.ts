/**
 * A hub-and-spoke VPN (RFC 7024 virtual hub-and-spoke, docs/vrf.md) with real peers in the other
 * roles, all in AS 65000 (iBGP, VPNv4 = AFI 1 SAFI 128 only):
 *
 *   rr     GoBGP    route reflector, every neighbor a client (cluster id 10.255.0.1)
 *   spoke  hdvpnd   spoke PE: half-duplex pair red (red-up rd 65000:21 imports 65000:1,
 *                   red-down rd 65000:22 exports 65000:2) with static client route 10.1.1.0/24
 *   hub    hdvpnd   hub VRF `hub` rd 65000:100, imports 65000:2, exports 65000:1,
 *                   announces 0.0.0.0/0 and the aggregate 10.0.0.0/8
 *   frr    FRR      spoke: `network 10.2.2.0/24 rd 65000:32 label 3002` with RT 65000:2 (route-map)
 *   bird   BIRD     spoke: static vpn4 `65000:42 10.3.3.0/24` with RT 65000:2 (BIRD sends label 3)
 *
 * FRR and BIRD are spokes by origination only: FRR without zebra cannot import VPN routes into a
 * VRF (docs/interop.md), and BIRD 2.0.12 has no l3vpn protocol, so both show the hub's routes in their
 * global VPN table, where the test reads them. Every daemon is read through its own CLI:
 * `gobgp -j global rib -a vpnv4`, FRR `show bgp ipv4 vpn json` (+ per-prefix JSON for label and RT),
 * `birdc show route all table vpntab4`, hdvpnd `show vrf` / `show rib --vrf` / `show rib -a vpnv4`.
 */
import { Dut, type Obj } from './dut';
import { Lab, holdsFor, startPeer, waitFor, type BirdPeer, type FrrPeer, type Route } from './lab';
import { isRoot, nodes, Timings } from './hdvpnd-gobgp-frr-util';
import { byRdPrefix, dutEvidence, hubYaml, showVrf, spokeYaml, startGobgpRr, vpnPath, vrfEntry, vrfRib, type GobgpRrPeer } from './hdvpnd-vpn-hub-spoke-util';

jest.setTimeout(120000);

const d = isRoot ? describe : describe.skip;
if (!isRoot) process.stderr.write('interop tests need root (ip netns); skipped\n');

const AS = 65000;
const CLUSTER_ID = '10.255.0.1';
const RT_HUB = '65000:1';
const RT_SPOKE = '65000:2';
const RD_UP = '65000:21';
const RD_DOWN = '65000:22';
const RD_HUB = '65000:100';
const RD_FRR = '65000:32';
const RD_BIRD = '65000:42';
const LABEL_FRR = 3002;
/** BIRD 2.0.12 always sends label 3 (implicit null) for its own routes (docs/interop.md). */
const LABEL_BIRD = 3;
const P_CLIENT = '10.1.1.0/24';
const CLIENT_NH = '192.0.2.11';
const P_FRR = '10.2.2.0/24';
const P_BIRD = '10.3.3.0/24';
const P_DEFAULT = '0.0.0.0/0';
const P_AGG = '10.0.0.0/8';

d('hub-and-spoke VPN: hdvpnd spoke PE and hub, GoBGP reflector, FRR and BIRD spokes', () => {
  let lab: Lab;
  let spoke: Dut;
  let hub: Dut;
  let rr: GobgpRrPeer;
  let f: FrrPeer;
  let b: BirdPeer;
  /** Labels hdvpnd allocated (read from `show vrf`, then required everywhere). */
  let labelDown = -1;
  let labelHub = -1;
  const timings = new Timings();

  beforeAll(async () => {
    await timings.time('start-up (lab, GoBGP, FRR, BIRD, 2 x hdvpnd)', async () => {
      lab = await Lab.create();
      const n = await nodes(lab, 'rr', 'spoke', 'hub', 'frr', 'bird');
      const toRr = [{ address: n.rr.address, as: AS, families: ['vpnv4' as const] }];
      spoke = new Dut(n.spoke, spokeYaml(n.spoke, AS, n.rr.address, {
        name: 'red',
        up: { name: 'red-up', rd: RD_UP, import: [RT_HUB] },
        down: { name: 'red-down', rd: RD_DOWN, export: [RT_SPOKE] },
      }, [{ prefix: P_CLIENT, nextHop: CLIENT_NH }]));
      hub = new Dut(n.hub, hubYaml(n.hub, AS, n.rr.address, { name: 'hub', rd: RD_HUB, import: [RT_SPOKE], export: [RT_HUB] }, [P_DEFAULT, P_AGG]));
      const peers = Promise.all([
        startGobgpRr(n.rr, { as: AS, neighbors: [n.spoke, n.hub, n.frr, n.bird].map((x) => ({ address: x.address, as: AS, families: ['vpnv4' as const] })) }, CLUSTER_ID),
        startPeer('frr', n.frr, { as: AS, neighbors: toRr, vpnv4Routes: [{ prefix: P_FRR, rd: RD_FRR, routeTargets: [RT_SPOKE], label: LABEL_FRR }] }),
        startPeer('bird', n.bird, { as: AS, neighbors: toRr, vpnv4Routes: [{ prefix: P_BIRD, rd: RD_BIRD, routeTargets: [RT_SPOKE], label: LABEL_BIRD }] }),
      ]);
      peers.catch(() => undefined); // awaited below; this only keeps an early failure from being "unhandled"
      await Promise.all([spoke.start(), hub.start()]);
      [rr, f, b] = await peers;
    });
  });

  afterAll(async () => {
    timings.report('hdvpnd hub-and-spoke VPN timings');
    await lab?.teardown();
  });

  const evidence = async (): Promise<string> =>
    `${await dutEvidence(spoke, ['red-up', 'red-down'], rr.address)}\n${await dutEvidence(hub, ['hub'], rr.address)}`;

  /** What every receiver must show for each VPN route (RD, labels, RTs, next hop = the originating PE). */
  type VpnPath = ReturnType<typeof vpnPath>;
  const want = (): { client: VpnPath; frr: VpnPath; bird: VpnPath; default: VpnPath; agg: VpnPath } => ({
    client: { rd: RD_DOWN, prefix: P_CLIENT, labels: [labelDown], routeTargets: [RT_SPOKE], nextHop: spoke.node.address },
    frr: { rd: RD_FRR, prefix: P_FRR, labels: [LABEL_FRR], routeTargets: [RT_SPOKE], nextHop: f.address },
    bird: { rd: RD_BIRD, prefix: P_BIRD, labels: [LABEL_BIRD], routeTargets: [RT_SPOKE], nextHop: b.address },
    default: { rd: RD_HUB, prefix: P_DEFAULT, labels: [labelHub], routeTargets: [RT_HUB], nextHop: hub.node.address },
    agg: { rd: RD_HUB, prefix: P_AGG, labels: [labelHub], routeTargets: [RT_HUB], nextHop: hub.node.address },
  });

  /** Waits until `read` returns exactly `expected` (sorted by RD and prefix); fails with what was last seen and hdvpnd's evidence. */
  async function waitExactly<T extends { rd?: string; prefix: string }>(what: string, read: () => Promise<T[]>, expected: T[], timeoutMs = 20000): Promise<void> {
    let seen: T[] = [];
    const exp = JSON.stringify(byRdPrefix(expected));
    await waitFor(what, async () => {
      seen = byRdPrefix(await read());
      return JSON.stringify(seen) === exp;
    }, { timeoutMs, diagnostics: async () => `expected: ${exp}\nseen: ${JSON.stringify(seen)}\n${await evidence()}` });
    expect(seen).toEqual(byRdPrefix(expected));
  }

  const gobgpVpn = async (): Promise<ReturnType<typeof vpnPath>[]> => (await rr.routes('vpnv4')).map(vpnPath);
  /** A peer's VPN table without the paths it originated itself. */
  const learned = async (p: FrrPeer | BirdPeer): Promise<ReturnType<typeof vpnPath>[]> =>
    (await p.routes('vpnv4')).filter((r: Route) => r.from === rr.address).map(vpnPath);

  test('sessions Established and the VRFs as configured (show vrf): pair halves, hub, labels', async () => {
    await timings.time('established + show vrf', async () => {
      await Promise.all([spoke, hub, f, b].map((x) => rr.waitEstablished(x instanceof Dut ? x.node.address : x.address)));
      await Promise.all([spoke.waitEstablished(rr.address), hub.waitEstablished(rr.address), f.waitEstablished(rr.address), b.waitEstablished(rr.address)]);
      const up = await showVrf(spoke, 'red-up');
      const down = await showVrf(spoke, 'red-down');
      const h = await showVrf(hub, 'hub');
      expect(up).toMatchObject({ name: 'red-up', rd: RD_UP, import: [RT_HUB], export: [], label: null, role: 'upstream', pair: 'red', hub: false });
      expect(down).toMatchObject({ name: 'red-down', rd: RD_DOWN, import: [], export: [RT_SPOKE], role: 'downstream', pair: 'red', hub: false, 'local-routes': 1 });
      expect(h).toMatchObject({ name: 'hub', rd: RD_HUB, import: [RT_SPOKE], export: [RT_HUB], role: 'vrf', hub: true, 'local-routes': 2 });
      expect(typeof down.label).toBe('number');
      expect(typeof h.label).toBe('number');
      labelDown = down.label as number;
      labelHub = h.label as number;
      // RFC 3032 §2.1: 0-15 are reserved; docs/vrf.md: the pool is 16..1048575.
      for (const l of [labelDown, labelHub]) expect(l >= 16 && l <= 1048575).toBe(true);
    });
  });

  test('GoBGP (reflector) holds exactly the five VPN routes, each with its RD, route target, label and originating PE as next hop', async () => {
    await timings.time('GoBGP global rib -a vpnv4', async () => {
      const w = want();
      await waitExactly('GoBGP: the five VPN routes', gobgpVpn, [w.client, w.frr, w.bird, w.default, w.agg]);
    });
  });

  test('the hub VRF holds every spoke route (hdvpnd\'s client, FRR\'s, BIRD\'s) with the spoke\'s RD, label and next hop, plus its own announcements', async () => {
    await timings.time('hub VRF', async () => {
      const w = want();
      const imported = (x: ReturnType<typeof vpnPath>): Obj => ({
        prefix: x.prefix, best: true, kind: 'imported', rd: x.rd, labels: x.labels, 'route-targets': x.routeTargets, 'next-hop': x.nextHop, from: rr.address,
      });
      const local = (prefix: string): Obj => ({
        prefix, best: true, kind: 'local', rd: RD_HUB, labels: [labelHub], 'route-targets': [RT_HUB], 'next-hop': 'self', from: 'local',
      });
      const expected = [local(P_DEFAULT), local(P_AGG), imported(w.client), imported(w.frr), imported(w.bird)] as (Obj & { prefix: string })[];
      await waitExactly('hub VRF: every spoke route', async () => (await vrfRib(hub, 'hub')).map(vrfEntry) as (Obj & { prefix: string })[], expected);
      expect(await showVrf(hub, 'hub')).toMatchObject({ routes: 5, 'local-routes': 2, 'imported-routes': 3 });
    });
  });

  test('hdvpnd spoke: the upstream VRF holds the hub\'s routes only, the downstream VRF its own client only, though the other spokes\' routes did arrive', async () => {
    await timings.time('spoke VRFs', async () => {
      const w = want();
      const fromHub = (x: ReturnType<typeof vpnPath>): Obj & { prefix: string } => ({
        prefix: x.prefix, best: true, kind: 'imported', rd: RD_HUB, labels: [labelHub], 'route-targets': [RT_HUB], 'next-hop': hub.node.address, from: rr.address,
      });
      await waitExactly('red-up: the hub\'s default route and aggregate', async () => (await vrfRib(spoke, 'red-up')).map(vrfEntry) as (Obj & { prefix: string })[], [fromHub(w.default), fromHub(w.agg)]);
      const client = { prefix: P_CLIENT, best: true, kind: 'local', rd: RD_DOWN, labels: [labelDown], 'route-targets': [RT_SPOKE], 'next-hop': CLIENT_NH, from: 'local' };
      expect((await vrfRib(spoke, 'red-down')).map(vrfEntry)).toEqual([client]);
      // The other spokes' routes are in hdvpnd's VPN RIB (so their absence from the VRFs is the import rule, not a lost UPDATE).
      await waitFor('spoke: FRR\'s and BIRD\'s VPN routes in its VPNv4 RIB', async () => {
        const rib = await spoke.rib('vpnv4-unicast');
        const has = (x: ReturnType<typeof vpnPath>): boolean => rib.some((r) => r.prefix === x.prefix && r.rd === x.rd && JSON.stringify(r.labels) === JSON.stringify(x.labels) && r['next-hop'] === x.nextHop);
        return has(w.frr) && has(w.bird);
      }, { timeoutMs: 20000, diagnostics: evidence });
      await holdsFor('red-down never holds another spoke\'s route, red-up never a client route', async () => {
        const down = (await vrfRib(spoke, 'red-down')).map(vrfEntry);
        const up = (await vrfRib(spoke, 'red-up')).map(vrfEntry);
        return JSON.stringify(down) === JSON.stringify([client]) && JSON.stringify(byRdPrefix(up as (Obj & { prefix: string })[])) === JSON.stringify(byRdPrefix([fromHub(w.default), fromHub(w.agg)]));
      }, 3000, { diagnostics: evidence });
      expect(await showVrf(spoke, 'red-up')).toMatchObject({ routes: 2, 'local-routes': 0, 'imported-routes': 2 });
      expect(await showVrf(spoke, 'red-down')).toMatchObject({ routes: 1, 'local-routes': 1, 'imported-routes': 0 });
    });
  });

  test('FRR and BIRD (the other spokes) receive the hub\'s default route and aggregate and the other spokes\' routes with exact RD, route target and label', async () => {
    await timings.time('FRR + BIRD VPN tables', async () => {
      const w = want();
      await waitExactly('FRR: show bgp ipv4 vpn json (from the reflector)', () => learned(f), [w.client, w.bird, w.default, w.agg]);
      await waitExactly('BIRD: show route all table vpntab4 (from the reflector)', () => learned(b), [w.client, w.frr, w.default, w.agg]);
    });
  });

  test('a spoke withdraws (FRR `no network`): gone from GoBGP, the hub VRF and BIRD; the rest stays', async () => {
    await timings.time('withdrawal', async () => {
      const w = want();
      await f.withdraw({ prefix: P_FRR, rd: RD_FRR });
      await waitExactly('GoBGP: FRR\'s route withdrawn', gobgpVpn, [w.client, w.bird, w.default, w.agg]);
      await waitFor('hub VRF: FRR\'s route gone', async () => !(await vrfRib(hub, 'hub')).some((e) => e.prefix === P_FRR), { timeoutMs: 20000, diagnostics: evidence });
      expect((await vrfRib(hub, 'hub')).map((e) => e.prefix).sort()).toEqual([P_DEFAULT, P_AGG, P_CLIENT, P_BIRD].sort());
      await waitExactly('BIRD: FRR\'s route withdrawn', () => learned(b), [w.client, w.default, w.agg]);
      expect((await vrfRib(spoke, 'red-down')).map((e) => e.prefix)).toEqual([P_CLIENT]);
    });
  });

  test('the hub reloads without the aggregate (SIGHUP): its VRF is rebuilt with a new label, and every spoke follows', async () => {
    await timings.time('hub reload', async () => {
      hub.reconfigure(hubYaml(hub.node, AS, rr.address, { name: 'hub', rd: RD_HUB, import: [RT_SPOKE], export: [RT_HUB] }, [P_DEFAULT]));
      const old = labelHub;
      labelHub = await waitFor('hub: the rebuilt VRF with a new label', async () => {
        const h = await showVrf(hub, 'hub');
        return typeof h.label === 'number' && h.label !== old && h['local-routes'] === 1 ? h.label : undefined;
      }, { timeoutMs: 20000, diagnostics: evidence });
      // docs/vrf.md: a released label comes back only after the rest of the pool has been used.
      expect(labelHub >= 16 && labelHub <= 1048575).toBe(true);
      const w = want();
      await waitExactly('GoBGP: the default route with the new label, no aggregate', gobgpVpn, [w.client, w.bird, w.default]);
      await waitExactly('FRR: the default route with the new label, no aggregate', () => learned(f), [w.client, w.bird, w.default]);
      await waitExactly('BIRD: the default route with the new label, no aggregate', () => learned(b), [w.client, w.default]);
      const fromHub = { prefix: P_DEFAULT, best: true, kind: 'imported', rd: RD_HUB, labels: [labelHub], 'route-targets': [RT_HUB], 'next-hop': hub.node.address, from: rr.address };
      await waitExactly('red-up: only the default route, with the new label', async () => (await vrfRib(spoke, 'red-up')).map(vrfEntry) as (Obj & { prefix: string })[], [fromHub]);
      // The spokes' routes stay in the rebuilt hub VRF (they are imported again), and the spoke's client is untouched.
      await waitFor('hub VRF: the spoke routes again', async () => {
        const t = (await vrfRib(hub, 'hub')).map(vrfEntry);
        return JSON.stringify(t.map((e) => e.prefix).sort()) === JSON.stringify([P_DEFAULT, P_CLIENT, P_BIRD].sort()) ? t : undefined;
      }, { timeoutMs: 20000, diagnostics: evidence });
      expect((await vrfRib(spoke, 'red-down')).map(vrfEntry)).toEqual([
        { prefix: P_CLIENT, best: true, kind: 'local', rd: RD_DOWN, labels: [labelDown], 'route-targets': [RT_SPOKE], 'next-hop': CLIENT_NH, from: 'local' },
      ]);
    });
  });
});
