/**
 * Packs outgoing routes into as few UPDATEs as the message size allows
 * (RFC 4271 §4.3, RFC 8654): prefixes that share an attribute set and next hop
 * travel together. IPv4 unicast uses the classic NLRI/Withdrawn fields and
 * NEXT_HOP; every other family uses MP_REACH/MP_UNREACH (RFC 4760), one family
 * and one of reach/unreach per message (RFC 7606 §5.1).
 */
import type { PathAttribute, MpNextHop } from '../wire/attributes/types';
import type { CodecContext } from '../wire/context';
import type { UpdateMessage } from '../wire/messages/types';
import type { RoutableNlri } from './route';
import { encodeAttributeList, sortAttributes, writeAttribute } from '../wire/attributes';
import { Writer } from '../wire/cursor';
import { attributeCode } from '../wire/attributes/codec';
import { familyKey } from '../wire/context';
import { MAX_EXTENDED_MESSAGE_LENGTH, MAX_MESSAGE_LENGTH } from '../wire/constants';
import { ZERO_RD } from '../wire/values/rd';
import { writeHeader } from '../wire/header';
import { codeAt, nextAttribute } from './attribute-wire';
import { MessageType } from '../wire/constants';

export interface OutgoingGroup {
  readonly afi: number;
  readonly safi: number;
  /** Attributes other than NEXT_HOP / MP_REACH / MP_UNREACH. */
  readonly attributes: readonly PathAttribute[];
  readonly nextHop: string;
  readonly nlri: readonly RoutableNlri[];
  /** The encoded length of `attributes` with 4-octet AS numbers, when the caller knows it (AttributeSet.encodedLength). */
  readonly attributesLength?: number;
}

/** 19 header + 2 withdrawn length + 2 attribute length. */
const UPDATE_OVERHEAD = 23;

function maxLength(ctx: CodecContext): number {
  return ctx.extendedMessage ? MAX_EXTENDED_MESSAGE_LENGTH : MAX_MESSAGE_LENGTH;
}

function isClassic(afi: number, safi: number): boolean {
  return afi === 1 && safi === 1;
}

function mpNextHop(afi: number, safi: number, address: string): MpNextHop {
  // RFC 4364 §4.3.2: a VPN next hop is a VPN-IPv4 address with RD 0.
  return safi === 128 ? { address, rd: ZERO_RD } : { address };
}

/**
 * The encoded length of one route, computed rather than encoded (this runs
 * once per prefix on the way out): RFC 4271 §4.3 length octet and prefix
 * octets, RFC 7911 path id, RFC 8277 label entries (one compatibility entry
 * in a withdrawal), RFC 4364 RD.
 */
function nlriSize(afi: number, safi: number, n: RoutableNlri, ctx: CodecContext, withdrawal: boolean): number {
  const pathId = ctx.addPath.has(familyKey(afi, safi)) ? 4 : 0;
  const prefix = 1 + ((n.prefix.length + 7) >> 3);
  if (n.kind === 'unicast') return pathId + prefix;
  const labels = withdrawal || n.labels.length === 0 ? 1 : n.labels.length;
  return pathId + prefix + 3 * labels + (n.kind === 'vpn' ? 8 : 0);
}

/** Splits `items` into chunks whose encoded sizes fit `room` octets each. */
function chunk<T>(items: readonly T[], sizeOf: (t: T) => number, room: number): T[][] {
  const out: T[][] = [];
  let cur: T[] = [];
  let used = 0;
  for (const it of items) {
    const n = sizeOf(it);
    if (cur.length > 0 && used + n > room) {
      out.push(cur);
      cur = [];
      used = 0;
    }
    cur.push(it);
    used += n;
  }
  if (cur.length > 0) out.push(cur);
  return out;
}

/** NEXT_HOP with an IPv4 address: flags, type, length and 4 octets (RFC 4271 §4.3). */
const IPV4_NEXT_HOP_LENGTH = 7;

/**
 * `attributes` with one more attribute `extra` whose type code is `code`, in
 * sending order (sortAttributes). When `attributes` are in that order
 * already, as interned sets received from a well-behaved peer are, `extra`
 * is put in its place without sorting (sorting allocated per UPDATE sent).
 */
function withAttribute(attributes: readonly PathAttribute[], extra: PathAttribute, code: number): PathAttribute[] {
  const at = placeFor(attributes, code);
  if (at < 0) return sortAttributes([...attributes, extra]);
  const out = attributes.slice();
  out.splice(at, 0, extra);
  return out;
}

/**
 * Where an attribute of type `code` goes in `attributes` in sending order:
 * after every attribute of its own code, as when appended and sorted
 * (stable). -1 when `attributes` are not in sending order, or hold
 * MP_REACH/MP_UNREACH (which sort first, RFC 7606 §5.1, and are not
 * expected here): those lists are left to sortAttributes.
 */
function placeFor(attributes: readonly PathAttribute[], code: number): number {
  let at = -1;
  let last = -Infinity;
  for (let i = 0; i < attributes.length; i++) {
    const c = attributeCode(attributes[i] as PathAttribute);
    if (c < last || c === 14 || c === 15) return -1;
    last = c;
    if (at < 0 && c > code) at = i;
  }
  return at < 0 ? attributes.length : at;
}

/** `placeFor` over a wire form: the offset where an attribute of type `code` goes, -1 when not in sending order. */
function wirePlaceFor(wire: string, code: number): number {
  let at = -1;
  let last = -1;
  for (let h = 0; h < wire.length; h = nextAttribute(wire, h)) {
    const c = codeAt(wire, h);
    if (c < last || c === 14 || c === 15) return -1;
    last = c;
    if (at < 0 && c > code) at = h;
  }
  return at < 0 ? wire.length : at;
}

/** The encoded length of the group's attributes, from the interner when it knows it. */
function attributesLength(group: OutgoingGroup, ctx: CodecContext): number {
  // Only the AS number size changes the length of attributes other than MP_REACH/MP_UNREACH and NEXT_HOP.
  if (ctx.fourOctetAs && group.attributesLength !== undefined) return group.attributesLength;
  return encodeAttributeList(group.attributes, ctx).length;
}

export function buildAnnouncements(group: OutgoingGroup, ctx: CodecContext): UpdateMessage[] {
  const { afi, safi } = group;
  const sizeOf = (n: RoutableNlri): number => nlriSize(afi, safi, n, ctx, false);
  if (isClassic(afi, safi) && !group.nextHop.includes(':')) {
    const attrs = withAttribute(group.attributes, { type: 'next-hop', nextHop: group.nextHop }, 3);
    // The encoded length does not depend on the order of the attributes.
    const room = maxLength(ctx) - UPDATE_OVERHEAD - attributesLength(group, ctx) - IPV4_NEXT_HOP_LENGTH;
    return chunk(group.nlri, sizeOf, room).map((nlri) => ({ type: 'update', withdrawn: [], attributes: attrs, nlri, errors: [] }));
  }
  const empty: PathAttribute = { type: 'mp-reach', afi, safi, nextHop: mpNextHop(afi, safi, group.nextHop), nlri: [] };
  const base = encodeAttributeList([empty], ctx).length + attributesLength(group, ctx);
  // An MP_REACH over 255 octets needs the extended-length flag: 1 more octet.
  const room = maxLength(ctx) - UPDATE_OVERHEAD - base - 1;
  return chunk(group.nlri, sizeOf, room).map((nlri) => ({
    type: 'update',
    withdrawn: [],
    attributes: sortAttributes([{ ...empty, nlri }, ...group.attributes]),
    nlri: [],
    errors: [],
  }));
}

/** What `encodeIpv4Announcements` packs: the attributes (without NEXT_HOP) and the IPv4 next hop. */
export interface Ipv4Attributes {
  readonly attributes: readonly PathAttribute[];
  readonly nextHop: string;
  /** The attributes' wire form with 4-octet AS numbers when the caller has it (AttributeSet.wire): copied, not encoded. */
  readonly wire?: string | null;
}

/**
 * IPv4 unicast announcements straight to their wire form, the same octets
 * as `buildAnnouncements` then `encodeMessage` give (RFC 4271 §4.3): the
 * attribute block is encoded once per group and each UPDATE written into
 * one Buffer, from prefixes given as address × 64 + length. A route
 * server's whole table goes out this way, without an NLRI object, a list
 * of them or a message object per route. Each UPDATE is written where
 * `sink` makes room (the block is scratch: not reentrant, so the sink must
 * not encode a group itself). False, with nothing written, when the classic
 * form does not apply (an IPv6 next hop, or ADD-PATH paths ids, RFC 7911).
 */
/** Where `encodeIpv4Announcements` writes: room for one message at a time, in some buffer (the pump's EncodedChunks). */
export interface MessageSink {
  /** Makes room for a message of `length` octets; returns where in `buffer` (as it is after this call) to write it. */
  reserve(length: number): number;
  readonly buffer: Buffer;
}

export function encodeIpv4Announcements(group: Ipv4Attributes, packed: ArrayLike<number>, count: number, ctx: CodecContext, sink: MessageSink): boolean {
  if (group.nextHop.includes(':') || ctx.addPath.has(familyKey(1, 1))) return false;
  if (count > packed.length) throw new RangeError(`${count} prefixes asked for, ${packed.length} given`);
  // The attribute block is written once into a scratch writer and copied into each UPDATE (not reentrant: nothing below encodes a group).
  const block = blockWriter.reset();
  writeWithNextHop(block, group, ctx);
  if (block.pos > 0xffff) throw new RangeError('UPDATE withdrawn routes or attributes exceed 65535 octets');
  const room = maxLength(ctx) - UPDATE_OVERHEAD - block.pos;
  let from = 0;
  let used = 0;
  for (let i = 0; i < count; i++) {
    const n = 1 + ((((packed[i] ?? 0) % 64) + 7) >> 3);
    if (i > from && used + n > room) {
      writeIpv4Update(block, packed, from, i, used, sink);
      from = i;
      used = 0;
    }
    used += n;
  }
  if (count > from) writeIpv4Update(block, packed, from, count, used, sink);
  return true;
}

const blockWriter = new Writer(4096);

/**
 * The attributes with NEXT_HOP, in sending order, as `withAttribute` lists
 * them: written in place when they are in that order already (an interned
 * set from a well-behaved peer), with no list made per UPDATE sent.
 */
function writeWithNextHop(w: Writer, group: Ipv4Attributes, ctx: CodecContext): void {
  const hop: PathAttribute = { type: 'next-hop', nextHop: group.nextHop };
  const wire = group.wire;
  // RFC 6793: between NEW speakers the interned wire form is what would be encoded; only NEXT_HOP goes in.
  const wireAt = wire != null && ctx.fourOctetAs ? wirePlaceFor(wire, 3) : -1;
  if (wire != null && wireAt >= 0) {
    w.latin1Bytes(wire, 0, wireAt);
    writeAttribute(w, hop, ctx);
    w.latin1Bytes(wire, wireAt);
    return;
  }
  const attributes = group.attributes;
  const at = placeFor(attributes, 3);
  if (at < 0) {
    for (const a of withAttribute(attributes, hop, 3)) writeAttribute(w, a, ctx);
    return;
  }
  for (let i = 0; i < attributes.length; i++) {
    if (i === at) writeAttribute(w, hop, ctx);
    writeAttribute(w, attributes[i] as PathAttribute, ctx);
  }
  if (at === attributes.length) writeAttribute(w, hop, ctx);
}

/** One UPDATE: header, no withdrawals, the attribute block, then prefixes [from, to) as RFC 4271 §4.3 packs them. */
function writeIpv4Update(block: Writer, packed: ArrayLike<number>, from: number, to: number, nlriLength: number, sink: MessageSink): void {
  const length = UPDATE_OVERHEAD + block.pos + nlriLength;
  const at = sink.reserve(length);
  const buf = sink.buffer;
  writeHeader(buf, at, MessageType.Update, length);
  buf.writeUInt16BE(0, at + 19);
  buf.writeUInt16BE(block.pos, at + 21);
  block.copyTo(buf, at + UPDATE_OVERHEAD);
  let p = at + UPDATE_OVERHEAD + block.pos;
  for (let i = from; i < to; i++) {
    const v = packed[i] ?? 0;
    const len = v % 64;
    const address = Math.floor(v / 64);
    buf[p++] = len;
    for (let k = 0; k < (len + 7) >> 3; k++) buf[p++] = (address >>> (24 - 8 * k)) & 0xff;
  }
}

export function buildWithdrawals(afi: number, safi: number, nlri: readonly RoutableNlri[], ctx: CodecContext): UpdateMessage[] {
  const sizeOf = (n: RoutableNlri): number => nlriSize(afi, safi, n, ctx, true);
  if (isClassic(afi, safi)) {
    return chunk(nlri, sizeOf, maxLength(ctx) - UPDATE_OVERHEAD).map((w) => ({ type: 'update', withdrawn: w, attributes: [], nlri: [], errors: [] }));
  }
  // MP_UNREACH: flags, type, 2-octet length, AFI, SAFI.
  const room = maxLength(ctx) - UPDATE_OVERHEAD - 7;
  return chunk(nlri, sizeOf, room).map((w) => ({
    type: 'update',
    withdrawn: [],
    attributes: [{ type: 'mp-unreach', afi, safi, nlri: w }],
    nlri: [],
    errors: [],
  }));
}
