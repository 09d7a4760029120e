import { printConfig } from '../../../src/daemon/config/printer';
import { errorsOf, HEAD, load, yaml } from './helpers';

describe('config: fib', () => {
  it('defaults to no packet backend, the router id as tunnel source, fallback allowed, MTU 1500, and prints nothing', () => {
    const c = load(yaml(...HEAD));
    expect(c.fib).toEqual({ backend: 'none', tunnelSource: null, fallback: true, pathMtu: 1500, probeInterval: 0, probeMultiplier: 3 });
    expect(printConfig(c)).not.toMatch(/fib/);
  });

  it('reads every key and prints it back', () => {
    const c = load(yaml(...HEAD, 'fib: { backend: userspace, tunnel-source: 198.51.100.1, fallback: false, path-mtu: 9000, probe-interval: 300, probe-multiplier: 4 }'));
    expect(c.fib).toEqual({ backend: 'userspace', tunnelSource: 0xc6336401, fallback: false, pathMtu: 9000, probeInterval: 300, probeMultiplier: 4 });
    expect(printConfig(c)).toMatch(/^fib:\n  backend: userspace\n  tunnel-source: 198.51.100.1\n  fallback: false\n  path-mtu: 9000\n  probe-interval: 300\n  probe-multiplier: 4$/m);
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
});
