/**
 * A route written as text, for `hdvpn policy test NAME ROUTE`:
 *
 *   PREFIX [KEY VALUE]...
 *
 * e.g. `10.0.0.0/24 as-path "65001 65002" community 65000:1 rd 65001:5 family vpnv4-unicast`.
 * Keys (each at most once, except the list keys, which add up):
 *   as-path "PATH"            AS path text, quoted when it has spaces: "65001 65002 {65003,65004}"; default empty
 *   origin igp|egp|incomplete default igp
 *   next-hop ADDRESS|self     default: the neighbor's address, or self without a neighbor
 *   med N, local-pref N       default: absent
 *   community C[,C...]        ASN:N or a well-known name (no-export, ...)
 *   large-community GA:L1:L2[,...]
 *   route-target RT[,RT...]   ASN:N or IPV4:N
 *   rd RD                     makes the route VPN (vpnv4/vpnv6-unicast)
 *   neighbor ADDRESS          the neighbor it came from (import) or goes to (export); default: local
 *   family F                  ipv4-unicast, ipv6-unicast, vpnv4-unicast, vpnv6-unicast; default from PREFIX and rd
 * Every problem is one RouteTextError line naming the token.
 */
import type { PathAttribute } from '../wire/attributes/types';
import type { FamilyName } from '../wire/nlri/types';
import { parseAsPath } from '../wire/values/as-path';
import { parseCommunity } from '../wire/values/community';
import { parseRouteTarget, type ExtendedCommunity } from '../wire/values/ext-community';
import { FAMILY_BY_NAME } from '../wire/values/family';
import { formatIp, parseIp } from '../wire/values/ip';
import { parseLargeCommunity, type LargeCommunity } from '../wire/values/large-community';
import { formatPrefix, parsePrefix } from '../wire/values/prefix';
import { parseRd, type RouteDistinguisher } from '../wire/values/rd';
import type { RoutableNlri } from '../rib/route';

export class RouteTextError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'RouteTextError';
  }
}

export interface RouteText {
  readonly afi: number;
  readonly safi: number;
  readonly nlri: RoutableNlri;
  /** Without NEXT_HOP (an AttributeSet keeps it apart). */
  readonly attributes: readonly PathAttribute[];
  /** Address text, or 'self'. */
  readonly nextHop: string;
  /** Address text, or 'local'. */
  readonly neighbor: string;
}

const ROUTE_FAMILIES: readonly FamilyName[] = ['ipv4-unicast', 'ipv6-unicast', 'vpnv4-unicast', 'vpnv6-unicast'];
const KEYS = ['as-path', 'origin', 'next-hop', 'med', 'local-pref', 'community', 'large-community', 'route-target', 'rd', 'neighbor', 'family'] as const;
type Key = (typeof KEYS)[number];
const LIST_KEYS: ReadonlySet<Key> = new Set(['community', 'large-community', 'route-target']);

/** Whitespace-separated tokens; a double-quoted token may hold spaces. */
export function tokenize(text: string): string[] {
  const tokens: string[] = [];
  const re = /\s*(?:"([^"]*)"|([^\s"]+))/y;
  const trimmed = text.trim();
  while (re.lastIndex < trimmed.length) {
    const m = re.exec(trimmed);
    if (!m) throw new RouteTextError(`unterminated quote in route: ${trimmed.slice(re.lastIndex).trim()}`);
    tokens.push(m[1] ?? m[2] ?? '');
  }
  return tokens;
}

function isKey(s: string): s is Key {
  return (KEYS as readonly string[]).includes(s);
}

function parseList<T>(key: string, text: string, parse: (s: string) => T | null, expected: string): T[] {
  return text.split(',').map((item) => {
    const v = parse(item);
    if (v === null) throw new RouteTextError(`${key} '${item}' is not valid (expected ${expected})`);
    return v;
  });
}

function parseUint32(key: string, text: string): number {
  if (!/^\d{1,10}$/.test(text) || Number(text) > 0xffffffff) throw new RouteTextError(`${key} '${text}' is not a number from 0 to 4294967295`);
  return Number(text);
}

function parseAddress(key: string, text: string): string {
  const bytes = parseIp(text);
  if (bytes === null) throw new RouteTextError(`${key} '${text}' is not an IP address`);
  return formatIp(bytes);
}

/** Key → value pairs, list keys joined; an unknown or repeated key is an error. */
function readPairs(tokens: readonly string[]): Map<Key, string[]> {
  const pairs = new Map<Key, string[]>();
  for (let i = 0; i < tokens.length; i += 2) {
    const key = tokens[i] as string;
    if (!isKey(key)) throw new RouteTextError(`unknown route key '${key}' (expected one of ${KEYS.join(', ')})`);
    const value = tokens[i + 1];
    if (value === undefined) throw new RouteTextError(`route key '${key}' needs a value`);
    const list = pairs.get(key);
    if (list !== undefined && !LIST_KEYS.has(key)) throw new RouteTextError(`route key '${key}' is given twice`);
    if (list !== undefined) list.push(value);
    else pairs.set(key, [value]);
  }
  return pairs;
}

function familyOf(afi: 1 | 2, rd: RouteDistinguisher | null, given: string | undefined, prefixText: string): FamilyName {
  const derived: FamilyName = rd === null ? (afi === 1 ? 'ipv4-unicast' : 'ipv6-unicast') : afi === 1 ? 'vpnv4-unicast' : 'vpnv6-unicast';
  if (given === undefined) return derived;
  const family = ROUTE_FAMILIES.find((f) => f === given);
  if (family === undefined) throw new RouteTextError(`family '${given}' is not one of ${ROUTE_FAMILIES.join(', ')}`);
  if (FAMILY_BY_NAME[family].afi !== afi) throw new RouteTextError(`family ${family} does not fit prefix ${prefixText}`);
  const vpn = FAMILY_BY_NAME[family].safi === 128;
  if (vpn && rd === null) throw new RouteTextError(`family ${family} needs an rd`);
  if (!vpn && rd !== null) throw new RouteTextError(`rd is only for vpnv4-unicast and vpnv6-unicast, not ${family}`);
  return family;
}

export function parseRouteText(text: string): RouteText {
  const tokens = tokenize(text);
  const prefixText = tokens[0];
  if (prefixText === undefined) throw new RouteTextError('the route is empty; it starts with a prefix, like 10.0.0.0/24');
  const prefix = parsePrefix(prefixText);
  if (prefix === null) {
    const loose = parsePrefix(prefixText, true);
    throw new RouteTextError(loose ? `prefix ${prefixText} has host bits set (did you mean ${formatPrefix(loose)}?)` : `'${prefixText}' is not a prefix (expected ADDRESS/LENGTH)`);
  }
  const pairs = readPairs(tokens.slice(1));
  const one = (k: Key): string | undefined => pairs.get(k)?.[0];
  const all = (k: Key): string => (pairs.get(k) ?? []).join(',');

  const rdText = one('rd');
  const rd = rdText === undefined ? null : parseRd(rdText);
  if (rdText !== undefined && rd === null) throw new RouteTextError(`rd '${rdText}' is not valid (expected ASN:N or IPV4:N)`);
  const family = FAMILY_BY_NAME[familyOf(prefix.afi, rd, one('family'), prefixText)];
  const nlri: RoutableNlri = rd === null ? { kind: 'unicast', safi: family.safi, prefix } : { kind: 'vpn', prefix, rd, labels: [] };

  const attributes: PathAttribute[] = [];
  const originText = one('origin') ?? 'igp';
  const origin = (['igp', 'egp', 'incomplete'] as const).indexOf(originText as 'igp');
  if (origin < 0) throw new RouteTextError(`origin '${originText}' is not one of igp, egp, incomplete`);
  attributes.push({ type: 'origin', origin: origin as 0 | 1 | 2 });
  const asPathText = one('as-path') ?? '';
  const segments = parseAsPath(asPathText);
  if (segments === null) throw new RouteTextError(`as-path '${asPathText}' is not valid (expected ASNs separated by spaces, sets in braces)`);
  attributes.push({ type: 'as-path', segments });
  const med = one('med');
  if (med !== undefined) attributes.push({ type: 'med', med: parseUint32('med', med) });
  const localPref = one('local-pref');
  if (localPref !== undefined) attributes.push({ type: 'local-pref', localPref: parseUint32('local-pref', localPref) });
  if (pairs.has('community')) attributes.push({ type: 'communities', communities: parseList('community', all('community'), parseCommunity, 'ASN:N or a well-known name') });
  if (pairs.has('route-target')) {
    const rts: ExtendedCommunity[] = parseList('route-target', all('route-target'), (s) => parseRouteTarget(s), 'ASN:N or IPV4:N');
    attributes.push({ type: 'extended-communities', communities: rts });
  }
  if (pairs.has('large-community')) {
    const large: LargeCommunity[] = parseList('large-community', all('large-community'), parseLargeCommunity, 'GA:LD1:LD2');
    attributes.push({ type: 'large-communities', communities: large });
  }

  const neighborText = one('neighbor');
  const neighbor = neighborText === undefined ? 'local' : parseAddress('neighbor', neighborText);
  const nextHopText = one('next-hop');
  const nextHop = nextHopText === undefined ? (neighborText === undefined ? 'self' : neighbor) : nextHopText === 'self' ? 'self' : parseAddress('next-hop', nextHopText);
  return { afi: family.afi, safi: family.safi, nlri, attributes, nextHop, neighbor };
}
