/**
 * IPv4 and IPv6 addresses: IPv4 as an unsigned 32-bit number (cheap on hot
 * paths), IPv6 as 16 octets. Text forms: dotted quad, and RFC 5952 for IPv6.
 */

export function formatIpv4(addr: number): string {
  return `${addr >>> 24}.${(addr >>> 16) & 0xff}.${(addr >>> 8) & 0xff}.${addr & 0xff}`;
}

/**
 * Parses a dotted quad: four decimal parts of one to three digits, no leading
 * zero, each at most 255; null when it is not one. Read character by
 * character (a regular expression and its match array per call showed in the
 * ingest profile: every UPDATE's NEXT_HOP is checked and re-encoded).
 */
export function parseIpv4(text: string): number | null {
  const end = text.length;
  let v = 0;
  let i = 0;
  for (let part = 0; part < 4; part++) {
    if (part > 0) {
      if (text.charCodeAt(i) !== 46) return null; // '.'
      i++;
    }
    const start = i;
    let n = 0;
    for (; i < end && i - start < 4; i++) {
      const c = text.charCodeAt(i) - 48;
      if (c < 0 || c > 9) break;
      n = n * 10 + c;
    }
    const digits = i - start;
    if (digits === 0 || digits > 3) return null;
    if (digits > 1 && text.charCodeAt(start) === 48) return null;
    if (n > 255) return null;
    v = v * 256 + n;
  }
  return i === end ? v >>> 0 : null;
}

export function ipv4ToBytes(addr: number): Buffer {
  const b = Buffer.allocUnsafe(4);
  b.writeUInt32BE(addr >>> 0, 0);
  return b;
}

/** Octets in hex: without leading zero (a group's first octet) and padded to two digits (its second). */
const HEX_BYTE: readonly string[] = Array.from({ length: 256 }, (_, i) => i.toString(16));
const HEX_BYTE_PADDED: readonly string[] = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, '0'));

/** The eight groups of the address being formatted: scratch space, so formatting allocates only its result. */
const ipv6Groups = new Uint16Array(8);

/** RFC 5952 text form: lower case, longest run (≥2) of zero groups as `::`, first run on ties. */
export function formatIpv6(bytes: Uint8Array): string {
  const groups = ipv6Groups;
  for (let i = 0; i < 8; i++) groups[i] = ((bytes[2 * i] ?? 0) << 8) | (bytes[2 * i + 1] ?? 0);
  let bestStart = -1;
  let bestLen = 0;
  for (let i = 0; i < 8; ) {
    if (groups[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && groups[j] === 0) j++;
    if (j - i > bestLen && j - i >= 2) {
      bestStart = i;
      bestLen = j - i;
    }
    i = j;
  }
  // RFC 5952 §5: IPv4-mapped addresses keep the dotted quad.
  if (bestStart === 0 && bestLen === 5 && groups[5] === 0xffff) {
    return `::ffff:${bytes[12]}.${bytes[13]}.${bytes[14]}.${bytes[15]}`;
  }
  // Built by concatenation, not arrays and join: this runs for every IPv6 address of an MRT dump.
  let s = '';
  for (let i = 0; i < 8; i++) {
    if (i === bestStart) {
      s += '::';
      i += bestLen - 1;
      continue;
    }
    if (i > 0 && i !== bestStart + bestLen) s += ':';
    const hi = bytes[2 * i] ?? 0;
    const lo = bytes[2 * i + 1] ?? 0;
    s += hi === 0 ? HEX_BYTE[lo] : `${HEX_BYTE[hi]}${HEX_BYTE_PADDED[lo]}`;
  }
  return s;
}

/** Parses IPv6 text (with optional embedded dotted quad); null when malformed. */
export function parseIpv6(text: string): Uint8Array | null {
  if (text.length < 2 || text.length > 45) return null;
  let s = text.toLowerCase();
  let tailV4: number | null = null;
  const lastColon = s.lastIndexOf(':');
  if (s.indexOf('.', lastColon) >= 0) {
    tailV4 = parseIpv4(s.slice(lastColon + 1));
    if (tailV4 === null) return null;
    s = `${s.slice(0, lastColon + 1)}0:0`;
  }
  const halves = s.split('::');
  if (halves.length > 2) return null;
  const parse = (part: string): number[] | null => {
    if (part === '') return [];
    const out: number[] = [];
    for (const g of part.split(':')) {
      if (!/^[0-9a-f]{1,4}$/.test(g)) return null;
      out.push(parseInt(g, 16));
    }
    return out;
  };
  const head = parse(halves[0] as string);
  const tail = halves.length === 2 ? parse(halves[1] as string) : [];
  if (!head || !tail) return null;
  let groups: number[];
  if (halves.length === 2) {
    const fill = 8 - head.length - tail.length;
    if (fill < 1) return null;
    groups = [...head, ...new Array<number>(fill).fill(0), ...tail];
  } else {
    groups = head;
  }
  if (groups.length !== 8) return null;
  const out = new Uint8Array(16);
  groups.forEach((g, i) => {
    out[i * 2] = g >> 8;
    out[i * 2 + 1] = g & 0xff;
  });
  if (tailV4 !== null) {
    out[12] = tailV4 >>> 24;
    out[13] = (tailV4 >>> 16) & 0xff;
    out[14] = (tailV4 >>> 8) & 0xff;
    out[15] = tailV4 & 0xff;
  }
  return out;
}

/** Either family, text form. Used for next hops and peer addresses in attributes and MRT. */
export function formatIp(bytes: Uint8Array): string {
  if (bytes.length === 4) return formatIpv4(((bytes[0] as number) << 24 | (bytes[1] as number) << 16 | (bytes[2] as number) << 8 | (bytes[3] as number)) >>> 0);
  return formatIpv6(bytes);
}

/** Parses either family into its octets; null when malformed. */
export function parseIp(text: string): Uint8Array | null {
  const v4 = parseIpv4(text);
  if (v4 !== null) return ipv4ToBytes(v4);
  return parseIpv6(text);
}
