/**
 * The feeding and receiving peers of the ingest benchmark: minimal BGP speakers, one per child
 * process, each started inside its own network namespace by main.ts
 * (`ip netns exec NS node dist/bench/ingest/speaker.js JSON`).
 *
 * Both connect to the route server (which is passive for them), send an OPEN with 4-octet AS,
 * MP IPv4 unicast, MP VPNv4 and route refresh, answer the OPEN with a KEEPALIVE and send
 * KEEPALIVEs every hold/3 seconds. They talk to main.ts with JSON lines: events on stdout,
 * commands on stdin.
 *
 * Feeder: reads its pre-encoded UPDATE stream (feed.ts) into memory before connecting; on `go`
 * it notes the time and writes the whole stream as fast as the socket takes it. Whatever the
 * route server sends back is framed and dropped.
 *
 * Receiver: a fast path over each UPDATE (no objects per route): withdrawn routes, MP_REACH,
 * MP_UNREACH and the NLRI field are walked in place; every announced prefix (RD included for
 * VPNv4) goes into a set, every withdrawn one leaves it. When the set reaches the expected size it
 * reports `done` with the time. Times are process.hrtime (CLOCK_MONOTONIC, shared by all
 * processes on the machine), so main.ts can subtract the feeder's start from the receiver's end.
 */
import { readFileSync } from 'node:fs';
import net from 'node:net';
import { createInterface } from 'node:readline';
import type { CodecContext } from '../../src/bgp/wire/context';
import { MessageFramer } from '../../src/bgp/wire/framer';
import { decodeMessage, encodeMessage } from '../../src/bgp/wire/message';

export interface SpeakerArgs {
  role: 'feeder' | 'receiver';
  localAddress: string;
  remoteAddress: string;
  port: number;
  asn: number;
  /** Feeder: the file with the concatenated UPDATEs. */
  feedFile?: string;
  /** Receiver: unique routes that mean "converged". */
  expected?: number;
  /** Give up connecting after this long. */
  connectTimeoutMs: number;
}

const CTX: CodecContext = { fourOctetAs: true, addPath: new Set(), extendedMessage: true };
const HOLD_TIME = 240;
const CHUNK = 1 << 20;

function now(): string {
  return process.hrtime.bigint().toString();
}

function emit(ev: Record<string, unknown>): void {
  process.stdout.write(`${JSON.stringify(ev)}\n`);
}

/** Receiver state: the set of (RD,) prefix keys seen, counted without building route objects. */
class Counter {
  readonly keys = new Set<number>();
  announced = 0;
  withdrawn = 0;
  updates = 0;
  firstAt: string | undefined;

  /** IPv4 prefix at b[o]: returns the offset after it. `rd` is 0 for unicast. */
  private prefix(b: Buffer, o: number, bits: number, rd: number, add: boolean): number {
    const n = (bits + 7) >> 3;
    let a = 0;
    for (let i = 0; i < 4; i++) a = a * 256 + (i < n ? (b[o + i] as number) : 0);
    const key = (rd * 4294967296 + a) * 64 + bits;
    if (add) {
      this.announced++;
      this.keys.add(key);
    } else {
      this.withdrawn++;
      this.keys.delete(key);
    }
    return o + n;
  }

  private unicastList(b: Buffer, o: number, end: number, add: boolean): void {
    while (o < end) {
      const bits = b[o] as number;
      o = this.prefix(b, o + 1, bits, 0, add);
    }
  }

  /** VPNv4 NLRI: length, label (3), RD (8), prefix. The RD's last 2 octets (our RDs are <feeder AS>:0..999) make the key. */
  private vpnList(b: Buffer, o: number, end: number, add: boolean): void {
    while (o < end) {
      const bits = (b[o] as number) - 88;
      const rd = b.readUInt16BE(o + 4 + 6) % 1024;
      o = this.prefix(b, o + 12, bits, rd + 1, add);
    }
  }

  update(m: Buffer): void {
    this.updates++;
    let o = 19;
    const wl = m.readUInt16BE(o);
    o += 2;
    this.unicastList(m, o, o + wl, false);
    o += wl;
    const al = m.readUInt16BE(o);
    o += 2;
    const attrEnd = o + al;
    while (o < attrEnd) {
      const flags = m[o] as number;
      const type = m[o + 1] as number;
      const ext = (flags & 0x10) !== 0;
      const len = ext ? m.readUInt16BE(o + 2) : (m[o + 2] as number);
      const v = o + (ext ? 4 : 3);
      if (type === 14 || type === 15) {
        const afi = m.readUInt16BE(v);
        const safi = m[v + 2] as number;
        let p = v + 3;
        if (type === 14) p += 1 + (m[p] as number) + 1;
        if (afi === 1 && safi === 128) this.vpnList(m, p, v + len, type === 14);
        else if (afi === 1 && safi === 1) this.unicastList(m, p, v + len, type === 14);
      }
      o = v + len;
    }
    if (attrEnd < m.length) this.unicastList(m, attrEnd, m.length, true);
    if (this.firstAt === undefined && this.announced > 0) this.firstAt = now();
  }
}

function openMessage(args: SpeakerArgs): Buffer {
  return encodeMessage(
    {
      type: 'open',
      version: 4,
      myAs: args.asn > 0xffff ? 23456 : args.asn,
      holdTime: HOLD_TIME,
      bgpId: args.localAddress,
      capabilities: [
        { type: 'multiprotocol', afi: 1, safi: 1 },
        { type: 'multiprotocol', afi: 1, safi: 128 },
        { type: 'route-refresh' },
        { type: 'four-octet-as', asn: args.asn },
      ],
    },
    CTX,
  );
}

const KEEPALIVE = encodeMessage({ type: 'keepalive' }, CTX);

/** A TCP connection to the route server; refused connections are retried until the deadline. */
function connectOnce(args: SpeakerArgs): Promise<net.Socket> {
  return new Promise<net.Socket>((resolve, reject) => {
    const s = net.connect({ host: args.remoteAddress, port: args.port, localAddress: args.localAddress });
    s.once('connect', () => {
      s.removeAllListeners('error');
      resolve(s);
    });
    s.once('error', reject);
  });
}

interface Session {
  readonly sock: net.Socket;
  readonly framer: MessageFramer;
  /** Messages that arrived in the same chunk after the KEEPALIVE that made the session Established. */
  readonly rest: Buffer[];
  readonly hold: number;
}

/**
 * Connects, exchanges OPEN and KEEPALIVE, resolves once Established. Rejects when the
 * connection fails or closes first (a daemon still loading its config closes it), so that
 * the caller can retry.
 */
function establish(args: SpeakerArgs): Promise<Session> {
  return connectOnce(args).then(
    (sock) =>
      new Promise<Session>((resolve, reject) => {
        sock.setNoDelay(true);
        const framer = new MessageFramer({ extendedMessage: true });
        let hold = HOLD_TIME;
        const onData = (chunk: Buffer): void => {
          let msgs: Buffer[];
          try {
            msgs = framer.push(chunk);
          } catch (e) {
            sock.destroy();
            reject(new Error(`framing: ${(e as Error).message}`));
            return;
          }
          for (let i = 0; i < msgs.length; i++) {
            const m = msgs[i] as Buffer;
            const msg = decodeMessage(m, CTX);
            if (msg.type === 'open') {
              hold = Math.min(HOLD_TIME, msg.holdTime);
              sock.write(KEEPALIVE);
              emit({ ev: 'open', hold, peerAs: msg.myAs, bgpId: msg.bgpId });
            } else if (msg.type === 'keepalive') {
              sock.off('data', onData);
              sock.off('close', onClose);
              sock.off('error', onError);
              resolve({ sock, framer, rest: msgs.slice(i + 1), hold });
              return;
            } else if (msg.type === 'notification') {
              sock.destroy();
              reject(new Error(`NOTIFICATION ${msg.code}/${msg.subcode} before Established`));
              return;
            }
          }
        };
        const onClose = (): void => reject(new Error('closed before Established'));
        const onError = (e: Error): void => reject(e);
        sock.on('data', onData);
        sock.once('close', onClose);
        sock.once('error', onError);
        sock.write(openMessage(args));
      }),
  );
}

async function main(): Promise<void> {
  const args = JSON.parse(process.argv[2] ?? '{}') as SpeakerArgs;
  const feed = args.role === 'feeder' && args.feedFile ? readFileSync(args.feedFile) : undefined;
  const counter = args.role === 'receiver' ? new Counter() : undefined;
  // What the route server sends back to the feeder, counted the same way.
  const echo = new Counter();
  const expected = args.expected ?? Number.POSITIVE_INFINITY;
  let done = false;
  let echoed = 0;

  const deadline = Date.now() + args.connectTimeoutMs;
  let session: Session | undefined;
  let lastError = '';
  let attempts = 0;
  while (!session) {
    attempts++;
    try {
      session = await establish(args);
    } catch (e) {
      lastError = (e as Error).message;
      if (Date.now() > deadline) throw new Error(`no session after ${attempts} attempts: ${lastError}`);
      await new Promise((r) => setTimeout(r, 300));
    }
  }
  const { sock, framer, hold } = session;
  emit({ ev: 'established', t: now(), attempts });
  const keepaliveTimer = hold > 0 ? setInterval(() => sock.write(KEEPALIVE), Math.max(1000, (hold * 1000) / 3)) : undefined;

  const fail = (why: string): void => {
    emit({ ev: 'error', why });
    process.exit(2);
  };
  sock.on('error', (e) => fail(`socket: ${e.message}`));
  sock.on('close', () => fail('connection closed by the route server'));

  const handle = (msgs: Buffer[]): void => {
    for (const m of msgs) {
      const type = m[18];
      if (type === 2) {
        if (counter) {
          counter.update(m);
          if (!done && counter.keys.size >= expected) {
            done = true;
            emit({ ev: 'done', t: now(), first: counter.firstAt, unique: counter.keys.size, announced: counter.announced, withdrawn: counter.withdrawn, updates: counter.updates });
          }
        } else {
          echoed++;
          echo.update(m);
        }
      } else if (type === 3) {
        const msg = decodeMessage(m, CTX);
        if (msg.type === 'notification') fail(`NOTIFICATION ${msg.code}/${msg.subcode}${msg.shutdownMessage ? ` ${msg.shutdownMessage}` : ''}`);
      }
    }
  };
  handle(session.rest);
  sock.on('data', (chunk: Buffer) => {
    let msgs: Buffer[];
    try {
      msgs = framer.push(chunk);
    } catch (e) {
      fail(`framing: ${(e as Error).message}`);
      return;
    }
    handle(msgs);
  });

  if (counter) {
    setInterval(() => emit({ ev: 'progress', t: now(), unique: counter.keys.size, announced: counter.announced, withdrawn: counter.withdrawn, updates: counter.updates }), 1000);
  }

  const rl = createInterface({ input: process.stdin });
  rl.on('line', (line) => {
    const cmd = line.trim();
    if (cmd === 'go' && feed) void send(feed);
    else if (cmd === 'stats') emit({ ev: 'stats', echoed, echoAnnounced: echo.announced, echoWithdrawn: echo.withdrawn, unique: counter?.keys.size });
  });
  // main.ts closing our stdin (or dying) ends us.
  rl.on('close', () => {
    if (keepaliveTimer) clearInterval(keepaliveTimer);
    process.exit(0);
  });

  async function send(buf: Buffer): Promise<void> {
    const t0 = now();
    emit({ ev: 'start', t: t0 });
    for (let off = 0; off < buf.length; off += CHUNK) {
      const ok = sock.write(buf.subarray(off, Math.min(buf.length, off + CHUNK)));
      if (!ok) await new Promise((r) => sock.once('drain', r));
    }
    emit({ ev: 'sent', t: now(), bytes: buf.length });
  }
}

main().catch((e: unknown) => {
  emit({ ev: 'error', why: e instanceof Error ? e.message : String(e) });
  process.exit(2);
});
