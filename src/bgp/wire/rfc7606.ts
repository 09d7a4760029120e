/**
 * RFC 7606 revised UPDATE error handling as data: for each attribute type we
 * know, its flag class and what to do when its flags, length or value are
 * wrong (RFC 7606 §7, RFC 6793 §6, RFC 8092 §6, RFC 9012 §13, RFC 7607,
 * PROTOCOLS §3.8), plus the message-level rules (§3(d), §3(g), §5.2).
 *
 * Choices where the RFCs leave room (documented because peers will notice):
 * - An unrecognised well-known attribute is treat-as-withdraw (BIRD's choice;
 *   RFC 4271 §6.3 would reset with 3/2, RFC 7606 is silent).
 * - NLRI that cannot be parsed reset the session; RFC 7606 §5.3 and §7.11
 *   allow AFI/SAFI disable for MP families instead, which we do not do.
 * - Attributes we do not interpret but whose RFC defines error handling
 *   (PMSI, AIGP, OTC, Prefix-SID, ...) are validated here and kept raw.
 */
import type { AttributeError, Rfc7606Action } from './errors';
import { strongerAction, UpdateSubcode } from './errors';
import { AttrFlag, AttrType } from './constants';

export type FlagClass = 'well-known' | 'optional-transitive' | 'optional-non-transitive';

export interface AttributeRule {
  readonly name: string;
  readonly flagClass: FlagClass;
  /** RFC 7606 §3(c): treat-as-withdraw unless the attribute's own spec says otherwise. */
  readonly onFlagError: Rfc7606Action;
  /** Length or value error. */
  readonly onMalformed: Rfc7606Action;
  /** RFC 7606 §4: a zero-length value is malformed except where the attribute allows it. */
  readonly zeroLengthOk?: boolean;
  /** Attributes an eBGP peer must not send; discarded on receipt (RFC 7606 §7.5, §7.9, §7.10). */
  readonly ebgpDiscard?: boolean;
}

const TAW: Rfc7606Action = 'treat-as-withdraw';
const DISCARD: Rfc7606Action = 'attribute-discard';
const RESET: Rfc7606Action = 'session-reset';

function rule(name: string, flagClass: FlagClass, onFlagError: Rfc7606Action, onMalformed: Rfc7606Action, extra: Partial<AttributeRule> = {}): AttributeRule {
  return { name, flagClass, onFlagError, onMalformed, ...extra };
}

/** Optional attribute codes we only validate (PROTOCOLS §3.1); their values stay raw. */
export const ValidatedAttrType = { PmsiTunnel: 22, Ipv6ExtCommunities: 25, Aigp: 26, BgpLs: 29, Otc: 35, NextHopCharacteristic: 39, PrefixSid: 40, AttrSet: 128 } as const;

export const ATTRIBUTE_RULES: ReadonlyMap<number, AttributeRule> = new Map<number, AttributeRule>([
  [AttrType.Origin, rule('ORIGIN', 'well-known', TAW, TAW)], // §7.1
  [AttrType.AsPath, rule('AS_PATH', 'well-known', TAW, TAW, { zeroLengthOk: true })], // §7.2
  [AttrType.NextHop, rule('NEXT_HOP', 'well-known', TAW, TAW)], // §7.3
  [AttrType.MultiExitDisc, rule('MULTI_EXIT_DISC', 'optional-non-transitive', TAW, TAW)], // §7.4
  [AttrType.LocalPref, rule('LOCAL_PREF', 'well-known', TAW, TAW, { ebgpDiscard: true })], // §7.5
  [AttrType.AtomicAggregate, rule('ATOMIC_AGGREGATE', 'well-known', TAW, DISCARD, { zeroLengthOk: true })], // §7.6
  [AttrType.Aggregator, rule('AGGREGATOR', 'optional-transitive', TAW, DISCARD)], // §7.7, RFC 7607
  [AttrType.Communities, rule('COMMUNITIES', 'optional-transitive', TAW, TAW)], // §7.8
  [AttrType.OriginatorId, rule('ORIGINATOR_ID', 'optional-non-transitive', TAW, TAW, { ebgpDiscard: true })], // §7.9
  [AttrType.ClusterList, rule('CLUSTER_LIST', 'optional-non-transitive', TAW, TAW, { ebgpDiscard: true })], // §7.10
  // §7.11 / §5.3: MP attributes that cannot be parsed leave no NLRI to withdraw.
  [AttrType.MpReachNlri, rule('MP_REACH_NLRI', 'optional-non-transitive', RESET, RESET)],
  [AttrType.MpUnreachNlri, rule('MP_UNREACH_NLRI', 'optional-non-transitive', RESET, RESET)],
  [AttrType.ExtendedCommunities, rule('EXTENDED_COMMUNITIES', 'optional-transitive', TAW, TAW)], // §7.14
  [AttrType.As4Path, rule('AS4_PATH', 'optional-transitive', TAW, DISCARD)], // RFC 6793 §6
  [AttrType.As4Aggregator, rule('AS4_AGGREGATOR', 'optional-transitive', TAW, DISCARD)], // RFC 6793 §6
  [ValidatedAttrType.PmsiTunnel, rule('PMSI_TUNNEL', 'optional-transitive', TAW, TAW)], // FRR behaviour; RFC 6514 silent
  [AttrType.TunnelEncapsulation, rule('TUNNEL_ENCAPSULATION', 'optional-transitive', TAW, TAW)], // RFC 9012 §13
  [ValidatedAttrType.Ipv6ExtCommunities, rule('IPV6_EXT_COMMUNITIES', 'optional-transitive', TAW, TAW)], // §7.15
  [ValidatedAttrType.Aigp, rule('AIGP', 'optional-non-transitive', DISCARD, DISCARD)], // RFC 7311 §4
  [ValidatedAttrType.BgpLs, rule('BGP_LS', 'optional-non-transitive', DISCARD, DISCARD)], // RFC 9552 §6.3.2
  [AttrType.LargeCommunity, rule('LARGE_COMMUNITY', 'optional-transitive', TAW, TAW)], // RFC 8092 §6
  [ValidatedAttrType.Otc, rule('OTC', 'optional-transitive', TAW, TAW)], // RFC 9234 §5
  [ValidatedAttrType.NextHopCharacteristic, rule('NHC', 'optional-transitive', DISCARD, DISCARD)], // FRR behaviour (draft)
  [ValidatedAttrType.PrefixSid, rule('PREFIX_SID', 'optional-transitive', DISCARD, DISCARD)], // RFC 8669 §6
  [ValidatedAttrType.AttrSet, rule('ATTR_SET', 'optional-transitive', TAW, TAW)], // §7.16
]);

/**
 * RFC 4271 §4.3 / RFC 7606 §3(c): Optional and Transitive must match the
 * attribute's class, and Partial must be clear unless optional transitive.
 * The Extended Length bit and the low nibble do not matter.
 */
export function flagsMatch(flagClass: FlagClass, flags: number): boolean {
  const otp = flags & (AttrFlag.Optional | AttrFlag.Transitive | AttrFlag.Partial);
  switch (flagClass) {
    case 'well-known':
      return otp === AttrFlag.Transitive;
    case 'optional-transitive':
      return (otp & ~AttrFlag.Partial) === (AttrFlag.Optional | AttrFlag.Transitive);
    case 'optional-non-transitive':
      return otp === AttrFlag.Optional;
    default: {
      const never: never = flagClass;
      return never;
    }
  }
}

/** The flags we send for an attribute of this class (PROTOCOLS §3.1). */
export function canonicalFlags(flagClass: FlagClass): number {
  switch (flagClass) {
    case 'well-known':
      return AttrFlag.Transitive;
    case 'optional-transitive':
      return AttrFlag.Optional | AttrFlag.Transitive;
    case 'optional-non-transitive':
      return AttrFlag.Optional;
    default: {
      const never: never = flagClass;
      return never;
    }
  }
}

export interface UpdateShape {
  /** Attribute type codes present in the UPDATE, malformed ones included. */
  readonly seenTypes: { has(code: number): boolean };
  readonly nlriFieldCount: number;
  readonly hasMpReach: boolean;
  readonly mpReachNlriCount: number;
  readonly hasMpUnreach: boolean;
  readonly attributeCount: number;
}

/**
 * RFC 7606 §3(d): a missing well-known mandatory attribute is treat-as-withdraw.
 * ORIGIN and AS_PATH whenever there is reachable NLRI (RFC 4760 §3 for MP_REACH);
 * NEXT_HOP only for routes in the NLRI field (RFC 4760 §3). LOCAL_PREF on iBGP
 * is not checked: RFC 7606 does not make its absence an error.
 */
export function missingMandatory(shape: UpdateShape): readonly AttributeError[] {
  // Called for every UPDATE received: nothing is allocated unless something is missing.
  if (shape.nlriFieldCount === 0 && !shape.hasMpReach) return NONE_MISSING;
  let out: AttributeError[] | null = null;
  const needed = shape.nlriFieldCount > 0 ? 3 : 2;
  for (let i = 0; i < needed; i++) {
    const [type, name] = MANDATORY[i] as readonly [number, string];
    if (!shape.seenTypes.has(type)) {
      (out ??= []).push({ attributeType: type, action: TAW, code: 3, subcode: UpdateSubcode.MissingWellKnownAttribute, reason: `missing well-known attribute ${name} (RFC 7606 §3(d))` });
    }
  }
  return out ?? NONE_MISSING;
}

const NONE_MISSING: readonly AttributeError[] = Object.freeze([]);

/** ORIGIN and AS_PATH for any reachable NLRI, then NEXT_HOP for the NLRI field's. */
const MANDATORY: readonly (readonly [number, string])[] = [
  [AttrType.Origin, 'ORIGIN'],
  [AttrType.AsPath, 'AS_PATH'],
  [AttrType.NextHop, 'NEXT_HOP'],
];

/**
 * RFC 7606 §5.2: an UPDATE with path attributes (other than MP_UNREACH_NLRI)
 * but no reachable NLRI has nothing to treat as withdrawn, so any error
 * stronger than attribute discard resets the session. Returns the error to
 * escalate, or null.
 */
export function escalationForMissingNlri(shape: UpdateShape, errors: readonly AttributeError[]): AttributeError | null {
  const reachable = shape.nlriFieldCount + shape.mpReachNlriCount;
  const otherAttributes = shape.attributeCount - (shape.hasMpUnreach ? 1 : 0);
  if (reachable > 0 || otherAttributes === 0) return null;
  let strongest: Rfc7606Action | null = null;
  for (const e of errors) strongest = strongerAction(strongest, e.action);
  if (strongest === null || strongest === DISCARD) return null;
  return errors.find((e) => e.action === strongest) ?? null;
}

/** The strongest action among the errors, null for none (RFC 7606 §3(h)). */
export function strongestAction(errors: readonly AttributeError[]): Rfc7606Action | null {
  let a: Rfc7606Action | null = null;
  for (const e of errors) a = strongerAction(a, e.action);
  return a;
}
