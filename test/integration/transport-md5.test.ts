/**
 * TCP-MD5 (RFC 2385) and GTSM (RFC 5082) through real kernel sockets on
 * 127.0.0.0/8: the right key connects, a wrong or missing key never does.
 */
import net from 'node:net';
import { openConnection, setAcceptedGtsm, setListenerGtsmTtl, setListenerMd5 } from '../../src/bgp/session/transport/connect';

const SERVER = '127.0.0.1';
const CLIENT = '127.0.0.2';

function listen(): Promise<{ server: net.Server; port: number; accepted: net.Socket[] }> {
  const accepted: net.Socket[] = [];
  const server = net.createServer((s) => {
    accepted.push(s);
    s.on('error', () => undefined);
    s.write('hello');
  });
  return new Promise((resolve) => {
    server.listen(0, SERVER, () => {
      const addr = server.address();
      resolve({ server, port: typeof addr === 'object' && addr ? addr.port : 0, accepted });
    });
  });
}

/** Resolves 'connected' once data arrives over the connection, or 'timeout'. */
function attempt(socket: net.Socket, ms: number): Promise<'connected' | 'timeout' | 'error'> {
  return new Promise((resolve) => {
    const timer = setTimeout(() => {
      socket.destroy();
      resolve('timeout');
    }, ms);
    socket.once('data', () => {
      clearTimeout(timer);
      socket.destroy();
      resolve('connected');
    });
    socket.once('error', () => {
      clearTimeout(timer);
      socket.destroy();
      resolve('error');
    });
  });
}

describe('TCP-MD5 per neighbor', () => {
  let ctx: Awaited<ReturnType<typeof listen>>;
  beforeAll(async () => {
    ctx = await listen();
    setListenerMd5(ctx.server, CLIENT, 'right-key');
  });
  afterAll(async () => {
    ctx.accepted.forEach((s) => s.destroy());
    await new Promise((r) => ctx.server.close(r));
  });

  it('connects with the right key', async () => {
    const s = openConnection({ remoteAddress: SERVER, remotePort: ctx.port, localAddress: CLIENT, md5Key: 'right-key' });
    expect(await attempt(s, 3000)).toBe('connected');
  });

  it('stays down with a wrong key', async () => {
    const s = openConnection({ remoteAddress: SERVER, remotePort: ctx.port, localAddress: CLIENT, md5Key: 'wrong-key' });
    expect(await attempt(s, 1500)).toBe('timeout');
  });

  it('stays down without a key', async () => {
    const s = openConnection({ remoteAddress: SERVER, remotePort: ctx.port, localAddress: CLIENT });
    expect(await attempt(s, 1500)).toBe('timeout');
  });
});

describe('GTSM (RFC 5082)', () => {
  const accepted: net.Socket[] = [];
  let server: net.Server;
  let port = 0;
  beforeAll(async () => {
    server = net.createServer((s) => {
      accepted.push(s);
      s.on('error', () => undefined);
      setAcceptedGtsm(s, CLIENT);
      s.write('hello');
    });
    await new Promise<void>((r) => server.listen(0, SERVER, () => r()));
    setListenerGtsmTtl(server);
    const addr = server.address();
    port = typeof addr === 'object' && addr ? addr.port : 0;
  });
  afterAll(async () => {
    accepted.forEach((a) => a.destroy());
    await new Promise((r) => server.close(r));
  });

  it('both sides at TTL 255 and minimum TTL 255: the session comes up', async () => {
    const s = openConnection({ remoteAddress: SERVER, remotePort: port, localAddress: CLIENT, gtsmHops: 1 });
    expect(await attempt(s, 3000)).toBe('connected');
  });

  it('a GTSM client drops a listener that answers with the default TTL', async () => {
    const plain = net.createServer((s) => s.end('hello'));
    await new Promise<void>((r) => plain.listen(0, SERVER, () => r()));
    const addr = plain.address();
    const p = typeof addr === 'object' && addr ? addr.port : 0;
    try {
      const s = openConnection({ remoteAddress: SERVER, remotePort: p, localAddress: CLIENT, gtsmHops: 1 });
      expect(await attempt(s, 1500)).toBe('timeout');
    } finally {
      await new Promise((r) => plain.close(r));
    }
  });
});
