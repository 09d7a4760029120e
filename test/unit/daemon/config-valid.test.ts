import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseRd } from '../../../src/bgp/wire/values/rd';
import { parseRouteTarget } from '../../../src/bgp/wire/values/ext-community';
import { parsePrefix } from '../../../src/bgp/wire/values/prefix';
import { builtinConfig, defaultControlSocket, BUILTIN_ASN, BUILTIN_PORT } from '../../../src/daemon/config/defaults';
import { printConfig } from '../../../src/daemon/config/printer';
import { check, HEAD, load, yaml } from './helpers';

const fixture = (name: string): string => readFileSync(join(__dirname, 'fixtures', name), 'utf8');

describe('a full config', () => {
  const config = load(fixture('full.yaml'));

  it('validates with no warnings', () => {
    expect(check(fixture('full.yaml'))).toEqual({ errors: [], warnings: [] });
  });

  it('holds the top-level settings as typed values', () => {
    expect(config.asn).toBe(4200000001);
    expect(config.routerId).toBe(0xc0000201);
    expect(config.listen).toEqual({ enabled: true, address: '::', port: 1179 });
    expect(config.logging).toEqual({ level: 'debug', format: 'json', file: '/var/log/hdvpn.log' });
  });

  it('holds every neighbor option, with families in canonical order and the address canonical', () => {
    const [first, second, third] = config.neighbors;
    expect(first).toMatchObject({
      address: '198.51.100.2', asn: 65002, port: 1790, passive: true, families: ['ipv4-unicast', 'vpnv4-unicast'],
      password: { source: 'file', path: '/etc/hdvpn/peer.key' }, routeServerClient: true, holdTime: 30, keepalive: 5, connectRetry: 10,
      ttlSecurity: { enabled: true, hops: 1 }, localAddress: '198.51.100.1', description: 'FRR on the lab box',
      maxPrefix: { action: 'teardown', limit: 1000, restartInterval: 60, warningThreshold: 90 },
      gracefulRestart: { enabled: true, restartTime: 90, staleRoutesTime: 300 }, addPath: { 'ipv4-unicast': 'both', 'vpnv4-unicast': 'receive' },
    });
    expect(second).toMatchObject({ address: '2001:db8::2', asn: 65546, holdTime: 0, keepalive: 0, password: { source: 'env', variable: 'HDVPN_PEER_KEY' } });
    expect(second?.maxPrefix).toEqual({ action: 'warning-only', limit: 500, warningThreshold: 75 });
    expect(third?.maxPrefix).toEqual({ action: 'teardown', limit: 200000, warningThreshold: 75, restartInterval: 0 });
  });

  it('tells the three kinds of route apart', () => {
    expect(config.routes.map((r) => r.kind)).toEqual(['unicast', 'vpn', 'vrf', 'vrf']);
    const vpn = config.routes[1];
    expect(vpn?.kind === 'vpn' && vpn.rd).toEqual(parseRd('65001:100'));
    expect(vpn?.kind === 'vpn' && vpn.routeTargets).toEqual([parseRouteTarget('65001:100'), parseRouteTarget('192.0.2.1:7')]);
    expect(config.routes[0]?.communities).toEqual([65001 * 65536 + 1, 0xffffff01]);
  });

  it('holds VRFs, pairs and RADIUS', () => {
    expect(config.vrfs[1]).toMatchObject({ name: 'blue', labelMode: 'per-prefix' });
    expect(config.halfDuplex[0]?.pool).toEqual([parsePrefix('100.64.0.0/16')]);
    expect(config.halfDuplex[1]?.addressServer).toBe('radius');
    expect(config.radius?.servers[0]).toEqual({ address: '192.0.2.50', authPort: 1812, accountingPort: 1813, secret: { source: 'file', path: '/etc/hdvpn/radius.secret' } });
  });

  it('is frozen', () => {
    expect(Object.isFrozen(config)).toBe(true);
    expect(Object.isFrozen(config.neighbors[0])).toBe(true);
    expect(Object.isFrozen(config.neighbors[0]?.families)).toBe(true);
  });
});

describe('docs/config.md', () => {
  it('shows a full example that validates without warnings', () => {
    const doc = readFileSync(join(__dirname, '..', '..', '..', 'docs', 'config.md'), 'utf8');
    const example = /## A full example[\s\S]*?```yaml\n([\s\S]*?)```/.exec(doc)?.[1] ?? '';
    expect(example).toContain('half-duplex:');
    expect(check(example)).toEqual({ errors: [], warnings: [] });
  });
});

describe('canonical printing', () => {
  it('prints the full config exactly as the golden file', () => {
    expect(printConfig(load(fixture('full.yaml')))).toBe(fixture('full.golden.yaml'));
  });

  it('parses its own output back to the same model', () => {
    const config = load(fixture('full.yaml'));
    expect(load(printConfig(config))).toEqual(config);
  });

  it('is a fixed point: printing the golden file gives the golden file', () => {
    expect(printConfig(load(fixture('full.golden.yaml')))).toBe(fixture('full.golden.yaml'));
  });

  it('round-trips the built-in default and a config with listening off', () => {
    const builtin = builtinConfig({}, 1000);
    expect(load(printConfig(builtin))).toEqual(builtin);
    const off = load(yaml(...HEAD, 'listen: false'));
    expect(load(printConfig(off))).toEqual(off);
  });
});

describe('defaults', () => {
  it('fills every absent key of a minimal config', () => {
    const config = load(yaml(...HEAD, 'neighbors:', '  - { address: 192.0.2.2, asn: 65002 }', '  - { address: "2001:db8::2", asn: 65003 }'));
    expect(config.listen).toEqual({ enabled: true, address: '0.0.0.0', port: 179 });
    expect(config.control).toEqual({ socket: '/tmp/hdvpn-test.sock' });
    expect(config.logging).toEqual({ level: 'info', format: 'text', file: null });
    expect(config.radius).toBeNull();
    expect(config.neighbors[0]).toEqual({
      address: '192.0.2.2', asn: 65002, port: 179, passive: false, localAddress: null, families: ['ipv4-unicast'], description: null,
      password: null, routeServerClient: false, routeReflectorClient: false, holdTime: 90, keepalive: 30, connectRetry: 120,
      ttlSecurity: { enabled: false }, maxPrefix: null, gracefulRestart: { enabled: true, restartTime: 120, staleRoutesTime: 360 }, addPath: {},
      importPolicy: [], exportPolicy: [],
    });
    expect(config.neighbors[1]?.families).toEqual(['ipv6-unicast']);
  });

  it('derives keepalive from hold-time (RFC 4271 §10: one third)', () => {
    expect(load(yaml(...HEAD, 'neighbors: [{ address: 192.0.2.2, asn: 65002, hold-time: 9 }]')).neighbors[0]?.keepalive).toBe(3);
  });

  it('treats port 0 and listen: false alike: do not listen', () => {
    expect(load(yaml(...HEAD, 'listen: { address: 127.0.0.1, port: 0 }')).listen).toEqual({ enabled: false });
    expect(load(yaml(...HEAD, 'listen: false')).listen).toEqual({ enabled: false });
  });

  it('has a built-in config for a laptop: loopback, unprivileged port, private AS, user-writable socket', () => {
    const config = builtinConfig({ XDG_RUNTIME_DIR: '/run/user/1000' }, 1000);
    expect(config).toMatchObject({ asn: BUILTIN_ASN, routerId: 0x7f000001, listen: { enabled: true, address: '127.0.0.1', port: BUILTIN_PORT }, neighbors: [] });
    expect(BUILTIN_ASN).toBeGreaterThanOrEqual(64512);
    expect(BUILTIN_PORT).toBeGreaterThan(1023);
    expect(config.control.socket).toBe('/run/user/1000/hdvpn.sock');
  });

  it('picks the control socket by who runs the daemon', () => {
    expect(defaultControlSocket({}, 0)).toBe('/run/hdvpn/hdvpn.sock');
    expect(defaultControlSocket({ XDG_RUNTIME_DIR: '/run/user/1000' }, 1000)).toBe('/run/user/1000/hdvpn.sock');
    expect(defaultControlSocket({}, 1000)).toBe('/tmp/hdvpn-1000.sock');
  });

  it('accepts YAML anchors and aliases', () => {
    const config = load(yaml(...HEAD, 'neighbors:', '  - { address: 192.0.2.2, asn: &peer-as 65002 }', '  - { address: 192.0.2.3, asn: *peer-as }'));
    expect(config.neighbors.map((n) => n.asn)).toEqual([65002, 65002]);
  });
});
