/**
 * MRT writer: every record type it writes reads back equal, and `bgpdump -m`
 * (an independent reader, installed by scripts/system-deps.sh; without it this
 * test fails) prints what we meant to write.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { encodeAttributeList } from '../../../../../src/bgp/wire/attributes';
import type { PathAttribute } from '../../../../../src/bgp/wire/attributes/types';
import { withContext } from '../../../../../src/bgp/wire/context';
import { encodeMessage } from '../../../../../src/bgp/wire/message';
import {
  encodeMrtRecord,
  readMrtBuffer,
  type Bgp4mpMessageRecord,
  type Bgp4mpStateChangeRecord,
  type MrtHeader,
  type PeerIndexTableRecord,
  type RibGenericRecord,
  type RibRecord,
  type WritableMrtRecord,
} from '../../../../../src/bgp/wire/mrt';
import { parsePrefix, type Prefix } from '../../../../../src/bgp/wire/values/prefix';
import { convertMrtToString } from '../../../../../src/mrt/convert';

const pfx = (t: string): Prefix => {
  const p = parsePrefix(t);
  if (!p) throw new Error(`bad prefix ${t}`);
  return p;
};
const hdr = (type: number, subtype: number, timestamp: number, microseconds?: number): MrtHeader => ({ timestamp, type, subtype, length: 0, microseconds });

const ATTRS: PathAttribute[] = [
  { type: 'origin', origin: 0 },
  { type: 'as-path', segments: [{ kind: 'sequence', asns: [65001, 4200000000] }, { kind: 'set', asns: [64512, 64513] }] },
  { type: 'next-hop', nextHop: '192.0.2.1' },
  { type: 'med', med: 10 },
  { type: 'local-pref', localPref: 100 },
  { type: 'atomic-aggregate' },
  { type: 'aggregator', asn: 65001, address: '192.0.2.9' },
  { type: 'communities', communities: [0xfde80064, 0xffffff01] },
];
const ctx4 = withContext({ fourOctetAs: true });
const ribAttrs = encodeAttributeList(ATTRS, ctx4, { mrtRib: true });
const v6RibAttrs = encodeAttributeList(
  [{ type: 'origin', origin: 2 }, { type: 'as-path', segments: [{ kind: 'sequence', asns: [65002] }] }, { type: 'mp-reach', afi: 2, safi: 1, nextHop: { address: '2001:db8::1' }, nlri: [] }],
  ctx4,
  { mrtRib: true },
);

const peers: PeerIndexTableRecord = {
  kind: 'peer-index-table',
  header: hdr(13, 1, 1700000000),
  collectorBgpId: '192.0.2.254',
  viewName: 'hdvpn',
  peers: [
    { bgpId: '192.0.2.1', address: '192.0.2.1', ipv6: false, asn: 65001, as4: false },
    { bgpId: '192.0.2.2', address: '2001:db8::2', ipv6: true, asn: 4200000000, as4: true },
  ],
};
const rib4: RibRecord = {
  kind: 'rib',
  header: hdr(13, 2, 1700000000),
  afi: 1,
  safi: 1,
  addPath: false,
  sequence: 0,
  prefix: pfx('198.51.100.0/24'),
  entries: [{ peerIndex: 0, originatedTime: 1690000000, pathId: undefined, attributes: ribAttrs }],
};
const rib6: RibRecord = {
  kind: 'rib',
  header: hdr(13, 4, 1700000000),
  afi: 2,
  safi: 1,
  addPath: false,
  sequence: 1,
  prefix: pfx('2001:db8:1::/48'),
  entries: [{ peerIndex: 1, originatedTime: 1690000001, pathId: undefined, attributes: v6RibAttrs }],
};
const ribGeneric: RibGenericRecord = {
  kind: 'rib-generic',
  header: hdr(13, 6, 1700000000),
  afi: 1,
  safi: 128,
  addPath: false,
  sequence: 2,
  nlri: Buffer.from('70000011000000000000fde8c0a800', 'hex'),
  entries: [{ peerIndex: 0, originatedTime: 1690000002, pathId: undefined, attributes: ribAttrs }],
};
const update = encodeMessage(
  { type: 'update', withdrawn: [{ kind: 'unicast', safi: 1, prefix: pfx('203.0.113.0/24') }], attributes: ATTRS, nlri: [{ kind: 'unicast', safi: 1, prefix: pfx('198.51.100.0/24') }], errors: [] },
  ctx4,
);
const message: Bgp4mpMessageRecord = {
  kind: 'bgp4mp-message',
  header: hdr(16, 4, 1700000100),
  as4: true,
  local: false,
  addPath: false,
  peerAs: 4200000000,
  localAs: 65000,
  interfaceIndex: 0,
  afi: 1,
  peerAddress: '192.0.2.2',
  localAddress: '192.0.2.254',
  message: update,
};
const etMessage: Bgp4mpMessageRecord = { ...message, header: hdr(17, 4, 1700000101, 42) };
const state: Bgp4mpStateChangeRecord = {
  kind: 'bgp4mp-state-change',
  header: hdr(16, 5, 1700000102),
  as4: true,
  peerAs: 4200000000,
  localAs: 65000,
  interfaceIndex: 0,
  afi: 2,
  peerAddress: '2001:db8::2',
  localAddress: '2001:db8::fe',
  oldState: 5,
  newState: 6,
};
const etState: Bgp4mpStateChangeRecord = { ...state, header: hdr(17, 5, 1700000103, 999999) };
const RECORDS: WritableMrtRecord[] = [peers, rib4, rib6, ribGeneric, message, etMessage, state, etState];

/** The record as it reads back: Length recomputed, everything else equal. */
function normalised(r: WritableMrtRecord, length: number): unknown {
  return { ...r, header: { ...r.header, length } };
}

describe('MRT writer', () => {
  const file = Buffer.concat(RECORDS.map(encodeMrtRecord));

  it.each(RECORDS.map((r) => [`${r.kind} ${r.header.type}/${r.header.subtype}`, r] as const))('round-trips %s', (_name, rec) => {
    const bytes = encodeMrtRecord(rec);
    const items = [...readMrtBuffer(bytes)];
    expect(items).toHaveLength(1);
    const item = items[0];
    if (item?.kind !== 'record') throw new Error('expected a record');
    expect(item.record).toEqual(normalised(rec, bytes.length - 12));
    expect(encodeMrtRecord(item.record as WritableMrtRecord).equals(bytes)).toBe(true);
  });

  it('derives the subtype from the record fields (AS4, LOCAL, ADD-PATH, family)', () => {
    const sub = (r: WritableMrtRecord): number => encodeMrtRecord(r).readUInt16BE(6);
    expect(sub({ ...message, as4: false, peerAs: 65001 })).toBe(1);
    expect(sub({ ...message, local: true })).toBe(7);
    expect(sub({ ...message, addPath: true })).toBe(9);
    expect(sub({ ...message, as4: false, peerAs: 65001, local: true, addPath: true })).toBe(10);
    expect(sub({ ...rib4, addPath: true, entries: [{ ...rib4.entries[0], pathId: 3 } as RibRecord['entries'][number]] })).toBe(8);
    expect(sub({ ...rib6, safi: 2 })).toBe(5);
    expect(sub({ ...ribGeneric, addPath: true })).toBe(12);
    expect(sub({ ...state, as4: false, peerAs: 65001 })).toBe(0);
  });

  it('writes BGP4MP_ET with the microseconds counted in Length (RFC 6396 §3)', () => {
    const bytes = encodeMrtRecord(etState);
    expect(bytes.readUInt16BE(4)).toBe(17);
    expect(bytes.readUInt32BE(8)).toBe(bytes.length - 12);
    expect(bytes.readUInt32BE(12)).toBe(999999);
  });

  it('writes a file bgpdump -m reads as intended, and our bgpdump format agrees', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'hdvpn-mrt-'));
    try {
      const path = join(dir, 'written.mrt');
      writeFileSync(path, file);
      const out = execFileSync('bgpdump', ['-m', path], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
      expect(out.split('\n')).toEqual([
        'TABLE_DUMP2|1700000000|B|192.0.2.1|65001|198.51.100.0/24|65001 4200000000 {64512,64513}|IGP|192.0.2.1|100|10|65000:100 no-export|AG|65001 192.0.2.9|',
        'TABLE_DUMP2|1700000000|B|2001:db8::2|4200000000|2001:db8:1::/48|65002|INCOMPLETE|2001:db8::1|0|0||NAG||',
        // RIB_GENERIC: bgpdump 1.6.2 skips it.
        'BGP4MP|1700000100|W|192.0.2.2|4200000000|203.0.113.0/24',
        'BGP4MP|1700000100|A|192.0.2.2|4200000000|198.51.100.0/24|65001 4200000000 {64512,64513}|IGP|192.0.2.1|100|10|65000:100 no-export|AG|65001 192.0.2.9|',
        'BGP4MP_ET|1700000101.000042|W|192.0.2.2|4200000000|203.0.113.0/24',
        'BGP4MP_ET|1700000101.000042|A|192.0.2.2|4200000000|198.51.100.0/24|65001 4200000000 {64512,64513}|IGP|192.0.2.1|100|10|65000:100 no-export|AG|65001 192.0.2.9|',
        'BGP4MP|1700000102|STATE|2001:db8::2|4200000000|5|6',
        'BGP4MP_ET|1700000103.999999|STATE|2001:db8::2|4200000000|5|6',
        '',
      ]);
      const ours = await convertMrtToString(Readable.from([file]), 'bgpdump');
      expect(ours.text).toBe(out);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
