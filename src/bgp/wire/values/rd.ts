/**
 * Route distinguishers (RFC 4364 §4.2): 8 octets, type 0 (2-octet AS : 4-octet
 * number), type 1 (IPv4 : 2-octet number), type 2 (4-octet AS : 2-octet number).
 * Text forms `65000:100`, `192.0.2.1:7`, `4200000000:1` (asplain; asdot accepted).
 */
import { BgpError } from '../errors';
import { formatIpv4, parseIpv4 } from './ip';
import { parseAsn } from './asn';

export interface RouteDistinguisher {
  readonly type: number;
  /** Type 0: 2-octet AS; type 1: IPv4 as uint32; type 2: 4-octet AS; other types: upper 4 value octets. */
  readonly admin: number;
  /** Type 0: 4-octet number; types 1 and 2: 2-octet number; other types: lower 2 value octets. */
  readonly assigned: number;
}

export const RD_LENGTH = 8;
export const ZERO_RD: RouteDistinguisher = { type: 0, admin: 0, assigned: 0 };

export function decodeRd(buf: Uint8Array, offset: number): RouteDistinguisher {
  const b = Buffer.isBuffer(buf) ? buf : Buffer.from(buf.buffer, buf.byteOffset, buf.byteLength);
  if (offset + 8 > b.length) throw new BgpError(3, 10, 'route distinguisher truncated');
  const type = b.readUInt16BE(offset);
  if (type === 0) return { type, admin: b.readUInt16BE(offset + 2), assigned: b.readUInt32BE(offset + 4) };
  return { type, admin: b.readUInt32BE(offset + 2), assigned: b.readUInt16BE(offset + 6) };
}

export function encodeRd(rd: RouteDistinguisher, out: Buffer = Buffer.alloc(8), offset = 0): Buffer {
  out.writeUInt16BE(rd.type, offset);
  if (rd.type === 0) {
    out.writeUInt16BE(rd.admin, offset + 2);
    out.writeUInt32BE(rd.assigned >>> 0, offset + 4);
  } else {
    out.writeUInt32BE(rd.admin >>> 0, offset + 2);
    out.writeUInt16BE(rd.assigned, offset + 6);
  }
  return out;
}

export function formatRd(rd: RouteDistinguisher): string {
  switch (rd.type) {
    case 0:
    case 2:
      return `${rd.admin}:${rd.assigned}`;
    case 1:
      return `${formatIpv4(rd.admin)}:${rd.assigned}`;
    default:
      return `${rd.type}:${rd.admin}:${rd.assigned}`;
  }
}

/**
 * Parses the text form. Like GoBGP: a dotted quad admin is type 1; an AS up to
 * 65535 is type 0; a larger (or asdot) AS is type 2. Null when malformed or out of range.
 */
export function parseRd(text: string): RouteDistinguisher | null {
  const colon = text.lastIndexOf(':');
  if (colon <= 0) return null;
  const adminText = text.slice(0, colon);
  const numText = text.slice(colon + 1);
  if (!/^\d{1,10}$/.test(numText)) return null;
  const assigned = Number(numText);
  const ip = parseIpv4(adminText);
  if (ip !== null) return assigned <= 0xffff ? { type: 1, admin: ip, assigned } : null;
  const asn = parseAsn(adminText);
  if (asn === null) return null;
  if (asn <= 0xffff && !adminText.includes('.')) return assigned <= 0xffffffff ? { type: 0, admin: asn, assigned } : null;
  return assigned <= 0xffff ? { type: 2, admin: asn, assigned } : null;
}

export function rdEquals(a: RouteDistinguisher, b: RouteDistinguisher): boolean {
  return a.type === b.type && a.admin === b.admin && a.assigned === b.assigned;
}
