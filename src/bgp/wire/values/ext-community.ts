/**
 * Extended communities (RFC 4360, RFC 5668, RFC 9012 §4): 8 octets each.
 * Route targets and route origins in their three forms are decoded; every other
 * type is kept as its 8 raw octets (RFC 7606 §7.14: unknown types are not errors).
 */
import { formatIpv4, parseIpv4 } from './ip';
import { parseAsn } from './asn';

export type ExtCommunityForm = 'as2' | 'ipv4' | 'as4';

export interface RouteTargetLike {
  readonly kind: 'route-target' | 'route-origin';
  readonly form: ExtCommunityForm;
  /** RFC 4360 §2: the T bit clear (transitive) on the normal types 0x00/0x01/0x02. */
  readonly transitive: boolean;
  /** 2- or 4-octet AS, or an IPv4 address as uint32. */
  readonly admin: number;
  readonly assigned: number;
}

/** RFC 9012 §4.1 Encapsulation extended community (type 0x03, subtype 0x0c). */
export interface EncapsulationCommunity {
  readonly kind: 'encapsulation';
  readonly tunnelType: number;
}

/** RFC 9012 §4.3 Color extended community (type 0x03, subtype 0x0b). */
export interface ColorCommunity {
  readonly kind: 'color';
  readonly flags: number;
  readonly color: number;
}

export interface OpaqueExtCommunity {
  readonly kind: 'other';
  /** The 8 octets as received. */
  readonly raw: Uint8Array;
}

export type ExtendedCommunity = RouteTargetLike | EncapsulationCommunity | ColorCommunity | OpaqueExtCommunity;

const FORM_TYPE: Record<ExtCommunityForm, number> = { as2: 0x00, ipv4: 0x01, as4: 0x02 };

export function decodeExtCommunity(b: Buffer, o: number): ExtendedCommunity {
  const type = b[o] as number;
  const sub = b[o + 1] as number;
  const base = type & 0xbf; // ignore the T (non-transitive) bit
  if ((sub === 0x02 || sub === 0x03) && base <= 0x02) {
    const kind = sub === 0x02 ? 'route-target' : 'route-origin';
    const transitive = (type & 0x40) === 0;
    if (base === 0x00) return { kind, form: 'as2', transitive, admin: b.readUInt16BE(o + 2), assigned: b.readUInt32BE(o + 4) };
    if (base === 0x01) return { kind, form: 'ipv4', transitive, admin: b.readUInt32BE(o + 2), assigned: b.readUInt16BE(o + 6) };
    return { kind, form: 'as4', transitive, admin: b.readUInt32BE(o + 2), assigned: b.readUInt16BE(o + 6) };
  }
  if (type === 0x03 && sub === 0x0c) return { kind: 'encapsulation', tunnelType: b.readUInt16BE(o + 6) };
  if (type === 0x03 && sub === 0x0b) return { kind: 'color', flags: b.readUInt16BE(o + 2), color: b.readUInt32BE(o + 4) };
  return { kind: 'other', raw: Uint8Array.from(b.subarray(o, o + 8)) };
}

export function encodeExtCommunity(c: ExtendedCommunity, out: Buffer, o: number): void {
  switch (c.kind) {
    case 'route-target':
    case 'route-origin': {
      out[o] = FORM_TYPE[c.form] | (c.transitive ? 0 : 0x40);
      out[o + 1] = c.kind === 'route-target' ? 0x02 : 0x03;
      if (c.form === 'as2') {
        out.writeUInt16BE(c.admin, o + 2);
        out.writeUInt32BE(c.assigned >>> 0, o + 4);
      } else {
        out.writeUInt32BE(c.admin >>> 0, o + 2);
        out.writeUInt16BE(c.assigned, o + 6);
      }
      return;
    }
    case 'encapsulation':
      out[o] = 0x03;
      out[o + 1] = 0x0c;
      out.writeUInt32BE(0, o + 2);
      out.writeUInt16BE(c.tunnelType, o + 6);
      return;
    case 'color':
      out[o] = 0x03;
      out[o + 1] = 0x0b;
      out.writeUInt16BE(c.flags, o + 2);
      out.writeUInt32BE(c.color >>> 0, o + 4);
      return;
    case 'other':
      out.set(c.raw.subarray(0, 8), o);
      return;
    default: {
      const never: never = c;
      throw new Error(`unreachable ${String(never)}`);
    }
  }
}

const TUNNEL_NAMES: Readonly<Record<number, string>> = { 1: 'l2tpv3', 2: 'gre', 7: 'ipip', 8: 'vxlan', 9: 'nvgre', 10: 'mpls', 11: 'mpls-in-gre', 12: 'vxlan-gpe', 13: 'mpls-in-udp' };

export function tunnelTypeName(t: number): string {
  return TUNNEL_NAMES[t] ?? String(t);
}

function formatAdmin(form: ExtCommunityForm, admin: number): string {
  return form === 'ipv4' ? formatIpv4(admin) : String(admin);
}

/**
 * Text forms, as FRR prints them: `RT:65000:100`, `SoO:65000:1`,
 * `ENCAP:gre`, `COLOR:0:100`; anything else as 16 hex digits.
 */
export function formatExtCommunity(c: ExtendedCommunity): string {
  switch (c.kind) {
    case 'route-target':
      return `RT:${formatAdmin(c.form, c.admin)}:${c.assigned}`;
    case 'route-origin':
      return `SoO:${formatAdmin(c.form, c.admin)}:${c.assigned}`;
    case 'encapsulation':
      return `ENCAP:${tunnelTypeName(c.tunnelType)}`;
    case 'color':
      return `COLOR:${c.flags}:${c.color}`;
    case 'other':
      return Buffer.from(c.raw).toString('hex');
    default: {
      const never: never = c;
      return String(never);
    }
  }
}

/** The route-target text form used in config and JSON: `65000:100` (no prefix). */
export function formatRouteTarget(c: RouteTargetLike): string {
  return `${formatAdmin(c.form, c.admin)}:${c.assigned}`;
}

/**
 * Parses a route target as operators write it: `65000:100`, `rt:65000:100`,
 * `RT:192.0.2.1:7`, `target:4200000000:1` (ExaBGP). An AS above 65535 gives the
 * 4-octet form; a dotted quad the IPv4 form. Null when malformed or out of range.
 */
export function parseRouteTarget(text: string, kind: 'route-target' | 'route-origin' = 'route-target'): RouteTargetLike | null {
  const t = text.replace(/^(rt|target|soo|origin):/i, '');
  const colon = t.lastIndexOf(':');
  if (colon <= 0) return null;
  const adminText = t.slice(0, colon);
  const numText = t.slice(colon + 1);
  if (!/^\d{1,10}$/.test(numText)) return null;
  const assigned = Number(numText);
  const ip = parseIpv4(adminText);
  if (ip !== null) return assigned <= 0xffff ? { kind, form: 'ipv4', transitive: true, admin: ip, assigned } : null;
  const asn = parseAsn(adminText);
  if (asn === null) return null;
  if (asn <= 0xffff && !adminText.includes('.')) {
    return assigned <= 0xffffffff ? { kind, form: 'as2', transitive: true, admin: asn, assigned } : null;
  }
  return assigned <= 0xffff ? { kind, form: 'as4', transitive: true, admin: asn, assigned } : null;
}

export function extCommunityEquals(a: ExtendedCommunity, b: ExtendedCommunity): boolean {
  const x = Buffer.alloc(8);
  const y = Buffer.alloc(8);
  encodeExtCommunity(a, x, 0);
  encodeExtCommunity(b, y, 0);
  return x.equals(y);
}
