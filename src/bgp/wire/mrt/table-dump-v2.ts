/** TABLE_DUMP_V2 decoding (RFC 6396 §4.3, RFC 8050 §4). */
import type { Reader } from '../cursor';
import { PeerTypeBit, TableDumpV2Subtype } from './constants';
import { mrtReader, nlriEntryLength, readIpv4, readIpv6, readPrefix } from './fields';
import type { MrtHeader, PeerEntry, PeerIndexTableRecord, RibEntry, RibGenericRecord, RibRecord } from './types';

/** RFC 6396 §4.3.1 PEER_INDEX_TABLE. */
export function decodePeerIndexTable(header: MrtHeader, body: Buffer): PeerIndexTableRecord {
  const r = mrtReader(body);
  const collectorBgpId = readIpv4(r);
  const viewName = r.bytes(r.u16()).toString('utf8');
  const count = r.u16();
  const peers: PeerEntry[] = new Array<PeerEntry>(count);
  for (let i = 0; i < count; i++) {
    const peerType = r.u8();
    const bgpId = readIpv4(r);
    const ipv6 = (peerType & PeerTypeBit.Ipv6) !== 0;
    const address = ipv6 ? readIpv6(r) : readIpv4(r);
    const as4 = (peerType & PeerTypeBit.As4) !== 0;
    const asn = as4 ? r.u32() : r.u16();
    peers[i] = { bgpId, address, ipv6, asn, as4 };
  }
  return { kind: 'peer-index-table', header, collectorBgpId, viewName, peers };
}

/** RFC 6396 §4.3.4 RIB entries; RFC 8050 §4.1 adds a Path Identifier before Attribute Length. */
function readRibEntries(r: Reader, withPathId: boolean): RibEntry[] {
  const count = r.u16();
  const entries: RibEntry[] = new Array<RibEntry>(count);
  for (let i = 0; i < count; i++) {
    const peerIndex = r.u16();
    const originatedTime = r.u32();
    const pathId = withPathId ? r.u32() : undefined;
    const attributes = r.bytes(r.u16());
    entries[i] = { peerIndex, originatedTime, pathId, attributes };
  }
  // Octets after the last entry are ignored, as bgpdump and mrtparse do.
  return entries;
}

const AFI_SAFI: Readonly<Record<number, readonly [1 | 2, number, boolean]>> = {
  [TableDumpV2Subtype.RibIpv4Unicast]: [1, 1, false],
  [TableDumpV2Subtype.RibIpv4Multicast]: [1, 2, false],
  [TableDumpV2Subtype.RibIpv6Unicast]: [2, 1, false],
  [TableDumpV2Subtype.RibIpv6Multicast]: [2, 2, false],
  [TableDumpV2Subtype.RibIpv4UnicastAddPath]: [1, 1, true],
  [TableDumpV2Subtype.RibIpv4MulticastAddPath]: [1, 2, true],
  [TableDumpV2Subtype.RibIpv6UnicastAddPath]: [2, 1, true],
  [TableDumpV2Subtype.RibIpv6MulticastAddPath]: [2, 2, true],
};

/** Whether the subtype is one of the AFI/SAFI-specific RIB subtypes (2–5, 8–11). */
export function isRibSubtype(subtype: number): boolean {
  return AFI_SAFI[subtype] !== undefined;
}

/** RFC 6396 §4.3.2 RIB_IPV4_UNICAST etc. */
export function decodeRib(header: MrtHeader, body: Buffer): RibRecord {
  const family = AFI_SAFI[header.subtype];
  const r = mrtReader(body);
  if (family === undefined) return r.fail(`subtype ${header.subtype} is not an AFI/SAFI-specific RIB`);
  const [afi, safi, addPath] = family;
  const sequence = r.u32();
  const prefix = readPrefix(r, afi);
  const entries = readRibEntries(r, addPath);
  return { kind: 'rib', header, afi, safi, addPath, sequence, prefix, entries };
}

/**
 * RFC 6396 §4.3.3 RIB_GENERIC. For RIB_GENERIC_ADDPATH the path identifier is
 * part of the NLRI and the entries are the plain §4.3.4 form (RFC 8050 §4.2).
 */
export function decodeRibGeneric(header: MrtHeader, body: Buffer): RibGenericRecord {
  const r = mrtReader(body);
  const addPath = header.subtype === TableDumpV2Subtype.RibGenericAddPath;
  const sequence = r.u32();
  const afi = r.u16();
  const safi = r.u8();
  const n = nlriEntryLength(afi, safi, body, r.pos, addPath);
  if (n < 0) r.fail('NLRI truncated');
  const nlri = r.bytes(n);
  const entries = readRibEntries(r, false);
  return { kind: 'rib-generic', header, afi, safi, addPath, sequence, nlri, entries };
}
