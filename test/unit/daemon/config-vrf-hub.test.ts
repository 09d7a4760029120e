/** `vrfs[].hub`, VRF policies and the route-target warnings of hub-and-spoke VPNs: every problem at its line. */
import { parsePrefix } from '../../../src/bgp/wire/values/prefix';
import { check, HEAD, load, yaml } from './helpers';

const hubVrf = (...hubLines: string[]): string =>
  yaml(...HEAD, 'vrfs:', '  - name: hub', '    rd: "65001:100"', '    import: ["65000:2"]', '    export: ["65000:1"]', '    hub:', ...hubLines);

describe('hub VRFs', () => {
  it('reads announcements and rules in order, with their defaults', () => {
    const c = load(
      hubVrf(
        '      announce: [0.0.0.0/0, 10.0.0.0/8]',
        '      rules:',
        '        - { name: block, destination: 10.9.0.0/16, action: deny }',
        '        - { name: slow, client: [100.64.0.9/32, 100.64.0.10/32], action: rate-limit, rate: 500 }',
        '        - { name: all, action: count }',
      ),
    );
    const hub = c.vrfs[0]?.hub;
    expect(hub?.announce).toEqual([parsePrefix('0.0.0.0/0'), parsePrefix('10.0.0.0/8')]);
    expect(hub?.rules.map((r) => [r.name, r.action, r.destination.length, r.client.length, r.rate, r.burst])).toEqual([
      ['block', 'deny', 1, 0, null, null],
      ['slow', 'rate-limit', 0, 2, 500, null],
      ['all', 'count', 0, 0, null, null],
    ]);
    // A hub's export target is imported by spokes elsewhere: no "imported by no VRF" warning.
    expect(check(hubVrf('      announce: [0.0.0.0/0]')).warnings).toEqual([]);
  });

  it('reports each mistake in a rule at its line', () => {
    const r = check(
      hubVrf(
        '      announce: [0.0.0.0/0, 10.0.0.1/8, 0.0.0.0/0]',
        '      rules:',
        '        - { name: a, action: rate-limit }',
        '        - { name: b, action: permit, rate: 5 }',
        '        - { name: c, action: drop }',
        '        - { name: ok, action: deny, destination: 10.0.0.0/8 }',
        '        - { name: ok, action: deny, destination: 10.1.0.0/16 }',
        '        - { action: count, burst: 3 }',
      ),
    );
    expect(r.errors).toEqual([
      'test.yaml:9: prefix 10.0.0.1/8 has host bits set (did you mean 10.0.0.0/8?)',
      'test.yaml:9: hub announces 0.0.0.0/0 twice (first at line 9)',
      "test.yaml:11: rule 'a' with action rate-limit needs a rate (packets per second)",
      'test.yaml:12: rate applies only to action rate-limit, not permit',
      "test.yaml:13: action 'drop' is not one of permit, deny, rate-limit, count",
      "test.yaml:15: hub rule name 'ok' is used twice (first at line 14)",
      "test.yaml:16: hub rule is missing required key 'name'",
      'test.yaml:16: burst applies only to action rate-limit, not count',
    ]);
  });

  it('needs export targets (its announcements carry them) and warns without import targets', () => {
    const r = check(yaml(...HEAD, 'vrfs:', '  - name: hub', '    rd: "65001:100"', '    hub: { announce: [0.0.0.0/0] }'));
    expect(r.errors).toEqual(["test.yaml:6: hub VRF 'hub' needs export route targets: its announcements carry them (the hub route target)"]);
    expect(r.warnings).toEqual(["test.yaml:6: hub VRF 'hub' imports no route target, so it learns no spoke route"]);
  });

  it('warns about a rule after a catch-all rule, which is never reached', () => {
    const r = check(hubVrf('      rules:', '        - { name: everything, action: permit }', '        - { name: late, action: deny, destination: 10.0.0.0/8 }'));
    expect(r).toEqual({ errors: [], warnings: ["test.yaml:11: hub rule 'late' is never reached: rule 'everything' at line 10 matches every packet"] });
  });

  it('refuses a static route on a prefix the hub announces', () => {
    const text = `${hubVrf('      announce: [0.0.0.0/0]')}routes:\n  - { prefix: 0.0.0.0/0, vrf: hub }\n`;
    expect(check(text).errors).toEqual(["test.yaml:11: route 0.0.0.0/0 in vrf hub is also announced by the VRF's hub section; keep one of them"]);
  });
});

describe('VRF policies', () => {
  it('takes import-policy and export-policy on VRFs and pair halves, by name', () => {
    const policies = ['policies:', '  - name: p', '    terms: [{ name: t, action: accept }]'];
    const c = load(
      yaml(
        ...HEAD,
        ...policies,
        'vrfs:',
        '  - { name: red, rd: "65001:1", import: ["65001:1"], export: ["65001:1"], import-policy: p, export-policy: [p] }',
        'half-duplex:',
        '  - name: pair',
        '    upstream: { name: up, rd: "65001:11", import: ["65000:1"], import-policy: p }',
        '    downstream: { name: down, rd: "65001:12", export: ["65000:2"], export-policy: p }',
      ),
    );
    expect(c.vrfs[0]).toMatchObject({ importPolicy: ['p'], exportPolicy: ['p'], hub: null });
    expect(c.halfDuplex[0]?.upstream.importPolicy).toEqual(['p']);
    expect(c.halfDuplex[0]?.downstream.exportPolicy).toEqual(['p']);
    const bad = check(yaml(...HEAD, ...policies, 'vrfs:', '  - { name: red, rd: "65001:1", import-policy: q }'));
    expect(bad.errors).toEqual(["test.yaml:7: import-policy names unknown policy 'q' (did you mean 'p'?)"]);
  });
});

import { staticRoutesByVrf } from '../../../src/daemon/vrf-config';
import { formatPrefix } from '../../../src/bgp/wire/values/prefix';

describe('connected networks in VRFs', () => {
  const pair = (upstreamExtra: string[], downstreamExtra: string[]): string =>
    yaml(
      ...HEAD,
      'vrfs:',
      '  - { name: blue, rd: "65001:1", import: ["65001:1"], export: ["65001:1"], connected: [10.5.0.0/24] }',
      'half-duplex:',
      '  - name: red',
      '    upstream:',
      '      name: red-up',
      '      rd: "65001:11"',
      '      import: ["65000:1"]',
      ...upstreamExtra,
      '    downstream:',
      '      name: red-down',
      '      rd: "65001:12"',
      '      export: ["65000:2"]',
      ...downstreamExtra,
      '    pool: [100.64.0.0/16]',
    );

  it('become connected routes of their VRF (plain VRFs and downstream halves), exported with this node as next hop', () => {
    const c = load(pair([], ['      connected: [192.0.2.0/28]']));
    const routes = staticRoutesByVrf(c);
    expect([...routes].map(([vrf, list]) => [vrf, list.map((r) => [r.kind, formatPrefix(r.prefix), r.nextHop])])).toEqual([
      ['blue', [['connected', '10.5.0.0/24', null]]],
      ['red-down', [['connected', '192.0.2.0/28', null]]],
    ]);
  });

  it('are refused in an upstream VRF, at their line: clients would meet there without the hub', () => {
    const r = check(pair(['      connected: [192.0.2.16/28]'], []));
    expect(r.errors).toHaveLength(1);
    expect(r.errors[0]).toMatch(/:11: upstream VRF 'red-up' cannot have connected networks: client traffic would reach them without the hub; put them in the downstream VRF$/);
  });
});
