/**
 * The lab's own proof: real implementations peered with each other in namespaces, every
 * attribute checked through the receiving daemon's CLI. Topology (one lab, all started in
 * parallel):
 *   g GoBGP 65001 ── b BIRD 65002 ── o OpenBGPD 65006 (hold 6 s)
 *   g ── f FRR 65003 ── b (TCP-MD5, right key)     x FRR 65013 ── b (TCP-MD5, wrong key)
 *   g ── e ExaBGP 65005 (passive)
 *   r1 GoBGP 65021 ── r2 FRR 65022 (graceful restart on both)
 */
import { holdsFor, Lab, startPeer, waitFor, type LabNode, type Route } from './lab';
import type { BirdPeer, ExabgpPeer, FrrPeer, GobgpPeer, OpenbgpdPeer } from './lab';

jest.setTimeout(120000);

const root = process.getuid?.() === 0;
const d = root ? describe : describe.skip;
if (!root) process.stderr.write('interop lab tests need root (ip netns); skipped\n');

d('interop lab: real BGP implementations peered with each other', () => {
  let lab: Lab;
  let g: GobgpPeer;
  let b: BirdPeer;
  let f: FrrPeer;
  let e: ExabgpPeer;
  let o: OpenbgpdPeer;
  let x: FrrPeer;
  let r1: GobgpPeer;
  let r2: FrrPeer;
  const startup: Record<string, number> = {};

  beforeAll(async () => {
    lab = await Lab.create();
    const [ng, nb, nf, ne, no, nx, n1, n2] = await Promise.all(['g', 'b', 'f', 'e', 'o', 'x', 'r1', 'r2'].map((n) => lab.addNode(n)));
    const node = (n: LabNode | undefined): LabNode => {
      if (!n) throw new Error('node missing');
      return n;
    };
    const G = node(ng);
    const B = node(nb);
    const F = node(nf);
    const E = node(ne);
    const O = node(no);
    const X = node(nx);
    const R1 = node(n1);
    const R2 = node(n2);
    [g, b, f, e, o, x, r1, r2] = await Promise.all([
      startPeer('gobgp', G, {
        as: 65001,
        neighbors: [
          { address: B.address, as: 65002 },
          { address: F.address, as: 65003 },
          { address: E.address, as: 65005 },
        ],
        ipv4Routes: [{ prefix: '10.1.0.0/24', med: 20, communities: ['65001:1'], largeCommunities: ['65001:2:3'] }],
        vpnv4Routes: [{ prefix: '10.11.0.0/24', rd: '65001:100', routeTargets: ['65001:100', '65001:101'], label: 1001 }],
      }),
      startPeer('bird', B, {
        as: 65002,
        neighbors: [
          { address: G.address, as: 65001 },
          { address: F.address, as: 65003, password: 'right-key' },
          { address: O.address, as: 65006, holdTime: 6 },
          { address: X.address, as: 65013, password: 'right-key' },
        ],
        ipv4Routes: [{ prefix: '10.2.0.0/24', med: 5, communities: ['65002:7'], largeCommunities: ['65002:1:2'] }],
        vpnv4Routes: [{ prefix: '10.12.0.0/24', rd: '65002:100', routeTargets: ['65002:100'], label: 2001 }],
      }),
      startPeer('frr', F, {
        as: 65003,
        neighbors: [
          { address: G.address, as: 65001 },
          { address: B.address, as: 65002, password: 'right-key' },
        ],
        ipv4Routes: [{ prefix: '10.3.0.0/24', med: 33, communities: ['65003:9'], largeCommunities: ['65003:1:1'] }],
        vpnv4Routes: [{ prefix: '10.13.0.0/24', rd: '65003:100', routeTargets: ['65003:100'], label: 3001 }],
      }),
      startPeer('exabgp', E, {
        as: 65005,
        neighbors: [{ address: G.address, as: 65001, passive: true }],
        ipv4Routes: [{ prefix: '10.5.0.0/24', med: 10, communities: ['65005:1'], largeCommunities: ['65005:1:1'] }],
        vpnv4Routes: [{ prefix: '10.15.0.0/24', rd: '65005:100', routeTargets: ['65005:100'], label: 5001 }],
      }),
      startPeer('openbgpd', O, {
        as: 65006,
        neighbors: [{ address: B.address, as: 65002, holdTime: 6 }],
        ipv4Routes: [{ prefix: '10.6.0.0/24', med: 7, communities: ['65006:1'], largeCommunities: ['65006:1:1'] }],
      }),
      startPeer('frr', X, {
        as: 65013,
        neighbors: [{ address: B.address, as: 65002, password: 'wrong-key', families: ['ipv4-unicast'] }],
      }),
      startPeer('gobgp', R1, {
        as: 65021,
        gracefulRestart: true,
        neighbors: [{ address: R2.address, as: 65022 }],
        ipv4Routes: [{ prefix: '10.21.0.0/24' }],
        vpnv4Routes: [{ prefix: '10.22.0.0/24', rd: '65021:1', routeTargets: ['65021:1'], label: 2201 }],
      }),
      startPeer('frr', R2, { as: 65022, gracefulRestart: true, neighbors: [{ address: R1.address, as: 65021 }] }),
    ]);
    for (const p of [g, b, f, e, o, x, r1, r2]) startup[`${p.kind}/${p.node.name}`] = p.startupMs;
    process.stdout.write(`interop start-up ms: ${JSON.stringify(startup)}\n`);
  });

  afterAll(async () => {
    await lab?.teardown();
  });

  const pick = (r: Route): Partial<Route> => ({
    prefix: r.prefix, rd: r.rd, labels: r.labels, nextHop: r.nextHop, asPath: r.asPath, med: r.med,
    communities: r.communities, largeCommunities: r.largeCommunities, routeTargets: r.routeTargets, from: r.from,
  });

  test('GoBGP <-> BIRD: sessions, capabilities, IPv4 and VPNv4 attributes both ways', async () => {
    const [gs, bs] = await Promise.all([g.waitEstablished(b.address), b.waitEstablished(g.address)]);
    expect(gs.remoteCapabilities).toEqual(expect.arrayContaining(['as4', 'mp-ipv4-unicast', 'mp-vpnv4', 'route-refresh']));
    expect(bs.remoteCapabilities).toEqual(expect.arrayContaining(['as4', 'mp-ipv4-unicast', 'mp-vpnv4', 'route-refresh', 'extended-nexthop', 'fqdn']));
    expect(bs.remoteAs).toBe(65001);

    const v4 = await b.waitRoute('ipv4-unicast', '10.1.0.0/24', { from: g.address });
    expect(pick(v4)).toEqual({
      prefix: '10.1.0.0/24', rd: undefined, labels: [], nextHop: g.address, asPath: [65001], med: 20,
      communities: ['65001:1'], largeCommunities: ['65001:2:3'], routeTargets: [], from: g.address,
    });
    const vpn = await b.waitRoute('vpnv4', '10.11.0.0/24', { from: g.address, rd: '65001:100' });
    expect(pick(vpn)).toMatchObject({ labels: [1001], nextHop: g.address, asPath: [65001], routeTargets: ['65001:100', '65001:101'] });

    const back = await g.waitRoute('ipv4-unicast', '10.2.0.0/24', { from: b.address });
    expect(pick(back)).toMatchObject({ nextHop: b.address, asPath: [65002], med: 5, communities: ['65002:7'], largeCommunities: ['65002:1:2'] });
    const backVpn = await g.waitRoute('vpnv4', '10.12.0.0/24', { from: b.address, rd: '65002:100' });
    // BIRD 2.0.12 always sends label 3 for its own VPN routes (docs/interop.md).
    expect(pick(backVpn)).toMatchObject({ labels: [3], nextHop: b.address, asPath: [65002], routeTargets: ['65002:100'] });
  });

  test('GoBGP -> BIRD: withdraw, re-announce, route refresh', async () => {
    await g.withdraw({ prefix: '10.1.0.0/24' });
    await b.waitNoRoute('ipv4-unicast', '10.1.0.0/24', { from: g.address });
    await g.announce({ prefix: '10.1.0.0/24', med: 21, communities: ['65001:1'] });
    await b.waitRoute('ipv4-unicast', '10.1.0.0/24', { from: g.address, where: (r) => r.med === 21 });
    await b.refresh(g.address, 'in');
    await g.refresh(b.address, 'in');
    await b.waitRoute('ipv4-unicast', '10.1.0.0/24', { from: g.address });
  });

  test('FRR <-> GoBGP: IPv4 and VPNv4 with RD, RT and label', async () => {
    const fs = await f.waitEstablished(g.address);
    expect(fs.remoteCapabilities).toEqual(expect.arrayContaining(['as4', 'mp-ipv4-unicast', 'mp-vpnv4', 'route-refresh']));
    const gs = await g.waitEstablished(f.address);
    expect(gs.remoteCapabilities).toEqual(expect.arrayContaining(['as4', 'mp-ipv4-unicast', 'mp-vpnv4', 'route-refresh', 'fqdn']));

    const v4 = await f.waitRoute('ipv4-unicast', '10.1.0.0/24', { from: g.address });
    expect(pick(v4)).toMatchObject({ nextHop: g.address, asPath: [65001], communities: ['65001:1'] });
    const vpn = await f.waitRoute('vpnv4', '10.11.0.0/24', { from: g.address, rd: '65001:100' });
    expect(pick(vpn)).toMatchObject({ labels: [1001], nextHop: g.address, asPath: [65001], routeTargets: ['65001:100', '65001:101'] });

    const back = await g.waitRoute('ipv4-unicast', '10.3.0.0/24', { from: f.address });
    expect(pick(back)).toMatchObject({ nextHop: f.address, asPath: [65003], med: 33, communities: ['65003:9'], largeCommunities: ['65003:1:1'] });
    const backVpn = await g.waitRoute('vpnv4', '10.13.0.0/24', { from: f.address, rd: '65003:100' });
    expect(pick(backVpn)).toMatchObject({ labels: [3001], nextHop: f.address, asPath: [65003], routeTargets: ['65003:100'] });
    await f.refresh(g.address, 'in');
  });

  test('ExaBGP <-> GoBGP: ExaBGP announces (config and API) and receives', async () => {
    await g.waitEstablished(e.address);
    const es = await e.waitEstablished(g.address);
    expect(es.remoteCapabilities).toEqual(expect.arrayContaining(['as4', 'mp-ipv4-unicast', 'mp-vpnv4', 'route-refresh']));

    const v4 = await g.waitRoute('ipv4-unicast', '10.5.0.0/24', { from: e.address });
    expect(pick(v4)).toMatchObject({ nextHop: e.address, asPath: [65005], med: 10, communities: ['65005:1'], largeCommunities: ['65005:1:1'] });
    const vpn = await g.waitRoute('vpnv4', '10.15.0.0/24', { from: e.address, rd: '65005:100' });
    expect(pick(vpn)).toMatchObject({ labels: [5001], nextHop: e.address, routeTargets: ['65005:100'] });

    const rx = await e.waitRoute('ipv4-unicast', '10.3.0.0/24', { from: g.address });
    expect(pick(rx)).toMatchObject({ nextHop: g.address, asPath: [65001, 65003], communities: ['65003:9'], largeCommunities: ['65003:1:1'] });
    const rxVpn = await e.waitRoute('vpnv4', '10.11.0.0/24', { from: g.address, rd: '65001:100' });
    expect(pick(rxVpn)).toMatchObject({ labels: [1001], asPath: [65001], routeTargets: ['65001:100', '65001:101'] });

    await e.announce({ prefix: '10.55.0.0/24', communities: ['65005:55'] });
    await g.waitRoute('ipv4-unicast', '10.55.0.0/24', { from: e.address, where: (r) => r.communities.includes('65005:55') });
    await e.withdraw({ prefix: '10.55.0.0/24' });
    await g.waitNoRoute('ipv4-unicast', '10.55.0.0/24', { from: e.address });

    // ExaBGP's API sends ROUTE-REFRESH; GoBGP counts it.
    const refreshes = async (): Promise<number> => {
      const raw = (await g.neighbor(e.address)).raw as { state?: { messages?: { received?: { refresh?: number } } } };
      return raw.state?.messages?.received?.refresh ?? 0;
    };
    const before = await refreshes();
    await e.refresh(g.address, 'in');
    await waitFor('GoBGP to count ExaBGP\'s ROUTE-REFRESH', async () => (await refreshes()) > before, { timeoutMs: 10000, diagnostics: () => e.logTail(20) });
  });

  test('OpenBGPD <-> BIRD: IPv4 both ways, VPNv4 received; SIGSTOP expires the hold timer; restart relearns', async () => {
    const os = await o.waitEstablished(b.address);
    expect(os.remoteCapabilities).toEqual(expect.arrayContaining(['as4', 'mp-ipv4-unicast', 'mp-vpnv4', 'route-refresh']));
    await b.waitEstablished(o.address);

    const v4 = await o.waitRoute('ipv4-unicast', '10.2.0.0/24', { from: b.address });
    expect(pick(v4)).toMatchObject({ nextHop: b.address, asPath: [65002], med: 5, communities: ['65002:7'], largeCommunities: ['65002:1:2'] });
    const vpn = await o.waitRoute('vpnv4', '10.12.0.0/24', { from: b.address, rd: '65002:100' });
    expect(pick(vpn)).toMatchObject({ nextHop: b.address, asPath: [65002], routeTargets: ['65002:100'] });
    const back = await b.waitRoute('ipv4-unicast', '10.6.0.0/24', { from: o.address });
    expect(pick(back)).toMatchObject({ nextHop: o.address, asPath: [65006], med: 7, communities: ['65006:1'], largeCommunities: ['65006:1:1'] });

    o.pause();
    try {
      await b.waitNotEstablished(o.address, { timeoutMs: 15000 });
      await b.waitNoRoute('ipv4-unicast', '10.6.0.0/24', { from: o.address });
    } finally {
      o.resume();
    }
    await o.restart();
    await b.waitEstablished(o.address, { timeoutMs: 30000 });
    await b.waitRoute('ipv4-unicast', '10.6.0.0/24', { from: o.address });
  });

  test('TCP-MD5 FRR <-> BIRD: the right key comes up, a wrong key stays down', async () => {
    await Promise.all([f.waitEstablished(b.address), b.waitEstablished(f.address)]);
    await b.waitRoute('vpnv4', '10.13.0.0/24', { from: f.address, rd: '65003:100' });
    await holdsFor(`BIRD <-> FRR x with a wrong MD5 key stays down`, async () => !(await b.neighbor(x.address)).established, 6000, {
      diagnostics: () => b.logTail(10),
    });
    expect((await x.neighbor(b.address)).established).toBe(false);
  });

  test('graceful restart GoBGP -> FRR: FRR keeps the routes while GoBGP is killed and restarts', async () => {
    await Promise.all([r1.waitEstablished(r2.address), r2.waitEstablished(r1.address)]);
    expect((await r2.neighbor(r1.address)).remoteCapabilities).toContain('graceful-restart');
    expect((await r1.neighbor(r2.address)).remoteCapabilities).toContain('graceful-restart');
    await r2.waitRoute('ipv4-unicast', '10.21.0.0/24', { from: r1.address });
    await r1.kill();
    await r2.waitNotEstablished(r1.address);
    // Still there although the session is down: kept as stale by FRR's GR helper.
    await r2.waitRoute('ipv4-unicast', '10.21.0.0/24', { from: r1.address });
    await r1.start();
    await r2.waitEstablished(r1.address);
    await r2.waitRoute('vpnv4', '10.22.0.0/24', { from: r1.address, rd: '65021:1', where: (r) => r.labels[0] === 2201 });
  });
});
