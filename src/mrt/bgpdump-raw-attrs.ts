/**
 * The fields of a `bgpdump -m` line read straight from the octets of an
 * attribute block, for blocks that hdvpn's attribute decoder would accept
 * without a single error. That is nearly every block of a real dump, and
 * reading them here, with offsets, spares the attribute objects, the decoded
 * NLRI and the Buffer views that the decoder builds and the printer throws
 * away (they made the collector the largest cost of a cold run).
 *
 * This is not a second decoder: it recognises the clean case and answers
 * false for anything else (a flag, length or value the decoder would report,
 * a repeated attribute, an AS4 merge, an MP family other than IPv4/IPv6
 * unicast and multicast), and the caller then goes through the decoder and
 * the bgpdump compatibility shims (bgpdump-attrs.ts, bgpdump-lenient.ts). So
 * each check below mirrors the decoder's (bgp/wire/attributes, rfc7606.ts):
 * when they all pass, both ways print the same, which the fixtures test.
 */

/**
 * Where the printed fields of a clean block are, and their values; one
 * instance is reused (filled by readRawAttributes, printed by bgpdump-raw-tail.ts).
 */
export class RawAttrFields {
  /** ORIGIN value 0–2; 2 (INCOMPLETE) when absent. */
  origin = 2;
  /** AS_PATH segments `buf[asPathStart, asPathEnd)` (empty when absent) and their ASN width. */
  asPathStart = 0;
  asPathEnd = 0;
  asnSize: 2 | 4 = 4;
  /** NEXT_HOP, or -1 when absent (bgpdump then prints 255.255.255.255, INADDR_NONE). */
  nextHop = -1;
  localPref = 0;
  med = 0;
  /** COMMUNITIES values `buf[communitiesStart, communitiesEnd)`. */
  communitiesStart = 0;
  communitiesEnd = 0;
  atomic = false;
  /** AGGREGATOR AS, or -1 when absent, and address. */
  aggregatorAs = -1;
  aggregatorAddress = 0;
  /** MP_REACH_NLRI: its AFI (0 when absent), next hop (offset in the buffer and length) and NLRI range. */
  reachAfi = 0;
  reachNextHop = 0;
  reachNextHopLength = 0;
  reachStart = 0;
  reachEnd = 0;
  /** MP_UNREACH_NLRI: its AFI (0 when absent) and NLRI range. */
  unreachAfi = 0;
  unreachStart = 0;
  unreachEnd = 0;

  reset(asnSize: 2 | 4): void {
    this.origin = 2;
    this.asPathStart = 0;
    this.asPathEnd = 0;
    this.asnSize = asnSize;
    this.nextHop = -1;
    this.localPref = 0;
    this.med = 0;
    this.communitiesStart = 0;
    this.communitiesEnd = 0;
    this.atomic = false;
    this.aggregatorAs = -1;
    this.aggregatorAddress = 0;
    this.reachAfi = 0;
    this.reachNextHop = 0;
    this.reachNextHopLength = 0;
    this.reachStart = 0;
    this.reachEnd = 0;
    this.unreachAfi = 0;
    this.unreachStart = 0;
    this.unreachEnd = 0;
  }
}

/** RFC 4271 §4.3 flag bits Optional, Transitive, Partial (Extended Length and the low nibble do not matter). */
const OTP = 0xe0;
/** rfc7606.ts flagsMatch: well-known is Transitive alone; optional transitive may set Partial. */
const WELL_KNOWN = 0x40;
const OPTIONAL_TRANSITIVE = 0xc0;
const OPTIONAL_NON_TRANSITIVE = 0x80;

function optionalTransitive(flags: number): boolean {
  return (flags & 0xc0) === OPTIONAL_TRANSITIVE;
}

/**
 * Whether `buf[start, end)` holds AS_PATH segments the decoder accepts
 * (RFC 7606 §7.2: segment type 1–4, no empty segment, no overrun, no stray
 * octet; RFC 7607: no AS 0).
 */
function validAsPath(buf: Buffer, start: number, end: number, asnSize: 2 | 4): boolean {
  let p = start;
  while (p < end) {
    if (p + 2 > end) return false;
    const kind = buf[p] as number;
    const count = buf[p + 1] as number;
    if (kind < 1 || kind > 4 || count === 0) return false;
    p += 2;
    const segmentEnd = p + count * asnSize;
    if (segmentEnd > end) return false;
    // Octets ORed: an ASN is 0 only when all its octets are.
    if (asnSize === 4) {
      for (; p < segmentEnd; p += 4) if (((buf[p] as number) | (buf[p + 1] as number) | (buf[p + 2] as number) | (buf[p + 3] as number)) === 0) return false;
    } else {
      for (; p < segmentEnd; p += 2) if (((buf[p] as number) | (buf[p + 1] as number)) === 0) return false;
    }
  }
  return true;
}

/**
 * Whether `buf[start, end)` is a list of IPv4 (afi 1) or IPv6 prefixes the
 * NLRI decoder accepts (nlri/unicast.ts: path id under ADD-PATH, length
 * within the address, no overrun).
 */
export function validUnicastList(buf: Buffer, start: number, end: number, afi: number, addPath: boolean): boolean {
  const max = afi === 1 ? 32 : 128;
  let p = start;
  while (p < end) {
    if (addPath) {
      if (p + 5 > end) return false;
      p += 4;
    }
    const bits = buf[p] as number;
    if (bits > max) return false;
    p += 1 + ((bits + 7) >> 3);
    if (p > end) return false;
  }
  return true;
}

/** AFI 1/2 with SAFI 1/2: the MP families whose routes the fast path prints (the decoder's unicast layout). */
function unicastFamily(afi: number, safi: number): boolean {
  return (afi === 1 || afi === 2) && (safi === 1 || safi === 2);
}

/** MP_REACH next hop lengths the decoder accepts for unicast/multicast (next-hop-mp.ts; RFC 8950 for IPv4). */
function validNextHopLength(afi: number, len: number): boolean {
  return len === 16 || len === 32 || (afi === 1 && len === 4);
}

/**
 * Fills `f` from the attribute block `buf[start, end)` and returns true, or
 * returns false when the block is not in the clean subset (see the top of
 * this file). `fourOctetAs`: the AS_PATH and AGGREGATOR width. `addPath`:
 * MP NLRI carry path identifiers. `mrtRib`: a TABLE_DUMP_V2 RIB entry, whose
 * MP_REACH may be abbreviated to next hop length and next hop (RFC 6396 §4.3.4);
 * its family then comes from the record (`ribAfi`, `ribSafi`).
 */
export function readRawAttributes(buf: Buffer, start: number, end: number, fourOctetAs: boolean, addPath: boolean, f: RawAttrFields, mrtRib = false, ribAfi = 0, ribSafi = 0): boolean {
  const asnSize = fourOctetAs ? 4 : 2;
  f.reset(asnSize);
  /** Bit per printed code seen (all below 32): a repeat is the decoder's RFC 7606 §3(g) error. */
  let seen = 0;
  let p = start;
  while (p < end) {
    if (end - p < 3) return false;
    const flags = buf[p] as number;
    const code = buf[p + 1] as number;
    const v = p + ((flags & 0x10) !== 0 ? 4 : 3);
    if (v > end) return false;
    const len = (flags & 0x10) !== 0 ? buf.readUInt16BE(p + 2) : (buf[p + 2] as number);
    const ve = v + len;
    if (ve > end) return false;
    p = ve;
    if (code >= 32) continue; // LARGE_COMMUNITY and the rest: bgpdump -m prints none
    const bit = 1 << code;
    switch (code) {
      case 1: // ORIGIN, RFC 7606 §7.1
        if ((flags & OTP) !== WELL_KNOWN || len !== 1 || (buf[v] as number) > 2) return false;
        f.origin = buf[v] as number;
        break;
      case 2: // AS_PATH (zero length allowed)
        if ((flags & OTP) !== WELL_KNOWN || !validAsPath(buf, v, ve, asnSize)) return false;
        f.asPathStart = v;
        f.asPathEnd = ve;
        break;
      case 3: // NEXT_HOP, §7.3
        if ((flags & OTP) !== WELL_KNOWN || len !== 4) return false;
        f.nextHop = buf.readUInt32BE(v);
        break;
      case 4: // MULTI_EXIT_DISC, §7.4
        if ((flags & OTP) !== OPTIONAL_NON_TRANSITIVE || len !== 4) return false;
        f.med = buf.readUInt32BE(v);
        break;
      case 5: // LOCAL_PREF, §7.5 (no eBGP discard: MRT has no session side)
        if ((flags & OTP) !== WELL_KNOWN || len !== 4) return false;
        f.localPref = buf.readUInt32BE(v);
        break;
      case 6: // ATOMIC_AGGREGATE, §7.6
        if ((flags & OTP) !== WELL_KNOWN || len !== 0) return false;
        f.atomic = true;
        break;
      case 7: {
        // AGGREGATOR, §7.7 and RFC 7607
        if (!optionalTransitive(flags) || len !== asnSize + 4) return false;
        const asn = asnSize === 4 ? buf.readUInt32BE(v) : buf.readUInt16BE(v);
        if (asn === 0) return false;
        f.aggregatorAs = asn;
        f.aggregatorAddress = buf.readUInt32BE(v + asnSize);
        break;
      }
      case 8: // COMMUNITIES, §7.8
        if (!optionalTransitive(flags) || len === 0 || len % 4 !== 0) return false;
        f.communitiesStart = v;
        f.communitiesEnd = ve;
        break;
      case 14: // MP_REACH_NLRI
        if ((flags & OTP) !== OPTIONAL_NON_TRANSITIVE || !reach(buf, v, ve, addPath, f, mrtRib, ribAfi, ribSafi)) return false;
        break;
      case 15: {
        // MP_UNREACH_NLRI
        if ((flags & OTP) !== OPTIONAL_NON_TRANSITIVE || len < 3) return false;
        const afi = buf.readUInt16BE(v);
        if (!unicastFamily(afi, buf[v + 2] as number) || !validUnicastList(buf, v + 3, ve, afi, addPath)) return false;
        f.unreachAfi = afi;
        f.unreachStart = v + 3;
        f.unreachEnd = ve;
        break;
      }
      case 17: // AS4_PATH
      case 18: // AS4_AGGREGATOR
        // On 4-octet sessions bgpdump ignores both, and the decoder's errors for them only discard them.
        // On 2-octet sessions they are merged into AS_PATH / AGGREGATOR (bgpdump-attrs.ts applyAs4).
        if (!fourOctetAs) return false;
        continue;
      default:
        continue; // ORIGINATOR_ID, CLUSTER_LIST, EXTENDED_COMMUNITIES, …: not printed, not decoded
    }
    if ((seen & bit) !== 0) return false;
    seen |= bit;
  }
  return true;
}

/** MP_REACH_NLRI in `buf[v, ve)`: RFC 4760 §3, or the RFC 6396 §4.3.4 abbreviated form in RIB entries. */
function reach(buf: Buffer, v: number, ve: number, addPath: boolean, f: RawAttrFields, mrtRib: boolean, ribAfi: number, ribSafi: number): boolean {
  const len = ve - v;
  if (mrtRib && len > 0 && (buf[v] as number) + 1 === len) {
    // mp.ts decodeMpReachMrt: next hop length and next hop, family from the record, no NLRI.
    if (!unicastFamily(ribAfi, ribSafi) || !validNextHopLength(ribAfi, len - 1)) return false;
    f.reachAfi = ribAfi;
    f.reachNextHop = v + 1;
    f.reachNextHopLength = len - 1;
    f.reachStart = ve;
    f.reachEnd = ve;
    return true;
  }
  if (len < 5) return false;
  const afi = buf.readUInt16BE(v);
  const nhLen = buf[v + 3] as number;
  // The reserved octet after the next hop must be there too (RFC 4760 §3).
  if (!unicastFamily(afi, buf[v + 2] as number) || v + 5 + nhLen > ve || !validNextHopLength(afi, nhLen)) return false;
  if (!validUnicastList(buf, v + 5 + nhLen, ve, afi, addPath)) return false;
  f.reachAfi = afi;
  f.reachNextHop = v + 4;
  f.reachNextHopLength = nhLen;
  f.reachStart = v + 5 + nhLen;
  f.reachEnd = ve;
  return true;
}
