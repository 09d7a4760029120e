/**
 * The route as a policy chain is changing it: starts as views of the interned
 * AttributeSet (no copies), and only an action that really changes a value
 * replaces the view with a new list. Later terms match against the changed
 * values (BIRD's filters read what earlier statements wrote). One instance per
 * chain is reused for every route, so evaluating allocates nothing until an
 * action changes something.
 */
import type { AttributeSet } from '../rib/attribute-set';
import { attributeCode, ATTRIBUTE_CODE } from '../wire/attributes/codec';
import type { PathAttribute } from '../wire/attributes/types';
import { formatAsPath, type AsPathSegment } from '../wire/values/as-path';
import type { ExtendedCommunity } from '../wire/values/ext-community';
import type { LargeCommunity } from '../wire/values/large-community';

export class WorkingRoute {
  private base: AttributeSet | null = null;
  asPath: readonly AsPathSegment[] = [];
  asPathChanged = false;
  private asPathTextCache: string | null = null;
  med: number | undefined = undefined;
  medChanged = false;
  localPref: number | undefined = undefined;
  localPrefChanged = false;
  communities: readonly number[] = [];
  communitiesChanged = false;
  largeCommunities: readonly LargeCommunity[] = [];
  largeCommunitiesChanged = false;
  extendedCommunities: readonly ExtendedCommunity[] = [];
  extendedCommunitiesChanged = false;
  /** The next hop after `set next-hop`; null = unchanged. */
  nextHop: string | null = null;

  reset(attrs: AttributeSet): void {
    this.base = attrs;
    this.asPath = attrs.asPath;
    this.asPathChanged = false;
    this.asPathTextCache = null;
    this.med = attrs.med;
    this.medChanged = false;
    this.localPref = attrs.localPref;
    this.localPrefChanged = false;
    this.communities = attrs.communities;
    this.communitiesChanged = false;
    this.largeCommunities = attrs.largeCommunities;
    this.largeCommunitiesChanged = false;
    this.extendedCommunities = attrs.extendedCommunities;
    this.extendedCommunitiesChanged = false;
    this.nextHop = null;
  }

  private get attrs(): AttributeSet {
    if (this.base === null) throw new Error('WorkingRoute used before reset');
    return this.base;
  }

  /** The text form regexes match; recomputed only after a prepend. */
  get asPathText(): string {
    if (!this.asPathChanged) return this.attrs.asPathText;
    return (this.asPathTextCache ??= formatAsPath(this.asPath));
  }

  /** The next hop as the route now has it. */
  get currentNextHop(): string {
    return this.nextHop ?? this.attrs.nextHop;
  }

  setAsPath(segments: readonly AsPathSegment[]): void {
    this.asPath = segments;
    this.asPathChanged = true;
    this.asPathTextCache = null;
  }

  get attributesChanged(): boolean {
    return this.asPathChanged || this.medChanged || this.localPrefChanged || this.communitiesChanged || this.largeCommunitiesChanged || this.extendedCommunitiesChanged;
  }

  get changed(): boolean {
    return this.nextHop !== null || this.attributesChanged;
  }

  /**
   * The attribute list with the changed attributes replaced in place (flags
   * kept, so a Partial bit survives, RFC 4271 §5), new ones inserted in type
   * code order, and emptied community lists dropped: a zero-length
   * COMMUNITIES, LARGE_COMMUNITY or EXTENDED COMMUNITIES attribute is
   * malformed (RFC 7606 §7.8, §7.14; RFC 8092 §5).
   */
  buildAttributes(): PathAttribute[] {
    const out: PathAttribute[] = [];
    const seen = new Set<PathAttribute['type']>();
    for (const a of this.attrs.attributes) {
      seen.add(a.type);
      const replaced = this.replacement(a);
      if (replaced !== null) out.push(replaced);
    }
    for (const added of this.additions(seen)) insertByCode(out, added);
    return out;
  }

  /** The attribute to emit in place of `a` (itself when unchanged), or null to drop it. */
  private replacement(a: PathAttribute): PathAttribute | null {
    switch (a.type) {
      case 'as-path':
        return this.asPathChanged ? { ...a, segments: this.asPath } : a;
      case 'med':
        return this.medChanged && this.med !== undefined ? { ...a, med: this.med } : a;
      case 'local-pref':
        return this.localPrefChanged && this.localPref !== undefined ? { ...a, localPref: this.localPref } : a;
      case 'communities':
        if (!this.communitiesChanged) return a;
        return this.communities.length ? { ...a, communities: this.communities } : null;
      case 'large-communities':
        if (!this.largeCommunitiesChanged) return a;
        return this.largeCommunities.length ? { ...a, communities: this.largeCommunities } : null;
      case 'extended-communities':
        if (!this.extendedCommunitiesChanged) return a;
        return this.extendedCommunities.length ? { ...a, communities: this.extendedCommunities } : null;
      default:
        return a;
    }
  }

  private additions(seen: ReadonlySet<PathAttribute['type']>): PathAttribute[] {
    const out: PathAttribute[] = [];
    if (this.asPathChanged && !seen.has('as-path')) out.push({ type: 'as-path', segments: this.asPath });
    if (this.medChanged && this.med !== undefined && !seen.has('med')) out.push({ type: 'med', med: this.med });
    if (this.localPrefChanged && this.localPref !== undefined && !seen.has('local-pref')) out.push({ type: 'local-pref', localPref: this.localPref });
    if (this.communitiesChanged && this.communities.length && !seen.has('communities')) out.push({ type: 'communities', communities: this.communities });
    if (this.largeCommunitiesChanged && this.largeCommunities.length && !seen.has('large-communities')) out.push({ type: 'large-communities', communities: this.largeCommunities });
    if (this.extendedCommunitiesChanged && this.extendedCommunities.length && !seen.has('extended-communities')) {
      out.push({ type: 'extended-communities', communities: this.extendedCommunities });
    }
    return out;
  }
}

/** Before the first attribute with a higher type code (RFC 4271 §5 suggests ascending order; the encoder keeps ours). */
function insertByCode(list: PathAttribute[], a: PathAttribute): void {
  const code = a.type === 'unknown' ? a.code : ATTRIBUTE_CODE[a.type];
  let i = 0;
  while (i < list.length && attributeCode(list[i] as PathAttribute) <= code) i++;
  list.splice(i, 0, a);
}
