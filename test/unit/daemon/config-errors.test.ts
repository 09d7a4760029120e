import { errorsOf, HEAD, yaml } from './helpers';

/** A neighbor list whose first entry starts on line 4 (after HEAD and `neighbors:`). */
const neighbor = (...keys: string[]): string => yaml(...HEAD, 'neighbors:', '  - address: 192.0.2.2', '    asn: 65002', ...keys.map((k) => `    ${k}`));

describe('config errors name file, line and reason', () => {
  it('reports an unknown key with a suggestion', () => {
    expect(errorsOf(neighbor('hold-tme: 30'))).toEqual(["test.yaml:6: unknown key 'hold-tme' in neighbor (did you mean 'hold-time'?)"]);
    expect(errorsOf(yaml(...HEAD, 'frobnicate: 1'))).toEqual(["test.yaml:3: unknown key 'frobnicate' in the config"]);
  });

  it('reports a wrong type', () => {
    expect(errorsOf(neighbor('passive: yes'))).toEqual(["test.yaml:6: passive must be true or false, not the string 'yes'"]);
    expect(errorsOf(neighbor('hold-time: "30"'))).toEqual(["test.yaml:6: hold-time must be an integer, not the string '30'"]);
    expect(errorsOf(yaml(...HEAD, 'neighbors: { address: 192.0.2.2 }'))).toEqual(['test.yaml:3: neighbors must be a list, not a map']);
  });

  it('reports a missing required key at the line of its map', () => {
    expect(errorsOf(yaml('router-id: 192.0.2.1'))).toEqual(["test.yaml:1: the config is missing required key 'asn'"]);
    expect(errorsOf(yaml(...HEAD, 'neighbors:', '  - address: 192.0.2.2'))).toEqual(["test.yaml:4: neighbor is missing required key 'asn'"]);
  });

  it('refuses AS 0, AS_TRANS and a malformed AS', () => {
    expect(errorsOf(yaml('asn: 0', 'router-id: 192.0.2.1'))).toEqual(['test.yaml:1: AS 0 is reserved (RFC 7607) and cannot be configured']);
    expect(errorsOf(neighbor().replace('asn: 65002', 'asn: 23456'))).toEqual(['test.yaml:5: AS 23456 is AS_TRANS (RFC 6793) and cannot be configured']);
    expect(errorsOf(yaml('asn: 4294967296', 'router-id: 192.0.2.1'))).toEqual(["test.yaml:1: '4294967296' is not a valid AS number (expected 1 to 4294967294, or asdot like 1.10)"]);
    expect(errorsOf(yaml('asn: 1.10', 'router-id: 192.0.2.1'))).toEqual(['test.yaml:1: asn 1.1 was read as a decimal number; write dotted values in quotes, like "1.10"']);
  });

  it('refuses router-id 0.0.0.0 and a non-address', () => {
    expect(errorsOf(yaml('asn: 65001', 'router-id: 0.0.0.0'))).toEqual(['test.yaml:2: router-id 0.0.0.0 is not a valid BGP identifier (RFC 6286 requires a non-zero value)']);
    expect(errorsOf(yaml('asn: 65001', 'router-id: 192.0.2.256'))).toEqual(["test.yaml:2: '192.0.2.256' is not a valid IPv4 address"]);
  });

  it('refuses hold-time 1 and 2, and a keepalive that does not fit the hold time', () => {
    expect(errorsOf(neighbor('hold-time: 1'))).toEqual(['test.yaml:6: hold-time 1 is not allowed: it must be 0 or at least 3 seconds (RFC 4271 §4.2)']);
    expect(errorsOf(neighbor('hold-time: 2'))).toEqual(['test.yaml:6: hold-time 2 is not allowed: it must be 0 or at least 3 seconds (RFC 4271 §4.2)']);
    expect(errorsOf(neighbor('hold-time: 9', 'keepalive: 9'))).toEqual(["test.yaml:7: keepalive 9 must be between 1 and hold-time 9 (exclusive), or the peer's hold timer expires"]);
    expect(errorsOf(neighbor('hold-time: 0', 'keepalive: 5'))).toEqual(['test.yaml:7: keepalive must be 0 when hold-time is 0 (RFC 4271 §4.4)']);
  });

  it('accepts only the four family names', () => {
    expect(errorsOf(neighbor('families: [ipv4-unicast, ipv4]'))).toEqual([
      "test.yaml:6: unknown family 'ipv4' (expected ipv4-unicast, ipv6-unicast, vpnv4-unicast or vpnv6-unicast)",
    ]);
    expect(errorsOf(neighbor('families: [vpnv4-unicat]'))).toEqual([
      "test.yaml:6: unknown family 'vpnv4-unicat' (expected ipv4-unicast, ipv6-unicast, vpnv4-unicast or vpnv6-unicast); did you mean 'vpnv4-unicast'?",
    ]);
    expect(errorsOf(neighbor('families: [ipv4-multicast]'))).toHaveLength(1);
  });

  it('reports a duplicate neighbor address, canonical forms compared', () => {
    const text = yaml(...HEAD, 'neighbors:', '  - { address: "2001:db8::2", asn: 65002 }', '  - { address: "2001:DB8:0::2", asn: 65003 }');
    expect(errorsOf(text)).toEqual(['test.yaml:5: duplicate neighbor address 2001:db8::2 (first defined at line 4)']);
  });

  it('reports bad prefixes, RDs, route targets, communities and addresses', () => {
    const text = yaml(
      ...HEAD,
      'routes:',
      '  - { prefix: 10.0.0.1/24 }',
      '  - { prefix: 10.0.0.0/33 }',
      '  - { prefix: 10.2.0.0/24, rd: "65001", route-targets: ["65001:1"], label: 100 }',
      '  - { prefix: 10.3.0.0/24, rd: "65001:1", route-targets: ["65001:x"], label: 100 }',
      '  - { prefix: 10.4.0.0/24, communities: ["65536:1"], next-hop: 10.0.0.300 }',
    );
    expect(errorsOf(text)).toEqual([
      'test.yaml:4: prefix 10.0.0.1/24 has host bits set (did you mean 10.0.0.0/24?)',
      "test.yaml:5: '10.0.0.0/33' is not a valid prefix (expected ADDRESS/LENGTH)",
      "test.yaml:6: '65001' is not a valid route distinguisher (expected ASN:N or IPV4:N)",
      "test.yaml:7: '65001:x' is not a valid route target (expected ASN:N or IPV4:N)",
      "test.yaml:8: '10.0.0.300' is not a valid IPv4 or IPv6 address",
      "test.yaml:8: '65536:1' is not a valid community (expected ASN:N with both parts 0 to 65535, or a well-known name)",
    ]);
  });

  it('requires label and route-targets with rd, and rd with them', () => {
    expect(errorsOf(yaml(...HEAD, 'routes:', '  - prefix: 10.1.0.0/24', '    rd: "65001:100"'))).toEqual([
      'test.yaml:5: route with rd 65001:100 also needs route-targets (RFC 4364 §4.3.1)',
      'test.yaml:5: route with rd 65001:100 also needs a label (RFC 4364 §4.3.2)',
    ]);
    expect(errorsOf(yaml(...HEAD, 'routes:', '  - prefix: 10.1.0.0/24', '    label: 100'))).toEqual([
      'test.yaml:5: label needs an rd: a route without rd or vrf is a plain unicast route',
    ]);
    expect(errorsOf(yaml(...HEAD, 'routes: [{ prefix: 10.1.0.0/24, rd: "65001:1", route-targets: [], label: 100 }]'))).toEqual([
      'test.yaml:3: route-targets must not be empty for a route with rd',
    ]);
    expect(errorsOf(yaml(...HEAD, 'routes: [{ prefix: 10.1.0.0/24, rd: "65001:1", route-targets: ["65001:1"], label: 3 }]'))).toEqual([
      'test.yaml:3: label 3 is out of range (16 to 1048575)',
    ]);
  });

  it('reports a route in an unknown VRF, and a VRF route that brings its own rd', () => {
    const text = yaml(...HEAD, 'vrfs: [{ name: red, rd: "65001:1", import: ["65001:1"], export: ["65001:1"] }]', 'routes:', '  - { prefix: 0.0.0.0/0, vrf: blue }', '  - prefix: 10.0.0.0/8', '    vrf: red', '    rd: "65001:9"');
    expect(errorsOf(text)).toEqual([
      "test.yaml:5: route names unknown vrf 'blue'",
      'test.yaml:8: a route in a VRF takes its rd from the VRF, so it cannot have its own',
    ]);
  });

  it('reports duplicate VRF names and route distinguishers, across VRFs and pair halves', () => {
    const text = yaml(
      ...HEAD,
      'vrfs:',
      '  - { name: red, rd: "65001:1", import: ["65001:1"], export: ["65001:1"] }',
      '  - { name: red, rd: "65001:2", import: ["65001:1"] }',
      'half-duplex:',
      '  - name: p',
      '    upstream:   { name: up, rd: "65001:1", import: ["65000:1"] }',
      '    downstream: { name: red, rd: "65001:12", export: ["65000:2"] }',
    );
    expect(errorsOf(text)).toEqual([
      "test.yaml:5: duplicate VRF name 'red' (first defined at line 4)",
      "test.yaml:8: route distinguisher 65001:1 is already used by VRF 'red' at line 4",
      "test.yaml:9: duplicate VRF name 'red' (first defined at line 4)",
    ]);
  });

  it('reports the next-hop family and the local-address family', () => {
    expect(errorsOf(yaml(...HEAD, 'routes: [{ prefix: 10.0.0.0/8, next-hop: "2001:db8::1" }]'))).toEqual([
      'test.yaml:3: next-hop 2001:db8::1 is not of the same address family as prefix 10.0.0.0/8',
    ]);
    expect(errorsOf(neighbor('local-address: "2001:db8::1"'))).toEqual(['test.yaml:6: local-address 2001:db8::1 is not of the same address family as neighbor 192.0.2.2']);
  });

  it('checks max-prefix, ttl-security, graceful-restart and add-path', () => {
    expect(errorsOf(neighbor('max-prefix: { limit: 10, warning-only: true, restart: 30 }'))).toEqual([
      'test.yaml:6: max-prefix restart has no effect with warning-only: true, which never tears the session down',
    ]);
    expect(errorsOf(neighbor('ttl-security: 255'))).toEqual(['test.yaml:6: ttl-security 255 is out of range (1 to 254)']);
    expect(errorsOf(neighbor('graceful-restart: { restart-time: 5000 }'))).toEqual(['test.yaml:6: restart-time 5000 is out of range (0 to 4095)']);
    expect(errorsOf(neighbor('add-path: { vpnv4-unicast: both }'))).toEqual(["test.yaml:6: add-path names family vpnv4-unicast, which is not in this neighbor's families"]);
    expect(errorsOf(neighbor('add-path: { ipv4-unicast: sned }'))).toEqual(["test.yaml:6: ipv4-unicast 'sned' is not one of send, receive, both (did you mean 'send'?)"]);
  });

  it('refuses a password written inline, without repeating it', () => {
    const errors = errorsOf(neighbor('password: hunter2secret'));
    expect(errors).toEqual(['test.yaml:6: password must be { file: PATH } or { env: VARIABLE }; secrets are never written inline in the config']);
    expect(errors.join('\n')).not.toContain('hunter2secret');
  });

  it('reports YAML syntax errors with their line', () => {
    expect(errorsOf(yaml(...HEAD, 'neighbors:', '  - { address: 192.0.2.2, asn: 65002'))).toEqual([expect.stringMatching(/^test\.yaml:[45]: YAML syntax error: /)]);
    expect(errorsOf(yaml(...HEAD, 'asn: 65002'))).toEqual(['test.yaml:3: YAML syntax error: map keys must be unique']);
    expect(errorsOf('')).toEqual(['test.yaml:1: the config is empty; it needs at least asn and router-id']);
  });

  it('needs a radius section for a pair that uses RADIUS', () => {
    const text = yaml(...HEAD, 'half-duplex:', '  - name: p', '    upstream: { name: up, rd: "65001:1", import: ["65000:1"] }', '    downstream: { name: down, rd: "65001:2", export: ["65000:2"] }', '    address-server: radius');
    expect(errorsOf(text)).toEqual(["test.yaml:7: pair 'p' uses address-server radius, but there is no radius section"]);
  });
});

describe('every problem is collected in one run', () => {
  it('reports errors from every section, in line order', () => {
    const text = yaml(
      'asn: 0',
      'router-id: 0.0.0.0',
      'listen: { port: 70000 }',
      'neighbors:',
      '  - { address: 192.0.2.2, asn: 65002, hold-time: 2 }',
      '  - { address: 192.0.2.2, asn: 65003, families: [ipv4] }',
      'routes:',
      '  - { prefix: 10.0.0.0/8, vrf: nowhere }',
      'logging: { level: verbose }',
    );
    expect(errorsOf(text)).toEqual([
      'test.yaml:1: AS 0 is reserved (RFC 7607) and cannot be configured',
      'test.yaml:2: router-id 0.0.0.0 is not a valid BGP identifier (RFC 6286 requires a non-zero value)',
      'test.yaml:3: port 70000 is out of range (0 to 65535)',
      'test.yaml:5: hold-time 2 is not allowed: it must be 0 or at least 3 seconds (RFC 4271 §4.2)',
      "test.yaml:6: unknown family 'ipv4' (expected ipv4-unicast, ipv6-unicast, vpnv4-unicast or vpnv6-unicast)",
      "test.yaml:8: route names unknown vrf 'nowhere'",
      "test.yaml:9: level 'verbose' is not one of error, warn, info, debug",
    ]);
  });
});
