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
 *
 * BGP4MP messages, the bulk of update dumps, are printed straight from the
 * framer's buffer by offset (formatFrame): no record object, no Buffer view,
 * and for clean attribute blocks no attribute objects (bgpdump-raw-attrs.ts).
 */
import type { MrtFrame, MrtFramer } from '../bgp/wire/mrt/header';
import type { Bgp4mpMessageRecord, Bgp4mpStateChangeRecord, MrtError, MrtItem, PeerIndexTableRecord, RibRecord, TableDumpRecord } from '../bgp/wire/mrt/types';
import type { Prefix } from '../bgp/wire/values/prefix';
import { AttributeTextCache } from './bgpdump-cache';
import { UpdateLines, type TailWriter } from './bgpdump-lines';
import { printIpv4Field } from './bgpdump-nlri';
import { RawAttrFields, readRawAttributes } from './bgpdump-raw-attrs';
import { NextHopSource, writeRawTail } from './bgpdump-raw-tail';
import { bgpdumpAddressAt, bgpdumpIpv4FromNumber, bgpdumpIpv6 } from './bgpdump-text';
import { printDecodedMpRoutes, printRawMpRoutes } from './bgpdump-update';
import { ascii, ByteSink, NEWLINE, PIPE, StringSink, type TextSink } from './text-sink';

export function bgpdumpPrefix(p: Prefix): string {
  return p.afi === 1 ? `${bgpdumpIpv4FromNumber(p.address)}/${p.length}` : `${bgpdumpIpv6(p.address)}/${p.length}`;
}

/*
 * Loaded on first use: the BGP4MP UPDATEs and state changes of an update dump
 * are printed without the record decoder and the decoder-based path, and a
 * run of `hdvpn mrt` on such a dump then spares their startup cost.
 */
let attrsModule: typeof import('./bgpdump-attrs') | undefined;
/** An address text (hdvpn form) in bgpdump's form for the given AFI. */
function bgpdumpAddress(text: string, afi: number): string {
  if (afi !== 2) return text;
  attrsModule ??= require('./bgpdump-attrs') as typeof import('./bgpdump-attrs');
  return attrsModule.bgpdumpIpv6FromText(text);
}
let decodedModule: typeof import('./bgpdump-decoded') | undefined;
/** The decoder-based path (see bgpdump-decoded.ts). */
function decoded(): typeof import('./bgpdump-decoded') {
  decodedModule ??= require('./bgpdump-decoded') as typeof import('./bgpdump-decoded');
  return decodedModule;
}
let decodeFrameFunction: typeof import('../bgp/wire/mrt/record').decodeFrame | undefined;
/** The record decoder, for every record the in-place readers leave. */
function decodeFrame(frame: MrtFrame): MrtItem {
  decodeFrameFunction ??= (require('../bgp/wire/mrt/record') as typeof import('../bgp/wire/mrt/record')).decodeFrame;
  return decodeFrameFunction(frame);
}

/** BGP4MP MESSAGE subtypes (RFC 6396 §4.4, RFC 8050 §5) as bits: 8 a message, 4 ADD-PATH, 2 LOCAL, 1 AS4. */
const MESSAGE_SUBTYPE_BITS = [0, 8, 0, 0, 9, 0, 10, 11, 12, 13, 14, 15];

/** Stateful across records: RIB entries refer to the last PEER_INDEX_TABLE. */
export class BgpdumpFormatter implements TailWriter {
  private peers: readonly { readonly address: string; readonly asn: number }[] = [];
  /**
   * RIB entries repeat attribute blocks (about one distinct in six in a
   * RouteViews RIB), so their tails are kept. UPDATE tails are written from
   * the octets each time: cheaper than keeping them, on update dumps.
   */
  private readonly ribCache = new AttributeTextCache<Uint8Array | null>();
  /** Reused for every UPDATE record: holds what its lines share. */
  private readonly lines = new UpdateLines(this);
  /** The fields of the clean attribute block being printed, and the buffer it lies in. */
  private readonly raw = new RawAttrFields();
  private rawBuffer: Buffer = Buffer.alloc(0);
  /** Where RIB tails are written before they are cached. */
  private readonly scratch = new ByteSink('latin1', 1 << 10);
  /** Records or RIB entries whose BGP payload could not be decoded (bgpdump may print part of such a record). */
  undecodable = 0;

  /**
   * Writes the lines of the record `framer` stands on (after advance());
   * returns the error when the record is damaged (it prints nothing then).
   */
  formatFrame(framer: MrtFramer, out: TextSink): MrtError | null {
    const type = framer.recordType;
    if ((type === 16 || type === 17) && (this.bgp4mpMessage(framer, out) || stateChangeInPlace(framer, out))) return null;
    const item = decodeFrame(framer.frame());
    this.format(item, out);
    return item.kind === 'error' ? item.error : null;
  }

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

  /** `aspath|origin|nexthop|…|` of a RIB entry. */
  private ribTail(block: Buffer, afi: number, safi: number): Uint8Array | null {
    const cache = this.ribCache;
    const hit = cache.lookup(block, 0, block.length, afi);
    if (hit !== undefined) return hit;
    let value: Uint8Array | null;
    if (readRawAttributes(block, 0, block.length, true, false, this.raw, true, afi, safi)) {
      writeRawTail(this.scratch, block, this.raw, NextHopSource.RibMpReach);
      value = this.scratch.copyOut();
    } else {
      const text = decoded().decodedRibTail(block, afi, safi);
      value = text === null ? null : ascii(text);
    }
    cache.store(block, 0, block.length, afi, value);
    return value;
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
        out.byte(PIPE);
      }
      out.bytes(t);
    }
  }

  private tableDump(r: TableDumpRecord, out: TextSink): void {
    const tail = decoded().decodedTableDumpTail(r.attributes);
    if (tail === null) {
      this.undecodable++;
      return;
    }
    const peer = bgpdumpAddress(r.peerAddress, r.afi);
    out.text(`TABLE_DUMP|${r.header.timestamp}|B|${peer}|${r.peerAs}|${bgpdumpPrefix(r.prefix)}|${tail}`);
  }

  /**
   * A BGP4MP MESSAGE record read in place (RFC 6396 §4.4.2–4.4.6: peer AS,
   * local AS, interface, AFI, peer and local address, the BGP message).
   * False for the forms decodeMessage reads differently or rejects (Zebra's
   * address-less OPENs, an AFI other than 1 or 2, a short body): those go
   * through the record decoder.
   */
  private bgp4mpMessage(framer: MrtFramer, out: TextSink): boolean {
    const bits = MESSAGE_SUBTYPE_BITS[framer.recordSubtype] ?? 0;
    if (bits === 0) return false;
    const buf = framer.buffer;
    const start = framer.bodyStart;
    const end = framer.bodyEnd;
    const as4 = (bits & 1) !== 0;
    const asWidth = as4 ? 4 : 2;
    const fixed = 2 * asWidth + 4;
    if (end - start < fixed || buf.readUInt32BE(start + 2 * asWidth) === 0xffffffff) return false;
    const afi = buf.readUInt16BE(start + fixed - 2);
    if (afi !== 1 && afi !== 2) return false;
    const addressLength = afi === 1 ? 4 : 16;
    if (end - start < fixed + 2 * addressLength) return false;
    const peerAs = as4 ? buf.readUInt32BE(start) : buf.readUInt16BE(start);
    const peer = bgpdumpAddressAt(buf, start + fixed, afi);
    this.update(buf, start + fixed + 2 * addressLength, end, framer.recordTimestamp, framer.recordMicroseconds, (bits & 2) !== 0, as4, (bits & 4) !== 0, peer, peerAs, out);
    return true;
  }

  private message(r: Bgp4mpMessageRecord, out: TextSink): void {
    if (r.afi !== 1 && r.afi !== 2 && !r.noAddresses) return;
    const m = r.message;
    this.update(m, 0, m.length, r.header.timestamp, r.header.microseconds ?? -1, r.local, r.as4, r.addPath, bgpdumpAddress(r.peerAddress, r.afi), r.peerAs, out);
  }

  /**
   * The lines of the BGP message `buf[m, mEnd)` of a BGP4MP record.
   * `microseconds`: of a BGP4MP_ET record, -1 for BGP4MP.
   */
  private update(buf: Buffer, m: number, mEnd: number, timestamp: number, microseconds: number, local: boolean, as4: boolean, addPath: boolean, peer: string, peerAs: number, out: TextSink): void {
    const length = mEnd - m;
    // bgpdump skips records whose marker is not all ones, and prints only UPDATEs in -m mode.
    if (length < 19 || buf.readUInt32BE(m) !== 0xffffffff || buf.readUInt32BE(m + 12) !== 0xffffffff || buf[m + 18] !== 2) return;
    // Like bgpdump, read the three parts of the UPDATE independently, clipping lengths that overrun.
    const end = m + Math.max(19, Math.min(buf.readUInt16BE(m + 16), length));
    const wEnd = Math.min(end, m + 21 + (end >= m + 21 ? buf.readUInt16BE(m + 19) : 0));
    const aEnd = Math.min(end, wEnd + 2 + (wEnd + 2 <= end ? buf.readUInt16BE(wEnd) : 0));
    const blockStart = Math.min(wEnd + 2, aEnd);
    const lines = this.lines;
    const f = this.raw;
    lines.record(timestamp, microseconds, local, addPath, peer, peerAs);
    if (!readRawAttributes(buf, blockStart, aEnd, as4, addPath, f)) {
      this.decodedUpdate(buf, m, wEnd, aEnd, end, as4, addPath, out);
      return;
    }
    this.rawBuffer = buf;
    // bgpdump order: withdrawn routes, MP_UNREACH, NLRI field, MP_REACH.
    if (wEnd > m + 21 || f.unreachAfi !== 0) {
      lines.withdrawals();
      printIpv4Field(buf, Math.min(m + 21, wEnd), wEnd, lines, out);
      if (f.unreachAfi !== 0) printRawMpRoutes(buf, f.unreachStart, f.unreachEnd, f.unreachAfi, lines, out);
    }
    const mp = f.reachAfi !== 0 && f.reachEnd > f.reachStart;
    if (end > aEnd || mp) {
      lines.announcements(null, false);
      printIpv4Field(buf, aEnd, end, lines, out);
      if (mp) {
        lines.announcements(null, true);
        printRawMpRoutes(buf, f.reachStart, f.reachEnd, f.reachAfi, lines, out);
      }
    }
  }

  /** TailWriter: the tail of the clean block of the UPDATE being printed. */
  writeTail(out: TextSink, mp: boolean): void {
    writeRawTail(out, this.rawBuffer, this.raw, mp ? NextHopSource.MpReach : NextHopSource.NextHop);
  }

  /** `update` for a block outside the clean subset, through the decoder. */
  private decodedUpdate(buf: Buffer, m: number, wEnd: number, aEnd: number, end: number, as4: boolean, addPath: boolean, out: TextSink): void {
    const text = decoded().decodedUpdateText(buf.subarray(Math.min(wEnd + 2, aEnd), aEnd), as4, addPath);
    if (text === null) {
      this.undecodable++;
      return;
    }
    const lines = this.lines;
    if (wEnd > m + 21 || text.hasUnreach) {
      lines.withdrawals();
      printIpv4Field(buf, Math.min(m + 21, wEnd), wEnd, lines, out);
      if (text.unreach !== null) printDecodedMpRoutes(text.unreach, lines, out);
    }
    if (end > aEnd || text.mpTail !== null) {
      lines.announcements(text.nlriTail, false);
      printIpv4Field(buf, aEnd, end, lines, out);
      if (text.reach !== null && text.mpTail !== null) {
        lines.announcements(text.mpTail, true);
        printDecodedMpRoutes(text.reach, lines, out);
      }
    }
  }
}

/** Flattens a concatenated string once, so that copying it many times is cheap (V8 flattens a rope on first character access). */
function flat(s: string): string {
  if (s.length > 0) s.charCodeAt(0);
  return s;
}

/**
 * A BGP4MP STATE_CHANGE record read in place (RFC 6396 §4.4.1, §4.4.4), when
 * it has exactly the fields of its AFI and AS width; false for any other
 * form (Zebra's 8-octet one, a damaged record), left to the record decoder.
 */
function stateChangeInPlace(framer: MrtFramer, out: TextSink): boolean {
  const subtype = framer.recordSubtype;
  if (subtype !== 0 && subtype !== 5) return false;
  const as4 = subtype === 5;
  const buf = framer.buffer;
  const start = framer.bodyStart;
  const asWidth = as4 ? 4 : 2;
  const length = framer.bodyEnd - start;
  if (length < 2 * asWidth + 4) return false;
  const afi = buf.readUInt16BE(start + 2 * asWidth + 2);
  if (afi !== 1 && afi !== 2) return false;
  const addressAt = start + 2 * asWidth + 4;
  const statesAt = addressAt + (afi === 1 ? 8 : 32);
  // The same test as stateChange(): bgpdump accepts only the exact lengths.
  if (statesAt + 4 !== framer.bodyEnd) return false;
  out.text(framer.recordMicroseconds < 0 ? 'BGP4MP|' : 'BGP4MP_ET|');
  out.uint(framer.recordTimestamp);
  if (framer.recordMicroseconds >= 0) out.text(`.${String(framer.recordMicroseconds).padStart(6, '0')}`);
  out.text('|STATE|');
  out.text(bgpdumpAddressAt(buf, addressAt, afi));
  out.byte(PIPE);
  out.uint(as4 ? buf.readUInt32BE(start) : buf.readUInt16BE(start));
  out.byte(PIPE);
  out.uint(buf.readUInt16BE(statesAt));
  out.byte(PIPE);
  out.uint(buf.readUInt16BE(statesAt + 2));
  out.byte(NEWLINE);
  return true;
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

/** `ts`, or `ts.uuuuuu` for BGP4MP_ET (bgpdump appends "%06ld" microseconds). */
function timeText(h: { timestamp: number; microseconds: number | undefined }): string {
  return h.microseconds === undefined ? String(h.timestamp) : `${h.timestamp}.${String(h.microseconds).padStart(6, '0')}`;
}
