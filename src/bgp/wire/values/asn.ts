/** AS numbers: 4-octet (RFC 6793), text as asplain, asdot accepted on input (RFC 5396). */

export const MAX_ASN = 0xffffffff;

export function parseAsn(text: string): number | null {
  if (/^\d{1,10}$/.test(text)) {
    const n = Number(text);
    return n <= MAX_ASN ? n : null;
  }
  const m = /^(\d{1,5})\.(\d{1,5})$/.exec(text);
  if (m) {
    const hi = Number(m[1]);
    const lo = Number(m[2]);
    if (hi > 0xffff || lo > 0xffff) return null;
    return hi * 65536 + lo;
  }
  return null;
}

export function formatAsn(asn: number): string {
  return String(asn >>> 0);
}

/** RFC 5396 asdot form (what GoBGP prints for 4-octet RDs). */
export function formatAsnDot(asn: number): string {
  return asn > 0xffff ? `${Math.floor(asn / 65536)}.${asn & 0xffff}` : String(asn);
}
