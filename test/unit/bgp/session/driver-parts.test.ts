/** Small parts of the driver: the manual clock, address ranges, max-prefix data, GR eligibility, last-error text. */
import { ManualClock } from '../../../../src/bgp/session/clock';
import { parseRange, rangeContains } from '../../../../src/bgp/session/address-range';
import { maxPrefixCease, checkPrefixCount } from '../../../../src/bgp/session/max-prefix';
import { downText } from '../../../../src/bgp/session/down-text';
import { normalizeAddress } from '../../../../src/bgp/session/socket';
import { shutdownNotification } from '../../../../src/bgp/wire/messages/notification';

describe('ManualClock', () => {
  it('fires timers in deadline order, each at its own time, and honours cancel', () => {
    const clock = new ManualClock();
    const fired: string[] = [];
    clock.setTimer(300, () => fired.push(`c@${clock.now()}`));
    clock.setTimer(100, () => {
      fired.push(`a@${clock.now()}`);
      clock.setTimer(50, () => fired.push(`d@${clock.now()}`));
    });
    const b = clock.setTimer(200, () => fired.push('b'));
    b.cancel();
    clock.advance(1000);
    expect(fired).toEqual(['a@100', 'd@150', 'c@300']);
    expect(clock.now()).toBe(1000);
    expect(clock.pending).toBe(0);
  });
});

describe('dynamic neighbor ranges', () => {
  it('matches IPv4 and IPv6 addresses by prefix', () => {
    const v4 = parseRange('10.1.0.0/16');
    const v6 = parseRange('2001:db8:8000::/33');
    if (v4 === null || v6 === null) throw new Error('ranges did not parse');
    expect(rangeContains(v4, '10.1.255.3')).toBe(true);
    expect(rangeContains(v4, '10.2.0.1')).toBe(false);
    expect(rangeContains(v4, '2001:db8::1')).toBe(false);
    expect(rangeContains(v6, '2001:db8:8000::1')).toBe(true);
    expect(rangeContains(v6, '2001:db8:7fff::1')).toBe(false);
    expect(parseRange('10.1.0.1/16')).toBeNull();
  });

  it('an IPv4 peer on a dual-stack socket is matched by its IPv4 address', () => {
    expect(normalizeAddress('::ffff:127.0.0.1')).toBe('127.0.0.1');
    expect(normalizeAddress('2001:DB8::1')).toBe('2001:db8::1');
  });
});

describe('max-prefix (RFC 4486)', () => {
  it('Cease 6/1 data is AFI(2) SAFI(1) limit(4)', () => {
    const cease = maxPrefixCease(1, 128, 1000);
    expect(cease.subcode).toBe(1);
    expect(Buffer.from(cease.data ?? []).toString('hex')).toBe('00018000' + '0003e8');
  });

  it('warns at the threshold and exceeds strictly above the limit', () => {
    const cfg = { limit: 100, warningOnly: false, restartSeconds: 0, warningThreshold: 75 };
    expect(checkPrefixCount(cfg, 74)).toBe('ok');
    expect(checkPrefixCount(cfg, 75)).toBe('threshold');
    expect(checkPrefixCount(cfg, 100)).toBe('threshold');
    expect(checkPrefixCount(cfg, 101)).toBe('exceeded');
  });
});

describe('last error text', () => {
  it('names the NOTIFICATION, its direction and the RFC 9003 message', () => {
    const n = shutdownNotification(2, 'maintenance');
    expect(downText({ type: 'peer-notification', notification: n }, null, null)).toBe('received NOTIFICATION 6/2 Cease/Administrative Shutdown: maintenance');
    expect(downText({ type: 'stopped', manual: true }, { ...n, shutdownMessage: undefined }, null)).toBe('sent NOTIFICATION 6/2 Cease/Administrative Shutdown: maintenance');
    expect(downText({ type: 'connection-failed' }, null, 'connection refused')).toBe('connection refused');
  });
});
