/**
 * The path attribute block of an UPDATE (RFC 4271 §4.3) and of MRT RIB
 * entries (RFC 6396 §4.3.4): `Flags(1) Type(1) Length(1|2) Value` repeated.
 *
 * Decoding follows RFC 7606: a problem with one attribute becomes an
 * AttributeError with its action and the rest of the block is still decoded;
 * only errors that leave nothing to withdraw (MP_REACH/MP_UNREACH that cannot
 * be parsed, or repeated) throw a session-reset BgpError.
 */
import { AttrFlag, AttrType } from '../constants';
import type { CodecContext } from '../context';
import { Writer } from '../cursor';
import { BgpError, ErrorCode, isBgpError, UpdateSubcode, type AttributeError, type Rfc7606Action } from '../errors';
import { ATTRIBUTE_RULES, canonicalFlags, flagsMatch, type AttributeRule } from '../rfc7606';
import type { PathAttribute } from './types';
import type { AttrInput } from './common';
import { attributeCode, decodeValue, encodeValue } from './codec';
import { decodeAs4Path } from './as-path';
import { validateOpaque } from './validated';

export { attributeCode, ATTRIBUTE_CODE } from './codec';
export { decodeNlriList, encodeNlriList, encodeNlri } from '../nlri';
export { nextHopMartianReason } from './next-hop';

export interface AttributeDecodeOptions {
  /** RFC 6396 §4.3.4: a TABLE_DUMP_V2 RIB entry; MP_REACH_NLRI is abbreviated and this is its family. */
  readonly mrtRib?: { readonly afi: number; readonly safi: number };
  /**
   * For consumers that read a few attributes only (the bgpdump printer): the
   * type codes to decode, indexed by code (non-zero = decode). Any other
   * attribute is framed and counted in `seenTypes` but neither decoded nor
   * checked, so it adds no attribute and no error. Absent: decode everything.
   */
  readonly only?: Uint8Array;
}

export interface AttributeEncodeOptions {
  /** RFC 6396 §4.3.4: write MP_REACH_NLRI abbreviated (next hop only), as in TABLE_DUMP_V2 RIB entries. */
  readonly mrtRib?: boolean;
}

/** The full result of walking an attribute block, for the UPDATE decoder's message-level checks. */
export interface AttributeBlock {
  readonly attributes: PathAttribute[];
  readonly errors: AttributeError[];
  /** Every type code met, malformed and duplicate ones included (RFC 7606 §3(d) needs "present"). */
  readonly seenTypes: TypeCodes;
  /** Attributes met, malformed ones included. */
  count: number;
}

/**
 * A set of attribute type codes, one per UPDATE received: the codes in use
 * (1 to 40) are bits of two numbers, so the common UPDATE allocates no Set.
 */
export class TypeCodes {
  private low = 0;
  private high = 0;
  private more: Set<number> | null = null;

  has(code: number): boolean {
    if (code < 32) return (this.low & (1 << code)) !== 0;
    if (code < 64) return (this.high & (1 << (code - 32))) !== 0;
    return this.more !== null && this.more.has(code);
  }

  add(code: number): void {
    if (code < 32) this.low |= 1 << code;
    else if (code < 64) this.high |= 1 << (code - 32);
    else (this.more ??= new Set()).add(code);
  }
}

function isMp(code: number): boolean {
  return code === AttrType.MpReachNlri || code === AttrType.MpUnreachNlri;
}

function attrError(attributeType: number, action: Rfc7606Action, subcode: number, reason: string): AttributeError {
  return { attributeType, action, code: ErrorCode.UpdateMessage, subcode, reason };
}

/** A session-reset error whose NOTIFICATION data is the offending attribute (RFC 4271 §6.3). */
function reset(subcode: number, reason: string, tlv: Buffer): BgpError {
  return new BgpError(ErrorCode.UpdateMessage, subcode, reason, tlv, 'session-reset');
}

/** The block is `buf` from `start` to `end` (an UPDATE passes its body and the block's bounds: no view of it is made). */
export function decodeAttributeBlock(buf: Buffer, ctx: CodecContext, opts: AttributeDecodeOptions = {}, start = 0, end = buf.length): AttributeBlock {
  const block: AttributeBlock = { attributes: [], errors: [], seenTypes: new TypeCodes(), count: 0 };
  // One input per block, not per attribute: the flags travel as a separate argument.
  const input: AttrInput = opts.mrtRib ? { ctx, mrtRib: opts.mrtRib } : { ctx };
  const only = opts.only;
  let p = start;
  while (p < end) {
    const flags = buf[p] as number;
    const code = end - p >= 2 ? (buf[p + 1] as number) : -1;
    const header = flags & AttrFlag.ExtendedLength ? 4 : 3;
    // RFC 7606 §4: a header or value running past Total Path Attribute Length is treat-as-withdraw;
    // the NLRI field is still found through the Total Path Attribute Length.
    const len = end - p < header ? -1 : header === 4 ? buf.readUInt16BE(p + 2) : (buf[p + 2] as number);
    if (len < 0 || p + header + len > end) {
      const reason = len < 0 ? `attribute header truncated at offset ${p - start}` : `attribute ${code} of length ${len} overruns the attribute block`;
      if (isMp(code)) throw reset(UpdateSubcode.MalformedAttributeList, `${reason} (MP attribute cannot be parsed, RFC 7606 §5.3)`, buf.subarray(p, end));
      block.errors.push(attrError(code, 'treat-as-withdraw', UpdateSubcode.MalformedAttributeList, reason));
      if (code >= 0) block.seenTypes.add(code);
      block.count++;
      break;
    }
    if (only !== undefined && only[code] === 0) {
      block.count++;
      block.seenTypes.add(code);
    } else {
      decodeOne(block, buf, p, header, len, flags, code, input);
    }
    p += header + len;
  }
  return block;
}

export function decodeAttributeList(buf: Buffer, ctx: CodecContext, opts: AttributeDecodeOptions = {}): { attributes: PathAttribute[]; errors: AttributeError[] } {
  const { attributes, errors } = decodeAttributeBlock(buf, ctx, opts);
  return { attributes, errors };
}

/**
 * The attribute of `len` octets whose header (of `header` octets) starts at
 * `buf[p]`. The whole TLV is only NOTIFICATION data, so it is cut only where
 * a reset is thrown: one Buffer view per attribute instead of two.
 */
function decodeOne(block: AttributeBlock, buf: Buffer, p: number, header: number, len: number, flags: number, code: number, input: AttrInput): void {
  block.count++;
  if (block.seenTypes.has(code)) {
    // RFC 7606 §3(g): MP_REACH/MP_UNREACH twice resets; any other repeat keeps the first.
    if (isMp(code)) throw reset(UpdateSubcode.MalformedAttributeList, `attribute ${code} appears twice (RFC 7606 §3(g))`, buf.subarray(p, p + header + len));
    block.errors.push(attrError(code, 'attribute-discard', UpdateSubcode.MalformedAttributeList, `attribute ${code} repeated; later copy discarded (RFC 7606 §3(g))`));
    return;
  }
  block.seenTypes.add(code);
  const rule = ATTRIBUTE_RULES.get(code);
  if (rule === undefined) {
    decodeUnrecognised(block, code, flags, buf.subarray(p + header, p + header + len));
    return;
  }
  const problem = preCheck(rule, flags, len, input.ctx);
  if (problem) {
    if (problem.action === 'session-reset') throw reset(problem.subcode, problem.reason, buf.subarray(p, p + header + len));
    block.errors.push(attrError(code, problem.action, problem.subcode, problem.reason));
    return;
  }
  try {
    const attr = decodeKnown(block, rule, code, flags, buf, p + header, len, input);
    block.attributes.push(withFlags(attr, rule, flags, len));
  } catch (e) {
    if (!isBgpError(e)) throw e;
    const action = e.action ?? rule.onMalformed;
    if (action === 'session-reset') throw reset(e.subcode, e.message, buf.subarray(p, p + header + len));
    block.errors.push(attrError(code, action, e.subcode, e.message));
  }
}

/** RFC 4271 §5: unrecognised optional attributes are kept (transitive ones passed on by the RIB). */
function decodeUnrecognised(block: AttributeBlock, code: number, flags: number, value: Buffer): void {
  if ((flags & AttrFlag.Optional) === 0) {
    // RFC 4271 §6.3 says 3/2 and reset; RFC 7606 is silent; we treat-as-withdraw like BIRD.
    block.errors.push(attrError(code, 'treat-as-withdraw', UpdateSubcode.UnrecognizedWellKnownAttribute, `unrecognised well-known attribute ${code}`));
    return;
  }
  block.attributes.push({ type: 'unknown', code, flags, value: Uint8Array.from(value) });
}

interface Problem {
  readonly action: Rfc7606Action;
  readonly subcode: number;
  readonly reason: string;
}

/** Flag class (§3(c)), eBGP-only discards (§7.5, §7.9, §7.10) and zero length (§4), in that order as FRR does. */
function preCheck(rule: AttributeRule, flags: number, length: number, ctx: CodecContext): Problem | null {
  if (!flagsMatch(rule.flagClass, flags)) {
    return { action: rule.onFlagError, subcode: UpdateSubcode.AttributeFlagsError, reason: `${rule.name} flags 0x${flags.toString(16)} wrong for a ${rule.flagClass} attribute (RFC 7606 §3(c))` };
  }
  if (rule.ebgpDiscard && ctx.ibgp === false) {
    return { action: 'attribute-discard', subcode: UpdateSubcode.MalformedAttributeList, reason: `${rule.name} from an eBGP peer discarded (RFC 7606 §7)` };
  }
  if (length === 0 && !rule.zeroLengthOk) {
    return { action: rule.onMalformed, subcode: UpdateSubcode.AttributeLengthError, reason: `${rule.name} has zero length (RFC 7606 §4)` };
  }
  return null;
}

/** The value is the `len` octets at `buf[at]`. */
function decodeKnown(block: AttributeBlock, rule: AttributeRule, code: number, flags: number, buf: Buffer, at: number, len: number, input: AttrInput): PathAttribute {
  if (code === AttrType.As4Path) {
    const { attr, droppedConfed } = decodeAs4Path(buf.subarray(at, at + len));
    if (droppedConfed) block.errors.push(attrError(code, 'attribute-discard', UpdateSubcode.OptionalAttributeError, 'AS4_PATH confederation segments dropped (RFC 6793 §6)'));
    return attr;
  }
  const decoded = decodeValue(code, buf, at, len, input);
  if (decoded) return decoded;
  const value = buf.subarray(at, at + len);
  const bad = validateOpaque(code, value);
  if (bad !== null) throw new BgpError(ErrorCode.UpdateMessage, UpdateSubcode.OptionalAttributeError, `${rule.name}: ${bad}`);
  return { type: 'unknown', code, flags, value: Uint8Array.from(value) };
}

/** Records the received flags only when the encoder would not reproduce them, so canonical input round-trips to equal values. */
function withFlags(attr: PathAttribute, rule: AttributeRule, flags: number, length: number): PathAttribute {
  if (attr.type === 'unknown') return attr;
  const expected = canonicalFlags(rule.flagClass) | (length > 255 ? AttrFlag.ExtendedLength : 0);
  if (flags === expected) return attr;
  // `attr` was built by its decoder a moment ago and is referenced nowhere else, so it is
  // completed in place: a spread copy per attribute showed in the profile (many routers
  // set Extended Length on short AS_PATHs, so this branch is common).
  (attr as { flags?: number }).flags = flags;
  return attr;
}

/** Flags to send: the attribute's own (low nibble cleared, RFC 4271 §4.3) or its class's canonical ones. */
function flagsFor(a: PathAttribute, code: number): number {
  if (a.flags !== undefined) return a.flags & 0xf0;
  const rule = ATTRIBUTE_RULES.get(code);
  return rule ? canonicalFlags(rule.flagClass) : AttrFlag.Optional | AttrFlag.Transitive;
}

/** Appends one attribute; Extended Length when the value needs it or the flags ask for it. */
export function writeAttribute(w: Writer, a: PathAttribute, ctx: CodecContext, mrtRib = false): void {
  const code = attributeCode(a);
  // The value is written in place after a header sized for the flags asked for, and the header
  // grows by one octet if the value turns out longer than 255: a value Writer (two Buffers) per
  // attribute sent was garbage on every UPDATE (bench:ingest profile).
  const asked = flagsFor(a, code);
  const at = w.pos;
  const header = asked & AttrFlag.ExtendedLength ? 4 : 3;
  w.reserve(header);
  encodeValue(a, ctx, w, mrtRib);
  const length = w.pos - at - header;
  if (length > 0xffff) throw new RangeError(`attribute ${code} value of ${length} octets does not fit`);
  const flags = asked | (length > 255 ? AttrFlag.ExtendedLength : 0);
  if (header === 3 && flags & AttrFlag.ExtendedLength) w.insertGap(at + 3, 1);
  w.setU8(at, flags);
  w.setU8(at + 1, code);
  if (flags & AttrFlag.ExtendedLength) w.setU16(at + 2, length);
  else w.setU8(at + 2, length);
}

/** Encodes the attributes in the order given (see sortAttributes for the order to send). */
export function encodeAttributeList(attrs: readonly PathAttribute[], ctx: CodecContext, opts: AttributeEncodeOptions = {}): Buffer {
  const w = new Writer(256);
  for (const a of attrs) writeAttribute(w, a, ctx, opts.mrtRib === true);
  return w.finish();
}

/**
 * The order to send: MP_REACH/MP_UNREACH first (RFC 7606 §5.1), then
 * ascending type code (RFC 4271 §5). Stable; returns a new array.
 */
export function sortAttributes(attrs: readonly PathAttribute[]): PathAttribute[] {
  const rank = (a: PathAttribute): number => {
    const code = attributeCode(a);
    return isMp(code) ? code - 256 : code;
  };
  return attrs.map((a, i) => ({ a, i, r: rank(a) })).sort((x, y) => x.r - y.r || x.i - y.i).map((x) => x.a);
}
