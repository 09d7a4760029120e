/** Per-target processing at a hub, in the data plane: first match, count-and-continue, token-bucket rate limits, hooks, per-worker counters. */
import { parseIp } from '../../../src/bgp/wire/values/ip';
import { addressInPrefix, parsePrefix, type Prefix } from '../../../src/bgp/wire/values/prefix';
import { compileTargetRules, readTargetCounters, TargetFilter, type TargetHook, type TargetRule } from '../../../src/fib/target-rules';

const p = (t: string): Prefix => parsePrefix(t) ?? (() => { throw new Error(t); })();
const ip = (t: string): Uint8Array => parseIp(t) ?? (() => { throw new Error(t); })();
const v4 = (t: string): number => t.split('.').reduce((a, o) => ((a << 8) | Number(o)) >>> 0, 0);
const rule = (name: string, action: TargetRule['action'], r: Partial<TargetRule> = {}): TargetRule => ({ name, action, destination: [], client: [], ...r });
const BUF = Buffer.alloc(1500);
const send = (f: TargetFilter, src: string, dst: string, length = 100): 'forward' | 'drop' => (f.check(BUF, 0, length, v4(src), v4(dst)) ? 'forward' : 'drop');

describe('addressInPrefix', () => {
  it('matches IPv4 and IPv6, any length, never across families', () => {
    expect(addressInPrefix(ip('10.1.2.3'), p('10.0.0.0/8'))).toBe(true);
    expect(addressInPrefix(ip('11.1.2.3'), p('10.0.0.0/8'))).toBe(false);
    expect(addressInPrefix(ip('200.1.2.3'), p('0.0.0.0/0'))).toBe(true);
    expect(addressInPrefix(ip('10.1.2.3'), p('10.1.2.3/32'))).toBe(true);
    expect(addressInPrefix(ip('2001:db8:1::5'), p('2001:db8::/35'))).toBe(true);
    expect(addressInPrefix(ip('2001:db8:2000::5'), p('2001:db8::/35'))).toBe(false);
    expect(addressInPrefix(ip('10.1.2.3'), p('::/0'))).toBe(false);
  });
});

describe('TargetFilter', () => {
  it('first matching rule decides; count rules count and go on; unmatched packets are forwarded and counted', () => {
    const shared = compileTargetRules([
      rule('acct', 'count', { client: [p('100.64.0.0/16')] }),
      rule('block', 'deny', { destination: [p('10.9.0.0/16')] }),
      rule('ok', 'permit', { destination: [p('10.0.0.0/8')], client: [p('100.64.1.0/24')] }),
    ]);
    const f = new TargetFilter(shared, 0);
    expect(send(f, '100.64.1.5', '10.9.1.1')).toBe('drop');
    expect(send(f, '100.64.1.5', '10.1.1.1')).toBe('forward');
    expect(send(f, '100.64.2.5', '10.1.1.1', 60)).toBe('forward');
    expect(send(f, '192.0.2.1', '10.1.1.1', 40)).toBe('forward');
    const c = readTargetCounters(shared);
    expect(c.rules.map((r) => [r.name, r.packets, r.bytes, r.dropped])).toEqual([
      ['acct', 3, 260, 0],
      ['block', 1, 100, 1],
      ['ok', 1, 100, 0],
    ]);
    expect(c.unmatched).toEqual({ packets: 2, bytes: 100 });
  });

  it('adds up the rows of several workers', () => {
    const shared = compileTargetRules([rule('block', 'deny', { destination: [p('10.9.0.0/16')] })]);
    const a = new TargetFilter(shared, 1);
    const b = new TargetFilter(shared, 2);
    send(a, '100.64.0.1', '10.9.0.1');
    send(b, '100.64.0.1', '10.9.0.1');
    send(b, '100.64.0.1', '10.1.0.1');
    expect(readTargetCounters(shared)).toEqual({ rules: [{ name: 'block', packets: 2, bytes: 200, dropped: 2 }], unmatched: { packets: 1, bytes: 100 }, hookDrops: 0 });
  });

  it('never lets a rule of IPv6 prefixes only match IPv4 packets as if it said "any"', () => {
    const f = new TargetFilter(compileTargetRules([rule('v6', 'deny', { destination: [p('2001:db8::/32')] })]), 0);
    expect(send(f, '100.64.0.1', '10.1.0.1')).toBe('forward');
  });

  it('rate-limits with a token bucket driven by the injected clock', () => {
    let now = 0;
    const shared = compileTargetRules([rule('slow', 'rate-limit', { client: [p('100.64.0.9/32')], rate: 2, burst: 2 })]);
    const f = new TargetFilter(shared, 0, [], () => now);
    const go = (): string => send(f, '100.64.0.9', '10.1.1.1');
    expect([go(), go(), go()]).toEqual(['forward', 'forward', 'drop']);
    now += 500; // half a second: one token back at 2 per second
    expect([go(), go()]).toEqual(['forward', 'drop']);
    now += 10_000; // the bucket refills to its size, no more
    expect([go(), go(), go()]).toEqual(['forward', 'forward', 'drop']);
    expect(readTargetCounters(shared).rules[0]).toMatchObject({ packets: 8, dropped: 3 });
    // Other clients are not limited by this rule.
    expect(send(f, '100.64.0.10', '10.1.1.1')).toBe('forward');
  });

  it('hands forwarded packets to hooks (NAT, inspection), which may drop them; dropped packets skip the hooks', () => {
    const seen: number[] = [];
    const inspect: TargetHook = { name: 'inspect', process: (_b, _o, length) => (seen.push(length), length > 1000 ? 'drop' : 'forward') };
    const shared = compileTargetRules([rule('block', 'deny', { destination: [p('10.9.0.0/16')] })]);
    const f = new TargetFilter(shared, 0, [inspect]);
    expect(send(f, '100.64.0.1', '10.1.0.1', 1500)).toBe('drop');
    expect(send(f, '100.64.0.1', '10.1.0.1', 100)).toBe('forward');
    expect(send(f, '100.64.0.1', '10.9.0.1', 100)).toBe('drop');
    expect(seen).toEqual([1500, 100]);
    expect(readTargetCounters(shared).hookDrops).toBe(1);
  });
});
