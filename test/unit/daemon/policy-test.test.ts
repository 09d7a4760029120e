/** The daemon side of `hdvpn policy test`: the JSON answer and its errors. */
import { PolicyEngine } from '../../../src/bgp/policy/engine';
import { ControlCommandError } from '../../../src/daemon/control-server';
import { policyTest } from '../../../src/daemon/policy-test';
import { HEAD, load, yaml } from './helpers';

const config = load(
  yaml(
    ...HEAD,
    'prefix-lists: [{ name: small, entries: [{ prefix: 10.0.0.0/8, ge: 25 }] }]',
    'policies:',
    '  - name: in',
    '    terms:',
    '      - { name: too-long, match: { prefix-list: small }, action: reject }',
    '      - name: from-65002',
    '        match: { as-path: "^65002_" }',
    '        set: { local-pref: 200, community: { add: "65001:7", remove: no-export }, as-path-prepend: 1, next-hop: self }',
    '        action: accept',
    '      - { name: vpn, match: { route-target: "65000:100", rd: "65001:5" }, set: { route-target: { add: "65000:200" } }, action: accept }',
  ),
);
const engine = new PolicyEngine(config);

describe('policyTest', () => {
  it('accept: the input, the deciding term and the changed attributes', () => {
    const doc = policyTest(engine, 'in', '10.1.0.0/16 as-path "65002 65003" community no-export,65000:1 neighbor 198.51.100.2', 65001);
    expect(doc).toEqual({
      policy: 'in',
      route: {
        family: 'ipv4-unicast', prefix: '10.1.0.0/16', neighbor: '198.51.100.2', 'next-hop': '198.51.100.2', 'as-path': '65002 65003', origin: 'igp', med: null, 'local-pref': null,
        communities: ['65535:65281', '65000:1'], 'large-communities': [], 'route-targets': [], 'extended-communities': [],
      },
      action: 'accept',
      term: 'from-65002',
      result: {
        'next-hop': 'self', 'as-path': '65001 65002 65003', origin: 'igp', med: null, 'local-pref': 200,
        communities: ['65000:1', '65001:7'], 'large-communities': [], 'route-targets': [], 'extended-communities': [],
      },
      changed: ['next-hop', 'as-path', 'local-pref', 'communities'],
    });
  });

  it('reject: the term, no result', () => {
    expect(policyTest(engine, 'in', '10.1.2.0/25', 65001)).toMatchObject({ action: 'reject', term: 'too-long', result: null });
  });

  it('VPN routes: rd and route targets', () => {
    const doc = policyTest(engine, 'in', '10.1.0.0/16 rd 65001:5 route-target 65000:100', 65001);
    expect(doc).toMatchObject({ route: { family: 'vpnv4-unicast', rd: '65001:5' }, term: 'vpn', result: { 'route-targets': ['65000:100', '65000:200'] }, changed: ['route-targets'] });
  });

  it('no term matched: the default accept, nothing changed', () => {
    expect(policyTest(engine, 'in', '192.0.2.0/24', 65001)).toMatchObject({ action: 'accept', term: null, changed: [] });
  });

  it('an unknown policy or a bad route is a ControlCommandError with one line', () => {
    expect(() => policyTest(engine, 'out', '10.0.0.0/8', 65001)).toThrow(new ControlCommandError("unknown policy 'out'"));
    expect(() => policyTest(engine, 'in', '10.0.0.0/8 med x', 65001)).toThrow(new ControlCommandError("med 'x' is not a number from 0 to 4294967295"));
  });
});
