/**
 * The attribute fields of a `bgpdump -m` line, computed from decoded path
 * attributes the way bgpdump 1.6.2 computes them (bgpdump_lib.c
 * process_attributes / process_asn32_trans, bgpdump.c table_line_*).
 */
import type { AsPathSegment } from '../bgp/wire/values/as-path';
import type { MpReachAttr, MpUnreachAttr, PathAttribute } from '../bgp/wire/attributes/types';
import { AS_TRANS } from '../bgp/wire/constants';
import { parseIp } from '../bgp/wire/values/ip';
import { bgpdumpAsPath, bgpdumpCommunities, bgpdumpIpv6, bgpdumpMergeAs4Path } from './bgpdump-text';

export interface BgpdumpAttrView {
  /** AS_PATH text, empty when absent. */
  readonly asPath: string;
  readonly origin: string;
  /** NEXT_HOP; bgpdump prints 255.255.255.255 (INADDR_NONE) when there is none. */
  readonly nextHop: string;
  /** LOCAL_PREF and MED as unsigned; 0 when absent. */
  readonly localPref: number;
  readonly med: number;
  /** The community list without bgpdump's leading space; empty when absent. */
  readonly communities: string;
  readonly atomicAggregate: 'AG' | 'NAG';
  /** `AS address`, or empty when there is no AGGREGATOR. */
  readonly aggregator: string;
  /** MP_REACH_NLRI / MP_UNREACH_NLRI as decoded (bgpdump keeps the first of each). */
  readonly mpReach: MpReachAttr | undefined;
  readonly mpUnreach: MpUnreachAttr | undefined;
}

const ORIGIN_TEXT = ['IGP', 'EGP', 'INCOMPLETE'] as const;
const NO_ADDRESS = '255.255.255.255';

/** Every field present from the start (one object shape whatever the attributes). */
interface Collected {
  asPath: readonly AsPathSegment[] | undefined;
  as4Path: readonly AsPathSegment[] | undefined;
  aggregator: { asn: number; address: string } | undefined;
  as4Aggregator: { asn: number; address: string } | undefined;
  origin: string;
  nextHop: string;
  localPref: number;
  med: number;
  communities: string;
  atomic: boolean;
  mpReach: MpReachAttr | undefined;
  mpUnreach: MpUnreachAttr | undefined;
}

function collect(attrs: readonly PathAttribute[]): Collected {
  const c: Collected = {
    asPath: undefined,
    as4Path: undefined,
    aggregator: undefined,
    as4Aggregator: undefined,
    origin: 'INCOMPLETE',
    nextHop: NO_ADDRESS,
    localPref: 0,
    med: 0,
    communities: '',
    atomic: false,
    mpReach: undefined,
    mpUnreach: undefined,
  };
  for (const a of attrs) {
    switch (a.type) {
      case 'origin':
        c.origin = ORIGIN_TEXT[a.origin] ?? 'INCOMPLETE';
        break;
      case 'as-path':
        c.asPath ??= a.segments;
        break;
      case 'as4-path':
        c.as4Path ??= a.segments;
        break;
      case 'next-hop':
        c.nextHop = a.nextHop;
        break;
      case 'med':
        c.med = a.med >>> 0;
        break;
      case 'local-pref':
        c.localPref = a.localPref >>> 0;
        break;
      case 'atomic-aggregate':
        c.atomic = true;
        break;
      case 'aggregator':
        c.aggregator ??= { asn: a.asn, address: a.address };
        break;
      case 'as4-aggregator':
        c.as4Aggregator ??= { asn: a.asn, address: a.address };
        break;
      case 'communities':
        c.communities = bgpdumpCommunities(a.communities).slice(1);
        break;
      case 'mp-reach':
        c.mpReach ??= a;
        break;
      case 'mp-unreach':
        c.mpUnreach ??= a;
        break;
      case 'originator-id':
      case 'cluster-list':
      case 'extended-communities':
      case 'large-communities':
      case 'tunnel-encapsulation':
      case 'unknown':
        break; // bgpdump -m prints none of these
      default: {
        const never: never = a;
        return never;
      }
    }
  }
  return c;
}

/**
 * bgpdump's AS4 handling for 2-octet sessions (process_asn32_trans): an
 * AS4_AGGREGATOR replaces an AGGREGATOR of AS_TRANS; with any other AGGREGATOR
 * it stops there and AS4_PATH is ignored. Otherwise AS4_PATH is merged.
 */
function applyAs4(c: Collected): void {
  if (c.aggregator && c.as4Aggregator) {
    if (c.aggregator.asn !== AS_TRANS) return;
    c.aggregator = c.as4Aggregator;
  }
  if (!c.as4Path || !c.asPath) return;
  const merged = bgpdumpMergeAs4Path(c.asPath, c.as4Path);
  if (merged) c.asPath = merged;
}

/** The line fields for one set of attributes; `twoOctetAs` for BGP4MP_MESSAGE (not AS4) and TABLE_DUMP. */
export function bgpdumpAttrView(attrs: readonly PathAttribute[], twoOctetAs: boolean): BgpdumpAttrView {
  const c = collect(attrs);
  if (twoOctetAs) applyAs4(c);
  return {
    asPath: c.asPath ? bgpdumpAsPath(c.asPath) : '',
    origin: c.origin,
    nextHop: c.nextHop,
    localPref: c.localPref,
    med: c.med,
    communities: c.communities,
    atomicAggregate: c.atomic ? 'AG' : 'NAG',
    aggregator: c.aggregator ? `${c.aggregator.asn} ${c.aggregator.address}` : '',
    mpReach: c.mpReach,
    mpUnreach: c.mpUnreach,
  };
}

const ipv6TextCache = new Map<string, string>();

/**
 * An address in hdvpn's text form re-printed the bgpdump way as IPv6 (an
 * IPv4 text becomes its four octets followed by zeros, which is what bgpdump
 * shows when it reads a 4-octet next hop into its 16-octet field).
 */
export function bgpdumpIpv6FromText(text: string): string {
  const hit = ipv6TextCache.get(text);
  if (hit !== undefined) return hit;
  const bytes = parseIp(text);
  const full = new Uint8Array(16);
  if (bytes) full.set(bytes.subarray(0, 16));
  const out = bgpdumpIpv6(full);
  if (ipv6TextCache.size > 4096) ipv6TextCache.clear();
  ipv6TextCache.set(text, out);
  return out;
}
