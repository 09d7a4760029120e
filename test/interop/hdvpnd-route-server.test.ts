/**
 * hdvpnd as an RFC 7947 route server for three eBGP clients of different implementations.
 * Every assertion on what a client got is read from the client's own CLI (FRR per-prefix
 * JSON, `birdc show route … all`, GoBGP adj-in JSON), not from hdvpnd.
 *
 *   g GoBGP 65001 ─┐
 *   f FRR   65002 ─┼─ dut hdvpnd 65000, every neighbor `route-server-client: true`
 *   b BIRD  65003 ─┘
 *
 * A route server does not prepend its AS, so the clients see AS paths that do not start with
 * 65000: FRR is told `no neighbor X enforce-first-as` (FRR 8.4 has it per neighbor); BIRD's
 * `enforce first as` is off by default and GoBGP has no such check.
 */
import { Dut } from './dut';
import { Lab, startPeer, waitFor, type BirdPeer, type GobgpPeer } from './lab';
import { isRoot, nodes, Timings } from './hdvpnd-gobgp-frr-util';
import { birdPaths, core, dutRibOut, dutRibPrefix, frrOwnRoutesOnly, frrPaths, gobgpAdjIn, rsRrYaml, startFrrX, type FrrPeerX, type RawPath } from './hdvpnd-rs-rr-util';

jest.setTimeout(120000);

const d = isRoot ? describe : describe.skip;
if (!isRoot) process.stderr.write('interop tests need root (ip netns); skipped\n');

const AS_RS = 65000;
const AS_G = 65001;
const AS_F = 65002;
const AS_B = 65003;

/** Only GoBGP's: MED, two communities and a large community that must pass untouched. */
const P_G = '10.1.0.0/24';
/** Only FRR's and only BIRD's. */
const P_F = '10.2.0.0/24';
const P_B = '10.3.0.0/24';
/** Announced by GoBGP and by FRR: each must get the other's path. */
const P_BOTH = '10.99.0.0/24';

d('hdvpnd as route server (RFC 7947): GoBGP, FRR, BIRD clients', () => {
  let lab: Lab;
  let dut: Dut;
  let g: GobgpPeer;
  let f: FrrPeerX;
  let b: BirdPeer;
  const timings = new Timings();

  beforeAll(async () => {
    await timings.time('start-up (lab, GoBGP, FRR, BIRD, hdvpnd)', async () => {
      lab = await Lab.create();
      const n = await nodes(lab, 'dut', 'gobgp', 'frr', 'bird');
      const rs = { address: n.dut.address, as: AS_RS, families: ['ipv4-unicast' as const] };
      dut = new Dut(n.dut, rsRrYaml(n.dut, AS_RS, n.dut.address, [
        { address: n.gobgp.address, asn: AS_G, routeServerClient: true },
        { address: n.frr.address, asn: AS_F, routeServerClient: true },
        { address: n.bird.address, asn: AS_B, routeServerClient: true },
      ]));
      [g, f, b] = await Promise.all([
        startPeer('gobgp', n.gobgp, {
          as: AS_G, neighbors: [rs],
          ipv4Routes: [
            { prefix: P_G, med: 20, communities: ['65001:1', '65001:2'], largeCommunities: ['65001:5:6'] },
            { prefix: P_BOTH, med: 5, communities: ['65001:99'] },
          ],
        }),
        startFrrX(n.frr, {
          as: AS_F, neighbors: [rs],
          ipv4Routes: [{ prefix: P_F, med: 30, communities: ['65002:1'] }, { prefix: P_BOTH, communities: ['65002:99'] }],
        }, { ...frrOwnRoutesOnly(n.dut.address), bgp: [`no neighbor ${n.dut.address} enforce-first-as`] }),
        startPeer('bird', n.bird, { as: AS_B, neighbors: [rs], ipv4Routes: [{ prefix: P_B, med: 40, communities: ['65003:1'] }] }),
        dut.start(),
      ]);
    });
  });

  afterAll(async () => {
    timings.report('hdvpnd route server timings');
    await lab?.teardown();
  });

  const diag = async (prefix: string): Promise<string> => {
    const out: string[] = [];
    for (const p of [g, f, b]) {
      out.push(`hdvpnd Adj-RIB-Out to ${p.kind} ${p.address} for ${prefix}: ${JSON.stringify(await dutRibOut(dut, p.address, prefix).catch((e: unknown) => String(e)))}`);
    }
    return `${out.join('\n')}\n${dut.logTail(20)}\n${f.logTail(10)}\n${b.logTail(10)}`;
  };

  /** Waits until `read` gives paths and one matches `where`; the failure message shows what was seen and what hdvpnd sent. */
  async function waitPath(what: string, prefix: string, read: () => Promise<RawPath[]>, where: (p: RawPath) => boolean = () => true): Promise<RawPath> {
    let seen: RawPath[] = [];
    return waitFor(what, async () => {
      seen = await read();
      return seen.find(where);
    }, { timeoutMs: 20000, diagnostics: async () => `seen: ${JSON.stringify(seen.map(core))}\n${await diag(prefix)}` });
  }

  async function waitGone(what: string, prefix: string, read: () => Promise<RawPath[]>, where: (p: RawPath) => boolean = () => true): Promise<void> {
    let seen: RawPath[] = [];
    await waitFor(what, async () => {
      seen = await read();
      return !seen.some(where);
    }, { timeoutMs: 20000, diagnostics: async () => `still seen: ${JSON.stringify(seen.map(core))}\n${await diag(prefix)}` });
  }

  const fromRs = (p: RawPath): boolean => p.from === dut.node.address;

  test('sessions reach Established with all three clients, both views', async () => {
    await timings.time('established', async () => {
      await Promise.all([g, f, b].map((p) => p.waitEstablished(dut.node.address)));
      await Promise.all([g, f, b].map((p) => dut.waitEstablished(p.address)));
      // FRR really runs with the first-AS check off for the route server.
      expect(await f.vtysh('show running-config')).not.toMatch(new RegExp(`^\\s*neighbor ${dut.node.address} enforce-first-as`, 'm'));
    });
  });

  test('GoBGP\'s route reaches FRR and BIRD with AS path "65001", GoBGP\'s next hop, MED and communities untouched', async () => {
    await timings.time('GoBGP -> FRR, BIRD', async () => {
      const want = {
        from: dut.node.address, asPath: [AS_G], nextHop: g.address, med: 20,
        communities: ['65001:1', '65001:2'], largeCommunities: ['65001:5:6'],
      };
      const atF = await waitPath(`FRR: ${P_G} from the route server`, P_G, () => frrPaths(f, P_G), fromRs);
      expect(core(atF)).toMatchObject(want);
      expect(atF.originatorId).toBeUndefined();
      const atB = await waitPath(`BIRD: ${P_G} from the route server`, P_G, () => birdPaths(b, P_G, dut.node.address), fromRs);
      expect(core(atB)).toMatchObject(want);
    });
  });

  test('FRR\'s and BIRD\'s routes reach the other two clients with their own AS path, next hop and MED', async () => {
    await timings.time('FRR, BIRD -> others', async () => {
      const wantF = { asPath: [AS_F], nextHop: f.address, med: 30, communities: ['65002:1'] };
      const wantB = { asPath: [AS_B], nextHop: b.address, med: 40, communities: ['65003:1'] };
      expect(core(await waitPath(`GoBGP: ${P_F}`, P_F, () => gobgpAdjIn(g, dut.node.address, P_F)))).toMatchObject(wantF);
      expect(core(await waitPath(`BIRD: ${P_F}`, P_F, () => birdPaths(b, P_F, dut.node.address), fromRs))).toMatchObject(wantF);
      expect(core(await waitPath(`GoBGP: ${P_B}`, P_B, () => gobgpAdjIn(g, dut.node.address, P_B)))).toMatchObject(wantB);
      expect(core(await waitPath(`FRR: ${P_B}`, P_B, () => frrPaths(f, P_B), fromRs))).toMatchObject(wantB);
      // Never back to the client it came from.
      expect(await gobgpAdjIn(g, dut.node.address, P_G)).toEqual([]);
      expect((await frrPaths(f, P_F)).filter(fromRs)).toEqual([]);
      expect(await birdPaths(b, P_B, dut.node.address)).toEqual([]);
    });
  });

  test('same prefix from GoBGP and FRR: each gets the other\'s path (per-client view), BIRD gets the best', async () => {
    await timings.time('per-client view', async () => {
      const atG = await waitPath(`GoBGP: ${P_BOTH} from FRR via the route server`, P_BOTH, () => gobgpAdjIn(g, dut.node.address, P_BOTH));
      expect(core(atG)).toMatchObject({ asPath: [AS_F], nextHop: f.address, communities: ['65002:99'] });
      const atF = await waitPath(`FRR: ${P_BOTH} from GoBGP via the route server`, P_BOTH, () => frrPaths(f, P_BOTH), fromRs);
      expect(core(atF)).toMatchObject({ asPath: [AS_G], nextHop: g.address, med: 5, communities: ['65001:99'] });
      // hdvpnd ranks both; whichever is best, its owner still got the other one above.
      const ranked = await dutRibPrefix(dut, P_BOTH);
      expect(ranked.map((r) => r.from).sort()).toEqual([f.address, g.address].sort());
      const best = ranked.find((r) => r.best === true);
      expect(best).toBeDefined();
      const bestIsG = best?.from === g.address;
      const atB = await waitPath(`BIRD: ${P_BOTH}`, P_BOTH, () => birdPaths(b, P_BOTH, dut.node.address), fromRs);
      expect(core(atB)).toMatchObject(bestIsG ? { asPath: [AS_G], nextHop: g.address, med: 5 } : { asPath: [AS_F], nextHop: f.address });
    });
  });

  test('withdrawals at the origin reach every client; when one of two paths goes, the other takes over', async () => {
    await timings.time('withdrawals', async () => {
      await g.withdraw({ prefix: P_G });
      await Promise.all([
        waitGone(`FRR: ${P_G} withdrawn`, P_G, () => frrPaths(f, P_G)),
        waitGone(`BIRD: ${P_G} withdrawn`, P_G, () => birdPaths(b, P_G)),
        dut.waitNoRoute('ipv4-unicast', P_G),
      ]);

      // GoBGP's path of the shared prefix goes: FRR's own is the only one left, so FRR gets a withdrawal, BIRD
      // switches to FRR's path, and GoBGP keeps FRR's.
      await g.withdraw({ prefix: P_BOTH });
      await waitGone(`FRR: ${P_BOTH} from the route server withdrawn`, P_BOTH, () => frrPaths(f, P_BOTH), fromRs);
      const atB = await waitPath(`BIRD: ${P_BOTH} now FRR's`, P_BOTH, () => birdPaths(b, P_BOTH, dut.node.address), (p) => p.asPath[0] === AS_F);
      expect(core(atB)).toMatchObject({ asPath: [AS_F], nextHop: f.address, communities: ['65002:99'] });
      expect(core((await gobgpAdjIn(g, dut.node.address, P_BOTH))[0])).toMatchObject({ asPath: [AS_F], nextHop: f.address });
      // FRR still has its own.
      expect((await frrPaths(f, P_BOTH)).map((p) => p.from)).toEqual(['']);

      // And FRR's withdrawal of the last path reaches GoBGP and BIRD.
      await f.withdraw({ prefix: P_BOTH });
      await Promise.all([
        waitGone(`GoBGP: ${P_BOTH} withdrawn`, P_BOTH, () => gobgpAdjIn(g, dut.node.address, P_BOTH)),
        waitGone(`BIRD: ${P_BOTH} withdrawn`, P_BOTH, () => birdPaths(b, P_BOTH)),
      ]);
      // The other routes stay.
      await waitPath(`BIRD: ${P_F} kept`, P_F, () => birdPaths(b, P_F, dut.node.address));
    });
  });
});
