/**
 * Independent decoder check: packets built by the tunnel codecs are written
 * to a LINKTYPE_RAW pcap and decoded by tshark with checksum validation on;
 * the fields tshark reads must be the values we put in. tshark is installed
 * by scripts/system-deps.sh; without it this test fails, it does not skip.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { greIpv4Encapsulate, greTunnelOptions } from '../../../src/tunnels/gre-ipv4';
import { buildIcmpFragmentationNeeded, buildIcmpTimeExceeded, icmpErrorOrigin } from '../../../src/tunnels/icmp';
import { ipipEncapsulate } from '../../../src/tunnels/ipip';
import { IdentificationCounter } from '../../../src/tunnels/ipv4-header';
import { ipv4TunnelConfig } from '../../../src/tunnels/ipv4-tunnel';
import { labelPush, mplsGreEncapsulate } from '../../../src/tunnels/mpls';
import { mplsUdpEncapsulate, mplsUdpSourcePort } from '../../../src/tunnels/mpls-udp';
import { flowHashIpv4 } from '../../../src/tunnels/flow-hash';
import { writeRawIpPcap } from '../../helpers/raw-pcap';
import { ip, ipv4Packet } from './packets';

const FIELDS = [
  'frame.number',
  'ip.proto',
  'ip.ttl',
  'ip.dsfield.dscp',
  'ip.dsfield.ecn',
  'ip.flags.df',
  'ip.checksum.status',
  'ip.src',
  'ip.dst',
  'gre.proto',
  'gre.key',
  'gre.sequence_number',
  'gre.checksum.status',
  'mpls.label',
  'mpls.exp',
  'mpls.bottom',
  'mpls.ttl',
  'udp.srcport',
  'udp.dstport',
  'udp.checksum.status',
  'icmp.type',
  'icmp.code',
  'icmp.checksum.status',
  'icmp.mtu',
  '_ws.malformed',
] as const;
type Field = (typeof FIELDS)[number];

/** tshark's checksum status values. */
const BAD = '0';
const GOOD = '1';

const config = () => ipv4TunnelConfig({ source: ip('192.0.2.1'), destination: ip('192.0.2.2'), ttl: 61, identification: new IdentificationCounter(1) });
const inner = (fields = {}) => ipv4Packet({ tos: (26 << 2) | 2, ttl: 63, payload: Buffer.from([0x9c, 0x40, 0x9c, 0x41, 0, 12, 0, 0, 1, 2, 3, 4]) /* UDP 40000 -> 40001, no checksum */, ...fields });

const packets: Buffer[] = [
  /* 1 */ ipipEncapsulate(inner(), config()),
  /* 2 */ greIpv4Encapsulate(inner(), config(), greTunnelOptions({ checksum: true, key: 0x01020304, sequenceNumbers: true, nextSequence: 77 })),
  /* 3 */ greIpv4Encapsulate(inner(), config(), greTunnelOptions({ key: 4000000000 })),
  /* 4 */ mplsGreEncapsulate(inner(), labelPush([1000, 16], 5, 62), config()),
  /* 5 */ mplsUdpEncapsulate(inner(), labelPush([299792], 0, 255), config(), { sourcePort: mplsUdpSourcePort(flowHashIpv4(inner(), 0, 32)), checksum: true }),
  /* 6 */ mplsUdpEncapsulate(inner(), labelPush([17]), config(), { sourcePort: 50000, checksum: false }),
  /* 7 */ nonNull(buildIcmpTimeExceeded(inner({ ttl: 1 }), icmpErrorOrigin(ip('198.51.100.1')))),
  /* 8 */ nonNull(buildIcmpFragmentationNeeded(inner({ payload: udpDatagram(1480) }), 1476, icmpErrorOrigin(ip('198.51.100.1')))),
  /* 9, negative control: outer IP checksum broken */ corrupt(ipipEncapsulate(inner(), config()), 10),
  /* 10, negative control: GRE checksum broken */ corrupt(greIpv4Encapsulate(inner(), config(), greTunnelOptions({ checksum: true })), 24),
];

/** A UDP datagram 40000 -> 40001 of `length` octets, zeros after the header. */
function udpDatagram(length: number): Buffer {
  const b = Buffer.alloc(length);
  b.writeUInt16BE(40000, 0);
  b.writeUInt16BE(40001, 2);
  b.writeUInt16BE(length, 4);
  return b;
}

function nonNull(b: Buffer | null): Buffer {
  if (b === null) throw new Error('no ICMP error built');
  return b;
}

function corrupt(b: Buffer, at: number): Buffer {
  const copy = Buffer.from(b);
  copy[at] = (copy[at] ?? 0) ^ 0xff;
  return copy;
}

let rows: Array<Record<Field, string>> = [];

beforeAll(() => {
  const dir = mkdtempSync(join(tmpdir(), 'hdvpn-tunnels-'));
  try {
    const file = join(dir, 'tunnels.pcap');
    writeRawIpPcap(file, packets);
    const args = ['-r', file, '-o', 'ip.check_checksum:TRUE', '-o', 'udp.check_checksum:TRUE', '-d', 'udp.port==6635,mpls', '-T', 'fields'];
    for (const f of FIELDS) args.push('-e', f);
    args.push('-E', 'separator=/t', '-E', 'occurrence=a', '-E', 'aggregator=,');
    const text = execFileSync('tshark', args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
    rows = text
      .trimEnd()
      .split('\n')
      .map((line) => {
        const cells = line.split('\t');
        return Object.fromEntries(FIELDS.map((f, i) => [f, cells[i] ?? ''])) as Record<Field, string>;
      });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

const row = (n: number): Record<Field, string> => {
  const r = rows[n - 1];
  if (r === undefined) throw new Error(`tshark returned no packet ${n}`);
  return r;
};

describe('tshark decodes the tunnel codecs as intended', () => {
  it('reads every packet, none malformed', () => {
    expect(rows).toHaveLength(packets.length);
    expect(rows.filter((r) => r['_ws.malformed'] !== '').map((r) => r['frame.number'])).toEqual([]);
  });

  it('IP-in-IP: outer and inner headers, TTLs, DSCP/ECN copied, DF copied, checksums good', () => {
    const r = row(1);
    expect(r['ip.proto']).toBe('4,17');
    expect(r['ip.ttl']).toBe('61,63');
    expect(r['ip.dsfield.dscp']).toBe('26,26');
    expect(r['ip.dsfield.ecn']).toBe('2,2');
    expect(r['ip.flags.df']).toBe('1,1');
    expect(r['ip.checksum.status']).toBe(`${GOOD},${GOOD}`);
    expect(r['ip.src']).toBe('192.0.2.1,10.0.0.1');
  });

  it('GRE with checksum, key and sequence number', () => {
    const r = row(2);
    expect([r['ip.proto'], r['gre.proto'], r['gre.key'], r['gre.sequence_number'], r['gre.checksum.status']]).toEqual([
      '47,17',
      '0x0800',
      '0x01020304',
      '77',
      GOOD,
    ]);
    expect(r['ip.checksum.status']).toBe(`${GOOD},${GOOD}`);
    expect(row(3)['gre.key']).toBe('0xee6b2800');
  });

  it('MPLS in GRE: two labels, TC, S on the last, TTL', () => {
    const r = row(4);
    expect([r['gre.proto'], r['mpls.label'], r['mpls.exp'], r['mpls.bottom'], r['mpls.ttl']]).toEqual(['0x8847', '1000,16', '5,5', '0,1', '62,62']);
    expect(r['ip.checksum.status']).toBe(`${GOOD},${GOOD}`);
  });

  it('MPLS in UDP: port 6635, entropy source port, UDP checksum good or absent', () => {
    const r = row(5);
    // Outer, then the inner datagram's UDP (no checksum: status 3, not present).
    expect([r['udp.dstport'], r['udp.checksum.status'], r['mpls.label'], r['mpls.bottom']]).toEqual(['6635,40001', `${GOOD},3`, '299792', '1']);
    expect(Number(r['udp.srcport'].split(',')[0])).toBeGreaterThanOrEqual(49152);
    expect(r['ip.proto']).toBe('17,17');
    expect(row(6)['udp.checksum.status']).toBe('3,3');
    expect(row(6)['mpls.label']).toBe('17');
  });

  it('ICMP Time Exceeded and Fragmentation Needed with valid checksums and the MTU', () => {
    const te = row(7);
    expect([te['icmp.type'], te['icmp.code'], te['icmp.checksum.status']]).toEqual(['11', '0', GOOD]);
    expect(te['ip.checksum.status'].split(',')[0]).toBe(GOOD);
    expect(te['ip.src'].split(',')).toEqual(['198.51.100.1', '10.0.0.1']);
    const fn = row(8);
    expect([fn['icmp.type'], fn['icmp.code'], fn['icmp.checksum.status'], fn['icmp.mtu']]).toEqual(['3', '4', GOOD, '1476']);
  });

  it('sees the broken checksums of the negative controls (validation is really on)', () => {
    expect(row(9)['ip.checksum.status'].split(',')[0]).toBe(BAD);
    expect(row(10)['gre.checksum.status']).toBe(BAD);
  });
});
