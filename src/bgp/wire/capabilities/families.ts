/**
 * Capabilities that are lists of address families: Multiprotocol (1,
 * RFC 4760 §8), Extended Next Hop (5, RFC 8950 §3) and ADD-PATH (69, RFC 7911 §4).
 */
import type { Reader, Writer } from '../cursor';
import type { AddPathMode, Capability } from './types';
import { checkRange } from './malformed';

type Of<T extends Capability['type']> = Extract<Capability, { type: T }>;

/** RFC 4760 §8: AFI(2) Reserved(1) SAFI(1). The reserved octet is ignored on receipt. */
export function decodeMultiprotocol(r: Reader): Of<'multiprotocol'> {
  if (r.remaining !== 4) r.fail(`length ${r.remaining}, expected 4`);
  const afi = r.u16();
  r.u8();
  const safi = r.u8();
  return { type: 'multiprotocol', afi, safi };
}

export function encodeMultiprotocol(c: Of<'multiprotocol'>, w: Writer): void {
  w.u16(checkRange(c.afi, 0xffff, 'AFI')).u8(0).u8(checkRange(c.safi, 0xff, 'SAFI'));
}

/** RFC 8950 §3: tuples of NLRI AFI(2), NLRI SAFI(2), Next Hop AFI(2). */
export function decodeExtendedNextHop(r: Reader): Of<'extended-next-hop'> {
  if (r.remaining % 6 !== 0) r.fail(`length ${r.remaining} is not a multiple of 6`);
  const families: { afi: number; safi: number; nextHopAfi: number }[] = [];
  while (!r.atEnd()) families.push({ afi: r.u16(), safi: r.u16(), nextHopAfi: r.u16() });
  return { type: 'extended-next-hop', families };
}

export function encodeExtendedNextHop(c: Of<'extended-next-hop'>, w: Writer): void {
  for (const f of c.families) {
    w.u16(checkRange(f.afi, 0xffff, 'AFI')).u16(checkRange(f.safi, 0xffff, 'SAFI')).u16(checkRange(f.nextHopAfi, 0xffff, 'next hop AFI'));
  }
}

const ADD_PATH_MODES: Readonly<Record<number, AddPathMode>> = { 1: 'receive', 2: 'send', 3: 'both' };
const ADD_PATH_CODES: Readonly<Record<AddPathMode, number>> = { receive: 1, send: 2, both: 3 };

/**
 * RFC 7911 §4: tuples of AFI(2), SAFI(1), Send/Receive(1). A Send/Receive
 * value other than 1..3 "SHOULD be treated as not understood and ignored":
 * that tuple is dropped and the other families keep their ADD-PATH mode.
 */
export function decodeAddPath(r: Reader): Of<'add-path'> {
  if (r.remaining % 4 !== 0) r.fail(`length ${r.remaining} is not a multiple of 4`);
  const families: { afi: number; safi: number; mode: AddPathMode }[] = [];
  while (!r.atEnd()) {
    const afi = r.u16();
    const safi = r.u8();
    const mode = ADD_PATH_MODES[r.u8()];
    if (mode !== undefined) families.push({ afi, safi, mode });
  }
  return { type: 'add-path', families };
}

export function encodeAddPath(c: Of<'add-path'>, w: Writer): void {
  for (const f of c.families) {
    w.u16(checkRange(f.afi, 0xffff, 'AFI')).u8(checkRange(f.safi, 0xff, 'SAFI')).u8(ADD_PATH_CODES[f.mode]);
  }
}
