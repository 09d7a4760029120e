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
import { AttrType } from '../bgp/wire/constants';
import { isBgpError } from '../bgp/wire/errors';
import type { Bgp4mpMessageRecord, Bgp4mpStateChangeRecord, MrtItem, PeerIndexTableRecord, RibRecord, TableDumpRecord } from '../bgp/wire/mrt';
import type { Nlri } from '../bgp/wire/nlri/types';
import type { Prefix } from '../bgp/wire/values/prefix';
import { bgpdumpAttrView, bgpdumpIpv6FromText, type BgpdumpAttrView } from './bgpdump-attrs';
import { AttributeTextCache } from './bgpdump-cache';
import { ctxFor } from './bgpdump-context';
import { withBgpdumpLeniency } from './bgpdump-lenient';
import { UpdateLines } from './bgpdump-lines';
import { printIpv4Field } from './bgpdump-nlri';
import { bgpdumpIpv4FromNumber, bgpdumpIpv6 } from './bgpdump-text';
import { ascii, StringSink, type TextSink } from './text-sink';

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
function decodeView(block: Buffer, fourOctetAs: boolean, addPath: boolean, mrtRib: { afi: number; safi: number } | undefined): BgpdumpAttrView | null {
  try {
    const d = decodeAttributeList(block, ctxFor(fourOctetAs, addPath), mrtRib ? { mrtRib, only: PRINTED_ATTRIBUTES } : { only: PRINTED_ATTRIBUTES });
    return bgpdumpAttrView(withBgpdumpLeniency(block, d.attributes, d.errors, fourOctetAs), !fourOctetAs);
  } catch (e) {
    if (!isBgpError(e)) throw e;
    return null;
  }
}

/** What an UPDATE's attribute block prints, computed once per distinct block. */
interface UpdateText {
  readonly view: BgpdumpAttrView;
  /** `aspath|origin|nexthop|…|\n` for routes of the NLRI field (NEXT_HOP). */
  readonly nlriTail: string;
  /** The same for the routes of MP_REACH (its next hop); null when there are none to print. */
  readonly mpTail: string | null;
}

function updateText(view: BgpdumpAttrView): UpdateText {
  const re = view.mpReach;
  const common = `${view.asPath}|${view.origin}|`;
  let mpTail: string | null = null;
  if (re && printableFamily(re.afi, re.safi) && re.nlri.length) {
    // IPv4 in MP_REACH: bgpdump prints LOCAL_PREF and MED with %d (table_line_announce_1).
    mpTail = flat(common + tail(view, re.afi === 2 ? bgpdumpIpv6FromText(re.nextHop.address) : re.nextHop.address, re.afi === 1));
  }
  return { view, nlriTail: flat(common + tail(view, view.nextHop, false)), mpTail };
}

/** Stateful across records: RIB entries refer to the last PEER_INDEX_TABLE. */
export class BgpdumpFormatter {
  private peers: readonly { readonly address: string; readonly asn: number }[] = [];
  private readonly ribCache = new AttributeTextCache<Uint8Array | null>();
  private readonly updateCache = new AttributeTextCache<UpdateText | null>(true);
  /** Reused for every UPDATE record: holds what its lines share. */
  private readonly lines = new UpdateLines();
  /** Records or RIB entries whose BGP payload could not be decoded (bgpdump may print part of such a record). */
  undecodable = 0;

  /** Writes the lines for one item (each ending in a newline); nothing when bgpdump prints none. */
  format(item: MrtItem, out: TextSink): void {
    if (item.kind === 'error') return;
    const r = item.record;
    switch (r.kind) {
      case 'peer-index-table':
        this.setPeers(r);
        return;
      case 'rib':
        return this.rib(r, out);
      case 'table-dump':
        return this.tableDump(r, out);
      case 'bgp4mp-state-change':
        return stateChange(r, out);
      case 'bgp4mp-message':
        return this.message(r, out);
      case 'rib-generic':
      case 'unsupported':
        return;
      default: {
        const never: never = r;
        return never;
      }
    }
  }

  /** The lines as a string (tests, small inputs). */
  formatToString(item: MrtItem): string {
    const sink = new StringSink();
    this.format(item, sink);
    return sink.value;
  }

  private setPeers(r: PeerIndexTableRecord): void {
    this.peers = r.peers.map((p) => ({ address: `${bgpdumpAddress(p.address, p.ipv6 ? 2 : 1)}|`, asn: p.asn }));
  }

  /** `aspath|origin|nexthop|…|` of a RIB entry; in RIB entries an MP_REACH next hop of any length is read as IPv6 (bgpdump's abbreviated-form path). */
  private ribTail(block: Buffer, afi: number, safi: number): Uint8Array | null {
    return this.ribCache.get(block, afi, () => {
      const v = decodeView(block, true, false, { afi, safi });
      if (v === null) return null;
      const nextHop = v.mpReach ? bgpdumpIpv6FromText(v.mpReach.nextHop.address) : v.nextHop;
      return ascii(`${v.asPath}|${v.origin}|${tail(v, nextHop, false)}`);
    });
  }

  private rib(r: RibRecord, out: TextSink): void {
    const head = flat(`${r.addPath ? 'TABLE_DUMP2_AP' : 'TABLE_DUMP2'}|${r.header.timestamp}|B|`);
    const prefix = flat(`|${bgpdumpPrefix(r.prefix)}|`);
    for (const e of r.entries) {
      const peer = this.peers[e.peerIndex];
      const t = peer === undefined ? null : this.ribTail(e.attributes, r.afi, r.safi);
      if (peer === undefined || t === null) {
        this.undecodable++;
        continue;
      }
      out.text(head);
      out.text(peer.address);
      out.uint(peer.asn);
      out.text(prefix);
      if (r.addPath) {
        out.uint(e.pathId ?? 0);
        out.text('|');
      }
      out.bytes(t);
    }
  }

  private tableDump(r: TableDumpRecord, out: TextSink): void {
    const view = decodeView(r.attributes, false, false, undefined);
    if (view === null) {
      this.undecodable++;
      return;
    }
    const re = view.mpReach;
    const nextHop = re && re.afi === 2 && re.safi === 1 ? bgpdumpIpv6FromText(re.nextHop.address) : view.nextHop;
    const peer = bgpdumpAddress(r.peerAddress, r.afi);
    out.text(`TABLE_DUMP|${r.header.timestamp}|B|${peer}|${r.peerAs}|${bgpdumpPrefix(r.prefix)}|${view.asPath}|${view.origin}|${tail(view, nextHop, false)}`);
  }

  private message(r: Bgp4mpMessageRecord, out: TextSink): void {
    const m = r.message;
    // bgpdump skips records whose marker is not all ones, and prints only UPDATEs in -m mode.
    if (m.length < 19 || m.readUInt32BE(0) !== 0xffffffff || m.readUInt32BE(12) !== 0xffffffff || m[18] !== 2) return;
    if (r.afi !== 1 && r.afi !== 2 && !r.noAddresses) return;
    // Like bgpdump, read the three parts of the UPDATE independently, clipping lengths that overrun.
    const end = Math.max(19, Math.min(m.readUInt16BE(16), m.length));
    const wEnd = Math.min(end, 21 + (end >= 21 ? m.readUInt16BE(19) : 0));
    const aEnd = Math.min(end, wEnd + 2 + (wEnd + 2 <= end ? m.readUInt16BE(wEnd) : 0));
    const block = m.subarray(Math.min(wEnd + 2, aEnd), aEnd);
    const text = this.updateCache.get(block, (r.as4 ? 2 : 0) | (r.addPath ? 1 : 0), () => {
      const v = decodeView(block, r.as4, r.addPath, undefined);
      return v && updateText(v);
    });
    if (text === null) {
      this.undecodable++;
      return;
    }
    const lines = this.lines;
    lines.record(r.header.timestamp, r.header.microseconds, r.local, r.addPath, bgpdumpAddress(r.peerAddress, r.afi), r.peerAs);
    // bgpdump order: withdrawn routes, MP_UNREACH, NLRI field, MP_REACH.
    if (wEnd > 21 || text.view.mpUnreach) {
      lines.withdrawals();
      printIpv4Field(m, Math.min(21, wEnd), wEnd, lines, out);
      const un = text.view.mpUnreach;
      if (un && printableFamily(un.afi, un.safi)) for (const n of un.nlri) mpLine(n, lines, out);
    }
    if (end > aEnd || text.mpTail !== null) {
      lines.announcements(text.nlriTail);
      printIpv4Field(m, aEnd, end, lines, out);
      const re = text.view.mpReach;
      if (re && text.mpTail !== null) {
        lines.announcements(text.mpTail);
        for (const n of re.nlri) mpLine(n, lines, out);
      }
    }
  }
}

/** Flattens a concatenated string once, so that copying it many times is cheap (V8 flattens a rope on first character access). */
function flat(s: string): string {
  if (s.length > 0) s.charCodeAt(0);
  return s;
}

function stateChange(r: Bgp4mpStateChangeRecord, out: TextSink): void {
  const et = r.header.microseconds !== undefined;
  const bodyLength = r.header.length - (et ? 4 : 0);
  // bgpdump accepts only the exact lengths (20/24 for IPv4, 44/48 for IPv6) and Zebra's 8-octet form.
  const lengthOk = r.noAddresses ? bodyLength === 8 : r.afi === 1 ? bodyLength === 20 || bodyLength === 24 : bodyLength === 44 || bodyLength === 48;
  if (!lengthOk) return;
  const fmt = et ? 'BGP4MP_ET' : 'BGP4MP';
  out.text(`${fmt}|${timeText(r.header)}|STATE|${bgpdumpAddress(r.peerAddress, r.afi)}|${r.peerAs}|${r.oldState}|${r.newState}\n`);
}

/** `a.b.c.d/len` or the IPv6 form, written without building a string for IPv4. */
function writePrefix(p: Prefix, out: TextSink): void {
  if (p.afi === 2) {
    out.text(bgpdumpPrefix(p));
    return;
  }
  const a = p.address;
  out.octet(a >>> 24);
  out.text('.');
  out.octet((a >>> 16) & 0xff);
  out.text('.');
  out.octet((a >>> 8) & 0xff);
  out.text('.');
  out.octet(a & 0xff);
  out.text('/');
  out.octet(p.length);
}

/** A route of MP_REACH / MP_UNREACH (decoded by the attribute codec), in the current section of `lines`. */
function mpLine(n: Nlri, lines: UpdateLines, out: TextSink): void {
  if (n.kind !== 'unicast') return;
  lines.head(out);
  writePrefix(n.prefix, out);
  lines.end(out, n.pathId ?? 0);
}

/** `ts`, or `ts.uuuuuu` for BGP4MP_ET (bgpdump appends "%06ld" microseconds). */
function timeText(h: { timestamp: number; microseconds: number | undefined }): string {
  return h.microseconds === undefined ? String(h.timestamp) : `${h.timestamp}.${String(h.microseconds).padStart(6, '0')}`;
}
