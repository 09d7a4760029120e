/**
 * Text forms exactly as bgpdump 1.6.2 prints them (RIPE-NCC/bgpdump,
 * inet_ntop.c and bgpdump_lib.c). They differ from hdvpn's own forms in
 * values/ on purpose: bgpdump compresses a single zero group in IPv6, writes
 * IPv4-compatible addresses as `::a.b.c.d`, counts confederation segments
 * in the AS_PATH length, and spells a few communities its own way.
 */
import type { AsPathSegment, AsPathSegmentKind } from '../bgp/wire/values/as-path';

const HEX = '0123456789abcdef';

/** inet_ntoa of four octets at `o` (missing octets read as 0, as bgpdump zero-fills short reads). */
export function bgpdumpIpv4(b: Uint8Array, o = 0): string {
  return `${b[o] ?? 0}.${b[o + 1] ?? 0}.${b[o + 2] ?? 0}.${b[o + 3] ?? 0}`;
}

export function bgpdumpIpv4FromNumber(v: number): string {
  return `${v >>> 24}.${(v >>> 16) & 0xff}.${(v >>> 8) & 0xff}.${v & 0xff}`;
}

/** The eight 16-bit groups of the address being formatted (scratch: no array per call). */
const groups = new Uint16Array(8);

/**
 * bgpdump's fmt_ipv6: `::ffff:a.b.c.d` for IPv4-mapped, `::a.b.c.d` for
 * IPv4-compatible (first 96 bits zero, last 32 above 1), else hex groups
 * with the first longest run of zero groups, even a single one, as `::`.
 */
export function bgpdumpIpv6(b: Uint8Array, o = 0): string {
  const g = groups;
  for (let i = 0; i < 8; i++) g[i] = ((b[o + 2 * i] ?? 0) << 8) | (b[o + 2 * i + 1] ?? 0);
  let head = 0;
  for (let i = 0; i < 5; i++) head |= g[i] as number;
  if (head === 0) {
    if (g[5] === 0xffff) return `::ffff:${bgpdumpIpv4(b, o + 12)}`;
    if (g[5] === 0 && (g[6] !== 0 || (g[7] as number) > 1)) return `::${bgpdumpIpv4(b, o + 12)}`;
  }
  let bestStart = -1;
  let bestLen = 0;
  for (let i = 0; i < 8; ) {
    if (g[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && g[j] === 0) j++;
    if (j - i > bestLen) {
      bestStart = i;
      bestLen = j - i;
    }
    i = j;
  }
  let s = '';
  for (let i = 0; i < 8; i++) {
    if (i === bestStart) {
      s += i === 0 ? '::' : ':';
      i += bestLen - 1;
      continue;
    }
    const v = g[i] as number;
    s += v < 16 ? HEX[v] : v.toString(16);
    if (i !== 7) s += ':';
  }
  return s;
}

const OPEN: Record<AsPathSegmentKind, string> = { sequence: '', set: '{', 'confed-sequence': '(', 'confed-set': '[' };
const CLOSE: Record<AsPathSegmentKind, string> = { sequence: '', set: '}', 'confed-sequence': ')', 'confed-set': ']' };

/** bgpdump gives up on a path string near 8000 characters and ends it with `...`. */
const MAX_ASPATH_TEXT = 8000 - 100;

/**
 * bgpdump's AS_PATH text: sequences space-separated, `{a,b}` sets, `(a b)`
 * confederation sequences, `[a,b]` confederation sets. A segment is
 * separated from the previous one by a space only when that one had ASNs.
 */
export function bgpdumpAsPath(segments: readonly AsPathSegment[]): string {
  let s = '';
  let prev: AsPathSegmentKind = 'sequence';
  let space = false;
  for (const seg of segments) {
    s += CLOSE[prev];
    if (space) s += ' ';
    s += OPEN[seg.kind];
    space = false;
    const sep = seg.kind === 'set' || seg.kind === 'confed-set' ? ',' : ' ';
    for (const asn of seg.asns) {
      if (space) s += sep;
      else space = true;
      s += asn;
      if (s.length > MAX_ASPATH_TEXT) return `${s}...`;
    }
    prev = seg.kind;
  }
  return s + CLOSE[prev];
}

/** bgpdump's path length: sequences count their ASNs, sets count 1, confederation segments included. */
export function bgpdumpAsPathCount(segments: readonly AsPathSegment[]): number {
  let n = 0;
  for (const seg of segments) n += seg.kind === 'set' || seg.kind === 'confed-set' ? 1 : seg.asns.length;
  return n;
}

/**
 * bgpdump's AS4_PATH merge for 2-octet sessions. It differs from RFC 6793
 * §4.2.3 in two ways that show in its output: confederation segments count
 * towards the lengths, and while it fills the leading part it copies the
 * *first* AS_PATH segment again and again (it never advances to the next one).
 * Returns null when bgpdump keeps AS_PATH (AS4_PATH longer than AS_PATH).
 */
export function bgpdumpMergeAs4Path(asPath: readonly AsPathSegment[], as4Path: readonly AsPathSegment[]): AsPathSegment[] | null {
  const count = bgpdumpAsPathCount(asPath);
  const newCount = bgpdumpAsPathCount(as4Path);
  if (count < newCount) return null;
  const want = count - newCount;
  const merged: AsPathSegment[] = [];
  const first = asPath[0];
  let have = 0;
  while (first !== undefined && have < want) {
    if (first.kind === 'set' || first.kind === 'confed-set') {
      merged.push(first);
      have += 1;
    } else {
      const take = Math.min(first.asns.length, want - have);
      merged.push(take === first.asns.length ? first : { kind: first.kind, asns: first.asns.slice(0, take) });
      have += first.asns.length;
      if (first.asns.length === 0) break; // bgpdump would loop forever here; nothing sensible to copy
    }
  }
  return merged.concat(as4Path);
}

/** bgpdump's community list: ` a:b` each, and three well-known values by name (0xFFFFFF03 is its "local-AS"). */
export function bgpdumpCommunities(values: readonly number[]): string {
  let s = '';
  for (const v of values) {
    if (v === 0xffffff01) s += ' no-export';
    else if (v === 0xffffff02) s += ' no-advertise';
    else if (v === 0xffffff03) s += ' local-AS';
    else s += ` ${v >>> 16}:${v & 0xffff}`;
  }
  return s;
}

/**
 * The text of recently printed addresses (peers, mostly: every BGP4MP record
 * carries one, and a dump holds few), direct-mapped by a hash of their words.
 */
const ADDRESS_SLOTS = 256;
const addressWords = new Int32Array(ADDRESS_SLOTS * 4);
const addressFamilies = new Uint8Array(ADDRESS_SLOTS);
const addressTexts: (string | undefined)[] = new Array<string | undefined>(ADDRESS_SLOTS).fill(undefined);

/** The address at `buf[o]` as bgpdump prints it: 4 octets for AFI 1, 16 for AFI 2 (the caller checked they are there). */
export function bgpdumpAddressAt(buf: Buffer, o: number, afi: 1 | 2): string {
  const w0 = buf.readInt32BE(o);
  const w1 = afi === 2 ? buf.readInt32BE(o + 4) : 0;
  const w2 = afi === 2 ? buf.readInt32BE(o + 8) : 0;
  const w3 = afi === 2 ? buf.readInt32BE(o + 12) : 0;
  const slot = Math.imul(w0 ^ Math.imul(w1 ^ Math.imul(w2 ^ w3 ^ afi, 0x9e3779b1), 0x85ebca6b), 0xc2b2ae35) >>> 24;
  const at = slot * 4;
  let text = addressTexts[slot];
  if (text === undefined || addressFamilies[slot] !== afi || addressWords[at] !== w0 || addressWords[at + 1] !== w1 || addressWords[at + 2] !== w2 || addressWords[at + 3] !== w3) {
    text = afi === 2 ? bgpdumpIpv6(buf, o) : bgpdumpIpv4(buf, o);
    addressWords[at] = w0;
    addressWords[at + 1] = w1;
    addressWords[at + 2] = w2;
    addressWords[at + 3] = w3;
    addressFamilies[slot] = afi;
    addressTexts[slot] = text;
  }
  return text;
}
