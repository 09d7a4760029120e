/**
 * A raw net.Socket sends hand-made bytes to a node that also serves a real
 * neighbor: every protocol error gets its NOTIFICATION (RFC 4271 §6), RFC 7606
 * treat-as-withdraw keeps the session up, and the other session never notices.
 */
import type { UpdateMessage } from '../../src/bgp/wire/messages/types';
import { hex } from '../helpers/bgp';
import { Node, RawClient, encode, openFrom, sleep, waitForState } from './session-lab';

const RAW = { address: '127.0.0.1', asn: 65001, routerId: '10.0.0.1' };
const B = { address: '127.0.0.2', asn: 65002, routerId: '10.0.0.2' };
const C = { address: '127.0.0.3', asn: 65003, routerId: '10.0.0.3' };

const MARKER = 'ffffffffffffffffffffffffffffffff';

/** An UPDATE with the given ORIGIN value and NLRI bytes; AS_PATH with 4-octet ASNs (negotiated). */
function update(origin: number, nlri: string): Buffer {
  const attrs = hex(`40 01 01 ${origin.toString(16).padStart(2, '0')} | 40 02 06 02 01 0000fde9 | 40 03 04 c0000201`);
  const body = Buffer.concat([hex('0000'), Buffer.from([0, attrs.length]), attrs, hex(nlri)]);
  const header = Buffer.alloc(19, 0xff);
  header.writeUInt16BE(19 + body.length, 16);
  header[18] = 2;
  return Buffer.concat([header, body]);
}

describe('malformed input from a raw socket', () => {
  let b: Node;
  let c: Node;
  let fromRaw: ReturnType<Node['peer']>;
  let toC: ReturnType<Node['peer']>;
  let raw: RawClient | null = null;

  beforeAll(async () => {
    b = await new Node(B).listen();
    c = await new Node(C).listen();
    // idleHoldTime 0: after each failure the neighbor listens again at once.
    fromRaw = b.peer(RAW, 179, { passive: true, idleHoldTime: 0 });
    fromRaw.start();
    toC = b.peer(C, c.port);
    const toB = c.peer(B, b.port, { passive: true });
    toB.start();
    toC.start();
    await waitForState(toC, 'Established');
  });
  afterEach(async () => {
    raw?.destroy();
    raw = null;
    // The raw neighbor's IdleHoldTimer (0 s) puts it back to listening.
    await sleep(50);
    expect(toC.isEstablished).toBe(true);
  });
  afterAll(async () => {
    await b.close();
    await c.close();
  });

  async function connect(): Promise<RawClient> {
    raw = new RawClient(RAW.address, B.address, b.port);
    await raw.connected();
    return raw;
  }

  async function establish(): Promise<RawClient> {
    const r = await connect();
    r.write(encode(openFrom(RAW)));
    r.write(encode({ type: 'keepalive' }));
    await waitForState(fromRaw, 'Established');
    return r;
  }

  it('a bad marker gets NOTIFICATION 1/1 at once', async () => {
    const r = await connect();
    r.write(hex(`${MARKER.slice(0, 30)}00 0013 04`));
    expect(await r.notification()).toBe('1/1');
  });

  it('a bad length gets NOTIFICATION 1/2 at once', async () => {
    const r = await connect();
    r.write(hex(`${MARKER} 0012 04`));
    expect(await r.notification()).toBe('1/2');
  });

  it('an UPDATE with a malformed ORIGIN is treated as withdraw (RFC 7606 §7.1): the session stays up', async () => {
    const r = await establish();
    const got = new Promise<UpdateMessage>((resolve) => fromRaw.once('update', resolve));
    r.write(update(5, '18 c00002'));
    const message = await got;
    expect(message.errors.map((e) => `${e.attributeType}:${e.action}`)).toEqual(['1:treat-as-withdraw']);
    await sleep(100);
    expect(fromRaw.isEstablished).toBe(true);
    expect(r.received.some((m) => m.type === 'notification')).toBe(false);
  });

  it('an UPDATE with a bad NLRI length gets NOTIFICATION 3/10', async () => {
    const r = await establish();
    r.write(update(0, '21 c0000201'));
    expect(await r.notification()).toBe('3/10');
    expect(fromRaw.info().lastError).toBe('sent NOTIFICATION 3/10 UPDATE Message Error/Invalid Network Field');
  });
});
