/**
 * Optional attributes we do not interpret but whose specifications define
 * what a malformed one is. They are validated so the RFC 7606 action applies
 * (treat-as-withdraw or attribute discard per the table in rfc7606.ts), then
 * kept raw as 'unknown'. Each validator returns a reason, or null when fine.
 */
import { ValidatedAttrType } from '../rfc7606';

type Validator = (v: Buffer) => string | null;

function multipleOf(size: number): Validator {
  return (v) => (v.length > 0 && v.length % size === 0 ? null : `length ${v.length} is not a non-zero multiple of ${size}`);
}

/** Walks TLVs `Type(typeLen) Length(2) Value`; `lengthIncludesHeader` for AIGP (RFC 7311 §3). */
function walkTlvs(v: Buffer, start: number, typeLen: 1 | 2, lengthIncludesHeader: boolean, check?: (type: number, len: number) => string | null): string | null {
  const header = typeLen + 2;
  let p = start;
  while (p < v.length) {
    if (p + header > v.length) return `TLV header truncated at offset ${p}`;
    const type = typeLen === 1 ? (v[p] as number) : v.readUInt16BE(p);
    const raw = v.readUInt16BE(p + typeLen);
    const len = lengthIncludesHeader ? raw - header : raw;
    if (len < 0) return `TLV length ${raw} shorter than its header`;
    if (p + header + len > v.length) return `TLV ${type} of length ${raw} overruns the attribute`;
    const bad = check?.(type, len) ?? null;
    if (bad !== null) return bad;
    p += header + len;
  }
  return null;
}

/** RFC 6514 §5: Flags(1) TunnelType(1) Label(3) TunnelId; types 0-7 defined; Ingress Replication's id is an address. FRR behaviour. */
function pmsi(v: Buffer): string | null {
  if (v.length < 5) return `length ${v.length} < 5`;
  const tunnelType = v[1] as number;
  if (tunnelType > 7) return `tunnel type ${tunnelType} undefined`;
  const idLen = v.length - 5;
  if (tunnelType === 6 && idLen !== 4 && idLen !== 16) return `ingress replication tunnel id of ${idLen} octets`;
  return null;
}

/** RFC 7311 §3-4: TLVs with a length that counts their 3-octet header; type 1 (AIGP) is 11 octets. */
function aigp(v: Buffer): string | null {
  return walkTlvs(v, 0, 1, true, (type, len) => (type !== 1 ? `TLV type ${type} unknown` : len !== 8 ? `AIGP TLV length ${len + 3} != 11` : null));
}

/** RFC 9234 §5: 4 octets, an AS number (AS 0 is malformed, RFC 7607). */
function otc(v: Buffer): string | null {
  if (v.length !== 4) return `length ${v.length} != 4`;
  return v.readUInt32BE(0) === 0 ? 'AS 0 (RFC 7607)' : null;
}

/** RFC 8669 §3: TLVs Type(1) Length(2); the Label-Index TLV (1) is 7 octets; type 0 is reserved. */
function prefixSid(v: Buffer): string | null {
  return walkTlvs(v, 0, 1, false, (type, len) => (type === 0 ? 'reserved TLV type 0' : type === 1 && len !== 7 ? `Label-Index TLV length ${len} != 7` : null));
}

/** Next Hop Dependent Characteristics (draft-ietf-idr-entropy-label): AFI(2) SAFI(1) NHLen(1) NH, then TLVs Type(2) Length(2). */
function nhc(v: Buffer): string | null {
  if (v.length < 4) return `length ${v.length} < 4`;
  const afi = v.readUInt16BE(0);
  if (afi !== 1 && afi !== 2) return `AFI ${afi} unsupported`;
  const nhLen = v[3] as number;
  if (4 + nhLen > v.length) return 'next hop overruns the attribute';
  return walkTlvs(v, 4 + nhLen, 2, false);
}

const VALIDATORS: ReadonlyMap<number, Validator> = new Map<number, Validator>([
  [ValidatedAttrType.PmsiTunnel, pmsi],
  [ValidatedAttrType.Ipv6ExtCommunities, multipleOf(20)], // RFC 7606 §7.15
  [ValidatedAttrType.Aigp, aigp],
  [ValidatedAttrType.BgpLs, (v) => walkTlvs(v, 0, 2, false)], // RFC 9552 §6.3.2
  [ValidatedAttrType.Otc, otc],
  [ValidatedAttrType.NextHopCharacteristic, nhc],
  [ValidatedAttrType.PrefixSid, prefixSid],
  [ValidatedAttrType.AttrSet, (v) => (v.length >= 4 ? null : `length ${v.length} < 4 (RFC 6368 §5)`)], // RFC 7606 §7.16
]);

/** The problem with a validated-only attribute's value, null when fine or when the type is not one of them. */
export function validateOpaque(code: number, value: Buffer): string | null {
  const check = VALIDATORS.get(code);
  return check ? check(value) : null;
}
