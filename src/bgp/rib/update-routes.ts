/**
 * What an UPDATE means for a RIB: the routes it announces and the route keys it
 * withdraws, with RFC 7606 applied (treat-as-withdraw turns every announced
 * NLRI into a withdrawal, §2).
 */
import type { UpdateMessage } from '../wire/messages/types';
import type { Nlri } from '../wire/nlri/types';
import { isRoutable, routeKey, type RoutableNlri } from './route';

export interface Announcement {
  readonly afi: number;
  readonly safi: number;
  readonly nlri: RoutableNlri;
  readonly key: string;
  /** NEXT_HOP for routes in the NLRI field (RFC 4271 §5.1.3), the MP_REACH next hop otherwise (RFC 4760 §3). */
  readonly nextHop: string;
}

export interface UpdateRoutes {
  readonly announced: Announcement[];
  readonly withdrawn: Announcement[];
  readonly treatAsWithdraw: boolean;
}

function collect(afi: number, safi: number, list: readonly Nlri[], nextHop: string, out: Announcement[]): void {
  for (const n of list) if (isRoutable(n)) out.push({ afi, safi, nlri: n, key: routeKey(afi, safi, n), nextHop });
}

export function updateRoutes(msg: UpdateMessage): UpdateRoutes {
  const announced: Announcement[] = [];
  const withdrawn: Announcement[] = [];
  let nextHop = '';
  collect(1, 1, msg.withdrawn, '', withdrawn);
  for (const a of msg.attributes) {
    if (a.type === 'next-hop') nextHop = a.nextHop;
    else if (a.type === 'mp-unreach') collect(a.afi, a.safi, a.nlri, '', withdrawn);
    else if (a.type === 'mp-reach') collect(a.afi, a.safi, a.nlri, a.nextHop.address, announced);
  }
  collect(1, 1, msg.nlri, nextHop, announced);
  const treatAsWithdraw = msg.errors.some((e) => e.action === 'treat-as-withdraw');
  if (treatAsWithdraw) return { announced: [], withdrawn: [...withdrawn, ...announced], treatAsWithdraw };
  // RFC 4271 §4.3: a prefix both withdrawn and announced in one UPDATE counts as announced.
  if (withdrawn.length === 0 || announced.length === 0) return { announced, withdrawn, treatAsWithdraw };
  const announcedKeys = new Set(announced.map((a) => a.key));
  return { announced, withdrawn: withdrawn.filter((w) => !announcedKeys.has(w.key)), treatAsWithdraw };
}
