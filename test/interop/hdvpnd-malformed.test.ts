/**
 * Malformed UPDATEs from a raw socket, while a real peer must keep being served. Topology:
 *   b   BIRD 65002 ── dut hdvpnd 65100   IPv4 unicast, the peer that must not notice anything
 *   raw node:net client 65003 ── dut     configured in hdvpnd as a passive neighbor
 * The raw client sends a valid OPEN + KEEPALIVE (built with src/bgp/wire), announces prefixes,
 * then one broken message per case (hand-built bytes). Expected (RFC 4271 §6, RFC 7606):
 *   ORIGIN 3                         -> treat-as-withdraw (§7.1): session up, the prefix withdrawn
 *   Withdrawn Routes Length too long -> NOTIFICATION 3/1 (§4: the NLRI cannot be located)
 *   Total Path Attribute Length overruns the message -> 3/1
 *   NLRI prefix length 33            -> 3/10 (RFC 4271 §6.3, RFC 7606 §5.3)
 *   header marker not all ones       -> 1/1
 * After each case hdvpnd's session with BIRD stays Established and both keep each other's routes.
 */
import { Dut } from './dut';
import { holdsFor, Lab, startPeer, type BirdPeer, type LabNode } from './lab';
import { addNodes, dutYaml, establishedTransitions, lastError, msgCount, one, root, type DutNeighbor, type DutRoute } from './hdvpnd-lab-util';
import { MSG, RawBgpSession } from './raw-bgp-session';
import {
  DEFAULT_CONTEXT, MessageType, encodeMessage, encodeUpdateBody, frameMessage, parsePrefix,
  type PathAttribute, type Prefix, type UpdateMessage,
} from '../../src/bgp/wire';

jest.setTimeout(120000);

const d = root ? describe : describe.skip;
if (!root) process.stderr.write('interop tests need root (ip netns); skipped\n');

const AS_DUT = 65100;
const AS_RAW = 65003;
const ctx = DEFAULT_CONTEXT;

function prefix(text: string): Prefix {
  const p = parsePrefix(text);
  if (!p) throw new Error(`bad prefix ${text}`);
  return p;
}

function attrs(nextHop: string): PathAttribute[] {
  return [
    { type: 'origin', origin: 0 },
    { type: 'as-path', segments: [{ kind: 'sequence', asns: [AS_RAW] }] },
    { type: 'next-hop', nextHop },
  ];
}

function update(nextHop: string, nlri: string[], withdrawn: string[] = []): UpdateMessage {
  return {
    type: 'update',
    withdrawn: withdrawn.map((p) => ({ kind: 'unicast', safi: 1, prefix: prefix(p) })),
    attributes: nlri.length > 0 ? attrs(nextHop) : [],
    nlri: nlri.map((p) => ({ kind: 'unicast', safi: 1, prefix: prefix(p) })),
    errors: [],
  };
}

d('hdvpnd: malformed UPDATEs from a raw socket, BIRD kept served', () => {
  let lab: Lab;
  let b: BirdPeer;
  let dut: Dut;
  let R: LabNode;
  let neighbors: DutNeighbor[];
  let routes: DutRoute[];
  let sessions: RawBgpSession[] = [];

  beforeAll(async () => {
    lab = await Lab.create();
    const [nb, nr, nd] = await addNodes(lab, 'bird', 'raw', 'dut');
    const B = one(nb, 'bird');
    R = one(nr, 'raw');
    const D = one(nd, 'dut');
    neighbors = [
      { address: B.address, asn: 65002, families: ['ipv4-unicast'], holdTime: 9, connectRetry: 2 },
      { address: R.address, asn: AS_RAW, families: ['ipv4-unicast'], holdTime: 30, passive: true },
    ];
    routes = [{ prefix: '10.100.0.0/24', med: 50, communities: ['65100:1'] }];
    dut = new Dut(D, dutYaml(D, AS_DUT, neighbors, routes));
    [b] = await Promise.all([
      startPeer('bird', B, { as: 65002, neighbors: [{ address: D.address, as: AS_DUT, families: ['ipv4-unicast'] }], ipv4Routes: [{ prefix: '10.2.0.0/24', med: 5 }] }),
      dut.start(),
    ]);
    await Promise.all([dut.waitEstablished(B.address), dut.waitRoute('ipv4-unicast', '10.2.0.0/24', { from: B.address })]);
  });

  afterEach(() => {
    for (const s of sessions) s.kill();
    sessions = [];
  });

  afterAll(async () => {
    await lab?.teardown();
  });

  const diag = (): string => `${dut.logTail(30)}`;

  /** A raw session up to Established, with `nlri` announced and seen in hdvpnd's RIB. */
  async function establish(nlri: string[]): Promise<RawBgpSession> {
    const s = await RawBgpSession.open(R, dut.node.address);
    sessions.push(s);
    // Hold time 0: the script never has to send KEEPALIVEs (RFC 4271 §4.2 allows it).
    s.send(encodeMessage({
      type: 'open', version: 4, myAs: AS_RAW, holdTime: 0, bgpId: R.address,
      capabilities: [{ type: 'multiprotocol', afi: 1, safi: 1 }, { type: 'route-refresh' }, { type: 'four-octet-as', asn: AS_RAW }],
    }, ctx));
    s.send(encodeMessage({ type: 'keepalive' }, ctx));
    await s.next(MSG.keepalive);
    await dut.waitEstablished(R.address, 10000);
    if (nlri.length > 0) {
      s.send(encodeMessage(update(R.address, nlri), ctx));
      await Promise.all(nlri.map((p) => dut.waitRoute('ipv4-unicast', p, { from: R.address }, 10000)));
    }
    return s;
  }

  /** Reads the NOTIFICATION hdvpnd sent, checks code/subcode, and that hdvpnd closed the connection. */
  async function expectNotification(s: RawBgpSession, code: number, subcode: number): Promise<Buffer> {
    const n = await s.next(MSG.notification);
    expect([n.bytes[19], n.bytes[20]]).toEqual([code, subcode]);
    await s.waitClosed();
    expect(await lastError(dut, R.address)).toMatch(new RegExp(`^sent NOTIFICATION ${code}/${subcode} `));
    return n.bytes;
  }

  const birdTransitions = { at: 0 };
  /** BIRD's session never flapped, and both sides still have each other's routes. */
  async function expectBirdServed(): Promise<void> {
    const n = await dut.neighbor(b.address);
    expect(n?.state).toBe('Established');
    expect(await establishedTransitions(dut, b.address)).toBe(birdTransitions.at);
    expect((await b.neighbor(dut.node.address)).established).toBe(true);
    await dut.waitRoute('ipv4-unicast', '10.2.0.0/24', { from: b.address }, 5000);
    await b.waitRoute('ipv4-unicast', '10.100.0.0/24', { from: dut.node.address }, { timeoutMs: 5000 });
  }

  test('baseline: BIRD Established with hdvpnd, routes both ways; the raw script reaches Established', async () => {
    birdTransitions.at = await establishedTransitions(dut, b.address);
    expect(birdTransitions.at).toBe(1);
    await b.waitRoute('ipv4-unicast', '10.100.0.0/24', { from: dut.node.address });
    const s = await establish(['10.200.0.0/24']);
    const r = await dut.waitRoute('ipv4-unicast', '10.200.0.0/24', { from: R.address });
    expect(r).toMatchObject({ 'as-path': String(AS_RAW), 'next-hop': R.address, origin: 'igp' });
    s.kill();
    await dut.waitNoRoute('ipv4-unicast', '10.200.0.0/24', R.address, 10000);
  });

  test('ORIGIN value 3: treat-as-withdraw (RFC 7606 §7.1), the session stays up, the other prefix stays', async () => {
    const s = await establish(['10.201.0.0/24', '10.202.0.0/24']);
    // Re-announce 10.201.0.0/24 alone, with a malformed ORIGIN.
    const bytes = encodeMessage(update(R.address, ['10.201.0.0/24']), ctx);
    // Header 19, Withdrawn Routes Length 2 (0), Total Path Attribute Length 2, then ORIGIN first: 40 01 01 <value>.
    expect([...bytes.subarray(19, 26)]).toEqual([0, 0, bytes[21], bytes[22], 0x40, 0x01, 0x01]);
    bytes[26] = 3;
    const sentNotifications = await msgCount(dut, R.address, 'sent', 'notification');
    s.send(bytes);
    await dut.waitNoRoute('ipv4-unicast', '10.201.0.0/24', R.address, 10000);
    await holdsFor('raw session up after the treat-as-withdraw', async () => !s.closed && (await dut.neighbor(R.address))?.state === 'Established', 3000, { diagnostics: diag });
    expect(s.received(MSG.notification)).toHaveLength(0);
    expect(await msgCount(dut, R.address, 'sent', 'notification')).toBe(sentNotifications);
    await dut.waitRoute('ipv4-unicast', '10.202.0.0/24', { from: R.address });
    await expectBirdServed();
  });

  test('Withdrawn Routes Length longer than the message: NOTIFICATION 3/1', async () => {
    const s = await establish(['10.203.0.0/24']);
    // Withdrawn Routes Length 32, but only the 2-octet Total Path Attribute Length follows.
    s.send(frameMessage(MessageType.Update, Buffer.from([0x00, 0x20, 0x00, 0x00]), ctx));
    await expectNotification(s, 3, 1);
    await dut.waitNoRoute('ipv4-unicast', '10.203.0.0/24', R.address, 10000);
    await expectBirdServed();
  });

  test('Total Path Attribute Length overrunning the message: NOTIFICATION 3/1', async () => {
    const s = await establish(['10.204.0.0/24']);
    const body = encodeUpdateBody(update(R.address, ['10.204.0.0/24']), ctx);
    const attrLen = body.readUInt16BE(2);
    // Claim 64 more attribute octets than the message holds.
    body.writeUInt16BE(body.length - 4 + 64, 2);
    expect(body.readUInt16BE(2)).toBeGreaterThan(attrLen);
    s.send(frameMessage(MessageType.Update, body, ctx));
    await expectNotification(s, 3, 1);
    await expectBirdServed();
  });

  test('NLRI prefix length 33: NOTIFICATION 3/10 (Invalid Network Field)', async () => {
    const s = await establish(['10.205.0.0/24']);
    const body = encodeUpdateBody({ ...update(R.address, []), attributes: attrs(R.address) }, ctx);
    // A /33 "prefix" (5 address octets) in the IPv4 NLRI field.
    s.send(frameMessage(MessageType.Update, Buffer.concat([body, Buffer.from([33, 10, 205, 0, 0, 1])]), ctx));
    await expectNotification(s, 3, 10);
    await dut.waitNoRoute('ipv4-unicast', '10.205.0.0/24', R.address, 10000);
    await expectBirdServed();
  });

  test('a header marker that is not all ones: NOTIFICATION 1/1 (Connection Not Synchronized)', async () => {
    const s = await establish([]);
    const ka = encodeMessage({ type: 'keepalive' }, ctx);
    ka[0] = 0x00;
    s.send(ka);
    await expectNotification(s, 1, 1);
    await expectBirdServed();
  });

  test('after all that, hdvpnd still serves BIRD: a new route reaches BIRD, BIRD\'s withdrawal reaches hdvpnd', async () => {
    routes = [...routes, { prefix: '10.106.0.0/24', communities: ['65100:6'] }];
    dut.reconfigure(dutYaml(dut.node, AS_DUT, neighbors, routes));
    await b.waitRoute('ipv4-unicast', '10.106.0.0/24', { from: dut.node.address, where: (r) => r.communities.includes('65100:6') });
    await b.withdraw({ prefix: '10.2.0.0/24' });
    await dut.waitNoRoute('ipv4-unicast', '10.2.0.0/24', b.address);
    expect(await establishedTransitions(dut, b.address)).toBe(birdTransitions.at);
  });
});
