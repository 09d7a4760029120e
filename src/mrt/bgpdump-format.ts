/**
 * `bgpdump -m` output, line for line as Debian's bgpdump 1.6.2 prints it
 * (RIPE-NCC/bgpdump bgpdump.c: table_line_dump_v2_prefix, table_line_mrtd_route,
 * table_line_announce*, table_line_withdraw*, the STATE branch of process()).
 *
 *   TABLE_DUMP2|ts|B|peer|peerAS|prefix|aspath|origin|nexthop|localpref|med|communities|AG|aggregator|
 *   BGP4MP|ts|A|peer|peerAS|prefix|aspath|origin|nexthop|localpref|med|communities|AG|aggregator|
 *   BGP4MP|ts|W|peer|peerAS|prefix
 *   BGP4MP|ts|STATE|peer|peerAS|old|new
 *
 * ADD-PATH records get `_AP` and the path id after the prefix; BGP4MP_ET
 * records print `ts.microseconds`; messages sent by the local speaker are
 * `BGP4MP_LOCAL`. Only UPDATEs produce lines; OPEN, KEEPALIVE, NOTIFICATION,
 * ROUTE-REFRESH, PEER_INDEX_TABLE and RIB_GENERIC records print nothing, as in bgpdump.
 */
import { decodeAttributeList } from '../bgp/wire/attributes';
import type { CodecContext } from '../bgp/wire/context';
import { isBgpError } from '../bgp/wire/errors';
import type { Bgp4mpMessageRecord, Bgp4mpStateChangeRecord, MrtItem, PeerIndexTableRecord, RibRecord, TableDumpRecord } from '../bgp/wire/mrt';
import { decodeNlriList } from '../bgp/wire/nlri';
import type { Nlri } from '../bgp/wire/nlri/types';
import type { Prefix } from '../bgp/wire/values/prefix';
import { bgpdumpAttrView, bgpdumpIpv6FromText, type BgpdumpAttrView } from './bgpdump-attrs';
import { AttributeTextCache } from './bgpdump-cache';
import { ctxFor } from './bgpdump-context';
import { completeIpv4Entries, withBgpdumpLeniency } from './bgpdump-lenient';
import { bgpdumpIpv4FromNumber, bgpdumpIpv6 } from './bgpdump-text';

export function bgpdumpPrefix(p: Prefix): string {
  return p.afi === 1 ? `${bgpdumpIpv4FromNumber(p.address)}/${p.length}` : `${bgpdumpIpv6(p.address)}/${p.length}`;
}

/** An address text (hdvpn form) in bgpdump's form for the given AFI. */
function bgpdumpAddress(text: string, afi: number): string {
  return afi === 2 ? bgpdumpIpv6FromText(text) : text;
}

/** bgpdump prints MP NLRI only for AFI 1/2 and SAFI 1–3 (BGPDUMP_MAX_SAFI); VPN and others are skipped. */
function printableFamily(afi: number, safi: number): boolean {
  return (afi === 1 || afi === 2) && safi >= 1 && safi <= 3;
}

/** `nexthop|localpref|med|communities|AG|aggregator|` and the newline. */
function tail(v: BgpdumpAttrView, nextHop: string, signed: boolean): string {
  const lp = signed ? v.localPref | 0 : v.localPref;
  const med = signed ? v.med | 0 : v.med;
  return `${nextHop}|${lp}|${med}|${v.communities}|${v.atomicAggregate}|${v.aggregator}|\n`;
}

/** Attributes decoded for printing; null when the block cannot be decoded at all. */
function decodeView(block: Buffer, fourOctetAs: boolean, addPath: boolean, mrtRib: { afi: number; safi: number } | undefined): BgpdumpAttrView | null {
  try {
    const d = decodeAttributeList(block, ctxFor(fourOctetAs, addPath), mrtRib ? { mrtRib } : undefined);
    return bgpdumpAttrView(withBgpdumpLeniency(block, d.attributes, d.errors, fourOctetAs), !fourOctetAs);
  } catch (e) {
    if (!isBgpError(e)) throw e;
    return null;
  }
}

/** What an UPDATE's attribute block prints, computed once per distinct block. */
interface UpdateText {
  readonly view: BgpdumpAttrView;
  /** `aspath|origin|`, shared by all announcements. */
  readonly common: string;
  /** Tail for routes of the NLRI field (NEXT_HOP). */
  readonly nlriTail: string;
  /** Tail for the routes of MP_REACH (its next hop), '' when there are none to print. */
  readonly mpTail: string;
}

function updateText(view: BgpdumpAttrView): UpdateText {
  const re = view.mpReach;
  let mpTail = '';
  if (re && printableFamily(re.afi, re.safi) && re.nlri.length) {
    // IPv4 in MP_REACH: bgpdump prints LOCAL_PREF and MED with %d (table_line_announce_1).
    mpTail = tail(view, re.afi === 2 ? bgpdumpIpv6FromText(re.nextHop.address) : re.nextHop.address, re.afi === 1);
  }
  return { view, common: `${view.asPath}|${view.origin}|`, nlriTail: tail(view, view.nextHop, false), mpTail };
}

/** Stateful across records: RIB entries refer to the last PEER_INDEX_TABLE. */
export class BgpdumpFormatter {
  private peers: readonly { readonly address: string; readonly asn: number }[] = [];
  private readonly ribCache = new AttributeTextCache<string | null>();
  private readonly updateCache = new AttributeTextCache<UpdateText | null>();
  /** Records or RIB entries whose BGP payload could not be decoded (bgpdump may print part of such a record). */
  undecodable = 0;

  /** The lines for one item (each ending in a newline), or '' when bgpdump prints none. */
  format(item: MrtItem): string {
    if (item.kind === 'error') return '';
    const r = item.record;
    switch (r.kind) {
      case 'peer-index-table':
        this.setPeers(r);
        return '';
      case 'rib':
        return this.rib(r);
      case 'table-dump':
        return this.tableDump(r);
      case 'bgp4mp-state-change':
        return stateChange(r);
      case 'bgp4mp-message':
        return this.message(r);
      case 'rib-generic':
      case 'unsupported':
        return '';
      default: {
        const never: never = r;
        return never;
      }
    }
  }

  private setPeers(r: PeerIndexTableRecord): void {
    this.peers = r.peers.map((p) => ({ address: bgpdumpAddress(p.address, p.ipv6 ? 2 : 1), asn: p.asn }));
  }

  /** `aspath|origin|nexthop|…|` of a RIB entry; in RIB entries an MP_REACH next hop of any length is read as IPv6 (bgpdump's abbreviated-form path). */
  private ribTail(block: Buffer, afi: number, safi: number): string | null {
    return this.ribCache.get(block, afi, () => {
      const v = decodeView(block, true, false, { afi, safi });
      if (v === null) return null;
      const nextHop = v.mpReach ? bgpdumpIpv6FromText(v.mpReach.nextHop.address) : v.nextHop;
      return `${v.asPath}|${v.origin}|${tail(v, nextHop, false)}`;
    });
  }

  private rib(r: RibRecord): string {
    const head = `${r.addPath ? 'TABLE_DUMP2_AP' : 'TABLE_DUMP2'}|${r.header.timestamp}|B|`;
    const prefix = `|${bgpdumpPrefix(r.prefix)}|`;
    let out = '';
    for (const e of r.entries) {
      const peer = this.peers[e.peerIndex];
      const t = peer === undefined ? null : this.ribTail(e.attributes, r.afi, r.safi);
      if (peer === undefined || t === null) {
        this.undecodable++;
        continue;
      }
      out += r.addPath ? `${head}${peer.address}|${peer.asn}${prefix}${e.pathId ?? 0}|${t}` : `${head}${peer.address}|${peer.asn}${prefix}${t}`;
    }
    return out;
  }

  private tableDump(r: TableDumpRecord): string {
    const view = decodeView(r.attributes, false, false, undefined);
    if (view === null) {
      this.undecodable++;
      return '';
    }
    const re = view.mpReach;
    const nextHop = re && re.afi === 2 && re.safi === 1 ? bgpdumpIpv6FromText(re.nextHop.address) : view.nextHop;
    const peer = bgpdumpAddress(r.peerAddress, r.afi);
    return `TABLE_DUMP|${r.header.timestamp}|B|${peer}|${r.peerAs}|${bgpdumpPrefix(r.prefix)}|${view.asPath}|${view.origin}|${tail(view, nextHop, false)}`;
  }

  private message(r: Bgp4mpMessageRecord): string {
    const m = r.message;
    // bgpdump skips records whose marker is not all ones, and prints only UPDATEs in -m mode.
    if (m.length < 19 || m.readUInt32BE(0) !== 0xffffffff || m.readUInt32BE(12) !== 0xffffffff || m[18] !== 2) return '';
    if (r.afi !== 1 && r.afi !== 2 && !r.noAddresses) return '';
    const body = m.subarray(19, Math.max(19, Math.min(m.readUInt16BE(16), m.length)));
    // Like bgpdump, read the three parts of the UPDATE independently, clipping lengths that overrun.
    const wEnd = Math.min(body.length, 2 + (body.length >= 2 ? body.readUInt16BE(0) : 0));
    const aLen = wEnd + 2 <= body.length ? body.readUInt16BE(wEnd) : 0;
    const aEnd = Math.min(body.length, wEnd + 2 + aLen);
    const ctx = ctxFor(r.as4, r.addPath);
    const block = body.subarray(Math.min(wEnd + 2, aEnd), aEnd);
    const text = this.updateCache.get(block, (r.as4 ? 2 : 0) | (r.addPath ? 1 : 0), () => {
      const v = decodeView(block, r.as4, r.addPath, undefined);
      return v && updateText(v);
    });
    const withdrawn = this.ipv4Routes(body.subarray(Math.min(2, wEnd), wEnd), ctx, true);
    const nlri = this.ipv4Routes(body.subarray(aEnd), ctx, false);
    if (text === null) {
      this.undecodable++;
      return '';
    }
    return updateLines(r, withdrawn, nlri, text);
  }

  /** The routes of an IPv4 NLRI or Withdrawn Routes field; a truncated tail is dropped, as bgpdump drops it. */
  private ipv4Routes(field: Buffer, ctx: CodecContext, withdrawal: boolean): Nlri[] {
    try {
      return decodeNlriList(1, 1, field, ctx, withdrawal);
    } catch (e) {
      if (!isBgpError(e)) throw e;
      this.undecodable++;
      return decodeNlriList(1, 1, completeIpv4Entries(field, ctx.addPath.size > 0), ctx, withdrawal);
    }
  }
}

function updateLines(r: Bgp4mpMessageRecord, withdrawn: readonly Nlri[], nlri: readonly Nlri[], text: UpdateText): string {
  const head = `${messageFormat(r)}|${timeText(r.header)}|`;
  const peer = `${bgpdumpAddress(r.peerAddress, r.afi)}|${r.peerAs}|`;
  let out = '';
  for (const n of withdrawn) out += withdrawLine(head, peer, n, r.addPath);
  const un = text.view.mpUnreach;
  if (un && printableFamily(un.afi, un.safi)) for (const n of un.nlri) out += withdrawLine(head, peer, n, r.addPath);
  const aHead = `${head}A|${peer}`;
  for (const n of nlri) out += announceLine(aHead, n, r.addPath, text.common, text.nlriTail);
  const re = text.view.mpReach;
  if (re && text.mpTail) for (const n of re.nlri) out += announceLine(aHead, n, r.addPath, text.common, text.mpTail);
  return out;
}

function stateChange(r: Bgp4mpStateChangeRecord): string {
  const et = r.header.microseconds !== undefined;
  const bodyLength = r.header.length - (et ? 4 : 0);
  // bgpdump accepts only the exact lengths (20/24 for IPv4, 44/48 for IPv6) and Zebra's 8-octet form.
  const lengthOk = r.noAddresses ? bodyLength === 8 : r.afi === 1 ? bodyLength === 20 || bodyLength === 24 : bodyLength === 44 || bodyLength === 48;
  if (!lengthOk) return '';
  const fmt = et ? 'BGP4MP_ET' : 'BGP4MP';
  return `${fmt}|${timeText(r.header)}|STATE|${bgpdumpAddress(r.peerAddress, r.afi)}|${r.peerAs}|${r.oldState}|${r.newState}\n`;
}

function withdrawLine(head: string, peer: string, n: Nlri, addPath: boolean): string {
  if (n.kind !== 'unicast') return '';
  return `${head}W|${peer}${bgpdumpPrefix(n.prefix)}${addPath ? `|${n.pathId ?? 0}` : ''}\n`;
}

function announceLine(aHead: string, n: Nlri, addPath: boolean, common: string, tailText: string): string {
  if (n.kind !== 'unicast') return '';
  return `${aHead}${bgpdumpPrefix(n.prefix)}|${addPath ? `${n.pathId ?? 0}|` : ''}${common}${tailText}`;
}

/** `ts`, or `ts.uuuuuu` for BGP4MP_ET (bgpdump appends "%06ld" microseconds). */
function timeText(h: { timestamp: number; microseconds: number | undefined }): string {
  return h.microseconds === undefined ? String(h.timestamp) : `${h.timestamp}.${String(h.microseconds).padStart(6, '0')}`;
}

/** bgpdump's get_bgp4mp_format: BGP4MP[_ET][_LOCAL][_AP]. */
function messageFormat(r: Bgp4mpMessageRecord): string {
  return `BGP4MP${r.header.microseconds !== undefined ? '_ET' : ''}${r.local ? '_LOCAL' : ''}${r.addPath ? '_AP' : ''}`;
}
