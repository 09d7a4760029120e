/** Small parsers shared by the peer modules. */
import type { Capability, Family, Route } from '../types';

/** "65001:1" as a u32 community value, and back. */
export function communityFromU32(v: number): string {
  return `${Math.floor(v / 65536)}:${v % 65536}`;
}

export function routeTemplate(family: Family, prefix: string): Route {
  return { family, prefix, labels: [], nextHop: '', asPath: [], communities: [], largeCommunities: [], routeTargets: [] };
}

/** AFI/SAFI pair to a capability name. */
export function mpCapability(afi: number, safi: number): Capability {
  if (afi === 1 && safi === 1) return 'mp-ipv4-unicast';
  if (afi === 1 && safi === 128) return 'mp-vpnv4';
  return 'mp-other';
}

export function asNumbers(s: string): number[] {
  // Drops AS_SET braces and confederation parentheses; tests compare plain sequences.
  return s
    .replace(/[{}()[\]]/g, ' ')
    .split(/[\s,]+/)
    .filter((x) => /^\d+$/.test(x))
    .map(Number);
}

export function parseJson<T>(text: string, what: string): T {
  try {
    return JSON.parse(text) as T;
  } catch {
    throw new Error(`${what}: not JSON: ${text.slice(0, 500)}`);
  }
}

export function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Typed accessors for parsed JSON, so no `any` leaks into the peers. */
export function num(v: unknown): number | undefined {
  return typeof v === 'number' ? v : typeof v === 'string' && /^\d+$/.test(v) ? Number(v) : undefined;
}

export function str(v: unknown): string | undefined {
  return typeof v === 'string' ? v : undefined;
}

export function arr(v: unknown): unknown[] {
  return Array.isArray(v) ? v : [];
}

export function rec(v: unknown): Record<string, unknown> {
  return isRecord(v) ? v : {};
}

export function sortRoutes(rs: Route[]): Route[] {
  return rs.sort((a, b) => `${a.rd ?? ''} ${a.prefix}`.localeCompare(`${b.rd ?? ''} ${b.prefix}`));
}
