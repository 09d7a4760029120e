/** bgpdump 1.6.2's text forms (inet_ntop.c fmt_ipv6, bgpdump_lib.c aspath/community strings and AS4 merge), and the sinks they are written to. */
import type { AsPathSegment } from '../../../src/bgp/wire/values/as-path';
import { parseIpv6 } from '../../../src/bgp/wire/values/ip';
import { bgpdumpAsPath, bgpdumpCommunities, bgpdumpIpv6, bgpdumpMergeAs4Path } from '../../../src/mrt/bgpdump-text';
import { ByteSink, StringSink } from '../../../src/mrt/text-sink';

const v6 = (t: string): Uint8Array => {
  const b = parseIpv6(t);
  if (!b) throw new Error(t);
  return b;
};
const seq = (...asns: number[]): AsPathSegment => ({ kind: 'sequence', asns });
const set = (...asns: number[]): AsPathSegment => ({ kind: 'set', asns });

describe('bgpdumpIpv6', () => {
  it.each([
    // bgpdump's own round-trip cases (test_fmt_ip)
    ['fe80::', 'fe80::'],
    ['2001:db8::1', '2001:db8::1'],
    ['::ffff:192.168.2.1', '::ffff:192.168.2.1'],
    ['::192.168.1.2', '::192.168.1.2'],
    ['2001:7f8:30::2:1:0:8447', '2001:7f8:30::2:1:0:8447'],
    // differences from RFC 5952: a single zero group is compressed too
    ['2001:db8:0:1:1:1:1:1', '2001:db8::1:1:1:1:1'],
    ['::', '::'],
    ['::1', '::1'],
    ['::2', '::0.0.0.2'],
    ['1:0:0:2:0:0:0:3', '1:0:0:2::3'],
    ['1:0:0:2:3:0:0:4', '1::2:3:0:0:4'],
  ])('%s → %s', (input, want) => {
    expect(bgpdumpIpv6(v6(input))).toBe(want);
  });
});

describe('bgpdumpAsPath', () => {
  it('prints sequences, sets and confederation segments with bgpdump spacing', () => {
    expect(bgpdumpAsPath([seq(1, 2), set(3, 4)])).toBe('1 2 {3,4}');
    expect(bgpdumpAsPath([{ kind: 'confed-sequence', asns: [65001, 65002] }, seq(3), { kind: 'confed-set', asns: [5, 6] }])).toBe('(65001 65002) 3 [5,6]');
    expect(bgpdumpAsPath([])).toBe('');
  });

  it('gives up near 8000 characters with "..." as bgpdump does', () => {
    const long = bgpdumpAsPath([seq(...new Array<number>(2000).fill(4200000000))]);
    expect(long.endsWith('...')).toBe(true);
    expect(long.length).toBeLessThan(8000);
  });
});

describe('bgpdumpMergeAs4Path', () => {
  it('replaces the tail of AS_PATH with AS4_PATH (RFC 6793 §4.2.3)', () => {
    expect(bgpdumpMergeAs4Path([seq(7018, 23456, 23456)], [seq(4200000000, 4200000001)])).toEqual([seq(7018), seq(4200000000, 4200000001)]);
  });

  it('keeps AS_PATH when AS4_PATH is longer', () => {
    expect(bgpdumpMergeAs4Path([seq(1)], [seq(2, 3)])).toBeNull();
  });

  it('repeats the first AS_PATH segment while filling the head, as bgpdump 1.6.2 does', () => {
    // AS_PATH count 4 ({3,4} counts 1), AS4_PATH count 1: bgpdump copies segment 0 (length 2) twice, trimming the second.
    expect(bgpdumpMergeAs4Path([seq(1, 2), set(3, 4), seq(5)], [seq(9)])).toEqual([seq(1, 2), seq(1), seq(9)]);
  });
});

describe('bgpdumpCommunities', () => {
  it('names no-export, no-advertise and 0xFFFFFF03 ("local-AS"), others as a:b', () => {
    expect(bgpdumpCommunities([0xffffff01, 0xffffff02, 0xffffff03, 0xfde80064, 0xffff029a])).toBe(' no-export no-advertise local-AS 65000:100 65535:666');
  });
});

describe('text sinks', () => {
  it('StringSink and ByteSink write the same text, repeats included', () => {
    const a = new StringSink();
    const b = new ByteSink('latin1', 16);
    for (const sink of [a, b]) {
      for (let i = 0; i < 3000; i++) {
        const m = sink.mark();
        sink.text(`line ${i}|`);
        sink.repeat(m, sink.mark());
        sink.octet(i & 0xff);
        sink.text('/');
        sink.uint(i * 1_000_003);
        sink.bytes(Buffer.from('|tail'));
        sink.byte(0x7c);
        sink.ipv4((i * 2_654_435_761) >>> 0);
        sink.byte(0x0a);
      }
    }
    const text = a.value;
    expect(b.take().toString('latin1')).toBe(text);
    const last = (2999 * 2_654_435_761) >>> 0;
    expect(text.split('\n')[2999]).toBe(`line 2999|line 2999|${2999 & 0xff}/${(2999 * 1_000_003) >>> 0}|tail|${last >>> 24}.${(last >>> 16) & 0xff}.${(last >>> 8) & 0xff}.${last & 0xff}`);
  });

  it('ByteSink writes every digit count of uint and the edges of ipv4', () => {
    const values = [0, 9, 10, 99, 100, 65535, 65536, 999_999_999, 1_000_000_000, 2 ** 31 - 1, 2 ** 31, 2 ** 32 - 1];
    const b = new ByteSink('latin1', 4);
    for (const v of values) {
      b.uint(v);
      b.byte(0x20);
    }
    for (const a of [0, 0xffffffff, 0x0a000001, 0x64c80a09]) {
      b.ipv4(a);
      b.byte(0x20);
    }
    expect(b.take().toString('latin1')).toBe(`${values.join(' ')} 0.0.0.0 255.255.255.255 10.0.0.1 100.200.10.9 `);
  });
});
