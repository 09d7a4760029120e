/** Family names of the operator interface (INTERFACE.md) as CLI arguments. */
import type { Family } from '../bgp/wire/nlri/types';
import { FAMILY_BY_NAME, isFamilyName } from '../bgp/wire/values/family';
import { usageError } from './exit-codes';

export { FAMILY_BY_NAME as FAMILIES, isFamilyName };

export function parseFamilyList(text: string): Family[] {
  return text.split(',').map((raw) => {
    const name = raw.trim();
    if (!isFamilyName(name)) throw usageError(`unknown family '${name}' (expected one of ${Object.keys(FAMILY_BY_NAME).join(', ')})`);
    return FAMILY_BY_NAME[name];
  });
}
