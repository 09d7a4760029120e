/**
 * Graceful Restart (64, RFC 4724 §3 with the N bit of RFC 8538 §2) and
 * Long-Lived Graceful Restart (71, RFC 9494 §3.1).
 */
import type { Reader, Writer } from '../cursor';
import type { Capability, GracefulRestartFamily, LlgrFamily } from './types';
import { checkRange } from './malformed';

type Of<T extends Capability['type']> = Extract<Capability, { type: T }>;

/** RFC 4724 §3 Restart Flags (top 4 bits of the first word) and per-family flags. */
const RESTART_STATE = 0x8000;
const NOTIFICATION = 0x4000;
const RESTART_TIME_MASK = 0x0fff;
const FORWARDING_PRESERVED = 0x80;

/**
 * Restart Flags(4 bits) + Restart Time(12 bits), then 0..n tuples of
 * AFI(2) SAFI(1) Flags(1). Reserved bits are ignored on receipt (RFC 4724 §3).
 */
export function decodeGracefulRestart(r: Reader): Of<'graceful-restart'> {
  if (r.remaining < 2 || (r.remaining - 2) % 4 !== 0) r.fail(`length ${r.remaining} is not 2 + 4n`);
  const word = r.u16();
  const families: GracefulRestartFamily[] = [];
  while (!r.atEnd()) {
    const afi = r.u16();
    const safi = r.u8();
    const flags = r.u8();
    families.push({ afi, safi, forwardingPreserved: (flags & FORWARDING_PRESERVED) !== 0 });
  }
  return {
    type: 'graceful-restart',
    restarting: (word & RESTART_STATE) !== 0,
    notification: (word & NOTIFICATION) !== 0,
    restartTime: word & RESTART_TIME_MASK,
    families,
  };
}

export function encodeGracefulRestart(c: Of<'graceful-restart'>, w: Writer): void {
  const time = checkRange(c.restartTime, RESTART_TIME_MASK, 'graceful restart time');
  w.u16((c.restarting ? RESTART_STATE : 0) | (c.notification ? NOTIFICATION : 0) | time);
  for (const f of c.families) {
    w.u16(checkRange(f.afi, 0xffff, 'AFI')).u8(checkRange(f.safi, 0xff, 'SAFI')).u8(f.forwardingPreserved ? FORWARDING_PRESERVED : 0);
  }
}

/** RFC 9494 §3.1: tuples of AFI(2) SAFI(1) Flags(1, F = 0x80) Long-lived Stale Time(3, seconds). */
export function decodeLongLivedGracefulRestart(r: Reader): Of<'long-lived-graceful-restart'> {
  if (r.remaining % 7 !== 0) r.fail(`length ${r.remaining} is not a multiple of 7`);
  const families: LlgrFamily[] = [];
  while (!r.atEnd()) {
    const afi = r.u16();
    const safi = r.u8();
    const flags = r.u8();
    families.push({ afi, safi, forwardingPreserved: (flags & FORWARDING_PRESERVED) !== 0, staleTime: r.u24() });
  }
  return { type: 'long-lived-graceful-restart', families };
}

export function encodeLongLivedGracefulRestart(c: Of<'long-lived-graceful-restart'>, w: Writer): void {
  for (const f of c.families) {
    w.u16(checkRange(f.afi, 0xffff, 'AFI')).u8(checkRange(f.safi, 0xff, 'SAFI'));
    w.u8(f.forwardingPreserved ? FORWARDING_PRESERVED : 0).u24(checkRange(f.staleTime, 0xffffff, 'long-lived stale time'));
  }
}
