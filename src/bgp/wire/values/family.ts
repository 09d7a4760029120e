/** Address family names of the operator interface (INTERFACE.md) and their AFI/SAFI (RFC 4760). */
import type { Family, FamilyName } from '../nlri/types';

export const FAMILY_BY_NAME: Readonly<Record<FamilyName, Family>> = {
  'ipv4-unicast': { afi: 1, safi: 1 },
  'ipv6-unicast': { afi: 2, safi: 1 },
  'vpnv4-unicast': { afi: 1, safi: 128 },
  'vpnv6-unicast': { afi: 2, safi: 128 },
  'ipv4-multicast': { afi: 1, safi: 2 },
  'ipv6-multicast': { afi: 2, safi: 2 },
  'ipv4-labeled-unicast': { afi: 1, safi: 4 },
  'ipv6-labeled-unicast': { afi: 2, safi: 4 },
};

const NAME_BY_KEY: ReadonlyMap<string, FamilyName> = new Map(
  (Object.entries(FAMILY_BY_NAME) as [FamilyName, Family][]).map(([name, f]) => [`${f.afi}/${f.safi}`, name]),
);

export function isFamilyName(s: string): s is FamilyName {
  return Object.prototype.hasOwnProperty.call(FAMILY_BY_NAME, s);
}

/** `ipv4-unicast` for 1/1; `afi-2-safi-70` style for families without a name. */
export function familyName(afi: number, safi: number): string {
  return NAME_BY_KEY.get(`${afi}/${safi}`) ?? `afi-${afi}-safi-${safi}`;
}
