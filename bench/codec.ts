/**
 * Codec benchmark (`npm run bench:codec [FILE...]`).
 *
 * 1. For each MRT file: `hdvpn mrt --format bgpdump` output written to /dev/null
 *    against `bgpdump -m` (spawned, output to /dev/null) in the same run:
 *    entries (output lines: RIB entries, announcements, withdrawals, state
 *    changes) per second, and the ratio.
 * 2. The same as a user sees it: the cold CLI (`node bin/hdvpn.js mrt --format
 *    bgpdump FILE`, a new process each run, needs `npm run build`) against
 *    `bgpdump -m FILE`, runs alternating (the machine may be shared), median
 *    wall time of each and the ratio (> 1: hdvpn is faster). Both run without
 *    NODE_EXTRA_CA_CERTS: a proxy setting of the sandbox this was developed in,
 *    unrelated to either program, that makes node read a CA bundle at startup.
 * 3. UPDATE decode throughput: every BGP4MP UPDATE of the BGP4MP_ET file,
 *    already decompressed in memory, decoded with decodeMessage; prefixes
 *    (NLRI, withdrawn, MP_REACH and MP_UNREACH routes) per second.
 */
import { spawnSync } from 'node:child_process';
import { createWriteStream, existsSync, openSync, closeSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { Writable } from 'node:stream';
import { gunzipSync } from 'node:zlib';
import { decodeMessage } from '../src/bgp/wire/message';
import { familyKey, type CodecContext } from '../src/bgp/wire/context';
import { readMrtBuffer, type Bgp4mpMessageRecord } from '../src/bgp/wire/mrt';
import { convertMrt } from '../src/mrt/convert';
import { findBzip2 } from '../src/mrt/decompress';
import { openMrt } from '../src/mrt/reader';

const ROOT = resolve(__dirname, '..', '..');
const DEFAULTS = [
  '../shared/data/mrt/ris-2019/updates.20190101.0000.gz',
  '../shared/data/mrt/routeviews2-2013/updates.example.bz2',
  '../shared/data/mrt/routeviews-jinx-2014/routeviews.route-views.jinx.ribs.1401487200.bz2',
  '../shared/data/mrt/routeviews-jinx-2014/routeviews.route-views.jinx.updates.1401493500.bz2',
  '../shared/data/mrt/routeviews-jinx-2014/ris.rrc06.updates.1401488100.gz',
  '../shared/data/mrt/ris-historic/updates.20001104.0124.gz',
  '../shared/data/mrt/ris-historic/updates.20100227.1600.first-796-records.gz',
  '../shared/data/mrt/bgpdump-tests/updates.et-header.2015.gz',
  '../shared/data/mrt/bgpdump-tests/updates.20070211.0141.gz',
  '../shared/data/mrt/bgpdump-tests/updates.20160811.1600.gz',
  '../shared/data/mrt/bgpdump-tests/bview.64k_stream_overflow.gz',
];
/** Cold CLI runs per tool and file (env HDVPN_BENCH_RUNS). */
const COLD_RUNS = Number(process.env.HDVPN_BENCH_RUNS ?? 5);

/** /dev/null that counts the lines going through it. */
class LineCounter extends Writable {
  lines = 0;
  private readonly sink = createWriteStream('/dev/null');
  override _write(chunk: Buffer, _enc: BufferEncoding, cb: (e?: Error | null) => void): void {
    for (let i = chunk.indexOf(10); i !== -1; i = chunk.indexOf(10, i + 1)) this.lines++;
    this.sink.write(chunk, cb);
  }
}

async function ours(file: string): Promise<{ seconds: number; lines: number; records: number }> {
  const start = process.hrtime.bigint();
  const opened = await openMrt(file);
  const out = new LineCounter();
  // As `hdvpn mrt` does: a small file read whole is formatted from its buffer.
  const summary = await convertMrt(opened.whole ?? opened.stream, 'bgpdump', out);
  await new Promise<void>((res) => out.end(res));
  return { seconds: Number(process.hrtime.bigint() - start) / 1e9, lines: out.lines, records: summary.records };
}

/**
 * The environment of the timed runs: this one without NODE_EXTRA_CA_CERTS, which
 * the sandbox sets for its HTTPS proxy. Node reads that CA file at startup
 * (about 50 ms); it has nothing to do with either program.
 */
const RUN_ENV: NodeJS.ProcessEnv = Object.fromEntries(Object.entries(process.env).filter(([k]) => k !== 'NODE_EXTRA_CA_CERTS'));

/** Wall seconds of one run of `command args` with stdout to /dev/null; null when it fails. */
function timed(command: string, args: readonly string[]): number | null {
  const devnull = openSync('/dev/null', 'w');
  try {
    const start = process.hrtime.bigint();
    const r = spawnSync(command, args, { stdio: ['ignore', devnull, 'ignore'], env: RUN_ENV });
    if (r.error || r.status !== 0) return null;
    return Number(process.hrtime.bigint() - start) / 1e9;
  } finally {
    closeSync(devnull);
  }
}

function bgpdump(file: string): number | null {
  return timed('bgpdump', ['-m', file]);
}

function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[(s.length - 1) >> 1] ?? NaN;
}

/** Cold CLI against bgpdump, alternating runs; medians in seconds, null when either tool failed. */
function coldCli(file: string): { hdvpn: number; bgpdump: number } | null {
  const cli = resolve(ROOT, 'bin', 'hdvpn.js');
  const ours: number[] = [];
  const theirs: number[] = [];
  for (let i = 0; i < COLD_RUNS; i++) {
    const o = timed(process.execPath, [cli, 'mrt', '--format', 'bgpdump', file]);
    const b = bgpdump(file);
    if (o === null || b === null) return null;
    ours.push(o);
    theirs.push(b);
  }
  return { hdvpn: median(ours), bgpdump: median(theirs) };
}

function ctx(as4: boolean, addPath: boolean): CodecContext {
  return { fourOctetAs: as4, addPath: new Set(addPath ? [familyKey(1, 1), familyKey(2, 1)] : []), extendedMessage: true };
}

function updateThroughput(file: string): void {
  const raw = readFileSync(file);
  const data = raw[0] === 0x1f && raw[1] === 0x8b ? gunzipSync(raw) : raw;
  const updates: Bgp4mpMessageRecord[] = [];
  for (const item of readMrtBuffer(data)) {
    if (item.kind === 'record' && item.record.kind === 'bgp4mp-message' && item.record.message[18] === 2) updates.push(item.record);
  }
  const contexts = [ctx(false, false), ctx(false, true), ctx(true, false), ctx(true, true)];
  let best = Infinity;
  let prefixes = 0;
  for (let round = 0; round < 3; round++) {
    prefixes = 0;
    const start = process.hrtime.bigint();
    for (const u of updates) {
      const m = decodeMessage(u.message, contexts[(u.as4 ? 2 : 0) + (u.addPath ? 1 : 0)] as CodecContext);
      if (m.type !== 'update') continue;
      prefixes += m.nlri.length + m.withdrawn.length;
      for (const a of m.attributes) if (a.type === 'mp-reach' || a.type === 'mp-unreach') prefixes += a.nlri.length;
    }
    best = Math.min(best, Number(process.hrtime.bigint() - start) / 1e9);
  }
  console.log(`\nUPDATE decode (decodeMessage, best of 3): ${updates.length} UPDATEs, ${prefixes} prefixes in ${best.toFixed(3)} s = ${Math.round(prefixes / best).toLocaleString('en')} prefixes/s (target ≥ 1,000,000)`);
}

async function main(): Promise<void> {
  const files = (process.argv.length > 2 ? process.argv.slice(2) : DEFAULTS).map((f) => resolve(ROOT, f));
  const bz2 = findBzip2();
  console.log(`bzip2 decompression: ${bz2 ? `${bz2} -dc (subprocess)` : 'unbzip2-stream (pure JS)'}`);
  console.log('file | records | entries | hdvpn s | hdvpn entries/s | bgpdump s | bgpdump entries/s | hdvpn/bgpdump speed');
  let etFile: string | null = null;
  for (const file of files) {
    if (!existsSync(file)) {
      console.log(`${file}: missing, skipped`);
      continue;
    }
    if (/et-header/.test(file)) etFile = file;
    const o = await ours(file);
    const b = bgpdump(file);
    const rate = (s: number): string => Math.round(o.lines / s).toLocaleString('en');
    const name = file.split('/').slice(-1)[0] ?? file;
    console.log(`${name} | ${o.records} | ${o.lines} | ${o.seconds.toFixed(2)} | ${rate(o.seconds)} | ${b === null ? 'n/a' : b.toFixed(2)} | ${b === null ? 'n/a' : rate(b)} | ${b === null ? 'n/a' : `${(b / o.seconds).toFixed(2)}x`}`);
  }
  console.log(`\ncold CLI (node bin/hdvpn.js mrt --format bgpdump FILE vs bgpdump -m FILE, > /dev/null; median of ${COLD_RUNS} alternating runs; both without NODE_EXTRA_CA_CERTS, the sandbox proxy's CA bundle that node would read at startup)`);
  console.log('file | hdvpn s | bgpdump s | bgpdump/hdvpn (> 1: hdvpn faster)');
  for (const file of files) {
    if (!existsSync(file)) continue;
    const c = coldCli(file);
    const name = file.split('/').slice(-1)[0] ?? file;
    console.log(c === null ? `${name} | n/a | n/a | n/a` : `${name} | ${c.hdvpn.toFixed(3)} | ${c.bgpdump.toFixed(3)} | ${(c.bgpdump / c.hdvpn).toFixed(2)}x`);
  }
  if (etFile) updateThroughput(etFile);
  else console.log('\nUPDATE decode: no BGP4MP_ET file given, skipped');
}

main().catch((e: unknown) => {
  console.error(e);
  process.exitCode = 1;
});
