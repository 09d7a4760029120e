/** AS_PATH segments (RFC 4271 §4.3, RFC 5065) and their text form. */

export type AsPathSegmentKind = 'set' | 'sequence' | 'confed-sequence' | 'confed-set';

export interface AsPathSegment {
  readonly kind: AsPathSegmentKind;
  readonly asns: readonly number[];
}

export const SEGMENT_TYPE_CODE: Record<AsPathSegmentKind, number> = { set: 1, sequence: 2, 'confed-sequence': 3, 'confed-set': 4 };
export const SEGMENT_KIND_BY_CODE: Readonly<Record<number, AsPathSegmentKind>> = { 1: 'set', 2: 'sequence', 3: 'confed-sequence', 4: 'confed-set' };

/**
 * `65002 65003 {65004,65005}`; confederation segments as FRR and BIRD print
 * them: `(65010 65011)` for a sequence, `[65012,65013]` for a set.
 */
export function formatAsPath(segments: readonly AsPathSegment[]): string {
  const parts: string[] = [];
  for (const s of segments) {
    switch (s.kind) {
      case 'sequence':
        if (s.asns.length) parts.push(s.asns.join(' '));
        break;
      case 'set':
        parts.push(`{${s.asns.join(',')}}`);
        break;
      case 'confed-sequence':
        parts.push(`(${s.asns.join(' ')})`);
        break;
      case 'confed-set':
        parts.push(`[${s.asns.join(',')}]`);
        break;
      default: {
        const never: never = s.kind;
        parts.push(String(never));
      }
    }
  }
  return parts.join(' ');
}

/** Parses the text form above; null when malformed. */
export function parseAsPath(text: string): AsPathSegment[] | null {
  const segments: AsPathSegment[] = [];
  const re = /\s*(?:(\{[^}]*\})|(\([^)]*\))|(\[[^\]]*\])|(\d+))/y;
  let seq: number[] = [];
  const flush = (): void => {
    if (seq.length) segments.push({ kind: 'sequence', asns: seq });
    seq = [];
  };
  const list = (s: string, sep: RegExp): number[] | null => {
    const items = s.slice(1, -1).split(sep).filter((x) => x.length);
    const out = items.map(Number);
    return out.every((n, i) => /^\d+$/.test(items[i] as string) && n <= 0xffffffff) ? out : null;
  };
  const trimmed = text.trim();
  re.lastIndex = 0;
  while (re.lastIndex < trimmed.length) {
    const m = re.exec(trimmed);
    if (!m) return null;
    if (m[4] !== undefined) {
      const n = Number(m[4]);
      if (n > 0xffffffff) return null;
      seq.push(n);
      continue;
    }
    flush();
    const [kind, body, sep] = m[1] ? (['set', m[1], /,\s*|\s+/] as const) : m[2] ? (['confed-sequence', m[2], /\s+/] as const) : (['confed-set', m[3] as string, /,\s*|\s+/] as const);
    const asns = list(body, sep);
    if (!asns) return null;
    segments.push({ kind, asns });
  }
  flush();
  return segments;
}

/** RFC 4271 §9.1.2.2(a): an AS_SET counts 1; RFC 5065 §5.3: confederation segments count 0. */
export function asPathLength(segments: readonly AsPathSegment[]): number {
  let n = 0;
  for (const s of segments) {
    if (s.kind === 'sequence') n += s.asns.length;
    else if (s.kind === 'set') n += 1;
  }
  return n;
}

/** True when `asn` appears in an AS_SEQUENCE or AS_SET (confederation segments are ours by definition, RFC 5065 §6). */
export function asPathContains(segments: readonly AsPathSegment[], asn: number): boolean {
  for (const s of segments) if ((s.kind === 'sequence' || s.kind === 'set') && s.asns.includes(asn)) return true;
  return false;
}
