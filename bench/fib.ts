/**
 * FIB longest-prefix-match benchmark (`npm run bench:fib [-- --mrt PATH]`).
 *
 * Input: a TABLE_DUMP_V2 RIB (default: the RouteViews jinx full table of
 * 2014 in /work/shared/data/mrt/routeviews-jinx-2014/, see its README),
 * reduced to unique prefixes with a next-hop index each, plus a 1M IPv4 table
 * and a 200k IPv6 table derived from it (bench/fib/tables.ts). For every
 * table and structure (Lpm4Table stride 24, stride 16, the reference binary
 * trie; Lpm6Table and the reference trie for IPv6), in one run:
 *
 * - bulk build (`build()`, from an array of entries) and incremental build
 *   (`insert` of every prefix in table order), in seconds;
 * - memory: `memoryBytes()`, and heap + ArrayBuffer bytes after a GC, before
 *   and after the bulk build (run with --expose-gc, as the npm script does);
 * - lookups per second on one core, best of `--rounds` passes over
 *   `--lookups` addresses: uniformly random, and random inside the table's
 *   prefixes; also through a Reader over `shared()`;
 * - updates per second: delete + re-insert of random prefixes of the full
 *   table (each pair counts as two updates).
 *
 * Options: --lookups N (default 4,000,000; the reference trie gets 1/8),
 * --rounds R (9), --target N (1,000,000), --v6-extra N (200,000), --quick
 * (the real tables only). The run checks that every structure returns the
 * same results for the in-table addresses and says so.
 */
import { execFileSync } from 'node:child_process';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { Lpm4Reader, Lpm4Table, type Lpm4Stride } from '../src/fib/lpm4';
import { Lpm6Reader, Lpm6Table } from '../src/fib/lpm6';
import { ReferenceTrie, ReferenceTrie4 } from '../src/fib/reference-trie';
import * as m from './fib/measure';
import { derive4, derive6, prng, readRealTables, type Table4, type Table6 } from './fib/tables';

const DEFAULT_MRT = '/work/shared/data/mrt/routeviews-jinx-2014/routeviews.route-views.jinx.ribs.1401487200.bz2';

interface Options {
  readonly mrt: string;
  readonly lookups: number;
  readonly rounds: number;
  readonly target: number;
  readonly v6Extra: number;
  readonly quick: boolean;
  readonly updatePairs: number;
}

interface Row {
  readonly table: string;
  readonly structure: string;
  readonly prefixes: number;
  readonly bulkSeconds: number | null;
  readonly insertSeconds: number;
  readonly memoryBytes: number | null;
  readonly usedDelta: number;
  readonly groups: number | null;
  readonly random: number;
  readonly inTable: number;
  readonly reader: number | null;
  readonly updates: number;
  /** Sum of the lookups of the in-table addresses: equal across structures of one table. */
  readonly checksum: number;
}

function option(name: string, fallback: number): number {
  const at = process.argv.indexOf(name);
  return at > 0 ? Number(process.argv[at + 1]) : fallback;
}

function parseOptions(): Options {
  const at = process.argv.indexOf('--mrt');
  return {
    mrt: at > 0 ? (process.argv[at + 1] ?? DEFAULT_MRT) : DEFAULT_MRT,
    lookups: option('--lookups', 4_000_000),
    rounds: option('--rounds', 9),
    target: option('--target', 1_000_000),
    v6Extra: option('--v6-extra', 200_000),
    quick: process.argv.includes('--quick'),
    updatePairs: option('--updates', 100_000),
  };
}

function entries4(t: Table4): [number, number, number][] {
  return Array.from(t.address, (a, i) => [a, t.length[i] as number, t.value[i] as number]);
}

async function bench4(t: Table4, o: Options): Promise<Row[]> {
  const rows: Row[] = [];
  const entries = entries4(t);
  const random = m.randomAddresses4(o.lookups, 11);
  const inTable = m.tableAddresses4(t, o.lookups, 12);
  const n = t.address.length;
  for (const stride of [24, 16] as Lpm4Stride[]) {
    const before = await m.usedBytes();
    const [table, bulkSeconds] = m.seconds(() => Lpm4Table.build(entries, { stride }));
    const usedDelta = await m.usedBytes() - before;
    const [inc, insertSeconds] = m.seconds(() => {
      const x = new Lpm4Table({ stride });
      for (let i = 0; i < n; i++) x.insert(t.address[i] as number, t.length[i] as number, t.value[i] as number);
      return x;
    });
    const checksum = m.loopTable4(table, inTable);
    if (m.loopTable4(inc, inTable) !== checksum || m.loopTable4(inc, random) !== m.loopTable4(table, random)) throw new Error(`stride ${stride}: incremental and bulk tables differ`);
    const reader = new Lpm4Reader(table.shared());
    const rateRandom = m.bestRate(o.lookups, o.rounds, () => m.loopTable4(table, random));
    const rateIn = m.bestRate(o.lookups, o.rounds, () => m.loopTable4(table, inTable));
    const rateReader = m.bestRate(o.lookups, o.rounds, () => m.loopReader4(reader, random));
    const rnd = prng(13);
    const [, updateSeconds] = m.seconds(() => {
      for (let k = 0; k < o.updatePairs; k++) {
        const p = rnd() % n;
        table.delete(t.address[p] as number, t.length[p] as number);
        table.insert(t.address[p] as number, t.length[p] as number, t.value[p] as number);
      }
    });
    rows.push({
      table: t.name, structure: `Lpm4Table stride ${stride}`, prefixes: table.size, bulkSeconds, insertSeconds, memoryBytes: table.memoryBytes(), usedDelta,
      groups: table.groupCount, random: rateRandom, inTable: rateIn, reader: rateReader, updates: (2 * o.updatePairs) / updateSeconds, checksum,
    });
  }
  const before = await m.usedBytes();
  const [ref, insertSeconds] = m.seconds(() => {
    const x = new ReferenceTrie4();
    for (let i = 0; i < n; i++) x.insert(t.address[i] as number, t.length[i] as number, t.value[i] as number);
    return x;
  });
  const usedDelta = await m.usedBytes() - before;
  const few = Math.floor(o.lookups / 8);
  const rnd = prng(13);
  const pairs = Math.floor(o.updatePairs / 4);
  const [, updateSeconds] = m.seconds(() => {
    for (let k = 0; k < pairs; k++) {
      const p = rnd() % n;
      ref.delete(t.address[p] as number, t.length[p] as number);
      ref.insert(t.address[p] as number, t.length[p] as number, t.value[p] as number);
    }
  });
  rows.push({
    table: t.name, structure: 'reference binary trie (objects)', prefixes: ref.size, bulkSeconds: null, insertSeconds, memoryBytes: null, usedDelta, groups: null,
    random: m.bestRate(few, o.rounds, () => m.loopReference4(ref, random.subarray(0, few))),
    inTable: m.bestRate(few, o.rounds, () => m.loopReference4(ref, inTable.subarray(0, few))),
    reader: null, updates: (2 * pairs) / updateSeconds, checksum: m.loopReference4(ref, inTable),
  });
  return rows;
}

async function bench6(t: Table6, o: Options): Promise<Row[]> {
  const n = t.length.length;
  const entries = Array.from({ length: n }, (_, i) => [[t.words[i * 4] as number, t.words[i * 4 + 1] as number, t.words[i * 4 + 2] as number, t.words[i * 4 + 3] as number], t.length[i] as number, t.value[i] as number] as const);
  const count = Math.floor(o.lookups / 2);
  const random = m.addresses6(null, count, 21);
  const inTable = m.addresses6(t, count, 22);
  const before = await m.usedBytes();
  const [table, bulkSeconds] = m.seconds(() => Lpm6Table.build(entries));
  const usedDelta = await m.usedBytes() - before;
  const [inc, insertSeconds] = m.seconds(() => {
    const x = new Lpm6Table();
    for (const [w, l, v] of entries) x.insert(w[0], w[1], w[2], w[3], l, v);
    return x;
  });
  const checksum = m.loopTable6(table, inTable);
  if (m.loopTable6(inc, inTable) !== checksum) throw new Error('IPv6: incremental and bulk tables differ');
  if (m.loopBytes6(table, m.wordsToBytes(inTable)) !== checksum) throw new Error('IPv6: lookupBytes differs from lookup');
  const reader = new Lpm6Reader(table.shared());
  const rnd = prng(23);
  const [, updateSeconds] = m.seconds(() => {
    for (let k = 0; k < o.updatePairs; k++) {
      const [w, l, v] = entries[rnd() % n] ?? [[0, 0, 0, 0], 0, 0];
      table.delete(w[0], w[1], w[2], w[3], l);
      table.insert(w[0], w[1], w[2], w[3], l, v);
    }
  });
  const rows: Row[] = [{
    table: t.name, structure: 'Lpm6Table (16, then 8-bit strides)', prefixes: table.size, bulkSeconds, insertSeconds, memoryBytes: table.memoryBytes(), usedDelta, groups: table.groupCount,
    random: m.bestRate(count, o.rounds, () => m.loopTable6(table, random)),
    inTable: m.bestRate(count, o.rounds, () => m.loopTable6(table, inTable)),
    reader: m.bestRate(count, o.rounds, () => m.loopReader6(reader, inTable)),
    updates: (2 * o.updatePairs) / updateSeconds, checksum,
  }];
  const bytes = m.wordsToBytes(inTable);
  const bytesRate = m.bestRate(count, o.rounds, () => m.loopBytes6(table, bytes));
  const refBefore = await m.usedBytes();
  const [ref, refSeconds] = m.seconds(() => {
    const x = new ReferenceTrie(128);
    for (const [w, l, v] of entries) x.insert(w, l, v);
    return x;
  });
  const refDelta = await m.usedBytes() - refBefore;
  const few = Math.floor(count / 8);
  const pairs = Math.floor(o.updatePairs / 4);
  const rnd2 = prng(23);
  const [, refUpdateSeconds] = m.seconds(() => {
    for (let k = 0; k < pairs; k++) {
      const [w, l, v] = entries[rnd2() % n] ?? [[0, 0, 0, 0], 0, 0];
      ref.delete(w, l);
      ref.insert(w, l, v);
    }
  });
  rows.push({
    table: t.name, structure: 'reference binary trie (objects)', prefixes: ref.size, bulkSeconds: null, insertSeconds: refSeconds, memoryBytes: null, usedDelta: refDelta, groups: null,
    random: m.bestRate(few, o.rounds, () => m.loopReference6(ref, random.subarray(0, few * 4))),
    inTable: m.bestRate(few, o.rounds, () => m.loopReference6(ref, inTable.subarray(0, few * 4))),
    reader: null, updates: (2 * pairs) / refUpdateSeconds, checksum: m.loopReference6(ref, inTable),
  });
  process.stdout.write(`(${t.name}: lookupBytes on the in-table addresses ${millions(bytesRate)}M/s)\n`);
  return rows;
}

function millions(rate: number): string {
  return (rate / 1e6).toFixed(rate < 1e7 ? 2 : 1);
}

function mb(bytes: number | null): string {
  return bytes === null ? '—' : (bytes / 1048576).toFixed(1);
}

function printRows(title: string, rows: readonly Row[]): void {
  process.stdout.write(`\n### ${title}\n\n`);
  process.stdout.write('| table | structure | prefixes | bulk build s | insert all s | memoryBytes MB | heap+buffers Δ MB | groups | M lookups/s random | M lookups/s in table | M lookups/s Reader | updates/s |\n');
  process.stdout.write('|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n');
  for (const r of rows) {
    const cells = [
      r.table, r.structure, r.prefixes.toLocaleString('en'), r.bulkSeconds === null ? '—' : r.bulkSeconds.toFixed(2), r.insertSeconds.toFixed(2), mb(r.memoryBytes), mb(r.usedDelta),
      r.groups === null ? '—' : r.groups.toLocaleString('en'), millions(r.random), millions(r.inTable), r.reader === null ? '—' : millions(r.reader), Math.round(r.updates).toLocaleString('en'),
    ];
    process.stdout.write(`| ${cells.join(' | ')} |\n`);
  }
  const tables = new Set(rows.map((r) => r.table));
  for (const name of tables) {
    const sums = new Set(rows.filter((r) => r.table === name).map((r) => r.checksum));
    process.stdout.write(`\n${name}: ${sums.size === 1 ? 'every structure returned the same results for the in-table addresses' : 'STRUCTURES DISAGREE'}\n`);
  }
}

/**
 * Packets per second through the userspace backend with GRE encapsulation against the Linux kernel forwarding the
 * same flood between the same namespaces, in this run: bench/forward.ts with the real forwarder
 * (bench/forward-gre-handler.ts: classify, TTL, LPM lookup, next-hop record, GRE with key 7), once with the flood
 * entering by a TUN (a local session) and once by GRE (a client router's tunnel: decapsulate, then the same). The GRE
 * run also measures the AF_XDP path (`--xsk`: the flood in through an XSK socket on the ingress veth, out through one
 * on the egress veth) in the same run. Needs root; leave it out with --no-forwarding.
 */
function forwardingSection(_o: Options): string | null {
  if (process.argv.includes('--no-forwarding')) return null;
  if (process.getuid?.() !== 0) return '## GRE forwarding\n\n(needs root for network namespaces: not measured)';
  const forward = join(__dirname, 'forward.js');
  const handler = join(__dirname, 'forward-gre-handler.js');
  const parts: string[] = [];
  for (const ingress of ['tun', 'gre'] as const) {
    try {
      const args = [forward, '--handler', handler, '--ingress', ingress, '--seconds', '4', ...(ingress === 'gre' ? ['--xsk'] : [])];
      const out = execFileSync(process.execPath, args, { encoding: 'utf8', timeout: 240000, stdio: ['ignore', 'pipe', 'inherit'] });
      parts.push(`### Ingress: ${ingress === 'tun' ? 'TUN (a local session)' : "GRE (a client router's tunnel)"}\n${out.trim()}`);
    } catch (e) {
      parts.push(`### Ingress: ${ingress}\n\n(bench:forward failed: ${e instanceof Error ? e.message.split('\n')[0] : String(e)})`);
    }
  }
  return `## GRE forwarding: userspace backend (real forwarder) vs Linux kernel, same namespaces\n\n${parts.join('\n\n')}`;
}

async function main(): Promise<void> {
  const o = parseOptions();
  const real = await readRealTables(o.mrt);
  const faults = m.pageFaultCost();
  process.stdout.write(`# bench:fib\n\n`);
  process.stdout.write(`Input ${o.mrt}: ${real.ribRecords.toLocaleString('en')} unicast RIB records, ${real.v4.address.length.toLocaleString('en')} unique IPv4 and ${real.v6.length.length} IPv6 prefixes, ${real.nextHops} distinct next hops (read in ${real.readSeconds.toFixed(1)} s).\n`);
  process.stdout.write(`Node ${process.version}, load average at start ${loadavg().map((x) => x.toFixed(1)).join(' ')}. Lookups: best of ${o.rounds} passes over ${o.lookups.toLocaleString('en')} addresses (reference trie: 1/8 of them); updates: ${o.updatePairs.toLocaleString('en')} delete + insert pairs (reference: 1/4).\n`);
  process.stdout.write(`Page faults on this machine: first fill of a fresh 64 MB SharedArrayBuffer ${(faults.firstSeconds * 1000).toFixed(0)} ms, second fill ${(faults.againSeconds * 1000).toFixed(0)} ms (a stride-24 build pays the first).\n`);
  if (!global.gc) process.stdout.write('(run with --expose-gc for the memory column)\n');
  const v4Tables = o.quick ? [real.v4] : [real.v4, derive4(real.v4, o.target)];
  const rows4: Row[] = [];
  for (const t of v4Tables) rows4.push(...(await bench4(t, o)));
  printRows('IPv4', rows4);
  const v6Tables = o.quick || o.v6Extra === 0 ? [real.v6] : [real.v6, derive6(real.v6, o.v6Extra)];
  const rows6: Row[] = [];
  for (const t of v6Tables) if (t.length.length > 0) rows6.push(...(await bench6(t, o)));
  printRows('IPv6', rows6);
  const forwarding = forwardingSection(o);
  if (forwarding !== null) process.stdout.write(`\n${forwarding}\n`);
}

void main();
