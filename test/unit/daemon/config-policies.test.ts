/** prefix-lists, policies, route-server, cluster-id, decision and the neighbors' policy keys. */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { PolicyEngine } from '../../../src/bgp/policy/engine';
import type { Json } from '../../../src/bgp/wire/json';
import { policyTest } from '../../../src/daemon/policy-test';
import { parseCommunity } from '../../../src/bgp/wire/values/community';
import { parsePrefix } from '../../../src/bgp/wire/values/prefix';
import { printConfig } from '../../../src/daemon/config/printer';
import { check, errorsOf, HEAD, load, yaml } from './helpers';

/** HEAD, then `policies:` on line 3 with one policy `p` whose first term starts on line 6. */
const withTerm = (...termLines: string[]): string => yaml(...HEAD, 'policies:', '  - name: p', '    terms:', ...termLines.map((l) => `      ${l}`));

describe('policies in the config model', () => {
  const text = yaml(
    ...HEAD,
    'cluster-id: 10.0.0.1',
    'decision: { always-compare-med: true }',
    'prefix-lists:',
    '  - name: mine',
    '    entries: [10.0.0.0/8, { prefix: "2001:db8::/32", le: 48 }]',
    'policies:',
    '  - name: in',
    '    terms:',
    '      - name: t1',
    '        match: { prefix-list: mine, community: no-export, as-path: "^65002_" }',
    '        set: { local-pref: 50, community: { add: "65001:1" }, as-path-prepend: 2 }',
    '        action: accept',
    '      - name: t2',
    '        action: reject',
    '  - name: out',
    '    terms: []',
    'route-server: { import-policy: in, export-policy: [out, in] }',
    'neighbors:',
    '  - { address: 192.0.2.2, asn: 65002, import-policy: in, export-policy: [out] }',
    'dynamic-neighbors:',
    '  - { prefix: 10.9.0.0/16, asn: 65002, export-policy: in }',
  );
  const config = load(text);

  it('holds typed definitions, a single name read as a list of one', () => {
    expect(config.clusterId).toBe(0x0a000001);
    expect(config.decision).toEqual({ alwaysCompareMed: true });
    expect(config.prefixLists).toEqual([{ name: 'mine', entries: [{ prefix: parsePrefix('10.0.0.0/8'), ge: null, le: null }, { prefix: parsePrefix('2001:db8::/32'), ge: null, le: 48 }] }]);
    const t1 = config.policies[0]?.terms[0];
    expect(t1?.match).toMatchObject({ prefixLists: ['mine'], communities: [parseCommunity('no-export')], asPath: ['^65002_'], prefixes: [] });
    expect(t1?.set).toMatchObject({ localPref: 50, communities: { replace: null, remove: [], add: [parseCommunity('65001:1')] }, asPathPrepend: { asn: null, count: 2 }, med: null });
    expect(t1?.action).toBe('accept');
    expect(config.policies[1]).toEqual({ name: 'out', terms: [] });
    expect(config.routeServer).toEqual({ importPolicy: ['in'], exportPolicy: ['out', 'in'] });
    expect(config.neighbors[0]).toMatchObject({ importPolicy: ['in'], exportPolicy: ['out'] });
    expect(config.dynamicNeighbors[0]).toMatchObject({ importPolicy: [], exportPolicy: ['in'] });
  });

  it('defaults: no policies, cluster id = router id (null), MED compared within one AS only', () => {
    const minimal = load(yaml(...HEAD));
    expect(minimal).toMatchObject({ prefixLists: [], policies: [], routeServer: { importPolicy: [], exportPolicy: [] }, clusterId: null, decision: { alwaysCompareMed: false } });
  });

  it('is what PolicyEngine compiles, directly', () => {
    const engine = new PolicyEngine(config);
    expect(engine.has('in')).toBe(true);
    expect(engine.chain(config.neighbors[0]?.importPolicy ?? []).names).toEqual(['in']);
  });

  it('prints canonically and parses back to the same model', () => {
    expect(load(printConfig(config))).toEqual(config);
    expect(printConfig(load(printConfig(config)))).toBe(printConfig(config));
  });
});

describe('policy config errors', () => {
  it('an unknown policy name, wherever it is referenced, with a suggestion', () => {
    const text = yaml(
      ...HEAD,
      'policies: [{ name: customer-in, terms: [] }]',
      'route-server: { import-policy: [customer-in, nope] }',
      'neighbors:',
      '  - { address: 192.0.2.2, asn: 65002, import-policy: custmer-in }',
      'dynamic-neighbors:',
      '  - { prefix: 10.0.0.0/8, asn: 65002, export-policy: [other] }',
    );
    expect(errorsOf(text)).toEqual([
      "test.yaml:4: import-policy names unknown policy 'nope'",
      "test.yaml:6: import-policy names unknown policy 'custmer-in' (did you mean 'customer-in'?)",
      "test.yaml:8: export-policy names unknown policy 'other'",
    ]);
  });

  it('policies may be defined after the neighbors that use them', () => {
    expect(check(yaml(...HEAD, 'neighbors: [{ address: 192.0.2.2, asn: 65002, import-policy: late }]', 'policies: [{ name: late }]'))).toEqual({ errors: [], warnings: [] });
  });

  it('the same policy twice in one list', () => {
    expect(errorsOf(yaml(...HEAD, 'policies: [{ name: a }]', 'route-server: { export-policy: [a, a] }'))).toEqual(["test.yaml:4: export-policy lists policy 'a' twice"]);
  });

  it('an unknown prefix-list name', () => {
    const text = yaml(...HEAD, 'prefix-lists: [{ name: bogons, entries: [10.0.0.0/8] }]', 'policies:', '  - name: p', '    terms:', '      - name: t', '        match: { prefix-list: [bogon] }');
    expect(errorsOf(text)).toEqual(["test.yaml:8: unknown prefix-list 'bogon' (did you mean 'bogons'?)"]);
  });

  it('bad prefixes, ge and le', () => {
    const text = yaml(
      ...HEAD,
      'prefix-lists:',
      '  - name: l',
      '    entries:',
      '      - 10.0.0.1/8',
      '      - { prefix: 10.0.0.0/16, ge: 8 }',
      '      - { prefix: 10.0.0.0/16, le: 33 }',
      '      - { prefix: 10.0.0.0/16, ge: 24, le: 20 }',
      '      - { prefix: "2001:db8::/32", le: 129 }',
      '      - { prefix: "2001:db8::/32", ge: 64, le: 128 }',
      '      - { ge: 24 }',
      '      - { prefix: 10.0.0.0/8, lt: 24 }',
    );
    expect(errorsOf(text)).toEqual([
      'test.yaml:6: prefix 10.0.0.1/8 has host bits set (did you mean 10.0.0.0/8?)',
      'test.yaml:7: ge 8 must be from the prefix length 16 to 32 for 10.0.0.0/16',
      'test.yaml:8: le 33 must be from the prefix length 16 to 32 for 10.0.0.0/16',
      'test.yaml:9: le 20 is less than ge 24 for 10.0.0.0/16, so the entry matches nothing',
      'test.yaml:10: le 129 is out of range (0 to 128)',
      "test.yaml:12: prefix-list entry is missing required key 'prefix'",
      "test.yaml:13: unknown key 'lt' in prefix-list entry (did you mean 'le'?)",
    ]);
  });

  it('an exact prefix at the maximum length, and ge equal to the length, are fine', () => {
    const text = yaml(...HEAD, 'prefix-lists: [{ name: l, entries: [192.0.2.1/32, { prefix: 10.0.0.0/8, ge: 8 }, { prefix: "::/0", le: 128 }] }]');
    expect(errorsOf(text)).toEqual([]);
  });

  it('a bad as-path regex', () => {
    expect(errorsOf(withTerm('- name: t', '  match: { as-path: ["^65001_", "(65002"] }'))).toEqual([
      "test.yaml:7: as-path '(65002' is not a valid regular expression: unterminated group",
    ]);
  });

  it('unknown keys in a policy, a term, match and set', () => {
    const text = yaml(
      ...HEAD,
      'policies:',
      '  - name: p',
      '    term: []',
      '    terms:',
      '      - name: t',
      '        matches: {}',
      '        match: { comunity: "1:1" }',
      '        set: { local-preference: 5 }',
    );
    expect(errorsOf(text)).toEqual([
      "test.yaml:5: unknown key 'term' in policy (did you mean 'terms'?)",
      "test.yaml:8: unknown key 'matches' in term (did you mean 'match'?)",
      "test.yaml:9: unknown key 'comunity' in match (did you mean 'community'?)",
      "test.yaml:10: unknown key 'local-preference' in set",
    ]);
  });

  it('duplicate policy, term and prefix-list names', () => {
    const text = yaml(
      ...HEAD,
      'prefix-lists: [{ name: l }, { name: l }]',
      'policies:',
      '  - name: p',
      '    terms: [{ name: t }, { name: t }]',
      '  - name: p',
    );
    expect(errorsOf(text)).toEqual([
      "test.yaml:3: duplicate prefix-list name 'l' (first defined at line 3)",
      "test.yaml:6: policy 'p' has two terms named 't' (first at line 6)",
      "test.yaml:7: duplicate policy name 'p' (first defined at line 5)",
    ]);
  });

  it('bad values in match and set', () => {
    const text = withTerm(
      '- name: t',
      '  match:',
      '    community: "65536:1"',
      '    route-target: [65000]',
      '    family: ipv4',
      '    neighbor: 192.0.2.300',
      '    as-path-length: { ge: 5, le: 2 }',
      '  set:',
      '    next-hop: myself',
      '    as-path-prepend: 40',
      '    community: {}',
      '  action: drop',
    );
    expect(errorsOf(text)).toEqual([
      "test.yaml:8: '65536:1' is not a valid community (expected ASN:N with both parts 0 to 65535, or a well-known name)",
      "test.yaml:9: '65000' is not a valid route target (expected ASN:N or IPV4:N)",
      "test.yaml:10: unknown family 'ipv4' (expected ipv4-unicast, ipv6-unicast, vpnv4-unicast or vpnv6-unicast)",
      "test.yaml:11: '192.0.2.300' is not a valid IPv4 or IPv6 address or prefix",
      'test.yaml:12: as-path-length le 2 is less than ge 5, so it matches nothing',
      "test.yaml:14: 'myself' is not a valid IPv4 or IPv6 address",
      'test.yaml:15: as-path-prepend 40 is out of range (1 to 16)',
      'test.yaml:16: community needs add, remove or replace',
      "test.yaml:17: action 'drop' is not one of accept, reject, next-policy",
    ]);
  });

  it('a term needs a name', () => {
    expect(errorsOf(withTerm('- action: accept'))).toEqual(["test.yaml:6: term is missing required key 'name'"]);
  });

  it('warns about set actions in a rejecting term', () => {
    expect(check(withTerm('- name: t', '  set: { med: 5 }', '  action: reject'))).toEqual({ errors: [], warnings: ["test.yaml:7: term 't' rejects the route, so its set actions have no effect"] });
  });

  it('cluster-id and decision values', () => {
    expect(errorsOf(yaml(...HEAD, 'cluster-id: 12', 'decision: { always-compare-med: yes, deterministic-med: true }'))).toEqual([
      "test.yaml:3: '12' is not a valid IPv4 address",
      "test.yaml:4: unknown key 'deterministic-med' in decision",
      "test.yaml:4: always-compare-med must be true or false, not the string 'yes'",
    ]);
  });
});

describe('docs/config.md Policies example', () => {
  const doc = readFileSync(join(__dirname, '..', '..', '..', 'docs', 'config.md'), 'utf8');
  const example = /## Policies[\s\S]*?### Example\n```yaml\n([\s\S]*?)```/.exec(doc)?.[1] ?? '';

  it('validates without warnings', () => {
    expect(example).toContain('policies:');
    expect(check(example)).toEqual({ errors: [], warnings: [] });
  });

  it('behaves as the text below it says', () => {
    const config = load(example);
    const engine = new PolicyEngine(config);
    const test = (neighbor: number, route: string): Json => {
      const n = config.neighbors[neighbor];
      if (!n) throw new Error('no such neighbor');
      // policyTest runs one policy; a neighbor's chain is checked policy by policy here.
      return n.importPolicy.map((p) => policyTest(engine, p, `${route} neighbor ${n.address}`, config.asn));
    };
    expect(test(0, '203.0.113.0/24 as-path "65002 65002"')).toMatchObject([{ action: 'accept', term: null }, { action: 'accept', term: 'own-prefixes', result: { 'local-pref': 200 } }]);
    expect(test(0, '10.0.0.0/8 as-path "65002"')).toMatchObject([{ action: 'accept', term: null }, { action: 'reject', term: 'deny' }]);
    expect(test(1, '192.0.2.0/25 as-path "65009"')).toMatchObject([{ action: 'reject', term: 'no-bogons' }]);
    expect(test(2, '10.0.0.0/24 rd 65002:1 route-target 65001:1')).toMatchObject([{ action: 'accept', term: 'red', result: { 'route-targets': ['65001:1', '65001:2'] } }]);
  });
});
