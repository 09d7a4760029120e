/** RFC 1997 communities: one uint32, text `ASN:value`, well-known names per RFC 1997 / IANA. */

export const WellKnownCommunity = {
  GracefulShutdown: 0xffff0000,
  AcceptOwn: 0xffff0001,
  LlgrStale: 0xffff0006,
  NoLlgr: 0xffff0007,
  Blackhole: 0xffff029a,
  NoExport: 0xffffff01,
  NoAdvertise: 0xffffff02,
  NoExportSubconfed: 0xffffff03,
  NoPeer: 0xffffff04,
} as const;

const NAMES: ReadonlyMap<number, string> = new Map([
  [WellKnownCommunity.GracefulShutdown, 'graceful-shutdown'],
  [WellKnownCommunity.AcceptOwn, 'accept-own'],
  [WellKnownCommunity.LlgrStale, 'llgr-stale'],
  [WellKnownCommunity.NoLlgr, 'no-llgr'],
  [WellKnownCommunity.Blackhole, 'blackhole'],
  [WellKnownCommunity.NoExport, 'no-export'],
  [WellKnownCommunity.NoAdvertise, 'no-advertise'],
  [WellKnownCommunity.NoExportSubconfed, 'no-export-subconfed'],
  [WellKnownCommunity.NoPeer, 'no-peer'],
]);
const BY_NAME: ReadonlyMap<string, number> = new Map([...NAMES].map(([v, n]) => [n, v]));

/** `65000:100` always (what operators script against); see communityName for the well-known name. */
export function formatCommunity(value: number): string {
  return `${value >>> 16}:${value & 0xffff}`;
}

export function communityName(value: number): string | undefined {
  return NAMES.get(value >>> 0);
}

/** Accepts `A:B` (each 0..65535), a well-known name, or a plain uint32. */
export function parseCommunity(text: string): number | null {
  const named = BY_NAME.get(text.toLowerCase().replace(/_/g, '-'));
  if (named !== undefined) return named;
  const m = /^(\d{1,5}):(\d{1,5})$/.exec(text);
  if (m) {
    const hi = Number(m[1]);
    const lo = Number(m[2]);
    return hi <= 0xffff && lo <= 0xffff ? (hi * 65536 + lo) >>> 0 : null;
  }
  if (/^\d{1,10}$/.test(text) && Number(text) <= 0xffffffff) return Number(text);
  return null;
}
