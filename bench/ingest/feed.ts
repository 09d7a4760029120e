/**
 * The route feed of the ingest benchmark: a TABLE_DUMP_V2 RIB read with the repo's MRT reader,
 * reduced to one path per unique IPv4 prefix, and pre-encoded into UPDATE messages (prefixes
 * that share attributes packed together, each message at most 4096 octets) so that the feeding
 * peer only has to write bytes.
 *
 * - Which path: the entry of the peer with the most IPv4 entries in the dump (the one full
 *   table; at route-views.jinx 2014 that is 196.223.14.55, AS 30844), else the first entry.
 * - Kept: ORIGIN, AS_PATH (the feeder's AS prepended, as an eBGP speaker would), MED,
 *   COMMUNITIES (well-known 0xFFFFxxxx values dropped) and LARGE_COMMUNITY. NEXT_HOP is the
 *   feeder's address. Everything else (LOCAL_PREF, AGGREGATOR, ATOMIC_AGGREGATE, ...) is dropped.
 * - Left out: the default route and prefixes inside 0/8, 10/8, 100.64/10, 127/8, 169.254/16,
 *   172.16/12, 192.168/16 and 224/3 (16 prefixes at jinx), so that no route server drops one as
 *   a martian and nothing overlaps the lab's 10.0.0.0/24.
 * - The "1M" table: the base table plus more-specifics of its own prefixes, in order: first the
 *   lower half (length + 1) of every prefix of length 24 or less, then the upper half, skipping
 *   any that already exist, until the table holds `target` prefixes. A derived prefix takes the
 *   path of its parent (as deaggregation does), so it is packed with it.
 * - VPNv4: the same prefixes, prefix number k (in feed order) gets RD `<feeder AS>:(k mod 1000)`
 *   and label 16 + (k mod 1000); all carry one route target `<feeder AS>:1` and the same
 *   attributes as in IPv4, in MP_REACH_NLRI (AFI 1, SAFI 128, next hop RD 0 + feeder address).
 *   RD and label live in the NLRI, so the packing is the same as for IPv4.
 */
import type { CodecContext } from '../../src/bgp/wire/context';
import { decodeAttributeList } from '../../src/bgp/wire/attributes';
import type { PathAttribute } from '../../src/bgp/wire/attributes/types';
import { encodeMessage } from '../../src/bgp/wire/message';
import { endOfRib } from '../../src/bgp/wire/messages/update';
import type { UpdateMessage } from '../../src/bgp/wire/messages/types';
import type { Nlri } from '../../src/bgp/wire/nlri/types';
import type { AsPathSegment } from '../../src/bgp/wire/values/as-path';
import { ipv4Prefix } from '../../src/bgp/wire/values/prefix';
import { ZERO_RD } from '../../src/bgp/wire/values/rd';
import type { RibRecord } from '../../src/bgp/wire/mrt';
import { readMrtBatches, openMrt } from '../../src/mrt/reader';

const CTX: CodecContext = { fourOctetAs: true, addPath: new Set(), extendedMessage: false };
const MAX_MESSAGE = 4096;
export const VPN_RDS = 1000;

/** One path per prefix: parallel arrays, in feed order after build. */
export interface BaseTable {
  /** Path attribute sets without next hop, in order of first use. */
  readonly groups: PathAttribute[][];
  readonly address: Uint32Array;
  readonly length: Uint8Array;
  readonly group: Uint32Array;
  readonly count: number;
  /** Facts for the report. */
  readonly info: { ribRecords: number; ipv4Entries: number; uniquePrefixes: number; skipped: number; sourcePeer: string; sourcePeerEntries: number; fromOtherPeers: number; peers: number };
}

export interface EncodedFeed {
  readonly family: 'ipv4' | 'vpnv4';
  readonly prefixes: number;
  readonly updates: number;
  /** All UPDATEs, then End-of-RIB for IPv4 unicast and VPNv4. */
  readonly bytes: Buffer;
}

function skipped(addr: number, len: number): boolean {
  if (len === 0) return true;
  const a = addr >>> 24;
  const b = (addr >>> 16) & 0xff;
  if (a === 0 || a === 10 || a === 127 || a >= 224) return true;
  if (a === 100 && b >= 64 && b <= 127) return true;
  if (a === 169 && b === 254) return true;
  if (a === 172 && b >= 16 && b <= 31) return true;
  if (a === 192 && b === 168) return true;
  return false;
}

function prependAs(segments: readonly AsPathSegment[], asn: number): AsPathSegment[] {
  const first = segments[0];
  if (first && first.kind === 'sequence' && first.asns.length < 255) return [{ kind: 'sequence', asns: [asn, ...first.asns] }, ...segments.slice(1)];
  return [{ kind: 'sequence', asns: [asn] }, ...segments];
}

/** The attributes the feed keeps, with the feeder's AS prepended; canonical order by type code. */
function keptAttributes(decoded: readonly PathAttribute[], feederAs: number): PathAttribute[] {
  let origin: PathAttribute = { type: 'origin', origin: 0 } as PathAttribute;
  let asPath: AsPathSegment[] = [];
  const rest: PathAttribute[] = [];
  for (const a of decoded) {
    if (a.type === 'origin') origin = { type: 'origin', origin: a.origin };
    else if (a.type === 'as-path') asPath = [...a.segments];
    else if (a.type === 'med') rest.push({ type: 'med', med: a.med });
    else if (a.type === 'communities') {
      const c = a.communities.filter((v) => v >>> 0 < 0xffff0000);
      if (c.length) rest.push({ type: 'communities', communities: c });
    } else if (a.type === 'large-communities' && a.communities.length) rest.push({ type: 'large-communities', communities: a.communities });
  }
  return [origin, { type: 'as-path', segments: prependAs(asPath, feederAs) }, ...rest];
}

/** Reads the RIB and keeps one path per unique IPv4 unicast prefix. */
export async function readBaseTable(file: string, feederAs: number): Promise<BaseTable> {
  const { stream } = await openMrt(file);
  const records: RibRecord[] = [];
  let peers: readonly { address: string; asn: number }[] = [];
  const perPeer = new Map<number, number>();
  let ipv4Entries = 0;
  for await (const batch of readMrtBatches(stream)) {
    for (const item of batch) {
      if (item.kind !== 'record') continue;
      const r = item.record;
      if (r.kind === 'peer-index-table') peers = r.peers;
      else if (r.kind === 'rib' && r.afi === 1 && r.safi === 1) {
        records.push(r);
        for (const e of r.entries) {
          perPeer.set(e.peerIndex, (perPeer.get(e.peerIndex) ?? 0) + 1);
          ipv4Entries++;
        }
      }
    }
  }
  let best = -1;
  let bestCount = -1;
  for (const [p, n] of perPeer) if (n > bestCount) [best, bestCount] = [p, n];

  const groups: PathAttribute[][] = [];
  const groupByRaw = new Map<string, number>();
  const groupByKept = new Map<string, number>();
  const seen = new Set<number>();
  const address: number[] = [];
  const length: number[] = [];
  const group: number[] = [];
  let skippedCount = 0;
  let fromOther = 0;
  for (const r of records) {
    const p = r.prefix;
    if (p.afi !== 1) continue;
    const key = p.address * 64 + p.length;
    if (seen.has(key)) continue;
    seen.add(key);
    if (skipped(p.address, p.length)) {
      skippedCount++;
      continue;
    }
    const entry = r.entries.find((e) => e.peerIndex === best) ?? r.entries[0];
    if (!entry) continue;
    if (entry.peerIndex !== best) fromOther++;
    const raw = entry.attributes.toString('latin1');
    let g = groupByRaw.get(raw);
    if (g === undefined) {
      const { attributes } = decodeAttributeList(entry.attributes, CTX, { mrtRib: { afi: 1, safi: 1 } });
      const kept = keptAttributes(attributes, feederAs);
      // Paths that differ only in dropped attributes (next hop, LOCAL_PREF, ...) share a group.
      const keptKey = encodeMessage({ type: 'update', withdrawn: [], attributes: kept, nlri: [], errors: [] }, CTX).toString('latin1');
      g = groupByKept.get(keptKey);
      if (g === undefined) {
        g = groups.length;
        groups.push(kept);
        groupByKept.set(keptKey, g);
      }
      groupByRaw.set(raw, g);
    }
    address.push(p.address);
    length.push(p.length);
    group.push(g);
  }
  const src = peers[best];
  return {
    groups,
    address: Uint32Array.from(address),
    length: Uint8Array.from(length),
    group: Uint32Array.from(group),
    count: address.length,
    info: {
      ribRecords: records.length,
      ipv4Entries,
      uniquePrefixes: seen.size,
      skipped: skippedCount,
      sourcePeer: src ? `${src.address} AS${src.asn}` : 'none',
      sourcePeerEntries: bestCount,
      fromOtherPeers: fromOther,
      peers: perPeer.size,
    },
  };
}

/** The first `limit` prefixes of the table (feed order kept). */
export function limitTable(t: BaseTable, limit: number): BaseTable {
  if (limit >= t.count) return t;
  return { ...t, address: t.address.slice(0, limit), length: t.length.slice(0, limit), group: t.group.slice(0, limit), count: limit };
}

/** The table grown to `target` prefixes with more-specifics of its own prefixes (see the file comment). */
export function deriveTable(t: BaseTable, target: number): BaseTable {
  const seen = new Set<number>();
  for (let i = 0; i < t.count; i++) seen.add((t.address[i] as number) * 64 + (t.length[i] as number));
  const address = Array.from(t.address);
  const length = Array.from(t.length);
  const group = Array.from(t.group);
  for (const upper of [false, true]) {
    for (let i = 0; i < t.count && address.length < target; i++) {
      const len = t.length[i] as number;
      if (len > 24) continue;
      const a = ((t.address[i] as number) | (upper ? 1 << (31 - len) : 0)) >>> 0;
      const key = a * 64 + len + 1;
      if (seen.has(key) || skipped(a, len + 1)) continue;
      seen.add(key);
      address.push(a);
      length.push(len + 1);
      group.push(t.group[i] as number);
    }
  }
  return { ...t, address: Uint32Array.from(address), length: Uint8Array.from(length), group: Uint32Array.from(group), count: address.length };
}

/** Prefix indexes grouped by path, groups in order of first use: the order the feeder sends. */
function feedOrder(t: BaseTable): Uint32Array[] {
  const counts = new Uint32Array(t.groups.length);
  for (let i = 0; i < t.count; i++) counts[t.group[i] as number] = (counts[t.group[i] as number] as number) + 1;
  const lists = Array.from(counts, (n) => new Uint32Array(n));
  const fill = new Uint32Array(t.groups.length);
  for (let i = 0; i < t.count; i++) {
    const g = t.group[i] as number;
    const at = fill[g] as number;
    (lists[g] as Uint32Array)[at] = i;
    fill[g] = at + 1;
  }
  return lists.filter((l) => l.length > 0);
}

/** Encodes the table as UPDATEs from `nextHop` (IPv4 unicast or VPNv4), End-of-RIBs at the end. */
export function encodeFeed(t: BaseTable, family: 'ipv4' | 'vpnv4', nextHop: string, feederAs: number): EncodedFeed {
  const out: Buffer[] = [];
  let updates = 0;
  let k = 0;
  const rt = { kind: 'route-target', form: 'as2', transitive: true, admin: feederAs, assigned: 1 } as const;
  for (const list of feedOrder(t)) {
    const attrs = t.groups[t.group[list[0] as number] as number] as PathAttribute[];
    const build = (nlri: Nlri[]): UpdateMessage => {
      if (family === 'ipv4') {
        const a: PathAttribute[] = [attrs[0] as PathAttribute, attrs[1] as PathAttribute, { type: 'next-hop', nextHop }, ...attrs.slice(2)];
        return { type: 'update', withdrawn: [], attributes: a, nlri, errors: [] };
      }
      const mp: PathAttribute = { type: 'mp-reach', afi: 1, safi: 128, nextHop: { address: nextHop, rd: ZERO_RD }, nlri };
      const a: PathAttribute[] = [...attrs.filter((x) => x.type !== 'large-communities'), mp, { type: 'extended-communities', communities: [rt] }, ...attrs.filter((x) => x.type === 'large-communities')];
      return { type: 'update', withdrawn: [], attributes: a, nlri: [], errors: [] };
    };
    // +1: MP_REACH switches to the extended length header once it passes 255 octets.
    const budget = MAX_MESSAGE - encodeMessage(build([]), CTX).length - 1;
    let batch: Nlri[] = [];
    let used = 0;
    const flush = (): void => {
      out.push(encodeMessage(build(batch), CTX));
      updates++;
      batch = [];
      used = 0;
    };
    for (const i of list) {
      const len = t.length[i] as number;
      const prefix = ipv4Prefix(t.address[i] as number, len);
      let n: Nlri;
      let size: number;
      if (family === 'ipv4') {
        n = { kind: 'unicast', safi: 1, prefix };
        size = 1 + ((len + 7) >> 3);
      } else {
        const r = k % VPN_RDS;
        n = { kind: 'vpn', prefix, rd: { type: 0, admin: feederAs, assigned: r }, labels: [16 + r] };
        size = 1 + 3 + 8 + ((len + 7) >> 3);
      }
      k++;
      if (used + size > budget) flush();
      batch.push(n);
      used += size;
    }
    if (batch.length) flush();
  }
  out.push(encodeMessage(endOfRib(1, 1), CTX), encodeMessage(endOfRib(1, 128), CTX));
  return { family, prefixes: t.count, updates, bytes: Buffer.concat(out) };
}
