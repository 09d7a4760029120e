/** Each match condition, through the engine: a term that accepts when matched, after it a reject-all term. */
import type { MatchDefinition } from '../../../../src/bgp/policy/definitions';
import { community, engine, entry, large, policy, prefix, route, rt, term, type RouteSpec } from './helpers';
import { parseRd } from '../../../../src/bgp/wire/values/rd';

function matcher(match: Partial<MatchDefinition>, prefixLists: { name: string; entries: ReturnType<typeof entry>[] }[] = []): (spec: RouteSpec) => boolean {
  const chain = engine([policy('p', term('hit', match, {}, 'accept'), term('miss', {}, {}, 'reject'))], prefixLists).chain(['p']);
  return (spec) => chain.evaluate(route(spec)).action === 'accept';
}

const rd = (text: string) => {
  const v = parseRd(text);
  if (v === null) throw new Error(text);
  return v;
};

describe('match conditions', () => {
  it('a term without conditions matches every route', () => {
    expect(matcher({})({})).toBe(true);
  });

  it('prefix-list by name and inline prefixes are one condition (any of them)', () => {
    const m = matcher({ prefixLists: ['customers'], prefixes: [entry('172.16.0.0/12', null, 24)] }, [{ name: 'customers', entries: [entry('10.0.0.0/8', null, 24)] }]);
    expect(m({ prefix: '10.1.0.0/24' })).toBe(true);
    expect(m({ prefix: '172.16.5.0/24' })).toBe(true);
    expect(m({ prefix: '10.1.0.0/25' })).toBe(false);
    expect(m({ prefix: '192.168.0.0/24' })).toBe(false);
  });

  it('for VPN routes, the prefix inside the NLRI', () => {
    const m = matcher({ prefixes: [entry('10.0.0.0/24')] });
    expect(m({ prefix: '10.0.0.0/24', rd: '65001:5' })).toBe(true);
    expect(m({ prefix: '10.0.1.0/24', rd: '65001:5' })).toBe(false);
  });

  it('IPv6 prefixes', () => {
    const m = matcher({ prefixes: [entry('2001:db8::/32', null, 48)] });
    expect(m({ prefix: '2001:db8:5::/48' })).toBe(true);
    expect(m({ prefix: '2001:db8:5::/64' })).toBe(false);
  });

  it('as-path regex: any of the list', () => {
    const m = matcher({ asPath: ['^65001_', '_65009$'] });
    expect(m({ asPath: '65001 65002' })).toBe(true);
    expect(m({ asPath: '65003 65009' })).toBe(true);
    expect(m({ asPath: '65003 65002' })).toBe(false);
    expect(m({ asPath: '' })).toBe(false);
  });

  it('as-path ^$ matches our own (empty-path) routes', () => {
    expect(matcher({ asPath: ['^$'] })({ asPath: '' })).toBe(true);
    expect(matcher({ asPath: ['^$'] })({ asPath: '65001' })).toBe(false);
  });

  it('as-path-contains looks into AS_SETs', () => {
    const m = matcher({ asPathContains: [65004] });
    expect(m({ asPath: '65001 {65003,65004}' })).toBe(true);
    expect(m({ asPath: '65001 65003' })).toBe(false);
  });

  it('as-path-length bounds are inclusive; an AS_SET counts 1 (RFC 4271 §9.1.2.2)', () => {
    const m = matcher({ asPathLength: { ge: 2, le: 3 } });
    expect(m({ asPath: '65001' })).toBe(false);
    expect(m({ asPath: '65001 {65002,65003,65004}' })).toBe(true);
    expect(m({ asPath: '65001 65002 65003' })).toBe(true);
    expect(m({ asPath: '65001 65002 65003 65004' })).toBe(false);
    expect(matcher({ asPathLength: { ge: null, le: 0 } })({ asPath: '' })).toBe(true);
  });

  it('communities, well-known names included', () => {
    const m = matcher({ communities: [community('65000:1'), community('no-export')] });
    expect(m({ communities: ['65000:2', '65000:1'] })).toBe(true);
    expect(m({ communities: ['no-export'] })).toBe(true);
    expect(m({ communities: ['65000:2'] })).toBe(false);
    expect(m({})).toBe(false);
    expect(matcher({ communities: [community('blackhole')] })({ communities: ['65535:666'] })).toBe(true);
  });

  it('large communities', () => {
    const m = matcher({ largeCommunities: [large('65000:1:2')] });
    expect(m({ large: ['65000:1:2'] })).toBe(true);
    expect(m({ large: ['65000:1:3'] })).toBe(false);
  });

  it('route targets, 2-octet and IPv4 forms', () => {
    const m = matcher({ routeTargets: [rt('65000:100'), rt('192.0.2.1:7')] });
    expect(m({ routeTargets: ['65001:1', '65000:100'] })).toBe(true);
    expect(m({ routeTargets: ['192.0.2.1:7'] })).toBe(true);
    expect(m({ routeTargets: ['65000:101'] })).toBe(false);
    expect(m({})).toBe(false);
  });

  it('neighbor by address or range, IPv4 and IPv6', () => {
    const m = matcher({ neighbors: [prefix('198.51.100.2/32'), prefix('2001:db8::/64')] });
    expect(m({ neighbor: '198.51.100.2' })).toBe(true);
    expect(m({ neighbor: '198.51.100.3' })).toBe(false);
    expect(m({ neighbor: '2001:db8::5' })).toBe(true);
    expect(m({ neighbor: '2001:db8:1::5' })).toBe(false);
    expect(m({ neighbor: 'local' })).toBe(false);
  });

  it('family', () => {
    const m = matcher({ families: ['vpnv4-unicast'] });
    expect(m({ rd: '65001:5' })).toBe(true);
    expect(m({})).toBe(false);
    expect(matcher({ families: ['ipv6-unicast'] })({ prefix: '2001:db8::/32' })).toBe(true);
  });

  it('rd: only VPN routes with that RD', () => {
    const m = matcher({ rds: [rd('65001:5'), rd('192.0.2.1:9')] });
    expect(m({ rd: '65001:5' })).toBe(true);
    expect(m({ rd: '192.0.2.1:9' })).toBe(true);
    expect(m({ rd: '65001:6' })).toBe(false);
    expect(m({})).toBe(false);
  });

  it('every given condition must hold', () => {
    const m = matcher({ prefixes: [entry('10.0.0.0/8', null, 32)], communities: [community('65000:1')], asPath: ['^65001_'] });
    expect(m({ prefix: '10.0.0.0/24', communities: ['65000:1'], asPath: '65001' })).toBe(true);
    expect(m({ prefix: '10.0.0.0/24', communities: ['65000:1'], asPath: '65002' })).toBe(false);
    expect(m({ prefix: '11.0.0.0/24', communities: ['65000:1'], asPath: '65001' })).toBe(false);
    expect(m({ prefix: '10.0.0.0/24', asPath: '65001' })).toBe(false);
  });
});
