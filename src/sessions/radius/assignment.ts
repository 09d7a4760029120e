/**
 * What an Access-Accept assigns a client (RFC 2865 §5.8, §5.9, §5.22 and the
 * Cisco-AVPair conventions of Cisco IOS/ASR BNGs), mapped onto hdvpn's
 * half-duplex pairs. Pure: attributes and the configured pairs in, an
 * assignment or a reason out.
 *
 * The pair comes from, in this order of precedence:
 * 1. Cisco-AVPair `hdvpn:pair=NAME`: the pair by its own name (ours);
 * 2. Cisco-AVPair `lcp:interface-config=ip vrf forwarding UP downstream DOWN`:
 *    the pair whose upstream VRF is UP and downstream VRF is DOWN (the
 *    half-duplex VRF form of RFC 7024 deployments on Cisco);
 * 3. Cisco-AVPair `ip:vrf-id=NAME`: the pair named NAME, or else the pair one
 *    of whose VRFs is named NAME.
 */
import { formatIpv4, parseIpv4 } from '../../bgp/wire/values/ip';
import { formatPrefix, ipv4Mask, ipv4Prefix, parsePrefix } from '../../bgp/wire/values/prefix';
import { ciscoAvPairs, findAll, integerOf } from './attributes';
import { RadiusAttribute, type RawAttribute } from './packet';

/** What the assignment needs to know of a pair. */
export interface PairNames {
  readonly name: string;
  readonly upstream?: { readonly name: string };
  readonly downstream?: { readonly name: string };
}

export interface RadiusAssignment {
  /** Framed-IP-Address as uint32. */
  readonly address: number;
  /** Framed-IP-Netmask as a prefix length; null when absent. */
  readonly netmaskLength: number | null;
  /** Framed-Route destinations, text form (`10.1.0.0/24`). */
  readonly framedRoutes: readonly string[];
  /** The pair named by the answer; null: the answer names none. */
  readonly pair: string | null;
}

export type AssignmentResult = { readonly ok: true; readonly assignment: RadiusAssignment } | { readonly ok: false; readonly reason: string };

/** A contiguous netmask as a prefix length, or null. */
export function maskLength(mask: number): number | null {
  for (let length = 0; length <= 32; length++) if ((ipv4Mask(length) >>> 0) === mask >>> 0) return length;
  return null;
}

/**
 * RFC 2865 §5.22: "destination prefix, optional gateway, metrics". Accepted
 * destinations: `A.B.C.D/N` or `A.B.C.D M.M.M.M` (a netmask as second word);
 * a bare address is a host route. Null when the text is not a route.
 */
export function parseFramedRoute(text: string): string | null {
  const words = text.trim().split(/\s+/);
  const first = words[0] ?? '';
  if (first.includes('/')) {
    const p = parsePrefix(first);
    return p && p.afi === 1 ? formatPrefix(p) : null;
  }
  const address = parseIpv4(first);
  if (address === null) return null;
  const second = words[1] !== undefined ? parseIpv4(words[1]) : null;
  const length = second !== null ? maskLength(second) : null;
  // A second word that is an address but no netmask is the gateway: the destination is a host.
  const len = length !== null && length > 0 ? length : 32;
  return formatPrefix(ipv4Prefix((address & ipv4Mask(len)) >>> 0, len));
}

function pairFrom(avpairs: readonly string[], pairs: readonly PairNames[]): { ok: true; pair: string | null } | { ok: false; reason: string } {
  const value = (prefix: string): string | undefined => avpairs.find((a) => a.startsWith(prefix))?.slice(prefix.length).trim();
  const own = value('hdvpn:pair=');
  if (own !== undefined) {
    return pairs.some((p) => p.name === own) ? { ok: true, pair: own } : { ok: false, reason: `RADIUS assigned pair ${own}, which is not configured` };
  }
  const lcp = value('lcp:interface-config=');
  if (lcp !== undefined) {
    const m = /^ip vrf forwarding (\S+) downstream (\S+)$/.exec(lcp);
    if (!m) return { ok: false, reason: `RADIUS sent lcp:interface-config=${lcp}, which is not 'ip vrf forwarding UP downstream DOWN'` };
    const pair = pairs.find((p) => p.upstream?.name === m[1] && p.downstream?.name === m[2]);
    return pair ? { ok: true, pair: pair.name } : { ok: false, reason: `RADIUS assigned VRFs ${m[1]}/${m[2]}, which are no configured half-duplex pair` };
  }
  const vrf = value('ip:vrf-id=');
  if (vrf !== undefined) {
    const pair = pairs.find((p) => p.name === vrf) ?? pairs.find((p) => p.upstream?.name === vrf || p.downstream?.name === vrf);
    return pair ? { ok: true, pair: pair.name } : { ok: false, reason: `RADIUS assigned VRF ${vrf}, which belongs to no configured half-duplex pair` };
  }
  return { ok: true, pair: null };
}

export function assignmentOf(attributes: readonly RawAttribute[], pairs: readonly PairNames[]): AssignmentResult {
  const address = integerOf(attributes, RadiusAttribute.framedIpAddress);
  // RFC 2865 §5.8: 0xFFFFFFFF (the user chooses) and 0xFFFFFFFE (the NAS chooses) are no address for us to announce.
  if (address === undefined || address === 0xffffffff || address === 0xfffffffe || address === 0) {
    return { ok: false, reason: 'RADIUS accepted the client but assigned no Framed-IP-Address' };
  }
  const mask = integerOf(attributes, RadiusAttribute.framedIpNetmask);
  const netmaskLength = mask === undefined ? null : maskLength(mask);
  if (mask !== undefined && netmaskLength === null) return { ok: false, reason: `RADIUS sent Framed-IP-Netmask ${formatIpv4(mask)}, which is not a netmask` };
  const framedRoutes: string[] = [];
  for (const v of findAll(attributes, RadiusAttribute.framedRoute)) {
    const route = parseFramedRoute(v.toString('utf8'));
    if (route === null) return { ok: false, reason: `RADIUS sent Framed-Route '${v.toString('utf8')}', which names no IPv4 destination` };
    if (!framedRoutes.includes(route)) framedRoutes.push(route);
  }
  const pair = pairFrom(ciscoAvPairs(attributes), pairs);
  if (!pair.ok) return pair;
  return { ok: true, assignment: { address, netmaskLength, framedRoutes, pair: pair.pair } };
}
