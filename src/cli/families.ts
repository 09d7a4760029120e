/** Family names of the operator interface (INTERFACE.md) and their AFI/SAFI. */
import type { Family, FamilyName } from '../bgp/wire/nlri/types';
import { usageError } from './exit-codes';

export const FAMILIES: Readonly<Record<FamilyName, Family>> = {
  'ipv4-unicast': { afi: 1, safi: 1 },
  'ipv6-unicast': { afi: 2, safi: 1 },
  'vpnv4-unicast': { afi: 1, safi: 128 },
  'vpnv6-unicast': { afi: 2, safi: 128 },
  'ipv4-multicast': { afi: 1, safi: 2 },
  'ipv6-multicast': { afi: 2, safi: 2 },
  'ipv4-labeled-unicast': { afi: 1, safi: 4 },
  'ipv6-labeled-unicast': { afi: 2, safi: 4 },
};

export function isFamilyName(s: string): s is FamilyName {
  return Object.prototype.hasOwnProperty.call(FAMILIES, s);
}

export function parseFamilyList(text: string): Family[] {
  return text.split(',').map((raw) => {
    const name = raw.trim();
    if (!isFamilyName(name)) throw usageError(`unknown family '${name}' (expected one of ${Object.keys(FAMILIES).join(', ')})`);
    return FAMILIES[name];
  });
}
