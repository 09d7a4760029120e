/**
 * The tail of a `bgpdump -m` line (`aspath|origin|nexthop|localpref|med|
 * communities|AG|aggregator|` and the newline) written straight from the
 * octets of a clean attribute block (bgpdump-raw-attrs.ts) into the sink:
 * no string is built, so printing an UPDATE allocates nothing. The text is
 * what bgpdump-text.ts and bgpdump-attrs.ts give for the decoded attributes.
 */
import type { RawAttrFields } from './bgpdump-raw-attrs';
import { bgpdumpAddressAt, bgpdumpIpv6 } from './bgpdump-text';
import { ascii, COLON, MINUS, PIPE, SPACE, type TextSink } from './text-sink';

/** Which next hop a line shows. */
export const NextHopSource = {
  /** NEXT_HOP (routes of the NLRI field, RIB entries without MP_REACH). */
  NextHop: 0,
  /** MP_REACH of an UPDATE: bgpdump's IPv6 text for AFI 2, the decoder's text for AFI 1. */
  MpReach: 1,
  /** MP_REACH of a RIB entry: read as IPv6 whatever its length (bgpdump's abbreviated-form path). */
  RibMpReach: 2,
} as const;
export type NextHopSource = (typeof NextHopSource)[keyof typeof NextHopSource];

const ORIGIN = [ascii('|IGP|'), ascii('|EGP|'), ascii('|INCOMPLETE|')] as const;
const NO_ADDRESS = ascii('255.255.255.255');
const AG = ascii('|AG|');
const NAG = ascii('|NAG|');
const NO_EXPORT = ascii('no-export');
const NO_ADVERTISE = ascii('no-advertise');
const LOCAL_AS = ascii('local-AS');

/** bgpdump gives up on a path string near 8000 characters and ends it with `...` (bgpdump-text.ts). */
const MAX_ASPATH_TEXT = 8000 - 100;
/** Segment types 1–4: set, sequence, confederation sequence, confederation set (bgpdumpAsPath). */
const OPEN = ['', '{', '', '(', '['] as const;
const CLOSE = ['', '}', '', ')', ']'] as const;

/** bgpdumpAsPath of the (validated) segments `buf[start, end)`. */
function writeAsPath(out: TextSink, buf: Buffer, start: number, end: number, asnSize: 2 | 4): void {
  const base = out.mark();
  let prev = 2;
  let space = false;
  let p = start;
  while (p < end) {
    const kind = buf[p] as number;
    const segmentEnd = p + 2 + (buf[p + 1] as number) * asnSize;
    p += 2;
    if (prev !== 2) out.text(CLOSE[prev] as string);
    if (space) out.byte(SPACE);
    if (kind !== 2) out.text(OPEN[kind] as string);
    space = false;
    const sep = kind === 1 || kind === 4 ? ',' : ' ';
    for (; p < segmentEnd; p += asnSize) {
      if (space) out.text(sep);
      else space = true;
      out.uint(asnSize === 4 ? u32(buf, p) : ((buf[p] as number) << 8) | (buf[p + 1] as number));
      if (out.mark() - base > MAX_ASPATH_TEXT) {
        out.text('...');
        return;
      }
    }
    prev = kind;
  }
  if (prev !== 2) out.text(CLOSE[prev] as string);
}

/** The uint32 at `buf[p]` (the caller checked the octets are there). */
function u32(buf: Buffer, p: number): number {
  return (((buf[p] as number) << 24) | ((buf[p + 1] as number) << 16) | ((buf[p + 2] as number) << 8) | (buf[p + 3] as number)) >>> 0;
}

/** A uint32 in decimal, or as C's %d of it when `signed`. */
function writeNumber(out: TextSink, v: number, signed: boolean): void {
  if (signed && (v | 0) < 0) {
    out.byte(MINUS);
    out.uint(-(v | 0));
  } else {
    out.uint(v);
  }
}

/** bgpdumpCommunities of `buf[start, end)` without the leading space. */
function writeCommunities(out: TextSink, buf: Buffer, start: number, end: number): void {
  for (let p = start; p < end; p += 4) {
    if (p > start) out.byte(SPACE);
    const v = u32(buf, p);
    if (v === 0xffffff01) out.bytes(NO_EXPORT);
    else if (v === 0xffffff02) out.bytes(NO_ADVERTISE);
    else if (v === 0xffffff03) out.bytes(LOCAL_AS);
    else {
      out.uint(v >>> 16);
      out.byte(COLON);
      out.uint(v & 0xffff);
    }
  }
}

function writeNextHop(out: TextSink, buf: Buffer, f: RawAttrFields, source: NextHopSource): void {
  if (source === NextHopSource.NextHop || (source === NextHopSource.RibMpReach && f.reachAfi === 0)) {
    if (f.nextHop < 0) out.bytes(NO_ADDRESS);
    else out.ipv4(f.nextHop);
    return;
  }
  const o = f.reachNextHop;
  const len = f.reachNextHopLength;
  if (len >= 16 && (source === NextHopSource.RibMpReach || f.reachAfi === 2)) {
    out.text(bgpdumpAddressAt(buf, o, 2));
  } else if (source === NextHopSource.RibMpReach) {
    // Four octets read into bgpdump's 16-octet field: the rest is zeros (bgpdumpIpv6FromText).
    const full = new Uint8Array(16);
    for (let i = 0; i < 4; i++) full[i] = buf[o + i] as number;
    out.text(bgpdumpIpv6(full));
  } else if (len === 4) {
    out.ipv4(buf.readUInt32BE(o));
  } else {
    // An IPv6 next hop for IPv4 routes (RFC 8950): the decoder's RFC 5952 text. Rare: its module is required here.
    const { formatIpv6 } = require('../bgp/wire/values/ip') as typeof import('../bgp/wire/values/ip');
    out.text(formatIpv6(buf.subarray(o, o + 16)));
  }
}

/** The tail of a line for the clean block whose fields are in `f` (read from `buf`). */
export function writeRawTail(out: TextSink, buf: Buffer, f: RawAttrFields, source: NextHopSource): void {
  if (f.asPathEnd > f.asPathStart) writeAsPath(out, buf, f.asPathStart, f.asPathEnd, f.asnSize);
  out.bytes(ORIGIN[f.origin] ?? ORIGIN[2]);
  writeNextHop(out, buf, f, source);
  out.byte(PIPE);
  // IPv4 in MP_REACH: bgpdump prints LOCAL_PREF and MED with %d (table_line_announce_1).
  const signed = source === NextHopSource.MpReach && f.reachAfi === 1;
  writeNumber(out, f.localPref, signed);
  out.byte(PIPE);
  writeNumber(out, f.med, signed);
  out.byte(PIPE);
  writeCommunities(out, buf, f.communitiesStart, f.communitiesEnd);
  out.bytes(f.atomic ? AG : NAG);
  if (f.aggregatorAs >= 0) {
    out.uint(f.aggregatorAs);
    out.byte(SPACE);
    out.ipv4(f.aggregatorAddress);
  }
  out.text('|\n');
}
