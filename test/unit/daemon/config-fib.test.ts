import { printConfig } from '../../../src/daemon/config/printer';
import { errorsOf, HEAD, load, yaml } from './helpers';

describe('config: fib', () => {
  it('defaults to no packet backend, the router id as tunnel source, fallback allowed, MTU 1500, and prints nothing', () => {
    const c = load(yaml(...HEAD));
    expect(c.fib).toEqual({ backend: 'none', tunnelSource: null, fallback: true, pathMtu: 1500, probeInterval: 0, probeMultiplier: 3, noFallbackCommunity: null, noTunnelCommunity: null, afXdp: [] });
    expect(printConfig(c)).not.toMatch(/fib/);
  });

  it('reads every key and prints it back', () => {
    const c = load(yaml(...HEAD, 'fib: { backend: userspace, tunnel-source: 198.51.100.1, fallback: false, path-mtu: 9000, probe-interval: 300, probe-multiplier: 4, no-fallback-community: "65000:901", no-tunnel-community: "65000:902", af-xdp: [eth0, ens1f0.100] }'));
    expect(c.fib).toEqual({ backend: 'userspace', tunnelSource: 0xc6336401, fallback: false, pathMtu: 9000, probeInterval: 300, probeMultiplier: 4, noFallbackCommunity: 65000 * 65536 + 901, noTunnelCommunity: 65000 * 65536 + 902, afXdp: ['eth0', 'ens1f0.100'] });
    expect(printConfig(c)).toMatch(/^fib:\n  backend: userspace\n  tunnel-source: 198.51.100.1\n  fallback: false\n  path-mtu: 9000\n  probe-interval: 300\n  probe-multiplier: 4\n  no-fallback-community: "?65000:901"?\n  no-tunnel-community: "?65000:902"?\n  af-xdp: \[ eth0, ens1f0.100 \]$/m);
    // What is printed reads back the same.
    expect(load(printConfig(c)).fib).toEqual(c.fib);
  });

  it('reports a bad backend, address, MTU and unknown key with file and line', () => {
    expect(errorsOf(yaml(...HEAD, 'fib:', '  backend: dpdk'))[0]).toMatch(/^test\.yaml:4: .*backend.*none, userspace, kernel/);
    expect(errorsOf(yaml(...HEAD, 'fib:', '  tunnel-source: 300.1.1.1'))[0]).toMatch(/^test\.yaml:4: /);
    expect(errorsOf(yaml(...HEAD, 'fib:', '  path-mtu: 100'))[0]).toMatch(/^test\.yaml:4: .*576/);
    expect(errorsOf(yaml(...HEAD, 'fib:', '  probe-interval: 5'))[0]).toMatch(/^test\.yaml:4: probe-interval 5 ms is too short/);
    expect(errorsOf(yaml(...HEAD, 'fib: { backen: userspace }'))[0]).toMatch(/^test\.yaml:3: unknown key 'backen' in fib/);
  });

  it('refuses af-xdp without the userspace backend, a bad device name and a device named twice, each at its line', () => {
    expect(errorsOf(yaml(...HEAD, 'fib:', '  backend: kernel', '  af-xdp: [eth0]'))).toEqual(['test.yaml:5: af-xdp needs backend: userspace (the backend is kernel)']);
    expect(errorsOf(yaml(...HEAD, 'fib:', '  af-xdp: [eth0]'))).toEqual(['test.yaml:4: af-xdp needs backend: userspace (the backend is none)']);
    expect(errorsOf(yaml(...HEAD, 'fib:', '  backend: userspace', '  af-xdp:', '    - eth0', '    - a-name-longer-than-15'))[0]).toMatch(/^test\.yaml:7: 'a-name-longer-than-15' is not a network device name/);
    expect(errorsOf(yaml(...HEAD, 'fib:', '  backend: userspace', '  af-xdp: [eth0/1]'))[0]).toMatch(/^test\.yaml:5: 'eth0\/1' is not a network device name/);
    expect(errorsOf(yaml(...HEAD, 'fib:', '  backend: userspace', '  af-xdp: [eth0, eth0]'))).toEqual(['test.yaml:5: af-xdp names a device twice (one AF_XDP socket per device and queue)']);
  });
});

describe('config: inform-clients and client-router', () => {
  it('reads both, prints them back, and reads the print the same', () => {
    const c = load(yaml(...HEAD, 'fib: { backend: userspace }', 'inform-clients: { tunnel: gre }', 'client-router:', '  backbone: { type: gre, remote: 198.18.0.20, key: 7 }', '  lan: [10.10.1.0/24]'));
    expect(c.informClients).toEqual({ tunnel: 'gre' });
    expect(c.clientRouter).toEqual({ backbone: { type: 'gre', remote: 0xc6120014, key: 7 }, lan: [{ afi: 1, address: 0x0a0a0100, length: 24 }] });
    const again = load(printConfig(c));
    expect([again.informClients, again.clientRouter]).toEqual([c.informClients, c.clientRouter]);
  });

  it('refuses a client router without the userspace backend, a key on ipip, and a bad LAN prefix, each at its line', () => {
    expect(errorsOf(yaml(...HEAD, 'client-router:', '  backbone: { remote: 198.18.0.20 }'))).toEqual(['test.yaml:3: a client router moves packets itself: it needs fib: { backend: userspace }']);
    expect(errorsOf(yaml(...HEAD, 'fib: { backend: userspace }', 'client-router:', '  backbone: { type: ipip, remote: 198.18.0.20, key: 7 }'))[0]).toMatch(/^test\.yaml:5: an ipip backbone tunnel has no key/);
    expect(errorsOf(yaml(...HEAD, 'fib: { backend: userspace }', 'client-router:', '  backbone: { remote: 198.18.0.20 }', '  lan: [10.10.1.1/24]'))[0]).toMatch(/^test\.yaml:6: /);
  });
});
