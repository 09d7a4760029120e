/**
 * RFC 6793 toward and from "OLD" BGP speakers (no 4-octet AS capability):
 * the AS_PATH they see uses AS_TRANS for ASNs above 65535 and the true path
 * travels in AS4_PATH / AS4_AGGREGATOR; what they send is merged back.
 */
import type { PathAttribute } from '../wire/attributes/types';
import { AS_TRANS } from '../wire/constants';
import { asPathLength, type AsPathSegment } from '../wire/values/as-path';

const fits = (asn: number): boolean => asn <= 0xffff;

/** RFC 6793 §4.2.2: what we send to an OLD speaker (the codec writes AS_TRANS in the 2-octet fields). */
export function toOldSpeaker(attrs: readonly PathAttribute[]): PathAttribute[] {
  const out: PathAttribute[] = attrs.filter((a) => a.type !== 'as4-path' && a.type !== 'as4-aggregator');
  const path = out.find((a) => a.type === 'as-path');
  if (path && path.type === 'as-path') {
    const plain = path.segments.filter((s) => s.kind === 'sequence' || s.kind === 'set');
    // AS4_PATH carries no confederation segments (§4.2.2), and is sent only when some ASN does not fit.
    if (plain.some((s) => s.asns.some((a) => !fits(a)))) out.push({ type: 'as4-path', segments: plain });
  }
  const agg = out.find((a) => a.type === 'aggregator');
  if (agg && agg.type === 'aggregator' && !fits(agg.asn)) out.push({ type: 'as4-aggregator', asn: agg.asn, address: agg.address });
  return out;
}

/** The leading `n` path-length units of `segments` (an AS_SET counts 1, confederation segments 0; RFC 6793 §4.2.3). */
function leading(segments: readonly AsPathSegment[], n: number): AsPathSegment[] {
  const out: AsPathSegment[] = [];
  let left = n;
  for (const s of segments) {
    if (s.kind === 'confed-sequence' || s.kind === 'confed-set') {
      out.push(s);
      continue;
    }
    if (left <= 0) break;
    if (s.kind === 'set') {
      out.push(s);
      left -= 1;
    } else {
      const take = s.asns.slice(0, left);
      out.push({ kind: 'sequence', asns: take });
      left -= take.length;
    }
  }
  return out;
}

/** RFC 6793 §4.2.3: the attributes an OLD speaker sent, with the true AS path and aggregator restored. */
export function fromOldSpeaker(attrs: readonly PathAttribute[]): PathAttribute[] {
  const as4Path = attrs.find((a) => a.type === 'as4-path');
  const as4Agg = attrs.find((a) => a.type === 'as4-aggregator');
  if (!as4Path && !as4Agg) return [...attrs];
  const agg = attrs.find((a) => a.type === 'aggregator');
  const rest = attrs.filter((a) => a.type !== 'as4-path' && a.type !== 'as4-aggregator');
  // An AGGREGATOR that is not AS_TRANS means an OLD speaker aggregated: AS4_* are stale and ignored.
  if (agg && agg.type === 'aggregator' && agg.asn !== AS_TRANS) return rest;
  const merged = rest.map((a): PathAttribute => {
    if (a.type === 'aggregator' && as4Agg && as4Agg.type === 'as4-aggregator') return { ...a, asn: as4Agg.asn, address: as4Agg.address };
    if (a.type === 'as-path' && as4Path && as4Path.type === 'as4-path') {
      const n = asPathLength(a.segments);
      const m = asPathLength(as4Path.segments);
      if (n < m) return a; // §4.2.3: AS4_PATH longer than AS_PATH is ignored
      return { ...a, segments: [...leading(a.segments, n - m), ...as4Path.segments] };
    }
    return a;
  });
  return merged;
}
