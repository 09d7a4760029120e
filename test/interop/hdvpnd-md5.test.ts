/**
 * TCP-MD5 (RFC 2385) between hdvpnd and BIRD 2, each in its own namespace. Topology:
 *   b1 BIRD 65011 ── dut hdvpnd 65100   same key on both sides
 *   b2 BIRD 65012 ── dut                different keys
 *   b3 BIRD 65013 ── dut                BIRD has a key, hdvpnd has none
 * With a wrong or missing key the kernel drops every segment, so neither side ever sees an OPEN.
 * Putting the right key into hdvpnd's config (SIGHUP) then brings b2 up: the key was the only
 * thing wrong.
 */
import { Dut } from './dut';
import { holdsFor, Lab, startPeer, type BirdPeer } from './lab';
import { addNodes, dutYaml, keyFile, msgCount, one, root, type DutNeighbor, type DutRoute } from './hdvpnd-lab-util';

jest.setTimeout(120000);

const d = root ? describe : describe.skip;
if (!root) process.stderr.write('interop tests need root (ip netns); skipped\n');

const AS_DUT = 65100;
const DOWN_FOR_MS = 20000;

d('hdvpnd <-> BIRD with TCP-MD5', () => {
  let lab: Lab;
  let b1: BirdPeer;
  let b2: BirdPeer;
  let b3: BirdPeer;
  let dut: Dut;
  let neighbors: DutNeighbor[];
  const routes: DutRoute[] = [{ prefix: '10.100.0.0/24', communities: ['65100:1'] }];

  beforeAll(async () => {
    lab = await Lab.create();
    const [n1, n2, n3, nd] = await addNodes(lab, 'b1', 'b2', 'b3', 'dut');
    const B1 = one(n1, 'b1');
    const B2 = one(n2, 'b2');
    const B3 = one(n3, 'b3');
    const D = one(nd, 'dut');
    const common = { families: ['ipv4-unicast'], holdTime: 9, connectRetry: 2 };
    neighbors = [
      { address: B1.address, asn: 65011, ...common, passwordFile: keyFile(D, 'b1.key', 'right key 1') },
      { address: B2.address, asn: 65012, ...common, passwordFile: keyFile(D, 'b2.key', 'hdvpnd-side key') },
      { address: B3.address, asn: 65013, ...common },
    ];
    dut = new Dut(D, dutYaml(D, AS_DUT, neighbors, routes));
    const bird = (as: number, password: string, prefix: string): { as: number; neighbors: { address: string; as: number; families: ['ipv4-unicast']; password: string }[]; ipv4Routes: { prefix: string }[] } => ({
      as,
      neighbors: [{ address: D.address, as: AS_DUT, families: ['ipv4-unicast'], password }],
      ipv4Routes: [{ prefix }],
    });
    [b1, b2, b3] = await Promise.all([
      startPeer('bird', B1, bird(65011, 'right key 1', '10.11.0.0/24')),
      startPeer('bird', B2, bird(65012, 'bird-side key', '10.12.0.0/24')),
      startPeer('bird', B3, bird(65013, 'only bird has one', '10.13.0.0/24')),
      dut.start(),
    ]);
  });

  afterAll(async () => {
    await lab?.teardown();
  });

  /** BIRD prints "Neighbor ID:" only once it has an OPEN from the neighbor (its log has no session lines without `debug`). */
  const birdSawOpen = async (b: BirdPeer): Promise<boolean> => /Neighbor ID:/.test(String((await b.neighbor(dut.node.address)).raw));

  test('the right key: Established on both sides, routes both ways, hdvpnd reports tcp-md5', async () => {
    const [bs, dn] = await Promise.all([b1.waitEstablished(dut.node.address), dut.waitEstablished(b1.address)]);
    expect(bs.remoteAs).toBe(AS_DUT);
    expect(dn['tcp-md5']).toBe(true);
    await Promise.all([
      dut.waitRoute('ipv4-unicast', '10.11.0.0/24', { from: b1.address }),
      b1.waitRoute('ipv4-unicast', '10.100.0.0/24', { from: dut.node.address }),
    ]);
    // The positive control for the log check of the next test.
    expect(await birdSawOpen(b1)).toBe(true);
    // The key is configured by reference; its text never reaches the log.
    expect(dut.logTail(400)).not.toContain('right key 1');
  });

  test(`a wrong key and a missing key: the sessions stay down for ${DOWN_FOR_MS / 1000} s, nothing is exchanged`, async () => {
    const down = async (b: BirdPeer): Promise<boolean> => {
      const [n, bs] = await Promise.all([dut.neighbor(b.address), b.neighbor(dut.node.address)]);
      return n !== undefined && n.state !== 'Established' && n['established-transitions'] === 0 && !bs.established;
    };
    await Promise.all([
      holdsFor('hdvpnd <-> b2 (different keys) down', () => down(b2), DOWN_FOR_MS, { diagnostics: () => `${dut.logTail(20)}\n${b2.logTail(20)}` }),
      holdsFor('hdvpnd <-> b3 (key on BIRD only) down', () => down(b3), DOWN_FOR_MS, { diagnostics: () => `${dut.logTail(20)}\n${b3.logTail(20)}` }),
    ]);
    for (const b of [b2, b3]) {
      // Not one BGP message got through either way: the kernel dropped the unsigned/mis-signed segments.
      expect(await msgCount(dut, b.address, 'received', 'open')).toBe(0);
      expect(await msgCount(dut, b.address, 'sent', 'open')).toBe(0);
      expect((await dut.neighbor(b.address))?.['tcp-md5']).toBe(b === b2);
      expect(await birdSawOpen(b)).toBe(false);
      expect((await b.routes('ipv4-unicast', { from: dut.node.address })).length).toBe(0);
    }
    const from = (await dut.rib('ipv4-unicast')).map((r) => r.from);
    expect(from).not.toContain(b2.address);
    expect(from).not.toContain(b3.address);
    // The good session was not disturbed meanwhile.
    expect((await dut.neighbor(b1.address))?.['established-transitions']).toBe(1);
  });

  test('fixing hdvpnd\'s key for b2 (SIGHUP) brings that session up', async () => {
    const fixed = neighbors.map((n) => (n.address === b2.address ? { ...n, passwordFile: keyFile(dut.node, 'b2-fixed.key', 'bird-side key') } : n));
    dut.reconfigure(dutYaml(dut.node, AS_DUT, fixed, routes));
    await Promise.all([b2.waitEstablished(dut.node.address, { timeoutMs: 40000 }), dut.waitEstablished(b2.address, 40000)]);
    await dut.waitRoute('ipv4-unicast', '10.12.0.0/24', { from: b2.address });
    expect((await dut.neighbor(b3.address))?.state).not.toBe('Established');
  });
});
