/**
 * The RADIUS client against small fake servers on 127.0.0.1: retransmission
 * of the same packet after the timeout, fail-over to the next server, answers
 * with a wrong authenticator dropped, and a secret that cannot be read.
 */
import { createSocket, type Socket } from 'node:dgram';
import { Secret } from '../../../../src/daemon/redaction';
import { stringAttribute } from '../../../../src/sessions/radius/attributes';
import { AcctStatusType, RadiusClient, RadiusUnavailableError, type RadiusServer } from '../../../../src/sessions/radius/client';
import { decodePacket, encodeResponse, RadiusAttribute, RadiusCode, verifyAccountingRequest } from '../../../../src/sessions/radius/packet';

const SECRET = 'fake-secret';

/** Answers every `answerEvery`-th request (0: never), signing with `secret`. */
async function fakeServer(opts: { answerEvery: number; secret?: string; code?: number }): Promise<{ socket: Socket; port: number; received: Buffer[] }> {
  const socket = createSocket('udp4');
  const received: Buffer[] = [];
  socket.on('message', (msg, rinfo) => {
    received.push(msg);
    if (opts.answerEvery === 0 || received.length % opts.answerEvery !== 0) return;
    const req = decodePacket(msg);
    const code = opts.code ?? (req.code === RadiusCode.accountingRequest ? RadiusCode.accountingResponse : RadiusCode.accessAccept);
    const attrs = code === RadiusCode.accessReject ? [stringAttribute(RadiusAttribute.replyMessage, 'go away')] : [];
    socket.send(encodeResponse(code, req.identifier, attrs, req.authenticator, Buffer.from(opts.secret ?? SECRET)), rinfo.port, rinfo.address);
  });
  await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', () => resolve()));
  return { socket, port: socket.address().port, received };
}

const server = (port: number, secret: string | null = SECRET): RadiusServer => ({ address: '127.0.0.1', authPort: port, accountingPort: port, secret: secret === null ? null : new Secret(secret), secretProblem: 'secret file /x cannot be read (ENOENT)' });

describe('RadiusClient', () => {
  const sockets: Socket[] = [];
  const clients: RadiusClient[] = [];
  const make = (servers: RadiusServer[], retries = 2): RadiusClient => {
    const c = new RadiusClient({ servers, timeoutMs: 50, retries, nasIdentifier: 'pe1', nasIpAddress: 0x7f000001 });
    clients.push(c);
    return c;
  };
  afterEach(() => {
    for (const c of clients.splice(0)) c.close();
    for (const s of sockets.splice(0)) s.close();
  });

  it('retransmits the identical request after each timeout until the server answers', async () => {
    const s = await fakeServer({ answerEvery: 3 });
    sockets.push(s.socket);
    const r = await make([server(s.port)]).authenticate('alice');
    expect(r.kind).toBe('accept');
    expect(s.received).toHaveLength(3);
    expect(s.received[1]).toEqual(s.received[0]);
    expect(s.received[2]).toEqual(s.received[0]);
    const attrs = decodePacket(s.received[0] ?? Buffer.alloc(0)).attributes;
    expect(attrs.map((a) => a.type)).toEqual([RadiusAttribute.userName, RadiusAttribute.nasIdentifier, RadiusAttribute.nasIpAddress, RadiusAttribute.messageAuthenticator]);
  });

  it('fails over to the next server after retries+1 tries, skipping one without a secret', async () => {
    const dead = await fakeServer({ answerEvery: 0 });
    const live = await fakeServer({ answerEvery: 1, code: RadiusCode.accessReject });
    sockets.push(dead.socket, live.socket);
    const r = await make([server(dead.port), server(dead.port, null), server(live.port)], 1).authenticate('bob');
    expect(r).toEqual({ kind: 'reject', message: 'go away', server: `127.0.0.1:${live.port}` });
    expect(dead.received).toHaveLength(2);
  });

  it('drops an answer signed with another secret and reports that no server answered', async () => {
    const wrong = await fakeServer({ answerEvery: 1, secret: 'other' });
    sockets.push(wrong.socket);
    const p = make([server(wrong.port), server(wrong.port, null)], 0).authenticate('alice');
    await expect(p).rejects.toThrow(RadiusUnavailableError);
    await expect(p).rejects.toThrow(`no RADIUS server answered (127.0.0.1:${wrong.port}: no answer after 1 tries; 127.0.0.1:${wrong.port}: secret file /x cannot be read (ENOENT))`);
  });

  it('sends Accounting-Requests with a valid authenticator and Acct-Status-Type', async () => {
    const s = await fakeServer({ answerEvery: 1 });
    sockets.push(s.socket);
    await make([server(s.port)]).account(AcctStatusType.start, [stringAttribute(RadiusAttribute.userName, 'alice')]);
    const req = s.received[0] ?? Buffer.alloc(0);
    expect(verifyAccountingRequest(req, Buffer.from(SECRET))).toBe(true);
    expect(decodePacket(req).attributes[0]).toEqual({ type: RadiusAttribute.acctStatusType, value: Buffer.from([0, 0, 0, 1]) });
  });

  it('keeps 300 requests in flight apart by identifier', async () => {
    const s = await fakeServer({ answerEvery: 1 });
    sockets.push(s.socket);
    const c = make([server(s.port)]);
    const all = await Promise.all(Array.from({ length: 300 }, (_, i) => c.authenticate(`user${i}`)));
    expect(all.every((r) => r.kind === 'accept')).toBe(true);
  });
});
