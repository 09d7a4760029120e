/** MULTI_EXIT_DISC (type 4) and LOCAL_PREF (type 5), RFC 4271 §5.1.4-5.1.5: one uint32 each. */
import { UpdateSubcode } from '../errors';
import type { Writer } from '../cursor';
import type { LocalPrefAttr, MedAttr } from './types';
import { malformed } from './common';

function u32Value(value: Buffer, name: string): number {
  // RFC 7606 §7.4 (MED), §7.5 (LOCAL_PREF): length other than 4 is treat-as-withdraw.
  if (value.length !== 4) throw malformed(UpdateSubcode.AttributeLengthError, `${name} length ${value.length} != 4`);
  return value.readUInt32BE(0);
}

export function decodeMed(value: Buffer): MedAttr {
  return { type: 'med', med: u32Value(value, 'MULTI_EXIT_DISC') };
}

export function decodeLocalPref(value: Buffer): LocalPrefAttr {
  return { type: 'local-pref', localPref: u32Value(value, 'LOCAL_PREF') };
}

export function encodeMed(a: MedAttr, w: Writer): void {
  w.u32(a.med);
}

export function encodeLocalPref(a: LocalPrefAttr, w: Writer): void {
  w.u32(a.localPref);
}
