/**
 * hdvpnd as an RFC 4456 route reflector (AS 65000, router id 10.255.0.1 = the default cluster id)
 * with two clients, two non-clients and two eBGP neighbors of four implementations. What each
 * receiver got is read from its own CLI (FRR per-prefix JSON, `birdc show route … all`, GoBGP
 * adj-in JSON, `bgpctl -j show rib detail`), and the UPDATEs hdvpnd sent are decoded by tshark
 * from a capture in hdvpnd's namespace.
 *
 *   f  FRR      65000 client      router id 10.0.0.2   originates 10.20.0.0/24
 *   b  BIRD     65000 client      router id 10.0.0.3   originates 10.30.0.0/24
 *   g  GoBGP    65000 non-client  router id 10.0.0.4   originates 10.40.0.0/24
 *   o  OpenBGPD 65000 non-client  router id 10.0.0.5   originates 10.45.0.0/24
 *   e1 GoBGP    65010 eBGP                             originates 10.50.0.0/24
 *   e2 BIRD     65020 eBGP                             receives only
 */
import { Dut } from './dut';
import { Lab, holdsFor, startPeer, waitFor, type BirdPeer, type FrrPeer, type GobgpPeer, type OpenbgpdPeer, type Route } from './lab';
import { isRoot, nodes, rec, Timings } from './hdvpnd-gobgp-frr-util';
import { birdPaths, Capture, core, dutRibOut, frrPaths, gobgpAdjIn, obgpdPaths, rsRrYaml, type RawPath, type RsRrNeighbor } from './hdvpnd-rs-rr-util';

jest.setTimeout(120000);

const d = isRoot ? describe : describe.skip;
if (!isRoot) process.stderr.write('interop tests need root (ip netns); skipped\n');

const AS = 65000;
const AS_E1 = 65010;
const AS_E2 = 65020;
/** hdvpnd's router id, not an interface address; with no `cluster-id` configured it is the cluster id (RFC 4456 §7). */
const RR_ID = '10.255.0.1';
/** Configured in the last test (needs a restart: hdvpnd applies a `cluster-id` change only then). */
const CLUSTER_ID = '10.255.0.9';
const ID = { f: '10.0.0.2', b: '10.0.0.3', g: '10.0.0.4', o: '10.0.0.5' };

const P_F = '10.20.0.0/24';
const P_B = '10.30.0.0/24';
const P_G = '10.40.0.0/24';
const P_O = '10.45.0.0/24';
const P_E1 = '10.50.0.0/24';

d('hdvpnd as route reflector (RFC 4456): FRR and BIRD clients, GoBGP and OpenBGPD non-clients, eBGP transit', () => {
  let lab: Lab;
  let dut: Dut;
  let f: FrrPeer;
  let b: BirdPeer;
  let g: GobgpPeer;
  let o: OpenbgpdPeer;
  let e1: GobgpPeer;
  let e2: BirdPeer;
  let cap: Capture;
  let neighbors: RsRrNeighbor[];
  const timings = new Timings();

  beforeAll(async () => {
    await timings.time('start-up (lab, tshark, 6 peers, hdvpnd)', async () => {
      lab = await Lab.create();
      const n = await nodes(lab, 'dut', 'frr', 'bird', 'gobgp', 'obgpd', 'e1', 'e2');
      cap = new Capture(n.dut);
      const capturing = cap.start();
      const rr = (as: number): { address: string; as: number; families: ['ipv4-unicast'] } => ({ address: n.dut.address, as, families: ['ipv4-unicast'] });
      neighbors = [
        { address: n.frr.address, asn: AS, routeReflectorClient: true },
        { address: n.bird.address, asn: AS, routeReflectorClient: true },
        { address: n.gobgp.address, asn: AS },
        { address: n.obgpd.address, asn: AS },
        { address: n.e1.address, asn: AS_E1 },
        { address: n.e2.address, asn: AS_E2 },
      ];
      dut = new Dut(n.dut, rsRrYaml(n.dut, AS, RR_ID, neighbors));
      const peers = Promise.all([
        startPeer('frr', n.frr, { as: AS, routerId: ID.f, neighbors: [rr(AS)], ipv4Routes: [{ prefix: P_F, med: 20, localPref: 250, communities: ['65000:20'] }] }),
        startPeer('bird', n.bird, { as: AS, routerId: ID.b, neighbors: [rr(AS)], ipv4Routes: [{ prefix: P_B, med: 30, localPref: 300, communities: ['65000:30'] }] }),
        startPeer('gobgp', n.gobgp, { as: AS, routerId: ID.g, neighbors: [rr(AS)], ipv4Routes: [{ prefix: P_G, med: 40, localPref: 150, communities: ['65000:40'] }] }),
        startPeer('openbgpd', n.obgpd, { as: AS, routerId: ID.o, neighbors: [rr(AS)], ipv4Routes: [{ prefix: P_O, localPref: 160, communities: ['65000:45'] }] }),
        startPeer('gobgp', n.e1, { as: AS_E1, neighbors: [rr(AS)], ipv4Routes: [{ prefix: P_E1, med: 50, communities: ['65010:50'] }] }),
        startPeer('bird', n.e2, { as: AS_E2, neighbors: [rr(AS)] }),
      ]);
      peers.catch(() => undefined); // awaited below; this only keeps an early failure from being "unhandled"
      // hdvpnd starts once tshark captures, so the capture holds every UPDATE it sends (it connects out at once).
      await capturing;
      await dut.start();
      [f, b, g, o, e1, e2] = await peers;
    });
  });

  afterAll(async () => {
    timings.report('hdvpnd route reflector timings');
    await cap?.stop();
    await lab?.teardown();
  });

  const diag = async (prefix: string): Promise<string> => {
    const out: string[] = [];
    for (const p of [f, b, g, o, e1, e2]) {
      out.push(`hdvpnd Adj-RIB-Out to ${p.kind} ${p.address} for ${prefix}: ${JSON.stringify(await dutRibOut(dut, p.address, prefix).catch((e: unknown) => String(e)))}`);
    }
    return `${out.join('\n')}\n${dut.logTail(20)}`;
  };

  async function waitPath(what: string, prefix: string, read: () => Promise<RawPath[]>, where: (p: RawPath) => boolean = () => true): Promise<RawPath> {
    let seen: RawPath[] = [];
    return waitFor(what, async () => {
      seen = await read();
      return seen.find(where);
    }, { timeoutMs: 20000, diagnostics: async () => `seen: ${JSON.stringify(seen.map(core))}\n${await diag(prefix)}` });
  }

  async function waitGone(what: string, prefix: string, read: () => Promise<RawPath[] | Route[]>): Promise<void> {
    let seen: unknown[] = [];
    await waitFor(what, async () => {
      seen = await read();
      return seen.length === 0;
    }, { timeoutMs: 20000, diagnostics: async () => `still seen: ${JSON.stringify(seen)}\n${await diag(prefix)}` });
  }

  const viaRr = (p: RawPath): boolean => p.from === dut.node.address;
  const obgpd = async (prefix: string): Promise<Route[]> => (await o.routes('ipv4-unicast', { from: dut.node.address })).filter((r) => r.prefix === prefix);

  test('all six sessions reach Established, both views', async () => {
    await timings.time('established', async () => {
      await Promise.all([f, b, g, o, e1, e2].map((p) => p.waitEstablished(dut.node.address)));
      const ns = await Promise.all([f, b, g, o, e1, e2].map((p) => dut.waitEstablished(p.address)));
      expect(ns.map((x) => x['router-id'])).toEqual([ID.f, ID.b, ID.g, ID.o, e1.address, e2.address]);
    });
  });

  test('a client\'s route (FRR) reaches the other client and both non-clients with ORIGINATOR_ID, CLUSTER_LIST, next hop and LOCAL_PREF', async () => {
    await timings.time('client -> all', async () => {
      const want = {
        from: dut.node.address, asPath: [], nextHop: f.address, med: 20, localPref: 250, communities: ['65000:20'],
        originatorId: ID.f, clusterList: [RR_ID],
      };
      expect(core(await waitPath(`BIRD (client): ${P_F}`, P_F, () => birdPaths(b, P_F, dut.node.address)))).toMatchObject(want);
      expect(core(await waitPath(`GoBGP (non-client): ${P_F}`, P_F, () => gobgpAdjIn(g, dut.node.address, P_F)))).toMatchObject(want);
      expect(core(await waitPath(`OpenBGPD (non-client): ${P_F}`, P_F, () => obgpdPaths(o, dut.node.address, P_F)))).toMatchObject(want);

      // And the other client's (BIRD) route at FRR, read from `show bgp ipv4 unicast PREFIX json`.
      const atF = await waitPath(`FRR (client): ${P_B}`, P_B, () => frrPaths(f, P_B), viaRr);
      expect(core(atF)).toMatchObject({ asPath: [], nextHop: b.address, med: 30, localPref: 300, communities: ['65000:30'], originatorId: ID.b, clusterList: [RR_ID] });
      // Never reflected back to the client it came from.
      expect((await frrPaths(f, P_F)).filter(viaRr)).toEqual([]);
      expect(await birdPaths(b, P_B, dut.node.address)).toEqual([]);
    });
  });

  test('a non-client\'s route reaches the clients (reflected) but not the other non-client, both ways', async () => {
    await timings.time('non-client -> clients only', async () => {
      const wantG = { asPath: [], nextHop: g.address, med: 40, localPref: 150, communities: ['65000:40'], originatorId: ID.g, clusterList: [RR_ID] };
      expect(core(await waitPath(`FRR: ${P_G}`, P_G, () => frrPaths(f, P_G), viaRr))).toMatchObject(wantG);
      expect(core(await waitPath(`BIRD: ${P_G}`, P_G, () => birdPaths(b, P_G, dut.node.address)))).toMatchObject(wantG);
      const wantO = { asPath: [], nextHop: o.address, localPref: 160, communities: ['65000:45'], originatorId: ID.o, clusterList: [RR_ID] };
      expect(core(await waitPath(`FRR: ${P_O}`, P_O, () => frrPaths(f, P_O), viaRr))).toMatchObject(wantO);
      expect(core(await waitPath(`BIRD: ${P_O}`, P_O, () => birdPaths(b, P_O, dut.node.address)))).toMatchObject(wantO);

      // Both non-clients are up and have the clients' routes, so an absence here is the split-horizon rule.
      await waitFor('OpenBGPD to have the clients\' routes', async () => (await obgpd(P_B)).length > 0, { timeoutMs: 20000, diagnostics: () => diag(P_B) });
      await waitPath(`GoBGP: ${P_B}`, P_B, () => gobgpAdjIn(g, dut.node.address, P_B));
      await holdsFor('OpenBGPD without GoBGP\'s route and GoBGP without OpenBGPD\'s', async () =>
        (await obgpd(P_G)).length === 0 && (await gobgpAdjIn(g, dut.node.address, P_O)).length === 0, 3000, { diagnostics: () => diag(P_G) });
      expect(await dutRibOut(dut, o.address, P_G)).toEqual([]);
      expect(await dutRibOut(dut, g.address, P_O)).toEqual([]);
    });
  });

  test('eBGP transit: e1\'s route reaches e2 with AS path "65000 65010" and hdvpnd\'s next hop, and iBGP neighbors unchanged', async () => {
    await timings.time('eBGP transit', async () => {
      const atE2 = await waitPath(`e2: ${P_E1}`, P_E1, () => birdPaths(e2, P_E1, dut.node.address));
      expect(core(atE2)).toMatchObject({ asPath: [AS, AS_E1], nextHop: dut.node.address, communities: ['65010:50'] });
      // RFC 4271 §5.1.4: the MED e1 set is not passed on to another AS.
      expect(atE2.med).toBeUndefined();
      // To iBGP: the next hop and AS path as learned, LOCAL_PREF added, not reflected (no ORIGINATOR_ID).
      const atF = await waitPath(`FRR: ${P_E1}`, P_E1, () => frrPaths(f, P_E1), viaRr);
      expect(core(atF)).toMatchObject({ asPath: [AS_E1], nextHop: e1.address, med: 50, localPref: 100 });
      expect(atF.originatorId).toBeUndefined();
      expect(atF.clusterList).toBeUndefined();
      const atG = await waitPath(`GoBGP: ${P_E1}`, P_E1, () => gobgpAdjIn(g, dut.node.address, P_E1));
      expect(core(atG)).toMatchObject({ asPath: [AS_E1], nextHop: e1.address, localPref: 100 });
      expect(atG.originatorId).toBeUndefined();
      // An iBGP client's route to eBGP: our AS, next hop self, and no reflection attributes.
      const fAtE2 = await waitPath(`e2: ${P_F}`, P_F, () => birdPaths(e2, P_F, dut.node.address));
      expect(core(fAtE2)).toMatchObject({ asPath: [AS], nextHop: dut.node.address, communities: ['65000:20'] });
      expect(fAtE2.originatorId).toBeUndefined();
      expect(fAtE2.clusterList).toBeUndefined();
      const fAtE1 = await waitFor(`e1: ${P_F}`, async () => (await e1.routes('ipv4-unicast', { from: dut.node.address })).find((r) => r.prefix === P_F), { timeoutMs: 20000 });
      expect(fAtE1).toMatchObject({ asPath: [AS], nextHop: dut.node.address });
    });
  });

  test('on the wire (tshark in hdvpnd\'s namespace): reflected UPDATEs carry ORIGINATOR_ID and CLUSTER_LIST, eBGP ones do not', async () => {
    await timings.time('tshark', async () => {
      await cap.stop();
      const fields = ['bgp.nlri_prefix', 'bgp.update.path_attribute.originator_id', 'bgp.path_attribute.cluster_id', 'bgp.update.path_attribute.next_hop', 'bgp.update.path_attribute.local_pref'];
      const sent = await cap.updates(fields);
      const to = (dst: string, nlri: string): Record<string, string[]>[] =>
        sent.filter((m) => m.dst === dst && m.fields['bgp.nlri_prefix']?.includes(nlri)).map((m) => m.fields);
      // To GoBGP (non-client) and BIRD (client): FRR's route reflected with FRR's router id and our cluster id.
      for (const dst of [g.address, b.address]) {
        expect(to(dst, '10.20.0.0')[0]).toEqual({
          'bgp.nlri_prefix': ['10.20.0.0'], 'bgp.update.path_attribute.originator_id': [ID.f], 'bgp.path_attribute.cluster_id': [RR_ID],
          'bgp.update.path_attribute.next_hop': [f.address], 'bgp.update.path_attribute.local_pref': ['250'],
        });
      }
      // To e2 (eBGP): none of ORIGINATOR_ID, CLUSTER_LIST, LOCAL_PREF; next hop self.
      expect(to(e2.address, '10.20.0.0')[0]).toEqual({
        'bgp.nlri_prefix': ['10.20.0.0'], 'bgp.update.path_attribute.originator_id': [], 'bgp.path_attribute.cluster_id': [],
        'bgp.update.path_attribute.next_hop': [dut.node.address], 'bgp.update.path_attribute.local_pref': [],
      });
      // No UPDATE to OpenBGPD ever carried GoBGP's prefix, none to GoBGP OpenBGPD's.
      expect(to(o.address, '10.40.0.0')).toEqual([]);
      expect(to(g.address, '10.45.0.0')).toEqual([]);
    });
  });

  test('a client\'s withdrawal reaches the other client, the non-clients and the eBGP neighbors', async () => {
    await timings.time('withdrawal', async () => {
      await f.withdraw({ prefix: P_F });
      await Promise.all([
        waitGone(`BIRD: ${P_F} withdrawn`, P_F, () => birdPaths(b, P_F)),
        waitGone(`GoBGP: ${P_F} withdrawn`, P_F, () => gobgpAdjIn(g, dut.node.address, P_F)),
        waitGone(`OpenBGPD: ${P_F} withdrawn`, P_F, () => obgpd(P_F)),
        waitGone(`e2: ${P_F} withdrawn`, P_F, () => birdPaths(e2, P_F)),
      ]);
      // The rest stays.
      expect(rec(await waitPath(`BIRD: ${P_G} kept`, P_G, () => birdPaths(b, P_G, dut.node.address)))).toBeTruthy();
    });
  });

  test('a configured cluster-id (hdvpnd restarted with `cluster-id: 10.255.0.9`) replaces the router id in CLUSTER_LIST', async () => {
    await timings.time('configured cluster-id (restart)', async () => {
      await dut.stop();
      dut.reconfigure(rsRrYaml(dut.node, AS, RR_ID, neighbors, CLUSTER_ID));
      await dut.start();
      await Promise.all([dut.waitEstablished(f.address), dut.waitEstablished(b.address)]);
      const atF = await waitPath(`FRR: ${P_B} with cluster id ${CLUSTER_ID}`, P_B, () => frrPaths(f, P_B), (p) => viaRr(p) && p.clusterList?.[0] === CLUSTER_ID);
      expect(core(atF)).toMatchObject({ nextHop: b.address, localPref: 300, originatorId: ID.b, clusterList: [CLUSTER_ID] });
      const atB = await waitPath(`BIRD: ${P_G} with cluster id ${CLUSTER_ID}`, P_G, () => birdPaths(b, P_G, dut.node.address), (p) => p.clusterList?.[0] === CLUSTER_ID);
      expect(core(atB)).toMatchObject({ nextHop: g.address, localPref: 150, originatorId: ID.g, clusterList: [CLUSTER_ID] });
    });
  });
});
