/**
 * The BGP decision process (RFC 4271 §9.1.2.2 with RFC 4456 §9 tie-breaks):
 * compares two routes for the same destination and says which wins and why,
 * so `hdvpn show rib PREFIX` can explain the choice.
 */
import { parseIp, parseIpv4 } from '../wire/values/ip';
import type { Route } from './route';

export interface DecisionOptions {
  /** Compare MED between routes from different neighbor ASes too (Cisco's always-compare-med). */
  readonly alwaysCompareMed: boolean;
  /** RFC 4271 §5.1.5: the degree of preference of a route without LOCAL_PREF (eBGP-learned). */
  readonly defaultLocalPref: number;
}

export const DEFAULT_DECISION: DecisionOptions = { alwaysCompareMed: false, defaultLocalPref: 100 };

export interface Comparison {
  /** Negative: `a` is better; positive: `b` is better; 0 only for the same route. */
  readonly order: number;
  readonly reason: string;
}

function addressKey(address: string): string {
  const b = parseIp(address);
  return b ? Buffer.from(b).toString('hex').padStart(32, '0') : address;
}

/** BGP Identifiers compare as unsigned 32-bit numbers (RFC 6286 §2.2). */
function idNumber(text: string): number {
  return parseIpv4(text) ?? 0;
}

type Step = (a: Route, b: Route, o: DecisionOptions) => Comparison | null;

const diff = (x: number, y: number, reason: string): Comparison | null => (x === y ? null : { order: x - y, reason });

const STEPS: readonly Step[] = [
  // Ineligible routes (unresolvable next hop) are filtered before comparison; stale GR routes lose to fresh ones.
  (a, b) => diff(a.stale ? 1 : 0, b.stale ? 1 : 0, 'not stale (graceful restart)'),
  (a, b, o) => diff(-(a.attrs.localPref ?? o.defaultLocalPref), -(b.attrs.localPref ?? o.defaultLocalPref), 'higher local preference'),
  (a, b) => diff(a.source.address === 'local' ? 0 : 1, b.source.address === 'local' ? 0 : 1, 'locally originated'),
  (a, b) => diff(a.attrs.asPathLength, b.attrs.asPathLength, 'shorter AS path'),
  (a, b) => diff(a.attrs.origin, b.attrs.origin, 'lower origin'),
  (a, b, o) => {
    // RFC 4271 §9.1.2.2(c): MED only among routes from the same neighbor AS (the first AS of the path; none for
    // locally originated or iBGP-internal routes); a missing MED counts as 0.
    if (!o.alwaysCompareMed && a.attrs.neighborAs !== b.attrs.neighborAs) return null;
    return diff(a.attrs.med ?? 0, b.attrs.med ?? 0, 'lower MED');
  },
  (a, b) => diff(a.source.ibgp ? 1 : 0, b.source.ibgp ? 1 : 0, 'eBGP over iBGP'),
  // RFC 4456 §9: ORIGINATOR_ID stands in for the BGP Identifier of a reflected route.
  (a, b) => diff(idNumber(a.attrs.originatorId ?? a.source.bgpId), idNumber(b.attrs.originatorId ?? b.source.bgpId), 'lower router id'),
  (a, b) => diff(a.attrs.clusterList.length, b.attrs.clusterList.length, 'shorter cluster list'),
  (a, b) => {
    const x = addressKey(a.source.address);
    const y = addressKey(b.source.address);
    return x === y ? null : { order: x < y ? -1 : 1, reason: 'lower neighbor address' };
  },
];

export function compareRoutes(a: Route, b: Route, o: DecisionOptions = DEFAULT_DECISION): Comparison {
  for (const step of STEPS) {
    const c = step(a, b, o);
    if (c) return c;
  }
  return { order: 0, reason: 'same route' };
}

export interface BestPath {
  readonly best: Route;
  /** Why the best beat each other candidate, in candidate order (empty with one candidate). */
  readonly reasons: readonly { readonly loser: Route; readonly reason: string }[];
}

export function selectBest(candidates: readonly Route[], o: DecisionOptions = DEFAULT_DECISION): BestPath | null {
  let best: Route | undefined;
  for (const r of candidates) if (!best || compareRoutes(r, best, o).order < 0) best = r;
  if (!best) return null;
  const winner = best;
  return { best: winner, reasons: candidates.filter((r) => r !== winner).map((loser) => ({ loser, reason: compareRoutes(winner, loser, o).reason })) };
}
