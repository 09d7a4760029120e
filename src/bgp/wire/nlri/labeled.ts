/**
 * Labeled unicast (SAFI 4) and VPN (SAFI 128) NLRI, RFC 8277 §2:
 * `[PathId(4)] Length(1, bits) | Label(3) [×n] | [RD(8)] | Prefix`.
 * Without the Multiple Labels capability there is exactly one label and its
 * S bit is ignored (§2.2); with it, labels run to the S bit (§2.3). In a
 * withdrawal the label field is a 3-octet compatibility field, sent as
 * 0x800000 and ignored on receipt (§2.4).
 */
import type { Writer } from '../cursor';
import { decodeRd, encodeRd, RD_LENGTH } from '../values/rd';
import type { LabeledNlri, Nlri, VpnNlri } from './types';
import { maxPrefixBits, nlriError, readPrefixBits, writePrefixOctets } from './prefix';

/** RFC 8277 §2.4 compatibility field sent in withdrawals. */
export const WITHDRAW_COMPAT_LABEL = 0x800000;
const LABEL_ENTRY_BITS = 24;

export interface LabeledOptions {
  readonly afi: 1 | 2;
  readonly vpn: boolean;
  readonly addPath: boolean;
  readonly withdrawal: boolean;
  /** Maximum labels per route when Multiple Labels was negotiated; undefined means exactly one (RFC 8277 §2.2). */
  readonly maxLabels: number | undefined;
  readonly subcode: number;
}

/**
 * Counts the label entries of one route starting at p (the octet after the
 * length), given the route's total bit length.
 */
function countLabels(buf: Buffer, p: number, end: number, totalBits: number, o: LabeledOptions): number {
  if (o.withdrawal) return withdrawalLabelCount(buf, p, end, totalBits, o);
  if (o.maxLabels === undefined) return 1;
  return walkToBottom(buf, p, end, o.maxLabels, o);
}

/** Label entries up to and including the first with the S bit (RFC 8277 §2.3: none within `limit` is unparsable). */
function walkToBottom(buf: Buffer, p: number, end: number, limit: number, o: LabeledOptions): number {
  for (let count = 1; count <= limit; count++) {
    if ((readEntry(buf, p + 3 * (count - 1), end, o) & 1) === 1) return count;
  }
  throw nlriError(o.subcode, `label stack without bottom-of-stack within ${limit} label(s)`);
}

/**
 * RFC 8277 §2.4: one compatibility entry, value ignored. GoBGP echoes the
 * announced stack instead (rustbgpd PR #651), so an entry that is neither
 * 0x800000 nor 0x000000 is walked to its S bit, and the walk is kept only when
 * it leaves a valid prefix length.
 */
function withdrawalLabelCount(buf: Buffer, p: number, end: number, totalBits: number, o: LabeledOptions): number {
  const first = readEntry(buf, p, end, o);
  if (first === WITHDRAW_COMPAT_LABEL || first === 0 || (first & 1) === 1) return 1;
  const fixedBits = o.vpn ? RD_LENGTH * 8 : 0;
  for (let count = 2; LABEL_ENTRY_BITS * count + fixedBits <= totalBits; count++) {
    const entry = readEntry(buf, p + 3 * (count - 1), end, o);
    if ((entry & 1) === 1) {
      const prefixBits = totalBits - LABEL_ENTRY_BITS * count - fixedBits;
      return prefixBits <= maxPrefixBits(o.afi) ? count : 1;
    }
  }
  return 1;
}

function readEntry(buf: Buffer, p: number, end: number, o: LabeledOptions): number {
  if (p + 3 > end) throw nlriError(o.subcode, `label entry truncated at offset ${p}`);
  return (((buf[p] as number) << 16) | ((buf[p + 1] as number) << 8) | (buf[p + 2] as number)) >>> 0;
}

export function decodeLabeledList(buf: Buffer, o: LabeledOptions, out: Nlri[]): void {
  const end = buf.length;
  const fixedBits = o.vpn ? RD_LENGTH * 8 : 0;
  const maxBits = maxPrefixBits(o.afi);
  let p = 0;
  while (p < end) {
    let pathId: number | undefined;
    if (o.addPath) {
      if (p + 5 > end) throw nlriError(o.subcode, `path identifier truncated at offset ${p}`);
      pathId = buf.readUInt32BE(p);
      p += 4;
    }
    const totalBits = buf[p] as number;
    const totalOctets = (totalBits + 7) >> 3;
    if (p + 1 + totalOctets > end) throw nlriError(o.subcode, `labeled NLRI of ${totalBits} bits overruns the field at offset ${p}`);
    const entryEnd = p + 1 + totalOctets;
    const count = countLabels(buf, p + 1, entryEnd, totalBits, o);
    const prefixBits = totalBits - LABEL_ENTRY_BITS * count - fixedBits;
    if (prefixBits < 0 || prefixBits > maxBits) throw nlriError(o.subcode, `labeled NLRI: prefix length ${prefixBits} invalid (total ${totalBits} bits) at offset ${p}`);
    const labels: number[] = [];
    if (!o.withdrawal) for (let i = 0; i < count; i++) labels.push(readEntry(buf, p + 1 + 3 * i, entryEnd, o) >>> 4);
    let q = p + 1 + 3 * count;
    const rd = o.vpn ? decodeRd(buf, q) : undefined;
    if (rd) q += RD_LENGTH;
    const prefix = readPrefixBits(o.afi, buf, q, prefixBits);
    p = entryEnd;
    out.push(makeRoute(prefix, labels, rd, pathId));
  }
}

function makeRoute(prefix: VpnNlri['prefix'], labels: number[], rd: VpnNlri['rd'] | undefined, pathId: number | undefined): Nlri {
  if (rd) return pathId === undefined ? { kind: 'vpn', prefix, rd, labels } : { kind: 'vpn', prefix, rd, labels, pathId };
  return pathId === undefined ? { kind: 'labeled', prefix, labels } : { kind: 'labeled', prefix, labels, pathId };
}

/** Encodes one labeled or VPN route; withdrawals carry the compatibility field whatever the labels say (RFC 8277 §2.4). */
export function encodeLabeled(w: Writer, n: LabeledNlri | VpnNlri, o: LabeledOptions): void {
  if (n.prefix.afi !== o.afi) throw new RangeError(`NLRI of AFI ${n.prefix.afi} in an AFI ${o.afi} list`);
  const entries = o.withdrawal || n.labels.length === 0 ? [WITHDRAW_COMPAT_LABEL] : n.labels.map((l, i, all) => ((l & 0xfffff) << 4 | (i === all.length - 1 ? 1 : 0)) >>> 0);
  const totalBits = LABEL_ENTRY_BITS * entries.length + (n.kind === 'vpn' ? RD_LENGTH * 8 : 0) + n.prefix.length;
  if (totalBits > 255) throw new RangeError(`labeled NLRI of ${totalBits} bits does not fit the length octet`);
  if (o.addPath) w.u32(n.pathId ?? 0);
  w.u8(totalBits);
  for (const e of entries) w.u24(e);
  if (n.kind === 'vpn') w.bytes(encodeRd(n.rd));
  writePrefixOctets(w, n.prefix);
}
