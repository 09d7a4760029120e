/**
 * bgpdump prints some attributes that hdvpn's decoder rightly rejects: an
 * AS_PATH or AGGREGATOR holding AS 0 (RFC 7607 makes that malformed), and
 * AS4_PATH confederation segments (RFC 6793 §6 drops them). To print what
 * bgpdump prints, those few attributes, and only when the decoder reported
 * an error for them, are read again here without the RFC checks. This is a
 * compatibility shim for `--format bgpdump`, not a second attribute decoder:
 * every other attribute comes from bgp/wire/attributes.
 */
import type { AttributeError } from '../bgp/wire/errors';
import type { PathAttribute } from '../bgp/wire/attributes/types';
import { SEGMENT_KIND_BY_CODE, type AsPathSegment } from '../bgp/wire/values/as-path';
import { bgpdumpIpv4 } from './bgpdump-text';

const AS_PATH = 2;
const AGGREGATOR = 7;
const AS4_PATH = 17;
const AS4_AGGREGATOR = 18;
const RECOVERABLE = new Set([AS_PATH, AGGREGATOR, AS4_PATH, AS4_AGGREGATOR]);

/** Segments read as bgpdump reads them; null where bgpdump would print its "! Error !" (bad type or overrun). */
function lenientSegments(v: Buffer, asnSize: 2 | 4): AsPathSegment[] | null {
  const out: AsPathSegment[] = [];
  let p = 0;
  while (p < v.length) {
    const kind = SEGMENT_KIND_BY_CODE[v[p] as number];
    const count = v[p + 1] ?? 0;
    if (kind === undefined || p + 2 + count * asnSize > v.length) return null;
    const asns: number[] = [];
    for (let i = 0; i < count; i++) asns.push(asnSize === 4 ? v.readUInt32BE(p + 2 + 4 * i) : v.readUInt16BE(p + 2 + 2 * i));
    out.push({ kind, asns });
    p += 2 + count * asnSize;
  }
  return out;
}

function lenientAttribute(code: number, v: Buffer, fourOctetAs: boolean): PathAttribute | null {
  const asnSize = fourOctetAs ? 4 : 2;
  switch (code) {
    case AS_PATH: {
      const segments = lenientSegments(v, asnSize);
      return segments && { type: 'as-path', segments };
    }
    case AS4_PATH: {
      const segments = lenientSegments(v, 4);
      return segments && { type: 'as4-path', segments };
    }
    case AGGREGATOR:
      if (v.length !== asnSize + 4) return null;
      return { type: 'aggregator', asn: asnSize === 4 ? v.readUInt32BE(0) : v.readUInt16BE(0), address: bgpdumpIpv4(v, asnSize) };
    case AS4_AGGREGATOR:
      if (v.length !== 8) return null;
      return { type: 'as4-aggregator', asn: v.readUInt32BE(0), address: bgpdumpIpv4(v, 4) };
    default:
      return null;
  }
}

/** The attribute list with rejected AS_PATH / AGGREGATOR / AS4_* attributes read again the lenient way. */
export function withBgpdumpLeniency(block: Buffer, attributes: readonly PathAttribute[], errors: readonly AttributeError[], fourOctetAs: boolean): readonly PathAttribute[] {
  if (!errors.some((e) => RECOVERABLE.has(e.attributeType))) return attributes;
  const wanted = new Set(errors.filter((e) => RECOVERABLE.has(e.attributeType)).map((e) => e.attributeType));
  const recovered: PathAttribute[] = [];
  for (let p = 0; p + 3 <= block.length; ) {
    const flags = block[p] as number;
    const code = block[p + 1] as number;
    const ext = (flags & 0x10) !== 0;
    const len = ext ? (p + 4 <= block.length ? block.readUInt16BE(p + 2) : 0) : (block[p + 2] as number);
    const start = p + (ext ? 4 : 3);
    if (start + len > block.length) break;
    if (wanted.has(code)) {
      wanted.delete(code);
      const a = lenientAttribute(code, block.subarray(start, start + len), fourOctetAs);
      if (a) recovered.push(a);
    }
    p = start + len;
  }
  const replacedTypes = new Set(recovered.map((a) => a.type));
  return [...attributes.filter((a) => !replacedTypes.has(a.type)), ...recovered];
}

