import { PrefixTrie } from '../../../../src/bgp/policy/prefix-trie';
import { entry, prefix } from './helpers';

const matches = (trie: PrefixTrie, p: string): boolean => trie.matches(prefix(p));

describe('prefix-list entries (Cisco ge/le rules)', () => {
  it('without ge or le matches only the prefix itself', () => {
    const t = new PrefixTrie([entry('10.0.0.0/16')]);
    expect(matches(t, '10.0.0.0/16')).toBe(true);
    expect(matches(t, '10.0.0.0/17')).toBe(false);
    expect(matches(t, '10.0.0.0/15')).toBe(false);
    expect(matches(t, '10.1.0.0/16')).toBe(false);
  });

  it('le alone: from the prefix length up to le', () => {
    const t = new PrefixTrie([entry('10.0.0.0/16', null, 24)]);
    expect(matches(t, '10.0.0.0/16')).toBe(true);
    expect(matches(t, '10.0.255.0/24')).toBe(true);
    expect(matches(t, '10.0.255.128/25')).toBe(false);
    expect(matches(t, '10.1.0.0/24')).toBe(false);
  });

  it('ge alone: from ge up to the host length', () => {
    const t = new PrefixTrie([entry('10.0.0.0/8', 24, null)]);
    expect(matches(t, '10.0.0.0/8')).toBe(false);
    expect(matches(t, '10.2.2.0/23')).toBe(false);
    expect(matches(t, '10.2.3.0/24')).toBe(true);
    expect(matches(t, '10.2.3.4/32')).toBe(true);
  });

  it('ge and le together bound both sides, inclusive', () => {
    const t = new PrefixTrie([entry('192.168.0.0/16', 20, 22)]);
    expect(['192.168.0.0/19', '192.168.16.0/20', '192.168.4.0/22', '192.168.4.0/23'].map((p) => matches(t, p))).toEqual([false, true, true, false]);
  });

  it('0.0.0.0/0 le 32 matches everything IPv4 and nothing IPv6', () => {
    const t = new PrefixTrie([entry('0.0.0.0/0', null, 32)]);
    expect(matches(t, '0.0.0.0/0')).toBe(true);
    expect(matches(t, '255.255.255.255/32')).toBe(true);
    expect(matches(t, '2001:db8::/32')).toBe(false);
  });

  it('the default route alone matches only 0.0.0.0/0', () => {
    const t = new PrefixTrie([entry('0.0.0.0/0')]);
    expect(matches(t, '0.0.0.0/0')).toBe(true);
    expect(matches(t, '0.0.0.0/1')).toBe(false);
  });

  it('IPv6 entries, deep ones included', () => {
    const t = new PrefixTrie([entry('2001:db8::/32', 48, 48), entry('2001:db8:ffff:ffff:ffff:ffff:ffff:fffe/127')]);
    expect(matches(t, '2001:db8:1::/48')).toBe(true);
    expect(matches(t, '2001:db8::/32')).toBe(false);
    expect(matches(t, '2001:db9:1::/48')).toBe(false);
    expect(matches(t, '2001:db8:ffff:ffff:ffff:ffff:ffff:fffe/127')).toBe(true);
    expect(matches(t, '2001:db8:ffff:ffff:ffff:ffff:ffff:fffc/127')).toBe(false);
    expect(matches(t, '10.0.0.0/8')).toBe(false);
  });

  it('several entries on one node each keep their own range', () => {
    const t = new PrefixTrie([entry('10.0.0.0/8'), entry('10.0.0.0/8', 30, 32)]);
    expect(matches(t, '10.0.0.0/8')).toBe(true);
    expect(matches(t, '10.0.0.0/16')).toBe(false);
    expect(matches(t, '10.0.0.4/30')).toBe(true);
  });

  it('agrees with a linear scan over thousands of entries', () => {
    let seed = 7;
    const next = (): number => (seed = (seed * 1103515245 + 12345) >>> 0);
    const entries = Array.from({ length: 3000 }, () => {
      const len = 8 + (next() % 17);
      const addr = next() & (0xffffffff << (32 - len));
      const ge = next() % 3 === 0 ? len + (next() % 4) : null;
      const le = next() % 2 === 0 ? Math.max(ge ?? len, len) + (next() % 6) : null;
      return { prefix: { afi: 1 as const, length: len, address: addr >>> 0 }, ge, le };
    });
    const trie = new PrefixTrie(entries);
    expect(trie.size).toBe(3000);
    const linear = (p: { afi: 1; length: number; address: number }): boolean =>
      entries.some((e) => {
        const mask = e.prefix.length === 0 ? 0 : (0xffffffff << (32 - e.prefix.length)) >>> 0;
        const min = e.ge === null && e.le === null ? e.prefix.length : (e.ge ?? e.prefix.length);
        const max = e.ge === null && e.le === null ? e.prefix.length : (e.le ?? 32);
        return ((p.address & mask) >>> 0) === e.prefix.address && p.length >= min && p.length <= max;
      });
    let hits = 0;
    for (let i = 0; i < 5000; i++) {
      const src = entries[next() % entries.length];
      if (src === undefined) continue;
      const len = Math.min(32, src.prefix.length + (next() % 8));
      const mask = (0xffffffff << (32 - len)) >>> 0;
      const p = { afi: 1 as const, length: len, address: ((src.prefix.address | (next() & ~(0xffffffff << (32 - src.prefix.length)))) & mask) >>> 0 };
      const expected = linear(p);
      if (expected) hits++;
      expect(trie.matches(p)).toBe(expected);
    }
    expect(hits).toBeGreaterThan(100);
  });
});
