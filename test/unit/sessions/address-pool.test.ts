import { formatIpv4, parseIpv4 } from '../../../src/bgp/wire/values/ip';
import { parsePrefix, type Prefix } from '../../../src/bgp/wire/values/prefix';
import { AddressPool } from '../../../src/sessions/address-pool';
import { SessionError } from '../../../src/sessions/session-error';

const p = (t: string): Prefix => parsePrefix(t) ?? ((): never => { throw new Error(t); })();
const ip = (a: number): string => formatIpv4(a);

describe('AddressPool', () => {
  it('never hands out the network or broadcast address of a /30, and is exhausted after two', () => {
    const pool = new AddressPool('red', [p('100.64.0.0/30')], []);
    expect([ip(pool.allocate('a')), ip(pool.allocate('b'))]).toEqual(['100.64.0.1', '100.64.0.2']);
    expect(() => pool.allocate('c')).toThrow(SessionError);
    expect(() => pool.allocate('c')).toThrow(/address pool of pair red is exhausted \(2 of 2/);
  });

  it('uses both addresses of a /31 (RFC 3021) and the one of a /32', () => {
    const pool = new AddressPool('red', [p('100.64.0.0/31'), p('100.64.1.7/32')], []);
    expect(['a', 'b', 'c'].map((c) => ip(pool.allocate(c)))).toEqual(['100.64.0.0', '100.64.0.1', '100.64.1.7']);
  });

  it('skips excluded prefixes', () => {
    const pool = new AddressPool('red', [p('100.64.0.0/29')], [p('100.64.0.0/30'), p('100.64.0.5/32')]);
    expect(['a', 'b'].map((c) => ip(pool.allocate(c)))).toEqual(['100.64.0.4', '100.64.0.6']);
    expect(() => pool.allocate('c')).toThrow(/exhausted/);
  });

  it('gives a returning client its old address, and new clients addresses nobody remembers first', () => {
    const pool = new AddressPool('red', [p('100.64.0.0/29')], []);
    const a = pool.allocate('a');
    pool.allocate('b');
    pool.release('a');
    expect(ip(pool.allocate('c'))).toBe('100.64.0.3');
    expect(pool.allocate('a')).toBe(a);
    expect(pool.allocate('a')).toBe(a);
  });

  it('reuses a remembered address only when nothing else is free, and then never twice', () => {
    const pool = new AddressPool('red', [p('100.64.0.0/30')], []);
    pool.allocate('a');
    pool.allocate('b');
    pool.release('a');
    expect(ip(pool.allocate('c'))).toBe('100.64.0.1');
    expect(() => pool.allocate('a')).toThrow(/exhausted/);
  });

  it('refuses to restore an address somebody else holds', () => {
    const pool = new AddressPool('red', [p('100.64.0.0/24')], []);
    const x = parseIpv4('100.64.0.9') ?? 0;
    expect(pool.restore('a', x)).toBe(true);
    expect(pool.restore('b', x)).toBe(false);
    expect(pool.allocate('a')).toBe(x);
    expect(pool.allocate('c')).not.toBe(x);
  });

  it('hands out 1,000 distinct addresses from a /22 with none twice', () => {
    const pool = new AddressPool('red', [p('100.64.0.0/22')], []);
    const seen = new Set<number>();
    for (let i = 0; i < 1000; i++) seen.add(pool.allocate(`c${i}`));
    expect(seen.size).toBe(1000);
    for (let i = 0; i < 500; i++) pool.release(`c${i}`);
    for (let i = 1000; i < 1522; i++) seen.add(pool.allocate(`c${i}`));
    expect(pool.inUse).toBe(1022);
    expect(() => pool.allocate('one-more')).toThrow(/exhausted/);
  });
});
