/**
 * One VRF at run time: its definition, its table, its own (local) routes and
 * the VPN routes they were exported as, its label and, for a hub, its rule
 * table. The manager (manager.ts) moves routes in and out; this object only
 * holds them.
 */
import type { Prefix } from '../bgp/wire/values/prefix';
import { formatPrefix } from '../bgp/wire/values/prefix';
import { routeTargetKey } from './route-targets';
import type { LocalRoute, VrfDefinition } from './types';
import { VrfTable, type TableListener } from './vrf-table';

/** A local route as exported: the speaker's key for its VPN route and the label it carries. */
export interface ExportedRoute {
  readonly key: string;
  readonly label: number;
}

export class Vrf {
  readonly table: VrfTable;
  /** Static, client and hub routes by prefix text. */
  readonly locals = new Map<string, LocalRoute>();
  readonly exported = new Map<string, ExportedRoute>();
  /** The VRF's label in per-vrf mode, while it exports; null otherwise. */
  label: number | null = null;
  /** Client sessions bound to the VRF (its pair's sessions; issue 6). */
  readonly sessions = new Set<string>();
  readonly importTargets: ReadonlySet<string>;

  constructor(readonly def: VrfDefinition, changed: TableListener) {
    this.table = new VrfTable(changed);
    this.importTargets = new Set(def.import.map(routeTargetKey));
  }

  get name(): string {
    return this.def.name;
  }

  /** RFC 4364 §4.3.1: a VRF with no export target exports nothing (no PE would import it). */
  get exports(): boolean {
    return this.def.export.length > 0;
  }

  importsAny(targets: readonly string[]): boolean {
    for (const t of targets) if (this.importTargets.has(t)) return true;
    return false;
  }

  local(prefix: Prefix): LocalRoute | undefined {
    return this.locals.get(formatPrefix(prefix));
  }
}
