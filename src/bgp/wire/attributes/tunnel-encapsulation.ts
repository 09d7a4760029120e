/**
 * TUNNEL_ENCAPSULATION (type 23), RFC 9012 §2:
 *   Tunnel TLV: Type(2) Length(2) sub-TLVs...
 *   sub-TLV:    Type(1) Length(1 for types 0-127, 2 for 128-255) Value
 * Framing errors are treat-as-withdraw (§13). A sub-TLV we do not know, or
 * whose value is malformed, is kept raw as 'unknown' so it is propagated
 * unchanged; the route itself stays usable (§13).
 */
import { UpdateSubcode } from '../errors';
import type { Writer } from '../cursor';
import { formatIpv4, formatIpv6, parseIp } from '../values/ip';
import type { TunnelEncapsulationAttr, TunnelSubTlv, TunnelTlv } from './types';
import { malformed } from './common';

export const TunnelType = { Gre: 2, IpInIp: 7, MplsInGre: 11 } as const;
export const SubTlvCode = { Encapsulation: 1, Protocol: 2, Color: 4, EgressEndpoint: 6, DsField: 7, UdpPort: 8 } as const;

function fail(reason: string): never {
  throw malformed(UpdateSubcode.OptionalAttributeError, `TUNNEL_ENCAPSULATION: ${reason}`);
}

export function decodeTunnelEncapsulation(value: Buffer): TunnelEncapsulationAttr {
  const tunnels: TunnelTlv[] = [];
  let p = 0;
  while (p < value.length) {
    if (p + 4 > value.length) fail(`tunnel TLV header truncated at offset ${p}`);
    const tunnelType = value.readUInt16BE(p);
    const len = value.readUInt16BE(p + 2);
    p += 4;
    if (p + len > value.length) fail(`tunnel TLV of length ${len} overruns the attribute`);
    tunnels.push({ tunnelType, subTlvs: decodeSubTlvs(tunnelType, value.subarray(p, p + len)) });
    p += len;
  }
  // RFC 9012 §13: an attribute with no Tunnel TLV at all has nothing valid in it.
  if (tunnels.length === 0) fail('no tunnel TLV');
  return { type: 'tunnel-encapsulation', tunnels };
}

/** RFC 9012 §13: the TLV's last octet must be the last octet of its last sub-TLV. */
function decodeSubTlvs(tunnelType: number, b: Buffer): TunnelSubTlv[] {
  const out: TunnelSubTlv[] = [];
  let p = 0;
  while (p < b.length) {
    const code = b[p] as number;
    const wide = code >= 128;
    if (p + (wide ? 3 : 2) > b.length) fail(`sub-TLV header truncated at offset ${p}`);
    const len = wide ? b.readUInt16BE(p + 1) : (b[p + 1] as number);
    p += wide ? 3 : 2;
    if (p + len > b.length) fail(`sub-TLV ${code} of length ${len} overruns its tunnel TLV`);
    out.push(decodeSubTlv(tunnelType, code, b.subarray(p, p + len)));
    p += len;
  }
  return out;
}

function unknown(code: number, v: Buffer): TunnelSubTlv {
  return { type: 'unknown', code, value: Uint8Array.from(v) };
}

function decodeSubTlv(tunnelType: number, code: number, v: Buffer): TunnelSubTlv {
  switch (code) {
    case SubTlvCode.Encapsulation:
      // §3.2.4-5: GRE and MPLS-in-GRE carry a 4-octet GRE key; other types keep their value raw.
      if ((tunnelType === TunnelType.Gre || tunnelType === TunnelType.MplsInGre) && v.length === 4) return { type: 'encapsulation', key: v.readUInt32BE(0) };
      if (v.length === 0) return { type: 'encapsulation' };
      return { type: 'encapsulation', raw: Uint8Array.from(v) };
    case SubTlvCode.Protocol:
      // §3.4.1: 0xFFFF is malformed; keep it raw.
      return v.length === 2 && v.readUInt16BE(0) !== 0xffff ? { type: 'protocol', protocol: v.readUInt16BE(0) } : unknown(code, v);
    case SubTlvCode.Color:
      // §3.4.2: 8 octets holding a Color extended community with zero flags; otherwise treat as unrecognised.
      return v.length === 8 && v[0] === 0x03 && v[1] === 0x0b && v.readUInt16BE(2) === 0 ? { type: 'color', color: v.readUInt32BE(4) } : unknown(code, v);
    case SubTlvCode.EgressEndpoint:
      return decodeEgressEndpoint(v) ?? unknown(code, v);
    case SubTlvCode.DsField:
      return v.length === 1 ? { type: 'ds-field', ds: v[0] as number } : unknown(code, v);
    case SubTlvCode.UdpPort:
      // §3.3.2: port 0 is malformed.
      return v.length === 2 && v.readUInt16BE(0) !== 0 ? { type: 'udp-port', port: v.readUInt16BE(0) } : unknown(code, v);
    default:
      return unknown(code, v);
  }
}

/** §3.1: Reserved(4) AFI(2) Address; AFI 0 has no address (use the BGP next hop). Null when malformed. */
function decodeEgressEndpoint(v: Buffer): TunnelSubTlv | null {
  if (v.length < 6) return null;
  const reserved = v.readUInt32BE(0);
  const afi = v.readUInt16BE(4);
  let address: string;
  if (afi === 0 && v.length === 6) address = '';
  else if (afi === 1 && v.length === 10) address = formatIpv4(v.readUInt32BE(6));
  else if (afi === 2 && v.length === 22) address = formatIpv6(v.subarray(6, 22));
  else return null;
  // The reserved field is propagated unchanged (§3.1), so a non-zero one is kept.
  return reserved === 0 ? { type: 'egress-endpoint', address } : { type: 'egress-endpoint', address, reserved };
}

function subTlvValue(s: TunnelSubTlv): { code: number; value: Uint8Array } {
  switch (s.type) {
    case 'encapsulation': {
      if (s.raw !== undefined) return { code: SubTlvCode.Encapsulation, value: s.raw };
      const v = Buffer.alloc(s.key === undefined ? 0 : 4);
      if (s.key !== undefined) v.writeUInt32BE(s.key >>> 0, 0);
      return { code: SubTlvCode.Encapsulation, value: v };
    }
    case 'protocol':
      return { code: SubTlvCode.Protocol, value: Buffer.from([s.protocol >> 8, s.protocol & 0xff]) };
    case 'color': {
      const v = Buffer.from([0x03, 0x0b, 0, 0, 0, 0, 0, 0]);
      v.writeUInt32BE(s.color >>> 0, 4);
      return { code: SubTlvCode.Color, value: v };
    }
    case 'egress-endpoint':
      return { code: SubTlvCode.EgressEndpoint, value: encodeEgressEndpoint(s.address, s.reserved ?? 0) };
    case 'ds-field':
      return { code: SubTlvCode.DsField, value: Buffer.from([s.ds & 0xff]) };
    case 'udp-port':
      return { code: SubTlvCode.UdpPort, value: Buffer.from([s.port >> 8, s.port & 0xff]) };
    case 'unknown':
      return { code: s.code, value: s.value };
    default: {
      const never: never = s;
      throw new RangeError(`unknown sub-TLV ${String(never)}`);
    }
  }
}

function encodeEgressEndpoint(address: string, reserved: number): Buffer {
  const ip = address === '' ? new Uint8Array(0) : parseIp(address);
  if (ip === null) throw new RangeError(`not an IP address: ${address}`);
  const v = Buffer.alloc(6 + ip.length);
  v.writeUInt32BE(reserved >>> 0, 0);
  v.writeUInt16BE(ip.length === 0 ? 0 : ip.length === 4 ? 1 : 2, 4);
  v.set(ip, 6);
  return v;
}

export function encodeTunnelEncapsulation(a: TunnelEncapsulationAttr, w: Writer): void {
  for (const t of a.tunnels) {
    w.u16(t.tunnelType);
    const lenAt = w.reserve(2);
    const start = w.pos;
    for (const s of t.subTlvs) {
      const { code, value } = subTlvValue(s);
      w.u8(code);
      if (code >= 128) w.u16(value.length);
      else w.u8(value.length);
      w.bytes(value);
    }
    w.setU16(lenAt, w.pos - start);
  }
}
