/**
 * Maximum-prefix per family (RFC 4486 §4 Cease subcode 1): the check against
 * the counts the speaker reports, and the Cease data the RFC prescribes.
 */
import { familyKey, type FamilyKey } from '../wire/context';
import { CeaseSubcode } from '../wire/errors';
import type { CeaseInfo } from './fsm-types';
import type { MaxPrefixConfig, MaxPrefixEvent } from './peer-types';

/** RFC 4486 §4: "AFI (2 octets), SAFI (1 octet), prefix upper bound (4 octets)". */
export function maxPrefixCease(afi: number, safi: number, limit: number): CeaseInfo {
  const data = Buffer.alloc(7);
  data.writeUInt16BE(afi, 0);
  data.writeUInt8(safi, 2);
  data.writeUInt32BE(Math.min(limit, 0xffffffff) >>> 0, 3);
  return { subcode: CeaseSubcode.MaximumPrefixesReached, data };
}

export type PrefixVerdict = 'ok' | 'threshold' | 'exceeded';

/** Where a count stands against the limit. */
export function checkPrefixCount(config: MaxPrefixConfig, count: number): PrefixVerdict {
  if (count > config.limit) return 'exceeded';
  if (count >= Math.ceil((config.limit * config.warningThreshold) / 100)) return 'threshold';
  return 'ok';
}

/** What a new count means for the session: nothing, an event to emit, or a teardown with this Cease. */
export interface PrefixOutcome {
  readonly event: MaxPrefixEvent | null;
  readonly teardown: CeaseInfo | null;
}

const NOTHING: PrefixOutcome = { event: null, teardown: null };

/**
 * The per-session bookkeeping of the counts the speaker reports: each warning
 * once per family and session, a teardown when over the limit.
 */
export class PrefixLimiter {
  private readonly counts = new Map<FamilyKey, number>();
  private readonly warned = new Set<string>();

  constructor(private readonly config: MaxPrefixConfig | undefined) {}

  get snapshot(): ReadonlyMap<FamilyKey, number> {
    return this.counts;
  }

  /** A new session starts from zero (the speaker reports again). */
  reset(): void {
    this.counts.clear();
    this.warned.clear();
  }

  report(afi: number, safi: number, count: number, established: boolean): PrefixOutcome {
    const key = familyKey(afi, safi);
    this.counts.set(key, count);
    const config = this.config;
    if (config === undefined || !established) return NOTHING;
    const verdict = checkPrefixCount(config, count);
    if (verdict === 'ok') return NOTHING;
    const base = { afi, safi, count, limit: config.limit };
    if (verdict === 'threshold' || config.warningOnly) {
      const warnKey = `${key}:${verdict}`;
      if (this.warned.has(warnKey)) return NOTHING;
      this.warned.add(warnKey);
      return { event: { ...base, kind: verdict, action: 'warning' }, teardown: null };
    }
    return { event: { ...base, kind: 'exceeded', action: 'teardown' }, teardown: maxPrefixCease(afi, safi, config.limit) };
  }
}
