/**
 * The hashing the RIB's open-addressing tables share (destination ids, the
 * attribute interner): FNV-1a steps to fold values in, MurmurHash3's
 * finalizer to spread them, since linear probing indexes by the low bits,
 * which FNV alone leaves poorly spread.
 */

/** FNV-1a's starting value. */
export const HASH_SEED = 0x811c9dc5 | 0;

/** One FNV-1a step over a 32-bit value. */
export function mix(h: number, v: number): number {
  return Math.imul(h ^ v, 0x01000193);
}

/** FNV-1a over a string's UTF-16 code units (the keys here are one byte a character), continuing from `h`. */
export function hashString(s: string, h: number): number {
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 0x01000193);
  return h;
}

/** MurmurHash3's 32-bit finalizer. */
export function fmix32(h: number): number {
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  return (h ^ (h >>> 16)) | 0;
}

/** `fmix32` cut to 30 bits, so the value stays a small integer in an object field on every V8 build (no boxed number). */
export function finishHash(h: number): number {
  return fmix32(h) & 0x3fffffff;
}
