/**
 * MRT encoders: TABLE_DUMP_V2 (PEER_INDEX_TABLE, RIB_* and RIB_GENERIC) and
 * BGP4MP / BGP4MP_ET (MESSAGE and STATE_CHANGE variants). The subtype is
 * derived from the record's fields (family, ADD-PATH, AS4, LOCAL), the type
 * and timestamps come from its header; Length is always recomputed.
 */
import { Writer } from '../cursor';
import { parseIpv4, parseIpv6 } from '../values/ip';
import { encodeMrtHeader } from './header';
import { Bgp4mpSubtype, MrtType, PeerTypeBit, TableDumpV2Subtype } from './constants';
import type { Bgp4mpMessageRecord, Bgp4mpPeering, Bgp4mpStateChangeRecord, MrtRecord, PeerIndexTableRecord, RibEntry, RibGenericRecord, RibRecord } from './types';

function ipv4(text: string): number {
  const v = parseIpv4(text);
  if (v === null) throw new RangeError(`not an IPv4 address: ${text}`);
  return v;
}

function ipv6(text: string): Uint8Array {
  const v = parseIpv6(text);
  if (v === null) throw new RangeError(`not an IPv6 address: ${text}`);
  return v;
}

function withHeader(header: { timestamp: number; type: number; subtype: number; microseconds: number | undefined }, body: Buffer): Buffer {
  return Buffer.concat([encodeMrtHeader(header, body.length), body]);
}

/** RFC 6396 §4.3.1. */
export function encodePeerIndexTable(rec: PeerIndexTableRecord): Buffer {
  const w = new Writer(64 + rec.peers.length * 24);
  w.u32(ipv4(rec.collectorBgpId));
  const view = Buffer.from(rec.viewName, 'utf8');
  w.u16(view.length).bytes(view);
  w.u16(rec.peers.length);
  for (const p of rec.peers) {
    const as4 = p.as4 || p.asn > 0xffff;
    w.u8((p.ipv6 ? PeerTypeBit.Ipv6 : 0) | (as4 ? PeerTypeBit.As4 : 0));
    w.u32(ipv4(p.bgpId));
    if (p.ipv6) w.bytes(ipv6(p.address));
    else w.u32(ipv4(p.address));
    if (as4) w.u32(p.asn);
    else w.u16(p.asn);
  }
  return withHeader({ ...rec.header, type: MrtType.TableDumpV2, subtype: TableDumpV2Subtype.PeerIndexTable }, w.finish());
}

function writeRibEntries(w: Writer, entries: readonly RibEntry[], withPathId: boolean): void {
  w.u16(entries.length);
  for (const e of entries) {
    w.u16(e.peerIndex).u32(e.originatedTime);
    if (withPathId) w.u32(e.pathId ?? 0);
    if (e.attributes.length > 0xffff) throw new RangeError(`RIB entry attributes of ${e.attributes.length} octets exceed the 2-octet Attribute Length`);
    w.u16(e.attributes.length).bytes(e.attributes);
  }
}

function ribSubtype(afi: number, safi: number, addPath: boolean): number {
  const base = afi === 1 ? (safi === 2 ? TableDumpV2Subtype.RibIpv4Multicast : TableDumpV2Subtype.RibIpv4Unicast) : safi === 2 ? TableDumpV2Subtype.RibIpv6Multicast : TableDumpV2Subtype.RibIpv6Unicast;
  // RFC 8050 §4.1: the ADD-PATH subtypes are the plain ones plus 6.
  return addPath ? base + 6 : base;
}

/** RFC 6396 §4.3.2 (RFC 8050 §4.1 when `addPath`). */
export function encodeRib(rec: RibRecord): Buffer {
  const w = new Writer(64 + rec.entries.length * 64);
  w.u32(rec.sequence).u8(rec.prefix.length);
  const n = (rec.prefix.length + 7) >> 3;
  if (rec.prefix.afi === 1) {
    const b = Buffer.allocUnsafe(4);
    b.writeUInt32BE(rec.prefix.address >>> 0, 0);
    w.bytes(b.subarray(0, n));
  } else {
    w.bytes(rec.prefix.address.subarray(0, n));
  }
  writeRibEntries(w, rec.entries, rec.addPath);
  return withHeader({ ...rec.header, type: MrtType.TableDumpV2, subtype: ribSubtype(rec.prefix.afi, rec.safi, rec.addPath) }, w.finish());
}

/** RFC 6396 §4.3.3; the NLRI (with its path id under RFC 8050 §4.2) is written as given. */
export function encodeRibGeneric(rec: RibGenericRecord): Buffer {
  const w = new Writer(64 + rec.nlri.length + rec.entries.length * 64);
  w.u32(rec.sequence).u16(rec.afi).u8(rec.safi).bytes(rec.nlri);
  writeRibEntries(w, rec.entries, false);
  const subtype = rec.addPath ? TableDumpV2Subtype.RibGenericAddPath : TableDumpV2Subtype.RibGeneric;
  return withHeader({ ...rec.header, type: MrtType.TableDumpV2, subtype }, w.finish());
}

function writePeering(w: Writer, p: Bgp4mpPeering, as4: boolean): void {
  if (as4) w.u32(p.peerAs).u32(p.localAs);
  else w.u16(p.peerAs).u16(p.localAs);
  if (p.noAddresses) return;
  w.u16(p.interfaceIndex).u16(p.afi);
  if (p.afi === 2) w.bytes(ipv6(p.peerAddress)).bytes(ipv6(p.localAddress));
  else w.u32(ipv4(p.peerAddress)).u32(ipv4(p.localAddress));
}

function bgp4mpType(microseconds: number | undefined): number {
  return microseconds === undefined ? MrtType.Bgp4mp : MrtType.Bgp4mpEt;
}

/** RFC 6396 §4.4.1 / §4.4.4; BGP4MP_ET when the header has microseconds. */
export function encodeStateChange(rec: Bgp4mpStateChangeRecord): Buffer {
  const w = new Writer(64);
  writePeering(w, rec, rec.as4);
  w.u16(rec.oldState).u16(rec.newState);
  const subtype = rec.as4 ? Bgp4mpSubtype.StateChangeAs4 : Bgp4mpSubtype.StateChange;
  return withHeader({ ...rec.header, type: bgp4mpType(rec.header.microseconds), subtype }, w.finish());
}

/** Key: AS4, LOCAL, ADD-PATH as 0/1. */
const MESSAGE_SUBTYPES: Readonly<Record<string, number>> = {
  '000': Bgp4mpSubtype.Message,
  '100': Bgp4mpSubtype.MessageAs4,
  '010': Bgp4mpSubtype.MessageLocal,
  '110': Bgp4mpSubtype.MessageAs4Local,
  '001': Bgp4mpSubtype.MessageAddPath,
  '101': Bgp4mpSubtype.MessageAs4AddPath,
  '011': Bgp4mpSubtype.MessageLocalAddPath,
  '111': Bgp4mpSubtype.MessageAs4LocalAddPath,
};

/** RFC 6396 §4.4.2–4.4.6, RFC 8050 §5: the subtype follows `as4`, `local` and `addPath`. */
export function encodeMessage(rec: Bgp4mpMessageRecord): Buffer {
  const w = new Writer(64 + rec.message.length);
  writePeering(w, rec, rec.as4);
  w.bytes(rec.message);
  const key = `${rec.as4 ? 1 : 0}${rec.local ? 1 : 0}${rec.addPath ? 1 : 0}`;
  const subtype = MESSAGE_SUBTYPES[key] ?? Bgp4mpSubtype.Message;
  return withHeader({ ...rec.header, type: bgp4mpType(rec.header.microseconds), subtype }, w.finish());
}

/** The records this module can write. */
export type WritableMrtRecord = PeerIndexTableRecord | RibRecord | RibGenericRecord | Bgp4mpStateChangeRecord | Bgp4mpMessageRecord;

export function isWritableMrtRecord(rec: MrtRecord): rec is WritableMrtRecord {
  return rec.kind !== 'table-dump' && rec.kind !== 'unsupported';
}

/** One record, header included. */
export function encodeMrtRecord(rec: WritableMrtRecord): Buffer {
  switch (rec.kind) {
    case 'peer-index-table':
      return encodePeerIndexTable(rec);
    case 'rib':
      return encodeRib(rec);
    case 'rib-generic':
      return encodeRibGeneric(rec);
    case 'bgp4mp-state-change':
      return encodeStateChange(rec);
    case 'bgp4mp-message':
      return encodeMessage(rec);
    default: {
      const never: never = rec;
      throw new Error(`unreachable ${String(never)}`);
    }
  }
}
