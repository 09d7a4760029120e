/** The pure parts of the kernel backend: text forms `ip` reads, `ip -batch` failure parsing, MPLS label entries. */
import { labelStackEntry, objectName } from '../../src/fib/backends/kernel/bpf-encap';
import { routeReplace } from '../../src/fib/backends/kernel/ip-batch';
import { parseBatchFailures } from '../../src/fib/backends/kernel/ip-runner';
import { formatFibPrefix, formatIpv6 } from '../../src/fib/address-text';

const bytes = (...groups: number[]): Uint8Array => {
  const b = new Uint8Array(16);
  groups.forEach((g, i) => {
    b[i * 2] = g >> 8;
    b[i * 2 + 1] = g & 0xff;
  });
  return b;
};

test('IPv6 text follows RFC 5952 (longest zero run compressed, first on a tie, single zero group kept)', () => {
  expect(formatIpv6(bytes(0x2001, 0xdb8, 0, 0, 0, 0, 0, 1))).toBe('2001:db8::1');
  expect(formatIpv6(bytes(0x2001, 0xdb8, 0, 1, 0, 0, 0, 1))).toBe('2001:db8:0:1::1');
  expect(formatIpv6(bytes(0x2001, 0, 0, 1, 0, 0, 1, 1))).toBe('2001::1:0:0:1:1');
  expect(formatIpv6(bytes(0x2001, 0xdb8, 0, 1, 1, 1, 1, 1))).toBe('2001:db8:0:1:1:1:1:1');
  expect(formatIpv6(new Uint8Array(16))).toBe('::');
  expect(formatFibPrefix({ afi: 1, address: 0xc0000200, length: 24 })).toBe('192.0.2.0/24');
  expect(formatFibPrefix({ afi: 2, address: bytes(0x2001, 0xdb8), length: 32 })).toBe('2001:db8::/32');
});

test('ip -force -batch failures map to their 0-based line with the messages printed before them', () => {
  const stderr = 'RTNETLINK answers: File exists\nCommand failed -:2\nError: Nexthop id does not exist.\nCommand failed -:5\n';
  expect(parseBatchFailures(stderr)).toEqual([
    { line: 1, message: 'RTNETLINK answers: File exists' },
    { line: 4, message: 'Error: Nexthop id does not exist.' },
  ]);
});

test('RFC 3032 label stack entries: label in the top 20 bits, S bit only on the bottom, TTL 64', () => {
  expect(labelStackEntry(1000, false)).toBe(((1000 << 12) | 64) >>> 0);
  expect(labelStackEntry(0xfffff, true)).toBe(0xfffff140);
});

test('eBPF object names say what they do (they show in `ip route`), and route lines take the three targets', () => {
  expect(objectName({ mode: 1, local: 0x0a000001, remote: 0x0a000002, key: 0xffffffff })).toBe('gre-10.0.0.1-10.0.0.2-k4294967295');
  expect(objectName({ mode: 4, local: 0x0a000001, remote: 0x0a000002, labels: [16, 17] })).toBe('mpls-10.0.0.1-10.0.0.2-16.17');
  expect(routeReplace('10.0.0.0/8', 1000, { type: 'nexthop', id: 7 })).toBe('route replace 10.0.0.0/8 table 1000 nhid 7');
  expect(routeReplace('10.0.0.0/8', 1000, { type: 'throw' })).toBe('route replace throw 10.0.0.0/8 table 1000');
});
