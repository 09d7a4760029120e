/** ATOMIC_AGGREGATE (6), AGGREGATOR (7) and AS4_AGGREGATOR (18): RFC 4271 §5.1.6-5.1.7, RFC 6793. */
import { UpdateSubcode } from '../errors';
import type { Writer } from '../cursor';
import type { CodecContext } from '../context';
import { AS_TRANS } from '../constants';
import type { AggregatorAttr, As4AggregatorAttr, AtomicAggregateAttr } from './types';
import { ipv4Value, malformed, readIpv4Text } from './common';

export function decodeAtomicAggregate(value: Buffer): AtomicAggregateAttr {
  // RFC 7606 §7.6: a non-zero length is attribute discard.
  if (value.length !== 0) throw malformed(UpdateSubcode.AttributeLengthError, `ATOMIC_AGGREGATE length ${value.length} != 0`);
  return { type: 'atomic-aggregate' };
}

/** RFC 7606 §7.7: 6 octets with 2-octet ASNs, 8 with 4-octet; RFC 7607: AS 0 is malformed. Both attribute discard. */
export function decodeAggregator(value: Buffer, ctx: CodecContext): AggregatorAttr {
  const asnSize = ctx.fourOctetAs ? 4 : 2;
  if (value.length !== asnSize + 4) throw malformed(UpdateSubcode.AttributeLengthError, `AGGREGATOR length ${value.length} != ${asnSize + 4}`);
  const asn = asnSize === 4 ? value.readUInt32BE(0) : value.readUInt16BE(0);
  if (asn === 0) throw malformed(UpdateSubcode.OptionalAttributeError, 'AGGREGATOR AS 0 (RFC 7607)');
  return { type: 'aggregator', asn, address: readIpv4Text(value, asnSize) };
}

/** RFC 6793 §6: length other than 8, or AS 0 (RFC 7607), is attribute discard. */
export function decodeAs4Aggregator(value: Buffer): As4AggregatorAttr {
  if (value.length !== 8) throw malformed(UpdateSubcode.OptionalAttributeError, `AS4_AGGREGATOR length ${value.length} != 8`);
  const asn = value.readUInt32BE(0);
  if (asn === 0) throw malformed(UpdateSubcode.OptionalAttributeError, 'AS4_AGGREGATOR AS 0 (RFC 7607)');
  return { type: 'as4-aggregator', asn, address: readIpv4Text(value, 4) };
}

export function encodeAggregator(a: AggregatorAttr, ctx: CodecContext, w: Writer): void {
  if (ctx.fourOctetAs) w.u32(a.asn);
  else w.u16(a.asn > 0xffff ? AS_TRANS : a.asn); // RFC 6793 §4.2.2
  w.u32(ipv4Value(a.address));
}

export function encodeAs4Aggregator(a: As4AggregatorAttr, w: Writer): void {
  w.u32(a.asn).u32(ipv4Value(a.address));
}
