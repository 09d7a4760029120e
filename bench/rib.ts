/**
 * RIB benchmark (`npm run bench:rib [ROUTES]`): the speaker alone, no sockets.
 * One feeding neighbor sends ROUTES IPv4 prefixes (default 1,000,000) in
 * UPDATEs of 20 prefixes sharing attributes (50,000 distinct attribute sets,
 * about what a full table from one peer holds), as decoded messages; one
 * receiving neighbor takes every UPDATE the speaker builds and encodes (its
 * wire bytes are counted, not parsed). Prints routes per second in and out,
 * heap and RSS growth per route, and the interner's size.
 *
 * `npm run bench:rib -- --mrt FILE [--vpn]`: the same with the real table of
 * bench:ingest (each prefix of a RouteViews RIB once, its attribute sets as
 * they are), UPDATEs decoded from their wire form on the way in.
 */
import { EventEmitter } from 'node:events';
import { Speaker } from '../src/bgp/speaker/speaker';
import { ManualClock } from '../src/bgp/session/clock';
import type { SessionPeer } from '../src/bgp/speaker/types';
import type { NegotiatedSession } from '../src/bgp/session/negotiate-types';
import type { PeerInfo } from '../src/bgp/session/peer-types';
import type { UpdateMessage } from '../src/bgp/wire/messages/types';
import type { PathAttribute } from '../src/bgp/wire/attributes/types';
import type { Nlri } from '../src/bgp/wire/nlri/types';
import { withContext } from '../src/bgp/wire/context';
import { encodeMessage } from '../src/bgp/wire/message';
import { ipv4Prefix } from '../src/bgp/wire/values/prefix';
import { MessageFramer } from '../src/bgp/wire/framer';
import { decodeMessage } from '../src/bgp/wire/message';
import { encodeFeed, readBaseTable } from './ingest/feed';

const ctx = withContext({ fourOctetAs: true });

class SinkPeer extends EventEmitter implements SessionPeer {
  bytes = 0;
  updates = 0;
  constructor(readonly address: string, readonly asn: number) {
    super();
  }
  enqueueUpdate(m: UpdateMessage): boolean {
    this.bytes += encodeMessage(m, ctx).length;
    this.updates++;
    return true;
  }
  enqueueEncodedUpdates(updates: Buffer): boolean {
    this.bytes += updates.length;
    for (let p = 0; p + 19 <= updates.length; p += Math.max(19, updates.readUInt16BE(p + 16))) this.updates++;
    return true;
  }
  initialTableSent(): void {}
  sendRouteRefresh(): boolean {
    return true;
  }
  setPrefixCount(): void {}
  info(): PeerInfo {
    return { address: this.address, localAddress: '10.0.0.1' } as PeerInfo;
  }
  readonly sessionLocalAddress = '10.0.0.1';
  establish(): void {
    const s = {
      localAs: 65000, peerAs: this.asn, ibgp: false, localBgpId: '10.0.0.1', peerBgpId: this.address, holdTime: 90, keepaliveTime: 30,
      fourOctetAs: true, families: [{ afi: 1, safi: 1 }, { afi: 1, safi: 128 }], routeRefresh: true, enhancedRouteRefresh: false, extendedMessage: false,
      addPath: { receive: new Set<string>(), send: new Set<string>() }, gracefulRestart: null, llgr: [], peerFqdn: null, peerCapabilities: [],
      decodeContext: ctx, encodeContext: ctx,
    } satisfies NegotiatedSession;
    this.emit('established', s);
  }
}

function mb(n: number): string {
  return (n / 1048576).toFixed(1);
}

/** The messages of a bench:ingest feed, decoded once up front (decoding is timed separately). */
async function realFeed(file: string, vpn: boolean): Promise<{ updates: UpdateMessage[]; routes: number; decodeSeconds: number }> {
  const table = await readBaseTable(file, 65001);
  const feed = encodeFeed(table, vpn ? 'vpnv4' : 'ipv4', '10.0.1.2', 65001);
  const framer = new MessageFramer();
  const t0 = process.hrtime.bigint();
  const updates: UpdateMessage[] = [];
  const dctx = withContext({ fourOctetAs: true });
  for (const frame of framer.push(feed.bytes)) {
    const m = decodeMessage(frame, dctx);
    if (m.type === 'update' && (m.nlri.length > 0 || m.attributes.length > 0)) updates.push(m);
  }
  return { updates, routes: feed.prefixes, decodeSeconds: Number(process.hrtime.bigint() - t0) / 1e9 };
}

async function main(): Promise<void> {
  const mrtAt = process.argv.indexOf('--mrt');
  if (mrtAt > 0) {
    const { updates, routes, decodeSeconds } = await realFeed(process.argv[mrtAt + 1] ?? '', process.argv.includes('--vpn'));
    run(updates, routes, [['decode seconds (wire → messages, not in the time below)', decodeSeconds.toFixed(2)]]);
    return;
  }
  const routes = Number(process.argv[2] ?? 1_000_000);
  const perUpdate = 20;
  const sets = 50_000;
  const updates: UpdateMessage[] = [];
  for (let u = 0; u * perUpdate < routes; u++) {
    const k = u % sets;
    const attributes: PathAttribute[] = [
      { type: 'origin', origin: 0 },
      { type: 'as-path', segments: [{ kind: 'sequence', asns: [65001, 3356 + (k % 500), 10000 + k] }] },
      { type: 'next-hop', nextHop: '10.0.1.2' },
      { type: 'communities', communities: [(65001 << 16) | (k % 1000)] },
    ];
    const nlri: Nlri[] = [];
    for (let i = 0; i < perUpdate && u * perUpdate + i < routes; i++) {
      const n = u * perUpdate + i;
      nlri.push({ kind: 'unicast', safi: 1, prefix: ipv4Prefix(((1 + (n >>> 16)) << 24) | ((n & 0xffff) << 8), 24) });
    }
    updates.push({ type: 'update', withdrawn: [], attributes, nlri, errors: [] });
  }
  run(updates, routes, []);
}

function run(updates: readonly UpdateMessage[], routes: number, extra: string[][]): void {
  global.gc?.();
  const heap0 = process.memoryUsage().heapUsed;
  const rss0 = process.memoryUsage().rss;
  const speaker = new Speaker({ asn: 65000, routerId: '10.0.0.1', clock: new ManualClock() });
  const feeder = new SinkPeer('10.0.1.2', 65001);
  const receiver = new SinkPeer('10.0.2.2', 65002);
  speaker.addPeer(feeder, { address: feeder.address, asn: 65001, routeServerClient: true });
  speaker.addPeer(receiver, { address: receiver.address, asn: 65002, routeServerClient: true });
  feeder.establish();
  receiver.establish();
  const t0 = process.hrtime.bigint();
  const cpu0 = process.cpuUsage();
  for (const m of updates) feeder.emit('update', m);
  const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
  const cpu = process.cpuUsage(cpu0);
  const cpuSeconds = (cpu.user + cpu.system) / 1e6;
  global.gc?.();
  const heap = process.memoryUsage().heapUsed - heap0;
  const rss = process.memoryUsage().rss - rss0;
  const rows = [
    ['routes', String(routes)],
    ['UPDATEs in', String(updates.length)],
    ...extra,
    ['seconds (in → Loc-RIB → encoded out)', seconds.toFixed(2)],
    ['CPU seconds (other jobs on the machine do not count)', cpuSeconds.toFixed(2)],
    ['routes/s (wall)', Math.round(routes / seconds).toLocaleString('en')],
    ['UPDATEs out', String(receiver.updates)],
    ['MB out', mb(receiver.bytes)],
    ['attribute sets', String(speaker.interner.size)],
    ['heap growth MB', mb(heap)],
    ['heap bytes/route', global.gc ? String(Math.round(heap / routes)) : 'run with --expose-gc'],
    ['RSS growth bytes/route', String(Math.round(rss / routes))],
  ];
  const w = Math.max(...rows.map((r) => r[0]?.length ?? 0));
  for (const [k, v] of rows) process.stdout.write(`${(k ?? '').padEnd(w)}  ${v}\n`);
}

void main();
