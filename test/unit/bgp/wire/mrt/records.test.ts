/** MRT record decoding from hand-built bytes, one test per record type (RFC 6396, RFC 8050). */
import { decodeMrtRecord, MrtError, readMrtBuffer, type MrtHeader, type MrtRecord } from '../../../../../src/bgp/wire/mrt';

/** Hex with spaces and comments (`# ...` to end of line) to bytes. */
function hx(text: string): Buffer {
  return Buffer.from(text.replace(/#[^\n]*/g, '').replace(/\s+/g, ''), 'hex');
}

function header(type: number, subtype: number, length: number, microseconds?: number): MrtHeader {
  return { timestamp: 1_400_000_000, type, subtype, length, microseconds };
}

function decode(type: number, subtype: number, body: Buffer): MrtRecord {
  return decodeMrtRecord(header(type, subtype, body.length), body);
}

describe('TABLE_DUMP_V2 (RFC 6396 §4.3)', () => {
  it('decodes a PEER_INDEX_TABLE with an IPv4/2-octet and an IPv6/4-octet peer', () => {
    const body = hx(`
      c0000201            # collector BGP ID 192.0.2.1
      0004 74657374       # view name "test"
      0002                # peer count
      00 0a000001 c0000202 fde8                              # IPv4, 2-octet AS 65000
      03 0a000002 20010db8000000000000000000000001 fa56ea00  # IPv6 + AS4, AS 4200000000
    `);
    const r = decode(13, 1, body);
    expect(r).toEqual({
      kind: 'peer-index-table',
      header: header(13, 1, body.length),
      collectorBgpId: '192.0.2.1',
      viewName: 'test',
      peers: [
        { bgpId: '10.0.0.1', address: '192.0.2.2', ipv6: false, asn: 65000, as4: false },
        { bgpId: '10.0.0.2', address: '2001:db8::1', ipv6: true, asn: 4200000000, as4: true },
      ],
    });
  });

  it('decodes RIB_IPV4_UNICAST with two entries, attributes kept raw', () => {
    const body = hx(`
      0000002a        # sequence 42
      18 c63364       # 198.51.100.0/24
      0002            # entry count
      0000 53a8f000 0004 40010100   # peer 0, originated, 4 octets of attributes (ORIGIN IGP)
      0001 53a8f001 0000            # peer 1, no attributes
    `);
    const r = decode(13, 2, body);
    if (r.kind !== 'rib') throw new Error(r.kind);
    expect(r.afi).toBe(1);
    expect(r.safi).toBe(1);
    expect(r.addPath).toBe(false);
    expect(r.sequence).toBe(42);
    expect(r.prefix).toEqual({ afi: 1, length: 24, address: 0xc6336400 });
    expect(r.entries.map((e) => [e.peerIndex, e.originatedTime, e.pathId, e.attributes.toString('hex')])).toEqual([
      [0, 0x53a8f000, undefined, '40010100'],
      [1, 0x53a8f001, undefined, ''],
    ]);
  });

  it('decodes RIB_IPV6_UNICAST_ADDPATH with a path identifier per entry (RFC 8050 §4.1)', () => {
    const body = hx(`
      00000001
      20 20010db8     # 2001:db8::/32
      0001
      0000 00000001 00000007 0000   # peer 0, time 1, path id 7, no attributes
    `);
    const r = decode(13, 10, body);
    if (r.kind !== 'rib') throw new Error(r.kind);
    expect([r.afi, r.safi, r.addPath]).toEqual([2, 1, true]);
    expect(r.entries[0]?.pathId).toBe(7);
    expect(Buffer.from(r.prefix.afi === 2 ? r.prefix.address : []).toString('hex')).toBe('20010db8000000000000000000000000');
  });

  it('decodes RIB_IPV4_MULTICAST as SAFI 2', () => {
    const r = decode(13, 3, hx('00000000 08 0a 0000'));
    expect(r.kind === 'rib' && [r.afi, r.safi, r.entries.length]).toEqual([1, 2, 0]);
  });

  it('decodes RIB_GENERIC with a VPNv4 NLRI kept in its MP encoding', () => {
    const nlri = '70 000011 0000fde800000064 c0a800'; // /112 bits: label 1, RD 65000:100, 192.168.0/24
    const body = hx(`00000005 0001 80 ${nlri} 0001 0000 00000000 0000`);
    const r = decode(13, 6, body);
    if (r.kind !== 'rib-generic') throw new Error(r.kind);
    expect([r.afi, r.safi, r.addPath, r.sequence]).toEqual([1, 128, false, 5]);
    expect(r.nlri.toString('hex')).toBe(hx(nlri).toString('hex'));
    expect(r.entries).toHaveLength(1);
  });

  it('reads the path id of RIB_GENERIC_ADDPATH from the NLRI, not from the entries (RFC 8050 §4.2)', () => {
    const body = hx('00000005 0001 01 00000009 18 c00002 0001 0000 00000000 0000');
    const r = decode(13, 12, body);
    if (r.kind !== 'rib-generic') throw new Error(r.kind);
    expect(r.addPath).toBe(true);
    expect(r.nlri.toString('hex')).toBe('0000000918c00002');
    expect(r.entries[0]?.pathId).toBeUndefined();
  });

  it('handles a RIB record longer than 64 KiB (32-bit Length)', () => {
    const attrs = Buffer.alloc(60_000, 0);
    const entry = Buffer.concat([hx('0000 00000000'), Buffer.from([0xea, 0x60]), attrs]);
    const body = Buffer.concat([hx('00000001 00 0002'), entry, entry]);
    expect(body.length).toBeGreaterThan(0x10000);
    const file = Buffer.concat([hx(`53a8f000 000d 0002 ${body.length.toString(16).padStart(8, '0')}`), body]);
    const items = [...readMrtBuffer(file)];
    expect(items).toHaveLength(1);
    const it0 = items[0];
    expect(it0?.kind === 'record' && it0.record.kind === 'rib' && it0.record.entries.map((e) => e.attributes.length)).toEqual([60_000, 60_000]);
  });
});

describe('TABLE_DUMP v1 (RFC 6396 §4.2)', () => {
  it('decodes an IPv4 entry', () => {
    const body = hx(`
      0000 0001      # view 0, sequence 1
      c6336400 18    # 198.51.100.0/24
      01 53a8f000    # status, originated
      c0000202 fde8  # peer 192.0.2.2 AS65000
      0004 40010100  # ORIGIN IGP
    `);
    const r = decode(12, 1, body);
    if (r.kind !== 'table-dump') throw new Error(r.kind);
    expect([r.afi, r.viewNumber, r.sequence, r.status, r.originatedTime, r.peerAddress, r.peerAs]).toEqual([1, 0, 1, 1, 0x53a8f000, '192.0.2.2', 65000]);
    expect(r.prefix).toEqual({ afi: 1, length: 24, address: 0xc6336400 });
    expect(r.attributes.toString('hex')).toBe('40010100');
  });
});

describe('BGP4MP (RFC 6396 §4.4, RFC 8050 §5)', () => {
  const keepalive = 'ffffffffffffffffffffffffffffffff 0013 04';

  it('decodes STATE_CHANGE (2-octet ASNs, IPv4)', () => {
    const r = decode(16, 0, hx('fde8 fde9 0000 0001 c0000202 c0000201 0001 0002'));
    expect(r).toMatchObject({ kind: 'bgp4mp-state-change', as4: false, peerAs: 65000, localAs: 65001, afi: 1, peerAddress: '192.0.2.2', localAddress: '192.0.2.1', oldState: 1, newState: 2 });
  });

  it('decodes STATE_CHANGE_AS4 over IPv6', () => {
    const r = decode(16, 5, hx('fa56ea00 0000fde9 0003 0002 20010db8000000000000000000000002 20010db8000000000000000000000001 0005 0006'));
    expect(r).toMatchObject({ kind: 'bgp4mp-state-change', as4: true, peerAs: 4200000000, interfaceIndex: 3, afi: 2, peerAddress: '2001:db8::2', oldState: 5, newState: 6 });
  });

  it("accepts Zebra's 8-octet STATE_CHANGE without addresses", () => {
    const r = decode(16, 0, hx('011e fde9 0001 0002'));
    expect(r).toMatchObject({ kind: 'bgp4mp-state-change', peerAs: 286, localAs: 65001, noAddresses: true, peerAddress: '0.0.0.0', oldState: 1, newState: 2 });
  });

  it.each([
    [1, false, false, false],
    [4, true, false, false],
    [6, false, true, false],
    [7, true, true, false],
    [8, false, false, true],
    [9, true, false, true],
    [10, false, true, true],
    [11, true, true, true],
  ])('decodes MESSAGE subtype %i (as4=%s local=%s addPath=%s)', (subtype, as4, local, addPath) => {
    const ases = as4 ? '0000fde8 0000fde9' : 'fde8 fde9';
    const r = decode(16, subtype, hx(`${ases} 0000 0001 c0000202 c0000201 ${keepalive}`));
    expect(r).toMatchObject({ kind: 'bgp4mp-message', as4, local, addPath, peerAs: 65000, localAs: 65001, peerAddress: '192.0.2.2' });
    expect(r.kind === 'bgp4mp-message' && r.message.toString('hex')).toBe(hx(keepalive).toString('hex'));
  });

  it('keeps the microseconds of BGP4MP_ET', () => {
    const file = hx(`53a8f000 0011 0000 00000018 000f4240 fde8 fde9 0000 0001 c0000202 c0000201 0001 0002`);
    const items = [...readMrtBuffer(file)];
    const it0 = items[0];
    if (it0?.kind !== 'record') throw new Error('expected a record');
    expect(it0.record.header).toEqual({ timestamp: 0x53a8f000, type: 17, subtype: 0, length: 24, microseconds: 1_000_000 });
    expect(it0.record.kind).toBe('bgp4mp-state-change');
  });

  it('reports unknown types and subtypes as unsupported, not as errors', () => {
    expect(decode(11, 0, hx('00')).kind).toBe('unsupported');
    expect(decode(16, 3, hx('00')).kind).toBe('unsupported');
    expect(decode(13, 7, hx('00')).kind).toBe('unsupported');
  });
});

describe('damaged records', () => {
  it('throws a typed malformed-record error when the body is shorter than its fields', () => {
    expect(() => decodeMrtRecord(header(16, 4, 6), hx('0000fde8 0000'))).toThrow(MrtError);
    let caught: unknown;
    try {
      decodeMrtRecord(header(13, 2, 7), hx('00000001 18 c633'), 1234);
    } catch (e) {
      caught = e;
    }
    expect(caught).toBeInstanceOf(MrtError);
    expect(caught).toMatchObject({ reason: 'malformed-record', offset: 1234 });
  });

  it('rejects an unsupported address family in BGP4MP', () => {
    expect(() => decode(16, 1, hx('fde8 fde9 0000 0003 00000000'))).toThrow(/address family 3/);
  });

  it('skips a malformed record and goes on with the next one', () => {
    const bad = hx('53a8f000 000d 0002 00000003 000000'); // RIB body cut short, framing intact
    const good = hx('53a8f000 0010 0000 00000008 011e fde9 0001 0002');
    const kinds = [...readMrtBuffer(Buffer.concat([bad, good]))].map((i) => (i.kind === 'error' ? `error:${i.error.reason}:${i.error.offset}` : i.record.kind));
    expect(kinds).toEqual(['error:malformed-record:0', 'bgp4mp-state-change']);
  });

  it('ends with truncated-record when the file stops inside a body', () => {
    const good = hx('53a8f000 0010 0000 00000008 011e fde9 0001 0002');
    const cut = hx('53a8f000 0010 0000 00000008 011e');
    const items = [...readMrtBuffer(Buffer.concat([good, cut]))];
    expect(items.map((i) => i.kind)).toEqual(['record', 'error']);
    const last = items[1];
    expect(last?.kind === 'error' && [last.error.reason, last.error.offset, last.error.header?.length]).toEqual(['truncated-record', 20, 8]);
  });

  it('ends with truncated-header when the file stops inside a header', () => {
    const items = [...readMrtBuffer(hx('53a8f000 0010'))];
    expect(items.map((i) => (i.kind === 'error' ? i.error.reason : i.kind))).toEqual(['truncated-header']);
  });
});
