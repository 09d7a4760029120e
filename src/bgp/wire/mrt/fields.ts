/** Small field readers shared by the MRT record decoders. */
import { Reader } from '../cursor';
import { formatIpv4, formatIpv6 } from '../values/ip';
import { ipv4Prefix, ipv6Prefix, type Prefix } from '../values/prefix';

/** The error spec MRT decoders give the cursor; record.ts turns it into an MrtError. */
export const MRT_BODY = { code: 0, subcode: 0, what: 'MRT record' } as const;

export function mrtReader(body: Buffer): Reader {
  return new Reader(body, MRT_BODY);
}

export function readIpv4(r: Reader): string {
  return formatIpv4(r.u32());
}

export function readIpv6(r: Reader): string {
  return formatIpv6(r.bytes(16));
}

/** An address of the given AFI (1 or 2); anything else is not something this record can hold. */
export function readAddress(r: Reader, afi: number): string {
  if (afi === 1) return readIpv4(r);
  if (afi === 2) return readIpv6(r);
  return r.fail(`unsupported address family ${afi}`);
}

/** RFC 6396 §4.3.2: Prefix Length, then the prefix in ceil(len/8) octets (host bits masked off). */
export function readPrefix(r: Reader, afi: 1 | 2): Prefix {
  const length = r.u8();
  if (length > (afi === 1 ? 32 : 128)) r.fail(`prefix length ${length} too long for AFI ${afi}`);
  const bytes = r.bytes((length + 7) >> 3);
  if (afi === 1) {
    let v = 0;
    for (let i = 0; i < 4; i++) v = v * 256 + (bytes[i] ?? 0);
    return ipv4Prefix(v, length);
  }
  return ipv6Prefix(bytes, length);
}

/**
 * Octets of the one NLRI entry at `pos` in its MP_REACH encoding (RFC 6396
 * §4.3.3 RIB_GENERIC): a 4-octet path id first under ADD-PATH; EVPN
 * (RFC 7432 §7) is type, length, value; FlowSpec (RFC 8955 §4) has a 1- or
 * 2-octet length; every other family starts with a length in bits.
 */
export function nlriEntryLength(afi: number, safi: number, buf: Buffer, pos: number, addPath: boolean): number {
  const start = addPath ? pos + 4 : pos;
  const head = buf[start];
  if (head === undefined) return -1;
  let n: number;
  if (safi === 70) {
    const len = buf[start + 1];
    n = len === undefined ? -1 : 2 + len;
  } else if (safi === 133 || safi === 134) {
    if (head < 0xf0) n = 1 + head;
    else {
      const lo = buf[start + 1];
      n = lo === undefined ? -1 : 2 + (((head & 0x0f) << 8) | lo);
    }
  } else {
    n = 1 + ((head + 7) >> 3);
  }
  if (n < 0) return -1;
  return start - pos + n;
}
