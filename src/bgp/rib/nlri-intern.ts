/**
 * Shares the parts of VPN and labeled routes that repeat across a table: a
 * PE's routes carry one of a few RDs and, with per-VRF labels, one of a few
 * labels (RFC 4364 §4.1, RFC 8277). The decoder makes a fresh RD object and
 * label list per route; stored routes point at one shared copy instead.
 * Bounded, so per-prefix labels (all distinct) cannot grow it without limit.
 */
import type { RouteDistinguisher } from '../wire/values/rd';
import type { RoutableNlri } from './route';

const LIMIT = 1 << 16;

export class NlriInterner {
  private readonly rds = new Map<number, RouteDistinguisher>();
  private readonly labels = new Map<number, readonly number[]>();

  compact(n: RoutableNlri): RoutableNlri {
    if (n.kind === 'unicast') return n;
    const labels = n.labels.length === 1 ? this.label(n.labels) : n.labels;
    if (n.kind === 'labeled') return labels === n.labels ? n : { ...n, labels };
    const rd = this.rd(n.rd);
    return labels === n.labels && rd === n.rd ? n : { ...n, rd, labels };
  }

  private rd(rd: RouteDistinguisher): RouteDistinguisher {
    // Type (16 bits) and value (48 bits) fit a double exactly as type × 2^48 + value.
    const value = rd.type === 0 ? rd.admin * 2 ** 32 + rd.assigned : rd.admin * 2 ** 16 + rd.assigned;
    const key = rd.type * 2 ** 48 + value;
    const hit = this.rds.get(key);
    if (hit) return hit;
    if (this.rds.size < LIMIT) this.rds.set(key, rd);
    return rd;
  }

  private label(list: readonly number[]): readonly number[] {
    const v = list[0] ?? 0;
    const hit = this.labels.get(v);
    if (hit) return hit;
    if (this.labels.size < LIMIT) this.labels.set(v, list);
    return list;
  }
}
