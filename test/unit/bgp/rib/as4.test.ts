import { fromOldSpeaker, toOldSpeaker } from '../../../../src/bgp/rib/as4';
import type { PathAttribute } from '../../../../src/bgp/wire/attributes/types';
import { decodeMessage, encodeMessage } from '../../../../src/bgp/wire/message';
import { withContext } from '../../../../src/bgp/wire/context';
import { ipv4Prefix } from '../../../../src/bgp/wire/values/prefix';

const seq = (...asns: number[]) => ({ kind: 'sequence' as const, asns });

describe('RFC 6793 toward an OLD speaker (§4.2.2)', () => {
  it('adds AS4_PATH (without confederation segments) and AS4_AGGREGATOR only when an ASN does not fit', () => {
    const attrs: PathAttribute[] = [
      { type: 'as-path', segments: [{ kind: 'confed-sequence', asns: [65010] }, seq(4200000000, 65002)] },
      { type: 'aggregator', asn: 4200000001, address: '192.0.2.9' },
    ];
    const out = toOldSpeaker(attrs);
    expect(out.find((a) => a.type === 'as4-path')).toEqual({ type: 'as4-path', segments: [seq(4200000000, 65002)] });
    expect(out.find((a) => a.type === 'as4-aggregator')).toEqual({ type: 'as4-aggregator', asn: 4200000001, address: '192.0.2.9' });
    expect(toOldSpeaker([{ type: 'as-path', segments: [seq(65001)] }])).toEqual([{ type: 'as-path', segments: [seq(65001)] }]);
  });

  it('on the wire: AS_TRANS (23456) in the 2-octet AS_PATH, the real ASN in AS4_PATH, and back again', () => {
    const old = withContext({ fourOctetAs: false });
    const attrs = toOldSpeaker([{ type: 'origin', origin: 0 }, { type: 'as-path', segments: [seq(4200000000, 65002)] }, { type: 'next-hop', nextHop: '192.0.2.1' }]);
    const bytes = encodeMessage({ type: 'update', withdrawn: [], attributes: attrs, nlri: [{ kind: 'unicast', safi: 1, prefix: ipv4Prefix(0x0a000000, 8) }], errors: [] }, old);
    const back = decodeMessage(bytes, old);
    if (back.type !== 'update') throw new Error('not an update');
    expect(back.attributes.find((a) => a.type === 'as-path')).toEqual({ type: 'as-path', segments: [seq(23456, 65002)] });
    const merged = fromOldSpeaker(back.attributes);
    expect(merged.find((a) => a.type === 'as-path')).toEqual({ type: 'as-path', segments: [seq(4200000000, 65002)] });
    expect(merged.some((a) => a.type === 'as4-path')).toBe(false);
  });
});

describe('RFC 6793 from an OLD speaker (§4.2.3)', () => {
  it('keeps the leading ASNs that OLD speakers prepended after the NEW ones', () => {
    // 65001 (OLD) prepended to a path that went through 4200000000 (NEW) and 65003.
    const merged = fromOldSpeaker([
      { type: 'as-path', segments: [seq(65001, 23456, 65003)] },
      { type: 'as4-path', segments: [seq(4200000000, 65003)] },
    ]);
    expect(merged).toEqual([{ type: 'as-path', segments: [seq(65001), seq(4200000000, 65003)] }]);
  });
  it('ignores AS4_PATH longer than AS_PATH', () => {
    const merged = fromOldSpeaker([{ type: 'as-path', segments: [seq(23456)] }, { type: 'as4-path', segments: [seq(4200000000, 65003)] }]);
    expect(merged).toEqual([{ type: 'as-path', segments: [seq(23456)] }]);
  });
  it('ignores AS4_* when an OLD speaker aggregated (AGGREGATOR is not AS_TRANS), uses AS4_AGGREGATOR otherwise', () => {
    const stale = fromOldSpeaker([
      { type: 'as-path', segments: [seq(65001, 23456)] },
      { type: 'aggregator', asn: 65001, address: '192.0.2.1' },
      { type: 'as4-path', segments: [seq(4200000000)] },
    ]);
    expect(stale).toEqual([{ type: 'as-path', segments: [seq(65001, 23456)] }, { type: 'aggregator', asn: 65001, address: '192.0.2.1' }]);
    const used = fromOldSpeaker([
      { type: 'aggregator', asn: 23456, address: '192.0.2.1' },
      { type: 'as4-aggregator', asn: 4200000000, address: '192.0.2.1' },
    ]);
    expect(used).toEqual([{ type: 'aggregator', asn: 4200000000, address: '192.0.2.1' }]);
  });
});
