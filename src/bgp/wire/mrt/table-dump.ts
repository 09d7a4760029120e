/** TABLE_DUMP (RFC 6396 §4.2), the legacy one-route-per-record RIB format. */
import { readAddress, mrtReader, readPrefix } from './fields';
import type { MrtHeader, TableDumpRecord } from './types';

/**
 * View Number(2) | Sequence(2) | Prefix(4/16) | Prefix Length(1) | Status(1) |
 * Originated Time(4) | Peer IP(4/16) | Peer AS(2) | Attribute Length(2) | attributes.
 * The subtype is the AFI. AS_PATH inside uses 2-octet ASNs.
 */
export function decodeTableDump(header: MrtHeader, body: Buffer): TableDumpRecord {
  const r = mrtReader(body);
  const afi = header.subtype;
  if (afi !== 1 && afi !== 2) return r.fail(`TABLE_DUMP subtype (AFI) ${afi} is not 1 or 2`);
  const viewNumber = r.u16();
  const sequence = r.u16();
  const width = afi === 1 ? 4 : 16;
  const addressBytes = r.bytes(width);
  const length = r.u8();
  // The prefix is a full-width address here, followed by its length: re-read it as a §4.3.2-style prefix.
  const prefixBuf = Buffer.allocUnsafe(1 + width);
  prefixBuf[0] = length;
  addressBytes.copy(prefixBuf, 1);
  const prefix = readPrefix(mrtReader(prefixBuf.subarray(0, 1 + ((Math.min(length, width * 8) + 7) >> 3))), afi);
  const status = r.u8();
  const originatedTime = r.u32();
  const peerAddress = readAddress(r, afi);
  const peerAs = r.u16();
  const attributes = r.bytes(r.u16());
  return { kind: 'table-dump', header, afi, viewNumber, sequence, prefix, status, originatedTime, peerAddress, peerAs, attributes };
}
