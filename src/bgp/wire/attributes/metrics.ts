/** MULTI_EXIT_DISC (type 4) and LOCAL_PREF (type 5), RFC 4271 §5.1.4-5.1.5: one uint32 each. */
import { UpdateSubcode } from '../errors';
import type { Writer } from '../cursor';
import type { LocalPrefAttr, MedAttr } from './types';
import { malformed } from './common';

/** The value is the `len` octets at `buf[p]`. */
function u32Value(buf: Buffer, p: number, len: number, name: string): number {
  // RFC 7606 §7.4 (MED), §7.5 (LOCAL_PREF): length other than 4 is treat-as-withdraw.
  if (len !== 4) throw malformed(UpdateSubcode.AttributeLengthError, `${name} length ${len} != 4`);
  return buf.readUInt32BE(p);
}

export function decodeMed(buf: Buffer, p: number, len: number): MedAttr {
  return { type: 'med', med: u32Value(buf, p, len, 'MULTI_EXIT_DISC') };
}

export function decodeLocalPref(buf: Buffer, p: number, len: number): LocalPrefAttr {
  return { type: 'local-pref', localPref: u32Value(buf, p, len, 'LOCAL_PREF') };
}

export function encodeMed(a: MedAttr, w: Writer): void {
  w.u32(a.med);
}

export function encodeLocalPref(a: LocalPrefAttr, w: Writer): void {
  w.u32(a.localPref);
}
