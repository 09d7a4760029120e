/**
 * The community attributes: COMMUNITIES (8, RFC 1997), EXTENDED_COMMUNITIES
 * (16, RFC 4360) and LARGE_COMMUNITY (32, RFC 8092). Each is a non-empty list
 * of fixed-size items; any other length is treat-as-withdraw (RFC 7606 §7.8,
 * §7.14, RFC 8092 §6).
 */
import { UpdateSubcode } from '../errors';
import type { Writer } from '../cursor';
import { decodeExtCommunity, encodeExtCommunity, type ExtendedCommunity } from '../values/ext-community';
import type { LargeCommunity } from '../values/large-community';
import type { CommunitiesAttr, ExtendedCommunitiesAttr, LargeCommunitiesAttr } from './types';
import { malformed } from './common';

/** The number of `size`-octet items in a value of `length` octets. */
function checkItems(length: number, size: number, name: string): number {
  if (length === 0 || length % size !== 0) {
    throw malformed(UpdateSubcode.OptionalAttributeError, `${name} length ${length} is not a non-zero multiple of ${size}`);
  }
  return length / size;
}

/** The value is the `len` octets at `buf[p]`. */
export function decodeCommunities(buf: Buffer, p: number, len: number): CommunitiesAttr {
  const n = checkItems(len, 4, 'COMMUNITIES');
  const communities: number[] = new Array<number>(n);
  for (let i = 0; i < n; i++) communities[i] = buf.readUInt32BE(p + i * 4);
  return { type: 'communities', communities };
}

export function decodeExtendedCommunities(value: Buffer): ExtendedCommunitiesAttr {
  const n = checkItems(value.length, 8, 'EXTENDED_COMMUNITIES');
  const communities: ExtendedCommunity[] = [];
  for (let i = 0; i < n; i++) communities.push(decodeExtCommunity(value, i * 8));
  return { type: 'extended-communities', communities };
}

export function decodeLargeCommunities(value: Buffer): LargeCommunitiesAttr {
  const n = checkItems(value.length, 12, 'LARGE_COMMUNITY');
  const communities: LargeCommunity[] = [];
  for (let i = 0; i < n; i++) {
    const o = i * 12;
    communities.push({ globalAdmin: value.readUInt32BE(o), localData1: value.readUInt32BE(o + 4), localData2: value.readUInt32BE(o + 8) });
  }
  return { type: 'large-communities', communities };
}

export function encodeCommunities(a: CommunitiesAttr, w: Writer): void {
  for (const c of a.communities) w.u32(c);
}

export function encodeExtendedCommunities(a: ExtendedCommunitiesAttr, w: Writer): void {
  const item = Buffer.alloc(8);
  for (const c of a.communities) {
    item.fill(0);
    encodeExtCommunity(c, item, 0);
    w.bytes(item);
  }
}

export function encodeLargeCommunities(a: LargeCommunitiesAttr, w: Writer): void {
  for (const c of a.communities) w.u32(c.globalAdmin).u32(c.localData1).u32(c.localData2);
}
