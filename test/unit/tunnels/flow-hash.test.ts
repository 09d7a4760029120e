import fc from 'fast-check';
import { flowHashIpv4 } from '../../../src/tunnels/flow-hash';
import { ip, ipv4Packet } from './packets';

const udp = (sport: number, dport: number, rest: number[] = []) => Buffer.from([sport >> 8, sport & 0xff, dport >> 8, dport & 0xff, 0, 8, 0, 0, ...rest]);
const hash = (b: Buffer, seed = 0) => flowHashIpv4(b, 0, b.length, seed);

describe('flowHashIpv4', () => {
  it('depends on addresses, protocol and TCP/UDP ports only', () => {
    const base = ipv4Packet({ protocol: 17, payload: udp(1000, 53) });
    const h = hash(base);
    expect(hash(ipv4Packet({ protocol: 17, payload: udp(1000, 53, [1, 2, 3]), ttl: 3, identification: 9, tos: 0xb8 }))).toBe(h);
    expect(hash(ipv4Packet({ protocol: 17, payload: udp(1001, 53) }))).not.toBe(h);
    expect(hash(ipv4Packet({ protocol: 17, payload: udp(1000, 54) }))).not.toBe(h);
    expect(hash(ipv4Packet({ protocol: 6, payload: udp(1000, 53) }))).not.toBe(h);
    expect(hash(ipv4Packet({ protocol: 17, payload: udp(1000, 53), source: ip('10.0.0.9') }))).not.toBe(h);
    expect(hash(ipv4Packet({ protocol: 17, payload: udp(1000, 53), destination: ip('10.0.0.9') }))).not.toBe(h);
  });

  it('finds the ports after IP options', () => {
    const plain = ipv4Packet({ protocol: 6, payload: udp(1, 2) });
    const withOptions = ipv4Packet({ protocol: 6, payload: udp(1, 2), options: Buffer.alloc(8, 1) });
    expect(hash(withOptions)).toBe(hash(plain));
  });

  it('ignores ports for other protocols and for every fragment, so fragments stay together', () => {
    const unfragmented = hash(ipv4Packet({ protocol: 17, payload: udp(1000, 53), moreFragments: false }));
    const first = hash(ipv4Packet({ protocol: 17, payload: udp(1000, 53), moreFragments: true, dontFragment: false }));
    const later = hash(ipv4Packet({ protocol: 17, payload: udp(7, 7), fragmentOffset: 100, dontFragment: false }));
    expect(first).toBe(later);
    expect(first).not.toBe(unfragmented);
    expect(hash(ipv4Packet({ protocol: 47, payload: udp(1, 2) }))).toBe(hash(ipv4Packet({ protocol: 47, payload: udp(3, 4) })));
  });

  it('changes with the seed, and gives 0 for junk', () => {
    const p = ipv4Packet();
    expect(hash(p, 1)).not.toBe(hash(p, 2));
    expect(hash(Buffer.alloc(10))).toBe(0);
  });

  it('spreads flows evenly over the low 4 bits (chi-square, 15 degrees of freedom)', () => {
    const buckets = new Array<number>(16).fill(0);
    const n = 16000;
    for (let i = 0; i < n; i++) {
      const h = hash(ipv4Packet({ protocol: 6, source: 0x0a000000 + (i >> 4), payload: udp(1024 + (i & 15), 443) }));
      buckets[h & 15] = (buckets[h & 15] ?? 0) + 1;
    }
    const expected = n / 16;
    const chi = buckets.reduce((s, b) => s + (b - expected) ** 2 / expected, 0);
    expect(chi).toBeLessThan(37.7); // p = 0.001
  });

  it('returns an unsigned 32-bit integer and never throws', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 64 }), (bytes) => {
        const h = hash(Buffer.from(bytes));
        expect(Number.isInteger(h) && h >= 0 && h <= 0xffffffff).toBe(true);
      }),
    );
  });
});
