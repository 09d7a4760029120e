/**
 * The bgpdump fields of attribute blocks outside the clean subset of
 * bgpdump-raw-attrs.ts, through hdvpn's attribute decoder and the bgpdump
 * compatibility shims. Loaded on first use (bgpdump-format.ts requires it
 * lazily): most dumps never need it, and the codec it pulls in is a
 * noticeable part of a cold start.
 */
import { decodeAttributeList } from '../bgp/wire/attributes';
import { AttrType } from '../bgp/wire/constants';
import { isBgpError } from '../bgp/wire/errors';
import { bgpdumpAttrView, bgpdumpIpv6FromText, type BgpdumpAttrView } from './bgpdump-attrs';
import { ctxFor } from './bgpdump-context';
import { withBgpdumpLeniency } from './bgpdump-lenient';
import { printableFamily, tailText, UpdateText } from './bgpdump-update';

/**
 * The attribute codes `bgpdump -m` prints (see collect() in bgpdump-attrs.ts),
 * MP_REACH/MP_UNREACH for their routes. The others are not decoded at all:
 * their values and errors cannot change a line, and none of them can throw.
 */
const PRINTED_ATTRIBUTES = new Uint8Array(256);
for (const code of [AttrType.Origin, AttrType.AsPath, AttrType.NextHop, AttrType.MultiExitDisc, AttrType.LocalPref, AttrType.AtomicAggregate, AttrType.Aggregator, AttrType.Communities, AttrType.MpReachNlri, AttrType.MpUnreachNlri, AttrType.As4Path, AttrType.As4Aggregator]) {
  PRINTED_ATTRIBUTES[code] = 1;
}

/** Attributes decoded for printing; null when the block cannot be decoded at all. */
export function decodeView(block: Buffer, fourOctetAs: boolean, addPath: boolean, mrtRib: { afi: number; safi: number } | undefined): BgpdumpAttrView | null {
  try {
    const d = decodeAttributeList(block, ctxFor(fourOctetAs, addPath), mrtRib ? { mrtRib, only: PRINTED_ATTRIBUTES } : { only: PRINTED_ATTRIBUTES });
    return bgpdumpAttrView(withBgpdumpLeniency(block, d.attributes, d.errors, fourOctetAs), !fourOctetAs);
  } catch (e) {
    if (!isBgpError(e)) throw e;
    return null;
  }
}

function fields(v: BgpdumpAttrView, nextHop: string, signed: boolean): string {
  return tailText(v.asPath, v.origin, nextHop, v.localPref, v.med, v.communities, v.atomicAggregate === 'AG', v.aggregator, signed);
}

/** What an UPDATE's attribute block prints, through the decoder; null when it cannot be decoded. */
export function decodedUpdateText(block: Buffer, fourOctetAs: boolean, addPath: boolean): UpdateText | null {
  const view = decodeView(block, fourOctetAs, addPath, undefined);
  if (view === null) return null;
  const re = view.mpReach;
  let mpTail: string | null = null;
  let reach: UpdateText['reach'] = null;
  if (re && printableFamily(re.afi, re.safi) && re.nlri.length) {
    // IPv4 in MP_REACH: bgpdump prints LOCAL_PREF and MED with %d (table_line_announce_1).
    mpTail = fields(view, re.afi === 2 ? bgpdumpIpv6FromText(re.nextHop.address) : re.nextHop.address, re.afi === 1);
    reach = re.nlri;
  }
  const un = view.mpUnreach;
  const unreach = un && printableFamily(un.afi, un.safi) ? un.nlri : null;
  return new UpdateText(fields(view, view.nextHop, false), mpTail, un !== undefined, unreach, reach);
}

/** `aspath|origin|nexthop|…|\n` of a RIB entry through the decoder; in RIB entries an MP_REACH next hop of any length is read as IPv6 (bgpdump's abbreviated-form path). */
export function decodedRibTail(block: Buffer, afi: number, safi: number): string | null {
  const v = decodeView(block, true, false, { afi, safi });
  if (v === null) return null;
  return fields(v, v.mpReach ? bgpdumpIpv6FromText(v.mpReach.nextHop.address) : v.nextHop, false);
}

/** The tail of a TABLE_DUMP line (2-octet AS_PATH); null when the block cannot be decoded. */
export function decodedTableDumpTail(block: Buffer): string | null {
  const v = decodeView(block, false, false, undefined);
  if (v === null) return null;
  const re = v.mpReach;
  return fields(v, re && re.afi === 2 && re.safi === 1 ? bgpdumpIpv6FromText(re.nextHop.address) : v.nextHop, false);
}
