/**
 * The `ip -batch` lines the kernel backend sends, and the batch that collects
 * them in two phases. Options such as `-6` cannot appear on a batch line, and
 * a device-only or blackhole nexthop object takes its family from that option
 * (an IPv6 route refuses an IPv4 one), so IPv6 nexthop objects and IPv6 rules
 * go through a second `ip -6 -batch`, run first; groups (family-less),
 * routes (family from the prefix), IPv4 objects and rules, and finally the
 * deletion of objects nothing uses any more go through the plain one.
 */
import type { FibChange } from '../../changes';
import { ENCAP_HEADROOM, ENCAP_SECTION } from './bpf-encap';

export type Family = 4 | 6;

export interface BatchLine {
  readonly text: string;
  /** The change that made this line necessary; null for re-sync and cleanup. */
  readonly origin: FibChange | null;
}

export class Batch {
  /** Sent with `ip -6 -batch`, before `main`. */
  readonly v6: BatchLine[] = [];
  readonly main: BatchLine[] = [];
  /** Appended to `main`: deletions decided once the whole batch is known. */
  readonly tail: BatchLine[] = [];

  add(family: Family | null, text: string, origin: FibChange | null): void {
    (family === 6 ? this.v6 : this.main).push({ text, origin });
  }

  get size(): number {
    return this.v6.length + this.main.length + this.tail.length;
  }
}

export type RouteTarget = { readonly type: 'nexthop'; readonly id: number } | { readonly type: 'throw' } | { readonly type: 'blackhole' };

/** `replace` creates or overwrites: re-sending a route is never an error (RFC-free idempotence the re-sync relies on). */
export function routeReplace(prefix: string, table: number, target: RouteTarget): string {
  switch (target.type) {
    case 'nexthop':
      return `route replace ${prefix} table ${table} nhid ${target.id}`;
    case 'throw':
      // Lookup goes on with the next rule: the main table, i.e. plain IP (DESIGN.md, journey 3 fallback).
      return `route replace throw ${prefix} table ${table}`;
    case 'blackhole':
      return `route replace blackhole ${prefix} table ${table}`;
    default: {
      const never: never = target;
      return never;
    }
  }
}

/** Without a type the kernel deletes whatever route the prefix has (unicast, throw or blackhole). */
export function routeDelete(prefix: string, table: number): string {
  return `route del ${prefix} table ${table}`;
}

export function nexthopSet(op: 'add' | 'replace', id: number, spec: string): string {
  return `nexthop ${op} id ${id} ${spec}`;
}

export function nexthopDelete(id: number): string {
  return `nexthop del id ${id}`;
}

export const BLACKHOLE_SPEC = 'blackhole';

export function deviceSpec(device: string): string {
  return `dev ${device}`;
}

export function bpfSpec(objectFile: string, device: string): string {
  return `encap bpf xmit obj ${objectFile} section ${ENCAP_SECTION} headroom ${ENCAP_HEADROOM} dev ${device}`;
}

export function groupSpec(memberIds: readonly number[]): string {
  return `group ${memberIds.join('/')}`;
}

export function ruleAdd(device: string, table: number, priority: number): string {
  return `rule add iif ${device} lookup ${table} pref ${priority}`;
}

export function ruleDelete(priority: number): string {
  return `rule del pref ${priority}`;
}
