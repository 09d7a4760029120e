/**
 * RFC 7606 outcomes over third-party corpora: FRR's topotest cases, real-world
 * incident vectors, GoBGP fuzz crashers. Each malformed attribute is put into
 * an otherwise valid UPDATE (ORIGIN, AS_PATH, NEXT_HOP and one IPv4 route).
 */
import * as fs from 'fs';
import * as path from 'path';
import { decodeUpdateBody } from '../../../../src/bgp/wire/messages/update';
import { decodeAttributeList, decodeNlriList, encodeAttributeList } from '../../../../src/bgp/wire/attributes';
import { withContext, type CodecContext } from '../../../../src/bgp/wire/context';
import { BgpError } from '../../../../src/bgp/wire/errors';
import { strongestAction } from '../../../../src/bgp/wire/rfc7606';
import { catchBgpError, hex } from '../../../helpers/bgp';

const FIXTURES = path.join(__dirname, '../../../fixtures/malformed');

function readTsv(file: string): Record<string, string>[] {
  const [head, ...rows] = fs.readFileSync(path.join(FIXTURES, file), 'utf8').split('\n').filter((l) => l.length > 0);
  const cols = (head ?? '').split('\t');
  return rows.map((r) => Object.fromEntries(r.split('\t').map((v, i) => [cols[i] ?? `c${i}`, v])));
}

const VALID = new Map<number, string>([
  [1, '40010100'], // ORIGIN IGP
  [2, '40020602010000fde9'], // AS_PATH 65001 (4-octet)
  [3, '400304c0000201'], // NEXT_HOP 192.0.2.1
]);
const NLRI = '180a0101'; // 10.1.1.0/24

function attrLen(attrs: string): string {
  return (attrs.length / 2).toString(16).padStart(4, '0');
}

/** The case's attribute replaces the valid one of its type or is added in type order. */
function buildUpdate(type: number, tlv: string): Buffer {
  const attrs = new Map(VALID);
  attrs.set(type, tlv);
  const joined = [...attrs.entries()].sort((a, b) => a[0] - b[0]).map(([, v]) => v).join('');
  return hex(`0000 ${attrLen(joined)} ${joined} ${NLRI}`);
}

function nextHopTlv(address: string): string {
  return `400304${Buffer.from(address.split('.').map(Number)).toString('hex')}`;
}

/**
 * Where the RFC and FRR differ we follow the RFC (PROTOCOLS.md: RFCs win).
 * RFC 6793 §6: a malformed AS4_PATH is attribute discard; FRR withdraws.
 */
const RFC_OVERRIDES: Readonly<Record<string, string>> = { 'as4path-seg-type-0': 'discard' };

const ctxFor = (sort: 'ebgp' | 'ibgp'): CodecContext => withContext({ ibgp: sort === 'ibgp', fourOctetAs: true });

describe('FRR RFC 7606 topotest cases', () => {
  const rows = readTsv('frr-rfc7606-cases.tsv');
  it('has all 88 cases', () => expect(rows).toHaveLength(88));

  const cases = rows.flatMap((r) =>
    (['ebgp', 'ibgp'] as const)
      .filter((sort) => !(r.skip_peer_sorts ?? '').split(',').includes(sort))
      .map((sort) => ({ name: `${r.suite}/${r.case} ${sort}`, row: r, sort, outcome: RFC_OVERRIDES[r.case ?? ''] ?? (sort === 'ebgp' ? r.outcome_ebgp : r.outcome_ibgp) })),
  );

  it.each(cases)('$name → $outcome', ({ row, sort, outcome }) => {
    const override = row.nexthop_override ?? '';
    const type = override ? 3 : Number(row.attr_type);
    const tlv = override ? nextHopTlv(override) : (row.attr_tlv_hex ?? '');
    const body = buildUpdate(type, tlv);
    const ctx = ctxFor(sort);
    if (outcome === 'session-reset') {
      const [code, subcode] = (row.expected_notification ?? '').split('/').map(Number);
      const e = catchBgpError(() => decodeUpdateBody(body, ctx));
      expect({ code: e.code, subcode: e.subcode, action: e.action }).toEqual({ code, subcode, action: 'session-reset' });
      return;
    }
    const msg = decodeUpdateBody(body, ctx);
    expect(msg.nlri).toHaveLength(1);
    const strongest = strongestAction(msg.errors);
    if (outcome === 'withdraw') {
      expect(strongest).toBe('treat-as-withdraw');
      expect(msg.errors.some((e) => e.attributeType === type && e.action === 'treat-as-withdraw')).toBe(true);
    } else if (outcome === 'discard') {
      expect(strongest === null || strongest === 'attribute-discard').toBe(true);
      if (type >= 253) {
        // Unrecognised optional attributes are not errors: kept raw with their flags for the RIB (RFC 4271 §5).
        expect(msg.errors).toEqual([]);
        expect(msg.attributes).toContainEqual({ type: 'unknown', code: type, flags: Number(row.attr_flags_hex), value: hex(row.attr_value_hex ?? '') });
      } else {
        expect(msg.errors.some((e) => e.attributeType === type && e.action === 'attribute-discard')).toBe(true);
        expect(msg.attributes.some((a) => a.type === 'unknown' && a.code === type)).toBe(false);
      }
    } else {
      throw new Error(`unexpected outcome ${outcome}`);
    }
  });

  it('the valid UPDATE the cases are built around has no errors', () => {
    for (const sort of ['ebgp', 'ibgp'] as const) expect(decodeUpdateBody(buildUpdate(1, '40010100'), ctxFor(sort)).errors).toEqual([]);
  });
});

describe('real-world vectors', () => {
  const rows = new Map(readTsv('real-world-hex-vectors.tsv').map((r) => [r.id ?? '', r]));
  const bytesOf = (id: string): Buffer => hex(rows.get(id)?.hex ?? '');
  const ctx4 = withContext({ fourOctetAs: true, ibgp: false });

  it('2025-05-20 Prefix-SID incident: attribute discard, route kept (RFC 8669 §6)', () => {
    const msg = decodeUpdateBody(bytesOf('nanog-2025-05-20-prefix-sid-zeroed').subarray(19), ctx4);
    expect(msg.errors).toEqual([expect.objectContaining({ attributeType: 40, action: 'attribute-discard' })]);
    expect(msg.nlri).toEqual([{ kind: 'unicast', safi: 1, prefix: { afi: 1, length: 24, address: 0x2dc6b800 } }]);
    expect(msg.attributes).toContainEqual({ type: 'as-path', segments: [{ kind: 'sequence', asns: [3356, 9002, 9304, 135338, 151326, 138077, 984, 395793] }] });
    expect(msg.attributes).toContainEqual({ type: 'next-hop', nextHop: '213.242.73.73' });
    expect(msg.attributes.find((a) => a.type === 'communities')).toMatchObject({ communities: expect.arrayContaining([0x0d1c0002]) });
  });

  it('January 2019 attribute 255: kept byte-exact with its Partial flag, never an error', () => {
    const attr = bytesOf('frr-issue-3656-attr255-2019');
    const { attributes, errors } = decodeAttributeList(attr, ctx4);
    expect(errors).toEqual([]);
    expect(attributes).toEqual([{ type: 'unknown', code: 255, flags: 0xe0, value: attr.subarray(3) }]);
    expect(encodeAttributeList(attributes, ctx4).equals(attr)).toBe(true);
    const msg = decodeUpdateBody(buildUpdate(255, attr.toString('hex')), ctx4);
    expect(msg.errors).toEqual([]);
  });

  it('2009 AS4_PATH with confederation segments: segments dropped, no reset (RFC 6793 §6)', () => {
    const { attributes, errors } = decodeAttributeList(bytesOf('juniper-kb13623-as4path-confed'), withContext({ fourOctetAs: false }));
    expect(attributes).toEqual([{ type: 'as4-path', flags: 0xe0, segments: [{ kind: 'sequence', asns: [10] }] }]);
    expect(errors).toEqual([expect.objectContaining({ attributeType: 17, action: 'attribute-discard' })]);
  });

  it.each(['frr-d8482bf0-update-unknown-attr-only', 'frr-6814f2e0-update-zero-len-attr255'])('%s: unparsable NLRI resets with 3/10 (RFC 7606 §5.3)', (id) => {
    const e = catchBgpError(() => decodeUpdateBody(bytesOf(id).subarray(19), ctx4));
    expect([e.code, e.subcode, e.action]).toEqual([3, 10, 'session-reset']);
  });

  it('GoBGP labeled-unicast withdrawal echoing two labels: walked to the S bit', () => {
    const nlri = decodeNlriList(1, 4, bytesOf('rustbgpd-651-gobgp-multilabel-withdraw'), withContext({}), true);
    expect(nlri).toEqual([{ kind: 'labeled', prefix: { afi: 1, length: 24, address: 0xc6336500 }, labels: [] }]);
  });

  it('non-UPDATE messages (OPEN, NOTIFICATION, bad marker) belong to other codecs; fed to the UPDATE decoder they only give BgpError or a decode', () => {
    for (const id of ['frr-reproducer-open', 'nanog-2025-09-shutdown-communication', 'nanog-2025-09-shutdown-communication-ctrlchar', 'gobgp-fuzz-crasher-1']) {
      expect(rows.get(id)?.kind).toBe('bgp-message');
      expectOnlyBgpErrorOrDecode(bytesOf(id).subarray(19));
    }
  });
});

function expectOnlyBgpErrorOrDecode(body: Buffer): void {
  for (const ctx of [withContext({ fourOctetAs: true }), withContext({ fourOctetAs: false, ibgp: false, addPath: new Set(['1/1']) })]) {
    try {
      decodeUpdateBody(body, ctx);
    } catch (e) {
      if (!(e instanceof BgpError)) throw e;
    }
  }
}

describe('GoBGP bad-len fuzz crashers', () => {
  const dir = path.join(FIXTURES, 'gobgp-bad-len');
  const files = fs.readdirSync(dir).sort();
  it('has the 11 files', () => expect(files).toHaveLength(11));
  it.each(files)('%s: only a BgpError or a clean decode', (file) => {
    const raw = fs.readFileSync(path.join(dir, file));
    // The header codec rejects these (ASCII-zero marker); here the body alone is attacked, cut where the length field says.
    const declared = raw.length >= 18 ? raw.readUInt16BE(16) : raw.length;
    expectOnlyBgpErrorOrDecode(raw.subarray(Math.min(19, raw.length), Math.max(19, Math.min(declared, raw.length))));
    expectOnlyBgpErrorOrDecode(raw.subarray(Math.min(19, raw.length)));
  });
});
