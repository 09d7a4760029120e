/** ORIGINATOR_ID (9) and CLUSTER_LIST (10), RFC 4456 §8. */
import { UpdateSubcode } from '../errors';
import type { Writer } from '../cursor';
import type { ClusterListAttr, OriginatorIdAttr } from './types';
import { ipv4Value, malformed, readIpv4Text } from './common';

/** RFC 7606 §7.9: length other than 4 is treat-as-withdraw (from iBGP; eBGP copies are discarded before this). */
export function decodeOriginatorId(value: Buffer): OriginatorIdAttr {
  if (value.length !== 4) throw malformed(UpdateSubcode.AttributeLengthError, `ORIGINATOR_ID length ${value.length} != 4`);
  return { type: 'originator-id', originatorId: readIpv4Text(value, 0) };
}

/** RFC 7606 §7.10: length not a non-zero multiple of 4 is treat-as-withdraw. */
export function decodeClusterList(value: Buffer): ClusterListAttr {
  if (value.length === 0 || value.length % 4 !== 0) throw malformed(UpdateSubcode.AttributeLengthError, `CLUSTER_LIST length ${value.length} is not a non-zero multiple of 4`);
  const clusterIds: string[] = [];
  for (let o = 0; o < value.length; o += 4) clusterIds.push(readIpv4Text(value, o));
  return { type: 'cluster-list', clusterIds };
}

export function encodeOriginatorId(a: OriginatorIdAttr, w: Writer): void {
  w.u32(ipv4Value(a.originatorId));
}

export function encodeClusterList(a: ClusterListAttr, w: Writer): void {
  for (const id of a.clusterIds) w.u32(ipv4Value(id));
}
