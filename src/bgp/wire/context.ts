/**
 * What the codec must know about a session to read or write its messages:
 * everything the capability exchange negotiated. Pure data; the session layer builds it.
 */

/** `${afi}/${safi}` key, e.g. "1/128". */
export type FamilyKey = string;

export function familyKey(afi: number, safi: number): FamilyKey {
  return `${afi}/${safi}`;
}

export interface CodecContext {
  /** RFC 6793: both sides announced the 4-octet AS capability; AS_PATH and AGGREGATOR carry 4-octet ASNs. */
  readonly fourOctetAs: boolean;
  /** RFC 7911: families for which NLRI carry a path identifier (in the direction being decoded/encoded). */
  readonly addPath: ReadonlySet<FamilyKey>;
  /** RFC 8654: Extended Message was both sent and received; UPDATE/NOTIFICATION/ROUTE-REFRESH may reach 65535. */
  readonly extendedMessage: boolean;
  /**
   * The session is iBGP. Some RFC 7606 outcomes depend on it (LOCAL_PREF,
   * ORIGINATOR_ID and CLUSTER_LIST from an eBGP peer are discarded, §7.5, §7.9, §7.10).
   * Undefined when unknown (MRT, CLI decode): the iBGP rules are then used.
   */
  readonly ibgp?: boolean;
  /** RFC 8277 §2.3: Multiple Labels negotiated (max label count per family); absent = exactly one label. */
  readonly multipleLabels?: ReadonlyMap<FamilyKey, number>;
  /**
   * Decode only: an UPDATE's NLRI field (IPv4 unicast, no ADD-PATH) is
   * checked but kept as its octets (`UpdateMessage.ipv4Field`), its `nlri`
   * made on first read. A session's receive path sets this: the RIB reads
   * the prefixes from the octets, and an object per prefix was a sixth of
   * what a table load allocated.
   */
  readonly ipv4FieldOnly?: boolean;
}

export const DEFAULT_CONTEXT: CodecContext = {
  fourOctetAs: true,
  addPath: new Set(),
  extendedMessage: false,
};

export function withContext(patch: Partial<CodecContext>, base: CodecContext = DEFAULT_CONTEXT): CodecContext {
  return { ...base, ...patch };
}
