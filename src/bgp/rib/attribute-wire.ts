/**
 * An interned attribute list kept as its wire form (RFC 4271 §4.3 path
 * attributes, 4-octet AS numbers as RFC 6793 sends them between NEW
 * speakers), one octet per character of a string. A full table holds about
 * 70k sets; as decoded objects a set took about 420 bytes in six or more
 * heap objects (the list, AS_PATH and its segments and ASN lists, the
 * COMMUNITIES list), which the young-generation collector copied twice
 * while a table arrived. As a string it is one object without pointers,
 * about as long as the attributes themselves.
 *
 * These are the pure readers of that form: where each attribute starts,
 * the hot values read in place, and whether a list may be kept this way at
 * all (decoding the form must give the list back exactly).
 */
import type { PathAttribute } from '../wire/attributes/types';
import type { AsPathSegment } from '../wire/values/as-path';
import { attributeCode } from '../wire/attributes/codec';
import { ATTRIBUTE_RULES, canonicalFlags, flagsMatch } from '../wire/rfc7606';
import { SEGMENT_KIND_BY_CODE } from '../wire/values/as-path';
import { isKept } from './attr-equal';

/** Flags bit: the length field is two octets (RFC 4271 §4.3). */
const EXTENDED_LENGTH = 0x10;

/** Offsets are kept in 15 bits each (two per small integer); longer forms (extended messages only) stay decoded. */
export const MAX_WIRE_LENGTH = 0x7ffe;

/** Attribute type codes at or past this one share the last bit of `typeMask`. */
export const OTHER_CODES = 30;

/** The four-octet unsigned integer at `p`. */
export function wireU32(wire: string, p: number): number {
  return wire.charCodeAt(p) * 0x1000000 + ((wire.charCodeAt(p + 1) << 16) | (wire.charCodeAt(p + 2) << 8) | wire.charCodeAt(p + 3));
}

/** The length of the header of the attribute at `h` (3, or 4 with Extended Length). */
function headerLength(wire: string, h: number): number {
  return wire.charCodeAt(h) & EXTENDED_LENGTH ? 4 : 3;
}

/** The value length of the attribute whose header is at `h`. */
export function valueLength(wire: string, h: number): number {
  return wire.charCodeAt(h) & EXTENDED_LENGTH ? (wire.charCodeAt(h + 2) << 8) | wire.charCodeAt(h + 3) : wire.charCodeAt(h + 2);
}

/** Where the attribute after the one at `h` starts. */
export function nextAttribute(wire: string, h: number): number {
  return h + headerLength(wire, h) + valueLength(wire, h);
}

/** The type code of the attribute at `h`. */
export function codeAt(wire: string, h: number): number {
  return wire.charCodeAt(h + 1);
}

/** Where the value of the attribute at `h` starts (`valueLength` says how long it is). */
export function valueAt(wire: string, h: number): number {
  return h + headerLength(wire, h);
}

/** The four-octet value (MED, LOCAL_PREF) of the attribute at `h`. */
export function u32ValueAt(wire: string, h: number): number {
  return wireU32(wire, valueAt(wire, h));
}

/** The ORIGIN value of the attribute at `h`. */
export function originAt(wire: string, h: number): 0 | 1 | 2 {
  return wire.charCodeAt(valueAt(wire, h)) as 0 | 1 | 2;
}

/** The AS_PATH segments of the attribute at `h`, as the decoder gives them. */
export function segmentsAt(wire: string, h: number): AsPathSegment[] {
  const start = valueAt(wire, h);
  const end = start + valueLength(wire, h);
  let n = 0;
  for (let p = start; p < end; p += 2 + 4 * wire.charCodeAt(p + 1)) n++;
  // Exactly sized, as the decoder makes them (a pushed-to list reserves 17 slots).
  const out = new Array<AsPathSegment>(n);
  let p = start;
  for (let k = 0; k < n; k++) {
    const kind = SEGMENT_KIND_BY_CODE[wire.charCodeAt(p)] ?? 'sequence';
    const count = wire.charCodeAt(p + 1);
    p += 2;
    const asns = new Array<number>(count);
    for (let i = 0; i < count; i++, p += 4) asns[i] = wireU32(wire, p);
    out[k] = { kind, asns };
  }
  return out;
}

/**
 * RFC 4271 §9.1.2.2(a) path length of the AS_PATH at `h`, read in place: an
 * AS_SET counts 1 and confederation segments 0 (RFC 5065 §5.3), as
 * `asPathLength` counts decoded segments.
 */
export function pathLengthAt(wire: string, h: number): number {
  let p = valueAt(wire, h);
  const end = p + valueLength(wire, h);
  let n = 0;
  while (p < end) {
    const type = wire.charCodeAt(p);
    const count = wire.charCodeAt(p + 1);
    if (type === 2) n += count;
    else if (type === 1) n += 1;
    p += 2 + 4 * count;
  }
  return n;
}

/** The first AS of the AS_PATH at `h` when its first segment is an AS_SEQUENCE (RFC 4271 §9.1.2.2(c)). */
export function neighborAsAt(wire: string, h: number): number | undefined {
  const p = valueAt(wire, h);
  if (valueLength(wire, h) < 6 || wire.charCodeAt(p) !== 2) return undefined;
  return wireU32(wire, p + 2);
}

/** Whether `asn` is in an AS_SEQUENCE or AS_SET of the AS_PATH at `h` (as `asPathContains`: confederation segments are ours, RFC 5065 §6). */
export function pathContainsAt(wire: string, h: number, asn: number): boolean {
  let p = valueAt(wire, h);
  const end = p + valueLength(wire, h);
  while (p < end) {
    const type = wire.charCodeAt(p);
    const count = wire.charCodeAt(p + 1);
    p += 2;
    if (type === 1 || type === 2) for (let i = 0; i < count; i++) if (wireU32(wire, p + 4 * i) === asn) return true;
    p += 4 * count;
  }
  return false;
}

/** The flags the decoder records for the attribute at `h` (undefined when they are the canonical ones for its type and length). */
export function recordedFlagsAt(wire: string, h: number): number | undefined {
  const written = wire.charCodeAt(h);
  const rule = ATTRIBUTE_RULES.get(codeAt(wire, h));
  if (rule === undefined) return written;
  return written === (canonicalFlags(rule.flagClass) | (valueLength(wire, h) > 255 ? EXTENDED_LENGTH : 0)) ? undefined : written;
}

/** The COMMUNITIES values of the attribute at `h`. */
export function communitiesAt(wire: string, h: number): number[] {
  const p = valueAt(wire, h);
  const n = valueLength(wire, h) >> 2;
  const out = new Array<number>(n);
  for (let i = 0; i < n; i++) out[i] = wireU32(wire, p + 4 * i);
  return out;
}

/**
 * Whether the attributes a set keeps from `list` (`isKept`), written as
 * `wire` (one attribute each, in order), may be kept as that wire form:
 * decoding it must give back exactly these attributes. That holds for the
 * types below when their values are ones the decoder accepts (no empty
 * AS_PATH segment, no AS 0, no empty list, at most 255 ASNs a segment so
 * none is split), no type appears twice (RFC 7606 §3(g) would drop the
 * later one), and received flags the decoder would record again. Anything
 * else stays a decoded list.
 */
export function keepsAsWire(list: readonly PathAttribute[], wire: string): boolean {
  if (wire.length > MAX_WIRE_LENGTH || wire.charCodeAt(0) === 0) return false;
  let seen = 0;
  let h = 0;
  for (const a of list) {
    if (!isKept(a)) continue;
    if (h >= wire.length || !valueRoundTrips(a)) return false;
    const code = attributeCode(a);
    if (codeAt(wire, h) !== code || code >= OTHER_CODES) return false;
    const bit = 1 << code;
    if (seen & bit) return false;
    seen |= bit;
    if (a.flags !== undefined && !flagsRecordedAgain(a.flags, code, wire, h)) return false;
    h = nextAttribute(wire, h);
  }
  return h === wire.length;
}

/**
 * Received flags come back when the decoder accepts them for the type
 * (RFC 7606 §3(c)) and records them, which it does only when they are not
 * the canonical ones for the type and length (wire/attributes withFlags).
 */
function flagsRecordedAgain(flags: number, code: number, wire: string, h: number): boolean {
  const rule = ATTRIBUTE_RULES.get(code);
  return rule !== undefined && recordedFlagsAt(wire, h) === flags && flagsMatch(rule.flagClass, flags);
}

const isU32 = (v: number): boolean => Number.isInteger(v) && v >= 0 && v <= 0xffffffff;

/** A dotted quad as the decoder writes one (no leading zeros), so the text comes back the same. */
const DOTTED_QUAD = /^(0|[1-9]\d{0,2})(\.(0|[1-9]\d{0,2})){3}$/;
const isDottedQuad = (s: string): boolean => DOTTED_QUAD.test(s) && s.split('.').every((o) => Number(o) <= 255);

function valueRoundTrips(a: PathAttribute): boolean {
  switch (a.type) {
    case 'origin':
    case 'atomic-aggregate':
      return true;
    case 'as-path':
      for (const s of a.segments) {
        if (s.asns.length === 0 || s.asns.length > 255) return false;
        for (const asn of s.asns) if (asn === 0 || !isU32(asn)) return false;
      }
      return true;
    case 'med':
      return isU32(a.med);
    case 'local-pref':
      return isU32(a.localPref);
    case 'communities':
      return a.communities.length > 0 && a.communities.every(isU32);
    case 'aggregator':
      return a.asn !== 0 && isU32(a.asn) && isDottedQuad(a.address);
    case 'originator-id':
      return isDottedQuad(a.originatorId);
    case 'cluster-list':
      return a.clusterIds.length > 0 && a.clusterIds.every(isDottedQuad);
    default:
      return false;
  }
}
