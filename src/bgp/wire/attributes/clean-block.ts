/**
 * The attribute block of a plain IPv4 unicast UPDATE between NEW speakers
 * (RFC 6793), checked in place instead of decoded: a table transfer is tens
 * of thousands of such UPDATEs, and decoding each into attribute objects
 * (then dropping them once the RIB had interned the set) was a quarter of
 * what a full-table load allocated.
 *
 * A block is clean when decoding it could find nothing wrong and would give
 * attributes whose wire form (as the RIB keys sets: 4-octet AS numbers, flags
 * kept only where they differ from the canonical ones) is the block itself
 * without NEXT_HOP. Only the attributes a full table is made of qualify:
 * ORIGIN, AS_PATH, NEXT_HOP, MULTI_EXIT_DISC, LOCAL_PREF (iBGP only, RFC
 * 7606 §7.5), ATOMIC_AGGREGATE, AGGREGATOR and COMMUNITIES, each at most
 * once, valid as RFC 7606 §7 says, with flags of the right class and no low
 * bits, and ORIGIN, AS_PATH and NEXT_HOP present (§3(d)). Anything else is
 * left to the full decoder, which finds and reports what is wrong.
 */
import type { CodecContext } from '../context';
import { AttrFlag, AttrType } from '../constants';
import { ATTRIBUTE_RULES, flagsMatch } from '../rfc7606';
import { nextHopMartianReason } from './next-hop';
import { formatIpv4 } from '../values/ip';

export interface CleanAttributes {
  /** The block without NEXT_HOP, one octet per character: the RIB's key for the set (attribute-set.ts). */
  readonly key: string;
  /** NEXT_HOP as text. */
  readonly nextHop: string;
}

/** Attribute types a clean block may hold, by code. */
const CLEAN = new Uint8Array(256);
for (const code of [AttrType.Origin, AttrType.AsPath, AttrType.NextHop, AttrType.MultiExitDisc, AttrType.LocalPref, AttrType.AtomicAggregate, AttrType.Aggregator, AttrType.Communities]) CLEAN[code] = 1;

/** The key is assembled here when NEXT_HOP sits between other attributes. */
let scratch = Buffer.allocUnsafe(4096);

/**
 * The block `buf[start, end)` as a clean set (see above), or null when it is
 * not one (then decode it in full). `ctx` must be a NEW speaker's session.
 */
export function cleanAttributes(buf: Buffer, start: number, end: number, ctx: CodecContext): CleanAttributes | null {
  if (ctx.fourOctetAs !== true) return null;
  let seen = 0;
  let hopAt = -1;
  let hopEnd = -1;
  let p = start;
  while (p < end) {
    if (end - p < 3) return null;
    const flags = buf[p] as number;
    const code = buf[p + 1] as number;
    const header = flags & AttrFlag.ExtendedLength ? 4 : 3;
    if (end - p < header) return null;
    const len = header === 4 ? buf.readUInt16BE(p + 2) : (buf[p + 2] as number);
    const v = p + header;
    if (v + len > end || CLEAN[code] !== 1 || seen & (1 << code) || (flags & 0x0f) !== 0) return null;
    const rule = ATTRIBUTE_RULES.get(code);
    if (rule === undefined || !flagsMatch(rule.flagClass, flags)) return null;
    seen |= 1 << code;
    if (!cleanValue(buf, code, v, len, ctx)) return null;
    if (code === AttrType.NextHop) {
      hopAt = p;
      hopEnd = v + len;
    }
    p = v + len;
  }
  const mandatory = (1 << AttrType.Origin) | (1 << AttrType.AsPath) | (1 << AttrType.NextHop);
  if ((seen & mandatory) !== mandatory) return null;
  const nextHop = nextHopText(buf.readUInt32BE(hopEnd - 4));
  // RFC 4271 §6.3: a NEXT_HOP the UPDATE's routes cannot use is the full decoder's to report.
  if (lastHopMartian) return null;
  return { key: keyWithout(buf, start, end, hopAt, hopEnd), nextHop };
}

/** The last next hop's text: a table transfer's UPDATEs mostly share one, and each made its own string. */
let lastHop = -1;
let lastHopText = '';
let lastHopMartian = false;

/** The text of a next hop, and whether it is a martian (`lastHopMartian`), worked out once per next hop in a row. */
function nextHopText(address: number): string {
  if (address !== lastHop) {
    lastHop = address;
    lastHopText = formatIpv4(address);
    lastHopMartian = nextHopMartianReason(lastHopText) !== null;
  }
  return lastHopText;
}

/** RFC 7606 §7 value checks, as the decoders make them. */
function cleanValue(buf: Buffer, code: number, v: number, len: number, ctx: CodecContext): boolean {
  switch (code) {
    case AttrType.Origin:
      return len === 1 && (buf[v] as number) <= 2;
    case AttrType.AsPath:
      return cleanSegments(buf, v, v + len);
    case AttrType.NextHop:
    case AttrType.MultiExitDisc:
      return len === 4;
    case AttrType.LocalPref:
      // §7.5: from an eBGP neighbor it is discarded.
      return len === 4 && ctx.ibgp !== false;
    case AttrType.AtomicAggregate:
      return len === 0;
    case AttrType.Aggregator:
      // RFC 7607: AS 0 is malformed.
      return len === 8 && buf.readUInt32BE(v) !== 0;
    case AttrType.Communities:
      return len > 0 && len % 4 === 0;
    default:
      return false;
  }
}

/** AS_PATH segments with 4-octet ASNs: a known type, at least one AS, none of them 0 (RFC 7607), filling the value exactly. */
function cleanSegments(buf: Buffer, p: number, end: number): boolean {
  while (p < end) {
    if (end - p < 2) return false;
    const type = buf[p] as number;
    const count = buf[p + 1] as number;
    if (type < 1 || type > 4 || count === 0) return false;
    p += 2;
    if (p + 4 * count > end) return false;
    for (let i = 0; i < count; i++, p += 4) if (buf.readUInt32BE(p) === 0) return false;
  }
  return true;
}

/** The block without the octets [hopAt, hopEnd), as one flat string. */
function keyWithout(buf: Buffer, start: number, end: number, hopAt: number, hopEnd: number): string {
  if (hopAt === start) return buf.toString('latin1', hopEnd, end);
  if (hopEnd === end) return buf.toString('latin1', start, hopAt);
  const n = end - start - (hopEnd - hopAt);
  if (scratch.length < n) scratch = Buffer.allocUnsafe(n * 2);
  // Tens of octets: a loop, not two Buffer.copy calls.
  const out = scratch;
  let q = 0;
  for (let i = start; i < hopAt; i++) out[q++] = buf[i] as number;
  for (let i = hopEnd; i < end; i++) out[q++] = buf[i] as number;
  return out.toString('latin1', 0, n);
}
