/**
 * Independent decoder check: messages built with our encoder are written to a
 * pcap and decoded by tshark; the fields tshark reads must be the values we put in.
 * tshark is installed by scripts/system-deps.sh; without it this test fails.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { encodeMessage, decodeMessage } from '../../src/bgp/wire/message';
import { withContext } from '../../src/bgp/wire/context';
import type { BgpMessage } from '../../src/bgp/wire/messages/types';
import { parsePrefix, type Prefix } from '../../src/bgp/wire/values/prefix';
import { parseRd } from '../../src/bgp/wire/values/rd';
import { parseRouteTarget } from '../../src/bgp/wire/values/ext-community';
import { parseCommunity } from '../../src/bgp/wire/values/community';
import { writeBgpPcap } from '../helpers/pcap-writer';

const ctx = withContext({ fourOctetAs: true });
const pfx = (t: string): Prefix => {
  const p = parsePrefix(t);
  if (!p) throw new Error(`bad prefix ${t}`);
  return p;
};
const rd = (t: string) => {
  const r = parseRd(t);
  if (!r) throw new Error(`bad rd ${t}`);
  return r;
};
const rt = (t: string) => {
  const r = parseRouteTarget(t);
  if (!r) throw new Error(`bad rt ${t}`);
  return r;
};
const comm = (t: string): number => {
  const c = parseCommunity(t);
  if (c === null) throw new Error(`bad community ${t}`);
  return c;
};

const messages: BgpMessage[] = [
  {
    type: 'open',
    version: 4,
    myAs: 23456,
    holdTime: 90,
    bgpId: '192.0.2.1',
    capabilities: [
      { type: 'multiprotocol', afi: 1, safi: 1 },
      { type: 'multiprotocol', afi: 1, safi: 128 },
      { type: 'route-refresh' },
      { type: 'graceful-restart', restarting: true, notification: false, restartTime: 120, families: [{ afi: 1, safi: 128, forwardingPreserved: true }] },
      { type: 'four-octet-as', asn: 4200000000 },
      { type: 'add-path', families: [{ afi: 1, safi: 1, mode: 'both' }] },
      { type: 'fqdn', hostname: 'pe1', domain: 'example.net' },
    ],
  },
  {
    type: 'update',
    withdrawn: [{ kind: 'unicast', safi: 1, prefix: pfx('198.51.100.0/24') }],
    attributes: [
      { type: 'origin', origin: 0 },
      { type: 'as-path', segments: [{ kind: 'sequence', asns: [65002, 4200000000] }, { kind: 'set', asns: [65004, 65005] }] },
      { type: 'next-hop', nextHop: '192.0.2.7' },
      { type: 'med', med: 50 },
      { type: 'local-pref', localPref: 200 },
      { type: 'aggregator', asn: 65002, address: '192.0.2.9' },
      { type: 'communities', communities: [comm('65001:1'), comm('no-export')] },
      { type: 'originator-id', originatorId: '10.0.0.1' },
      { type: 'cluster-list', clusterIds: ['10.0.0.2', '10.0.0.3'] },
      { type: 'large-communities', communities: [{ globalAdmin: 4200000000, localData1: 1, localData2: 2 }] },
    ],
    nlri: [
      { kind: 'unicast', safi: 1, prefix: pfx('203.0.113.0/24') },
      { kind: 'unicast', safi: 1, prefix: pfx('10.128.0.0/9') },
    ],
    errors: [],
  },
  {
    type: 'update',
    withdrawn: [],
    attributes: [
      {
        type: 'mp-reach',
        afi: 1,
        safi: 128,
        nextHop: { address: '192.0.2.1', rd: { type: 0, admin: 0, assigned: 0 } },
        nlri: [
          { kind: 'vpn', rd: rd('65000:100'), labels: [16], prefix: pfx('10.1.1.0/24') },
          { kind: 'vpn', rd: rd('192.0.2.1:7'), labels: [1001], prefix: pfx('10.2.0.0/16') },
        ],
      },
      { type: 'origin', origin: 2 },
      { type: 'as-path', segments: [] },
      { type: 'local-pref', localPref: 100 },
      { type: 'extended-communities', communities: [rt('65000:100'), rt('192.0.2.1:7'), rt('4200000000:9')] },
    ],
    nlri: [],
    errors: [],
  },
  {
    type: 'update',
    withdrawn: [],
    attributes: [{ type: 'mp-unreach', afi: 1, safi: 128, nlri: [{ kind: 'vpn', rd: rd('65000:100'), labels: [], prefix: pfx('10.1.1.0/24') }] }],
    nlri: [],
    errors: [],
  },
  { type: 'notification', code: 6, subcode: 2, data: Buffer.concat([Buffer.from([11]), Buffer.from('maintenance')]), shutdownMessage: 'maintenance' },
  { type: 'route-refresh', afi: 1, safi: 128, subtype: 'request' },
  { type: 'keepalive' },
];

const FIELDS = [
  'bgp.type',
  'bgp.open.myas',
  'bgp.open.holdtime',
  'bgp.open.identifier',
  'bgp.cap.type',
  'bgp.cap.4as',
  'bgp.cap.mp.safi',
  'bgp.cap.gr.timers.restart_time',
  'bgp.cap.orf.fqdn.hostname',
  'bgp.update.path_attribute.as_path_segment.as4',
  'bgp.update.path_attribute.next_hop',
  'bgp.update.path_attribute.multi_exit_disc',
  'bgp.update.path_attribute.local_pref',
  'bgp.update.path_attribute.community_as',
  'bgp.update.path_attribute.community_value',
  'bgp.update.path_attribute.community_wellknown',
  'bgp.large_communities.ga',
  'bgp.update.path_attribute.originator_id',
  'bgp.path_attribute.cluster_id',
  'bgp.nlri_prefix',
  'bgp.withdrawn_prefix',
  'bgp.rd',
  'bgp.label_stack',
  'bgp.ext_com.value_as2',
  'bgp.ext_com.value_IP4',
  'bgp.ext_com.value_as4',
  'bgp.update.path_attribute.mp_reach_nlri.next_hop.ipv4',
  'bgp.mp_reach_nlri_ipv4_prefix',
  'bgp.mp_unreach_nlri_ipv4_prefix',
  'bgp.notify.major_error',
  'bgp.notify.minor_error_cease',
  'bgp.notify.communication',
  'bgp.route_refresh.safi',
  'bgp.update.path_attribute.aggregator_as',
  'bgp.update.path_attribute.aggregator_origin',
] as const;
type Field = (typeof FIELDS)[number];
type Row = Record<Field, string[]>;

function tshark(path: string): Row[] {
  const args = ['-r', path, '-d', 'tcp.port==179,bgp', '-T', 'fields', '-E', 'occurrence=a', '-E', 'aggregator=|', '-E', 'separator=\t'];
  for (const f of FIELDS) args.push('-e', f);
  const out = execFileSync('tshark', args, { encoding: 'utf8' });
  return out
    .split('\n')
    .filter((l) => l.length > 0)
    .map((line) => {
      const cols = line.split('\t');
      const row = {} as Row;
      FIELDS.forEach((f, i) => {
        const v = cols[i] ?? '';
        row[f] = v === '' ? [] : v.split('|');
      });
      return row;
    });
}

describe('tshark decodes what we encode', () => {
  let dir = '';
  let rows: Row[] = [];
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'hdvpn-tshark-'));
    const path = join(dir, 'ours.pcap');
    writeBgpPcap(path, messages.map((m) => encodeMessage(m, ctx)));
    rows = tshark(path);
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  const row = (i: number): Row => {
    const r = rows[i];
    if (!r) throw new Error(`tshark printed no frame ${i}`);
    return r;
  };

  it('sees one frame per message with our message types', () => {
    expect(rows.map((r) => r['bgp.type'])).toEqual([['1'], ['2'], ['2'], ['2'], ['3'], ['5'], ['4']]);
  });

  it('OPEN: AS_TRANS, hold time, identifier, capabilities', () => {
    const r = row(0);
    expect(r['bgp.open.myas']).toEqual(['23456']);
    expect(r['bgp.open.holdtime']).toEqual(['90']);
    expect(r['bgp.open.identifier']).toEqual(['192.0.2.1']);
    expect(r['bgp.cap.type']).toEqual(['1', '1', '2', '64', '65', '69', '73']);
    expect(r['bgp.cap.4as']).toEqual(['4200000000']);
    expect(r['bgp.cap.mp.safi']).toEqual(['1', '128']);
    expect(r['bgp.cap.gr.timers.restart_time']).toEqual(['120']);
    expect(r['bgp.cap.orf.fqdn.hostname']).toEqual(['pe1']);
  });

  it('UPDATE: AS path, next hop, MED, local pref, communities, RR attributes, prefixes', () => {
    const r = row(1);
    expect(r['bgp.update.path_attribute.as_path_segment.as4']).toEqual(['65002', '4200000000', '65004', '65005']);
    expect(r['bgp.update.path_attribute.next_hop']).toEqual(['192.0.2.7']);
    expect(r['bgp.update.path_attribute.multi_exit_disc']).toEqual(['50']);
    expect(r['bgp.update.path_attribute.local_pref']).toEqual(['200']);
    expect(r['bgp.update.path_attribute.aggregator_as']).toEqual(['65002']);
    expect(r['bgp.update.path_attribute.aggregator_origin']).toEqual(['192.0.2.9']);
    // tshark shows a well-known community (RFC 1997 NO_EXPORT) in its own field, not as AS:value.
    expect(r['bgp.update.path_attribute.community_as']).toEqual(['65001']);
    expect(r['bgp.update.path_attribute.community_value']).toEqual(['1']);
    expect(r['bgp.update.path_attribute.community_wellknown']).toEqual(['0xffffff01']);
    expect(r['bgp.large_communities.ga']).toEqual(['4200000000']);
    expect(r['bgp.update.path_attribute.originator_id']).toEqual(['10.0.0.1']);
    expect(r['bgp.path_attribute.cluster_id']).toEqual(['10.0.0.2', '10.0.0.3']);
    expect(r['bgp.nlri_prefix']).toEqual(['203.0.113.0', '10.128.0.0']);
    expect(r['bgp.withdrawn_prefix']).toEqual(['198.51.100.0']);
  });

  it('VPNv4 UPDATE: RD, label, route targets in three forms, next hop', () => {
    const r = row(2);
    expect(r['bgp.rd']).toEqual(['65000:100', '192.0.2.1:7']);
    expect(r['bgp.label_stack'].map((s) => s.replace(/\s*\(.*\)$/, ''))).toEqual(['16', '1001']);
    expect(r['bgp.mp_reach_nlri_ipv4_prefix']).toEqual(['10.1.1.0', '10.2.0.0']);
    expect(r['bgp.update.path_attribute.mp_reach_nlri.next_hop.ipv4']).toEqual(['192.0.2.1']);
    expect(r['bgp.ext_com.value_as2']).toEqual(['65000']);
    expect(r['bgp.ext_com.value_IP4']).toEqual(['192.0.2.1']);
    expect(r['bgp.ext_com.value_as4']).toEqual(['4200000000']);
  });

  it('VPNv4 withdrawal, NOTIFICATION with shutdown communication, ROUTE-REFRESH', () => {
    expect(row(3)['bgp.mp_unreach_nlri_ipv4_prefix']).toEqual(['10.1.1.0']);
    expect(row(3)['bgp.rd']).toEqual(['65000:100']);
    expect(row(4)['bgp.notify.major_error']).toEqual(['6']);
    expect(row(4)['bgp.notify.minor_error_cease']).toEqual(['2']);
    expect(row(4)['bgp.notify.communication']).toEqual(['maintenance']);
    expect(row(5)['bgp.route_refresh.safi']).toEqual(['128']);
  });

  it('our decoder reads back what it wrote', () => {
    for (const m of messages) {
      expect(decodeMessage(encodeMessage(m, ctx), ctx)).toEqual(m);
    }
  });
});
