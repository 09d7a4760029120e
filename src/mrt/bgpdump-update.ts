/**
 * The MP routes of an UPDATE as bgpdump prints them, and what an attribute
 * block outside the clean subset prints (UpdateText, built by
 * bgpdump-decoded.ts). Clean blocks need no UpdateText: their tails are
 * written from the octets (bgpdump-raw-tail.ts).
 */
import type { Nlri } from '../bgp/wire/nlri/types';
import type { UpdateLines } from './bgpdump-lines';
import { bgpdumpIpv6 } from './bgpdump-text';
import { ascii, SLASH, type TextSink } from './text-sink';

/** bgpdump prints MP NLRI only for AFI 1/2 and SAFI 1–3 (BGPDUMP_MAX_SAFI); VPN and others are skipped. */
export function printableFamily(afi: number, safi: number): boolean {
  return (afi === 1 || afi === 2) && safi >= 1 && safi <= 3;
}

/**
 * `aspath|origin|nexthop|localpref|med|communities|AG|aggregator|` and the
 * newline; `signed` prints LOCAL_PREF and MED with %d (bgpdump does for IPv4
 * routes of MP_REACH, table_line_announce_1).
 */
export function tailText(asPath: string, origin: string, nextHop: string, localPref: number, med: number, communities: string, atomic: boolean, aggregator: string, signed: boolean): string {
  const lp = signed ? localPref | 0 : localPref;
  const m = signed ? med | 0 : med;
  return `${asPath}|${origin}|${nextHop}|${lp}|${m}|${communities}|${atomic ? 'AG' : 'NAG'}|${aggregator}|\n`;
}

/** What a block the decoder read prints. */
export class UpdateText {
  /** `aspath|…|\n` for routes of the NLRI field (NEXT_HOP), and for those of MP_REACH (its next hop; null when there are none). */
  readonly nlriTail: Uint8Array;
  readonly mpTail: Uint8Array | null;

  constructor(
    nlriTail: string,
    mpTail: string | null,
    /** There is an MP_UNREACH, printable or not (bgpdump then starts its withdrawals). */
    readonly hasUnreach: boolean,
    /** The routes of a printable MP_UNREACH / MP_REACH. */
    readonly unreach: readonly Nlri[] | null,
    readonly reach: readonly Nlri[] | null,
  ) {
    this.nlriTail = ascii(nlriTail);
    this.mpTail = mpTail === null ? null : ascii(mpTail);
  }
}

/** One line per decoded unicast route, in the current section of `lines`. */
export function printDecodedMpRoutes(routes: readonly Nlri[], lines: UpdateLines, out: TextSink): void {
  for (const n of routes) {
    if (n.kind !== 'unicast') continue;
    lines.head(out);
    const p = n.prefix;
    if (p.afi === 1) out.ipv4(p.address);
    else out.text(bgpdumpIpv6(p.address));
    out.byte(SLASH);
    out.octet(p.length);
    lines.end(out, n.pathId ?? 0);
  }
}

/** Scratch for one IPv6 prefix. */
const ipv6Scratch = new Uint8Array(16);

/**
 * One line per route of the (validated) unicast NLRI list `buf[start, end)`
 * of `afi`, in the current section of `lines`: the prefix with its host bits
 * cleared, as the decoder gives it (nlri/prefix.ts).
 */
export function printRawMpRoutes(buf: Buffer, start: number, end: number, afi: number, lines: UpdateLines, out: TextSink): void {
  const addPath = lines.addPath;
  let p = start;
  while (p < end) {
    let pathId = 0;
    if (addPath) {
      pathId = buf.readUInt32BE(p);
      p += 4;
    }
    const bits = buf[p] as number;
    const n = (bits + 7) >> 3;
    lines.head(out);
    if (afi === 1) {
      let a = 0;
      for (let i = 0; i < n; i++) a |= (buf[p + 1 + i] as number) << (24 - 8 * i);
      out.ipv4(bits === 0 ? 0 : (a & (0xffffffff << (32 - bits))) >>> 0);
      out.byte(SLASH);
    } else {
      const s = ipv6Scratch;
      s.fill(0);
      for (let i = 0; i < n; i++) s[i] = buf[p + 1 + i] as number;
      if ((bits & 7) !== 0) s[n - 1] = (s[n - 1] as number) & (0xff << (8 - (bits & 7)));
      out.text(bgpdumpIpv6(s));
      out.byte(SLASH);
    }
    out.octet(bits);
    p += 1 + n;
    lines.end(out, pathId);
  }
}
