/**
 * AS_PATH (type 2) and AS4_PATH (type 17): segments `Type(1) Count(1) ASN×Count`,
 * ASNs 2 or 4 octets by RFC 6793 negotiation for AS_PATH, always 4 for AS4_PATH.
 */
import { UpdateSubcode } from '../errors';
import type { Writer } from '../cursor';
import type { CodecContext } from '../context';
import { AS_TRANS } from '../constants';
import { SEGMENT_KIND_BY_CODE, SEGMENT_TYPE_CODE, type AsPathSegment } from '../values/as-path';
import type { As4PathAttr, AsPathAttr } from './types';
import { malformed } from './common';

/**
 * Parses segments; throws on RFC 7606 §7.2 malformations (unknown segment
 * type, count 0, overrun, stray octet) and on AS 0 (RFC 7607 §2).
 */
function decodeSegments(value: Buffer, start: number, end: number, asnSize: 2 | 4, what: string): AsPathSegment[] {
  // Lists of exactly their length (a pushed-to list reserves 17 slots): the RIB keeps them as they are.
  let first: AsPathSegment | undefined;
  let more: AsPathSegment[] | undefined;
  const sub = UpdateSubcode.MalformedAsPath;
  let p = start;
  while (p < end) {
    if (p + 2 > end) throw malformed(sub, `${what}: stray octet at offset ${p - start}`);
    const kind = SEGMENT_KIND_BY_CODE[value[p] as number];
    const count = value[p + 1] as number;
    if (kind === undefined) throw malformed(sub, `${what}: unknown segment type ${value[p]}`);
    if (count === 0) throw malformed(sub, `${what}: empty segment`);
    p += 2;
    if (p + count * asnSize > end) throw malformed(sub, `${what}: segment of ${count} AS overruns the attribute`);
    const asns: number[] = new Array<number>(count);
    for (let i = 0; i < count; i++, p += asnSize) {
      const asn = asnSize === 4 ? value.readUInt32BE(p) : value.readUInt16BE(p);
      if (asn === 0) throw malformed(sub, `${what}: AS 0 (RFC 7607)`);
      asns[i] = asn;
    }
    const segment: AsPathSegment = { kind, asns };
    if (first === undefined) first = segment;
    else (more ??= [first]).push(segment);
  }
  return more !== undefined ? more.slice() : first !== undefined ? [first] : [];
}

/** The value is the `len` octets at `buf[p]`. */
export function decodeAsPath(buf: Buffer, p: number, len: number, ctx: CodecContext): AsPathAttr {
  return { type: 'as-path', segments: decodeSegments(buf, p, p + len, ctx.fourOctetAs ? 4 : 2, 'AS_PATH') };
}

/**
 * RFC 6793 §6: AS4_PATH must not carry confederation segments; a receiver
 * drops those segments (the rest of the attribute stays usable). The caller
 * learns through `droppedConfed` so it can report it.
 */
export function decodeAs4Path(value: Buffer): { attr: As4PathAttr; droppedConfed: boolean } {
  if (value.length < 6 || value.length % 2 !== 0) throw malformed(UpdateSubcode.OptionalAttributeError, `AS4_PATH length ${value.length} invalid (RFC 6793 §6)`);
  const all = decodeSegments(value, 0, value.length, 4, 'AS4_PATH');
  const segments = all.filter((s) => s.kind === 'sequence' || s.kind === 'set');
  return { attr: { type: 'as4-path', segments }, droppedConfed: segments.length !== all.length };
}

/** Writes segments; a segment of more than 255 ASNs is split, an ASN too big for 2 octets becomes AS_TRANS (RFC 6793 §4.2.2). */
export function writeSegments(w: Writer, segments: readonly AsPathSegment[], asnSize: 2 | 4): void {
  for (const s of segments) {
    const code = SEGMENT_TYPE_CODE[s.kind];
    const asns = s.asns;
    // Written from the list in place (this runs for every UPDATE sent), 255 ASNs per segment at most.
    for (let start = 0; start < asns.length || start === 0; start += 255) {
      const end = Math.min(asns.length, start + 255);
      w.u8(code).u8(end - start);
      for (let i = start; i < end; i++) {
        const asn = asns[i] ?? 0;
        if (asnSize === 4) w.u32(asn);
        else w.u16(asn > 0xffff ? AS_TRANS : asn);
      }
      if (asns.length === 0) break;
    }
  }
}

export function encodeAsPath(a: AsPathAttr, ctx: CodecContext, w: Writer): void {
  writeSegments(w, a.segments, ctx.fourOctetAs ? 4 : 2);
}

export function encodeAs4Path(a: As4PathAttr, w: Writer): void {
  writeSegments(w, a.segments, 4);
}
