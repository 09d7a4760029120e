/**
 * The Internet checksum (RFC 1071) and its incremental update (RFC 1624).
 * Sums are plain JavaScript numbers: 32-bit words are added without folding
 * (exact below 2^53, i.e. for any packet) and folded once at the end, which
 * RFC 1071 §2(B) allows because the one's complement sum is independent of
 * byte order and word size as long as the carries are folded back in.
 */

/** Folds end-around carries until the sum fits in 16 bits (RFC 1071 §2(A)). */
export function foldChecksum(sum: number): number {
  let s = sum;
  // Arithmetic while the sum is beyond 31 bits, bit operations after.
  while (s > 0x7fffffff) s = (s % 0x10000) + Math.floor(s / 0x10000);
  while (s > 0xffff) s = (s & 0xffff) + (s >>> 16);
  return s;
}

/**
 * One DataView per underlying ArrayBuffer, kept while consecutive calls use
 * the same one (a forwarder reuses its packet buffers): over a payload,
 * DataView reads are several times faster than Buffer.readUInt32BE or
 * indexed access, with no allocation. Headers are shorter than the point
 * where the view pays for its setup, so they take the indexed loop.
 */
let viewBuffer: ArrayBufferLike | null = null;
let view: DataView<ArrayBufferLike> = new DataView(new ArrayBuffer(0));
const SHORT = 64;

function viewOf(buf: Buffer): DataView<ArrayBufferLike> {
  if (buf.buffer !== viewBuffer) {
    viewBuffer = buf.buffer;
    view = new DataView(buf.buffer);
  }
  return view;
}

/**
 * The one's complement sum of the 16-bit big-endian words of
 * buf[offset, offset+length), folded, not inverted. An odd last byte is
 * padded with a zero octet (RFC 1071 §4.1). `initial` chains a previous
 * partial sum (a pseudo-header, another buffer). The range is clamped to
 * the buffer.
 */
export function onesComplementSum(buf: Buffer, offset: number, length: number, initial = 0): number {
  const start = Math.max(0, offset);
  const end = Math.min(offset + length, buf.length);
  let sum = initial;
  let i = start;
  if (end - start <= SHORT) {
    for (; i + 1 < end; i += 2) sum += ((buf[i] ?? 0) << 8) | (buf[i + 1] ?? 0);
    if (i < end) sum += (buf[i] ?? 0) << 8;
    return foldChecksum(sum);
  }
  const dv = viewOf(buf);
  const base = buf.byteOffset;
  const end4 = end - 3;
  for (; i < end4; i += 4) sum += dv.getUint32(base + i);
  if (i + 1 < end) {
    sum += dv.getUint16(base + i);
    i += 2;
  }
  if (i < end) sum += dv.getUint8(base + i) << 8;
  return foldChecksum(sum);
}

/** The value to store in a checksum field: the complement of the sum. */
export function internetChecksum(buf: Buffer, offset: number, length: number, initial = 0): number {
  return ~onesComplementSum(buf, offset, length, initial) & 0xffff;
}

/** True when a region that includes its checksum field sums to all ones (RFC 1071 §1). */
export function checksumIsValid(buf: Buffer, offset: number, length: number, initial = 0): boolean {
  return onesComplementSum(buf, offset, length, initial) === 0xffff;
}

/**
 * The checksum after one 16-bit word changes from oldWord to newWord.
 * RFC 1624 §3 equation 3, HC' = ~(~HC + ~m + m'), rather than RFC 1141's
 * form, which yields 0xFFFF where the full computation gives 0x0000.
 */
export function updateChecksum16(checksum: number, oldWord: number, newWord: number): number {
  return ~foldChecksum((~checksum & 0xffff) + (~oldWord & 0xffff) + (newWord & 0xffff)) & 0xffff;
}
