/** Per-target processing at a hub: first match, count-and-continue, token-bucket rate limits, hooks, counters. */
import { parseIp } from '../../../src/bgp/wire/values/ip';
import { addressInPrefix, parsePrefix, type Prefix } from '../../../src/bgp/wire/values/prefix';
import { HubRuleTable, type HubPacket, type HubRuleDefinition } from '../../../src/vrf/hub-rules';

const p = (t: string): Prefix => parsePrefix(t) ?? (() => { throw new Error(t); })();
const ip = (t: string): Uint8Array => parseIp(t) ?? (() => { throw new Error(t); })();
const pkt = (source: string, destination: string, length = 100): HubPacket => ({ source: ip(source), destination: ip(destination), length });
const rule = (name: string, action: HubRuleDefinition['action'], r: Partial<HubRuleDefinition> = {}): HubRuleDefinition => ({ name, action, destination: [], client: [], ...r });

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

describe('HubRuleTable', () => {
  it('first matching rule decides; count rules count and go on; unmatched packets are forwarded and counted', () => {
    const t = new HubRuleTable([
      rule('acct', 'count', { client: [p('100.64.0.0/16')] }),
      rule('block', 'deny', { destination: [p('10.9.0.0/16')] }),
      rule('ok', 'permit', { destination: [p('10.0.0.0/8')], client: [p('100.64.1.0/24')] }),
    ]);
    expect(t.classify(pkt('100.64.1.5', '10.9.1.1'))).toEqual({ action: 'drop', rule: 'block' });
    expect(t.classify(pkt('100.64.1.5', '10.1.1.1'))).toEqual({ action: 'forward', rule: 'ok' });
    expect(t.classify(pkt('100.64.2.5', '10.1.1.1', 60))).toEqual({ action: 'forward', rule: null });
    expect(t.classify(pkt('192.0.2.1', '10.1.1.1', 40))).toEqual({ action: 'forward', rule: null });
    const c = t.counters();
    expect(c.rules.map((r) => [r.name, r.packets, r.bytes, r.dropped])).toEqual([
      ['acct', 3, 260, 0],
      ['block', 1, 100, 1],
      ['ok', 1, 100, 0],
    ]);
    expect(c.unmatched).toEqual({ packets: 2, bytes: 100 });
  });

  it('rate-limits with a token bucket driven by the injected clock', () => {
    let now = 0;
    const t = new HubRuleTable([rule('slow', 'rate-limit', { client: [p('100.64.0.9/32')], rate: 2, burst: 2 })], () => now);
    const send = () => t.classify(pkt('100.64.0.9', '10.1.1.1')).action;
    expect([send(), send(), send()]).toEqual(['forward', 'forward', 'drop']);
    now += 500; // half a second: one token back at 2 per second
    expect([send(), send()]).toEqual(['forward', 'drop']);
    now += 10_000; // the bucket refills to its size, no more
    expect([send(), send(), send()]).toEqual(['forward', 'forward', 'drop']);
    expect(t.counters().rules[0]).toMatchObject({ packets: 8, dropped: 3 });
    // Other clients are not limited by this rule.
    expect(t.classify(pkt('100.64.0.10', '10.1.1.1')).action).toBe('forward');
  });

  it('hands forwarded packets to hooks (NAT, inspection), which may drop them; dropped packets skip the hooks', () => {
    const t = new HubRuleTable([rule('block', 'deny', { destination: [p('10.9.0.0/16')] })]);
    const seen: string[] = [];
    t.addHook({ name: 'inspect', process: (x) => (seen.push(String(x.length)), x.length > 1000 ? 'drop' : 'forward') });
    expect(t.classify(pkt('100.64.0.1', '10.1.0.1', 1500))).toEqual({ action: 'drop', rule: null, hook: 'inspect' });
    expect(t.classify(pkt('100.64.0.1', '10.1.0.1', 100)).action).toBe('forward');
    expect(t.classify(pkt('100.64.0.1', '10.9.0.1', 100)).action).toBe('drop');
    expect(seen).toEqual(['1500', '100']);
    expect(t.counters().hookDrops).toBe(1);
    t.removeHook('inspect');
    expect(t.classify(pkt('100.64.0.1', '10.1.0.1', 1500)).action).toBe('forward');
  });
});
