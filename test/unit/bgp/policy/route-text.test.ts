import { parseRouteText, RouteTextError, tokenize } from '../../../../src/bgp/policy/route-text';
import { parseRd } from '../../../../src/bgp/wire/values/rd';
import { community, large, prefix, rt } from './helpers';

describe('route text for hdvpn policy test', () => {
  it('parses the documented example', () => {
    const r = parseRouteText(
      '10.0.0.0/24 as-path "65001 65002" community 65000:1 large-community 65000:1:2 route-target 65000:100 rd 65001:5 next-hop 192.0.2.1 med 5 local-pref 200 neighbor 198.51.100.2 family vpnv4-unicast',
    );
    expect(r).toMatchObject({ afi: 1, safi: 128, nextHop: '192.0.2.1', neighbor: '198.51.100.2' });
    expect(r.nlri).toEqual({ kind: 'vpn', prefix: prefix('10.0.0.0/24'), rd: parseRd('65001:5'), labels: [] });
    expect(r.attributes).toEqual([
      { type: 'origin', origin: 0 },
      { type: 'as-path', segments: [{ kind: 'sequence', asns: [65001, 65002] }] },
      { type: 'med', med: 5 },
      { type: 'local-pref', localPref: 200 },
      { type: 'communities', communities: [community('65000:1')] },
      { type: 'extended-communities', communities: [rt('65000:100')] },
      { type: 'large-communities', communities: [large('65000:1:2')] },
    ]);
  });

  it('defaults: unicast of the prefix family, empty path, igp, local neighbor, next-hop self', () => {
    expect(parseRouteText('2001:db8::/32')).toMatchObject({ afi: 2, safi: 1, nextHop: 'self', neighbor: 'local', attributes: [{ type: 'origin', origin: 0 }, { type: 'as-path', segments: [] }] });
    expect(parseRouteText('10.0.0.0/8 neighbor 2001:DB8::1').nextHop).toBe('2001:db8::1');
    expect(parseRouteText('10.0.0.0/8 rd 65001:1')).toMatchObject({ safi: 128 });
  });

  it('list keys add up, comma-separated or repeated', () => {
    const r = parseRouteText('10.0.0.0/8 community 1:1,no-export community 1:2');
    expect(r.attributes.find((a) => a.type === 'communities')).toEqual({ type: 'communities', communities: [community('1:1'), community('no-export'), community('1:2')] });
  });

  it('AS_SETs inside a quoted as-path', () => {
    expect(parseRouteText('10.0.0.0/8 as-path "65001 {65002,65003}"').attributes[1]).toEqual({
      type: 'as-path',
      segments: [{ kind: 'sequence', asns: [65001] }, { kind: 'set', asns: [65002, 65003] }],
    });
  });

  it('tokenizes quoted strings', () => {
    expect(tokenize(' a "b c"  d ')).toEqual(['a', 'b c', 'd']);
    expect(() => tokenize('a "b c')).toThrow(RouteTextError);
  });

  it.each([
    ['', 'the route is empty; it starts with a prefix, like 10.0.0.0/24'],
    ['10.0.0.1/24', 'prefix 10.0.0.1/24 has host bits set (did you mean 10.0.0.0/24?)'],
    ['banana', "'banana' is not a prefix (expected ADDRESS/LENGTH)"],
    ['10.0.0.0/8 colour red', "unknown route key 'colour' (expected one of as-path, origin, next-hop, med, local-pref, community, large-community, route-target, rd, neighbor, family)"],
    ['10.0.0.0/8 med', "route key 'med' needs a value"],
    ['10.0.0.0/8 med 1 med 2', "route key 'med' is given twice"],
    ['10.0.0.0/8 med -1', "med '-1' is not a number from 0 to 4294967295"],
    ['10.0.0.0/8 community 70000:1', "community '70000:1' is not valid (expected ASN:N or a well-known name)"],
    ['10.0.0.0/8 as-path "65001 x"', "as-path '65001 x' is not valid (expected ASNs separated by spaces, sets in braces)"],
    ['10.0.0.0/8 family vpnv4-unicast', 'family vpnv4-unicast needs an rd'],
    ['10.0.0.0/8 family ipv6-unicast', 'family ipv6-unicast does not fit prefix 10.0.0.0/8'],
    ['10.0.0.0/8 rd 1:1 family ipv4-unicast', 'rd is only for vpnv4-unicast and vpnv6-unicast, not ipv4-unicast'],
    ['10.0.0.0/8 next-hop nowhere', "next-hop 'nowhere' is not an IP address"],
    ['10.0.0.0/8 origin egg', "origin 'egg' is not one of igp, egp, incomplete"],
  ])('refuses %j in one line', (text, message) => {
    expect(() => parseRouteText(text)).toThrow(new RouteTextError(message));
  });
});
