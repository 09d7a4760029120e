/**
 * Attribute values of the RADIUS packets hdvpn sends and reads: strings,
 * 32-bit integers, IPv4 addresses (RFC 2865 §5) and Cisco's vendor-specific
 * Cisco-AVPair (vendor 9, type 1, `name=value` text; RFC 2865 §5.26 layout).
 */
import { RadiusAttribute, type RawAttribute } from './packet';

export const CISCO_VENDOR_ID = 9;
export const CISCO_AVPAIR = 1;

export function stringAttribute(type: number, text: string): RawAttribute {
  return { type, value: Buffer.from(text, 'utf8') };
}

export function integerAttribute(type: number, n: number): RawAttribute {
  const value = Buffer.alloc(4);
  value.writeUInt32BE(n >>> 0);
  return { type, value };
}

/** `address` as uint32. */
export function addressAttribute(type: number, address: number): RawAttribute {
  return integerAttribute(type, address);
}

/** RFC 2865 §5.26: Vendor-Id, then one vendor sub-attribute (type, length, value). */
export function vendorAttribute(vendorId: number, vendorType: number, value: Buffer): RawAttribute {
  const head = Buffer.alloc(6);
  head.writeUInt32BE(vendorId, 0);
  head.writeUInt8(vendorType, 4);
  head.writeUInt8(value.length + 2, 5);
  return { type: RadiusAttribute.vendorSpecific, value: Buffer.concat([head, value]) };
}

export function ciscoAvPair(text: string): RawAttribute {
  return vendorAttribute(CISCO_VENDOR_ID, CISCO_AVPAIR, Buffer.from(text, 'utf8'));
}

export function findAll(attributes: readonly RawAttribute[], type: number): Buffer[] {
  return attributes.filter((a) => a.type === type).map((a) => a.value);
}

/** The first attribute of `type` as UTF-8 text, or undefined. */
export function stringOf(attributes: readonly RawAttribute[], type: number): string | undefined {
  return findAll(attributes, type)[0]?.toString('utf8');
}

/** The first attribute of `type` as uint32 (it must have four octets), or undefined. */
export function integerOf(attributes: readonly RawAttribute[], type: number): number | undefined {
  const v = findAll(attributes, type)[0];
  return v && v.length === 4 ? v.readUInt32BE(0) : undefined;
}

/** Every Cisco-AVPair text, from every Vendor-Specific attribute of vendor 9 (several sub-attributes per attribute allowed). */
export function ciscoAvPairs(attributes: readonly RawAttribute[]): string[] {
  const out: string[] = [];
  for (const v of findAll(attributes, RadiusAttribute.vendorSpecific)) {
    if (v.length < 4 || v.readUInt32BE(0) !== CISCO_VENDOR_ID) continue;
    let at = 4;
    while (at + 2 <= v.length) {
      const type = v[at] as number;
      const length = v[at + 1] as number;
      if (length < 2 || at + length > v.length) break;
      if (type === CISCO_AVPAIR) out.push(v.subarray(at + 2, at + length).toString('utf8'));
      at += length;
    }
  }
  return out;
}
