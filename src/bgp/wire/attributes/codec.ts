/** Per-attribute dispatch: type code ↔ union variant, value decoders and encoders. */
import type { Writer } from '../cursor';
import type { CodecContext } from '../context';
import { AttrType } from '../constants';
import type { PathAttribute, PathAttributeType } from './types';
import type { AttrInput } from './common';
import { decodeOrigin, encodeOrigin } from './origin';
import { decodeAsPath, encodeAs4Path, encodeAsPath } from './as-path';
import { decodeNextHop, encodeNextHop } from './next-hop';
import { decodeLocalPref, decodeMed, encodeLocalPref, encodeMed } from './metrics';
import { decodeAggregator, decodeAs4Aggregator, decodeAtomicAggregate, encodeAggregator, encodeAs4Aggregator } from './aggregate';
import { decodeCommunities, decodeExtendedCommunities, decodeLargeCommunities, encodeCommunities, encodeExtendedCommunities, encodeLargeCommunities } from './communities';
import { decodeClusterList, decodeOriginatorId, encodeClusterList, encodeOriginatorId } from './reflection';
import { decodeMpReach, decodeMpReachMrt, decodeMpUnreach, encodeMpReach, encodeMpUnreach } from './mp';
import { decodeTunnelEncapsulation, encodeTunnelEncapsulation } from './tunnel-encapsulation';

/** Type code of each interpreted variant ('unknown' carries its own). */
export const ATTRIBUTE_CODE: Readonly<Record<Exclude<PathAttributeType, 'unknown'>, number>> = {
  origin: AttrType.Origin,
  'as-path': AttrType.AsPath,
  'next-hop': AttrType.NextHop,
  med: AttrType.MultiExitDisc,
  'local-pref': AttrType.LocalPref,
  'atomic-aggregate': AttrType.AtomicAggregate,
  aggregator: AttrType.Aggregator,
  communities: AttrType.Communities,
  'originator-id': AttrType.OriginatorId,
  'cluster-list': AttrType.ClusterList,
  'mp-reach': AttrType.MpReachNlri,
  'mp-unreach': AttrType.MpUnreachNlri,
  'extended-communities': AttrType.ExtendedCommunities,
  'as4-path': AttrType.As4Path,
  'as4-aggregator': AttrType.As4Aggregator,
  'tunnel-encapsulation': AttrType.TunnelEncapsulation,
  'large-communities': AttrType.LargeCommunity,
};

export function attributeCode(a: PathAttribute): number {
  return a.type === 'unknown' ? a.code : ATTRIBUTE_CODE[a.type];
}

/**
 * Decodes the value of an attribute we interpret, the `len` octets at
 * `buf[p]`; null for codes we keep raw. The attributes of nearly every
 * UPDATE are read in place; the rarer ones get a view of their value.
 * AS4_PATH is handled by the caller (it can report dropped segments).
 * Throws BgpError for malformed values.
 */
export function decodeValue(code: number, buf: Buffer, p: number, len: number, input: AttrInput): PathAttribute | null {
  const { ctx } = input;
  switch (code) {
    case AttrType.Origin: return decodeOrigin(buf, p, len);
    case AttrType.AsPath: return decodeAsPath(buf, p, len, ctx);
    case AttrType.NextHop: return decodeNextHop(buf, p, len);
    case AttrType.MultiExitDisc: return decodeMed(buf, p, len);
    case AttrType.LocalPref: return decodeLocalPref(buf, p, len);
    case AttrType.Communities: return decodeCommunities(buf, p, len);
    default: return decodeOther(code, buf.subarray(p, p + len), input);
  }
}

function decodeOther(code: number, value: Buffer, input: AttrInput): PathAttribute | null {
  const { ctx } = input;
  switch (code) {
    case AttrType.AtomicAggregate: return decodeAtomicAggregate(value);
    case AttrType.Aggregator: return decodeAggregator(value, ctx);
    case AttrType.OriginatorId: return decodeOriginatorId(value);
    case AttrType.ClusterList: return decodeClusterList(value);
    case AttrType.MpReachNlri: return input.mrtRib ? decodeMpReachMrt(value, ctx, input.mrtRib.afi, input.mrtRib.safi) : decodeMpReach(value, ctx);
    case AttrType.MpUnreachNlri: return decodeMpUnreach(value, ctx);
    case AttrType.ExtendedCommunities: return decodeExtendedCommunities(value);
    case AttrType.As4Aggregator: return decodeAs4Aggregator(value);
    case AttrType.TunnelEncapsulation: return decodeTunnelEncapsulation(value);
    case AttrType.LargeCommunity: return decodeLargeCommunities(value);
    default: return null;
  }
}

export function encodeValue(a: PathAttribute, ctx: CodecContext, w: Writer, mrtRib: boolean): void {
  switch (a.type) {
    case 'origin': return encodeOrigin(a, w);
    case 'as-path': return encodeAsPath(a, ctx, w);
    case 'next-hop': return encodeNextHop(a, w);
    case 'med': return encodeMed(a, w);
    case 'local-pref': return encodeLocalPref(a, w);
    case 'atomic-aggregate': return;
    case 'aggregator': return encodeAggregator(a, ctx, w);
    case 'communities': return encodeCommunities(a, w);
    case 'originator-id': return encodeOriginatorId(a, w);
    case 'cluster-list': return encodeClusterList(a, w);
    case 'mp-reach': return encodeMpReach(a, ctx, w, mrtRib);
    case 'mp-unreach': return encodeMpUnreach(a, ctx, w);
    case 'extended-communities': return encodeExtendedCommunities(a, w);
    case 'as4-path': return encodeAs4Path(a, w);
    case 'as4-aggregator': return encodeAs4Aggregator(a, w);
    case 'tunnel-encapsulation': return encodeTunnelEncapsulation(a, w);
    case 'large-communities': return encodeLargeCommunities(a, w);
    case 'unknown': w.bytes(a.value); return;
    default: {
      const never: never = a;
      throw new RangeError(`unknown attribute ${String(never)}`);
    }
  }
}
