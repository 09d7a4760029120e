/**
 * The routing table of one VRF, per address family: prefix → the local route
 * (static, client, hub announcement) and every imported VPN path, with one
 * selected. A local route wins over imported ones (it is this node's own, as
 * a connected or static route beats BGP in any router's VRF); among imported
 * paths the BGP decision process chooses (RFC 4271 §9.1.2.2), which is how
 * several hubs per VPN give redundancy: the best hub's default wins.
 */
import { compareRoutes, DEFAULT_DECISION } from '../bgp/rib/decision';
import { formatPrefix, type Prefix } from '../bgp/wire/values/prefix';
import type { VrfEntry } from './types';

interface Slot {
  local: VrfEntry | null;
  /** Imported paths by the Loc-RIB destination they came from. */
  readonly imported: Map<string, VrfEntry>;
  best: VrfEntry;
}

/** Called when the selected entry of a prefix changes; `best` undefined: the prefix is gone. */
export type TableListener = (prefix: Prefix, best: VrfEntry | undefined) => void;

function better(a: VrfEntry, b: VrfEntry): boolean {
  if (a.route === null || b.route === null) return a.route === null && b.route !== null;
  return compareRoutes(a.route, b.route, DEFAULT_DECISION).order < 0;
}

export class VrfTable {
  private readonly v4 = new Map<string, Slot>();
  private readonly v6 = new Map<string, Slot>();

  constructor(private readonly changed: TableListener = () => undefined) {}

  private family(prefix: Prefix): Map<string, Slot> {
    return prefix.afi === 1 ? this.v4 : this.v6;
  }

  /** Prefixes per family. */
  get counts(): { readonly ipv4: number; readonly ipv6: number } {
    return { ipv4: this.v4.size, ipv6: this.v6.size };
  }

  get size(): number {
    return this.v4.size + this.v6.size;
  }

  best(prefix: Prefix): VrfEntry | undefined {
    return this.family(prefix).get(formatPrefix(prefix))?.best;
  }

  /** Every candidate of a prefix, the selected one first. */
  candidates(prefix: Prefix): VrfEntry[] {
    const slot = this.family(prefix).get(formatPrefix(prefix));
    return slot ? slotEntries(slot) : [];
  }

  /** Every prefix with its candidates (selected first), IPv4 then IPv6. */
  *all(afi?: 1 | 2): Generator<readonly VrfEntry[]> {
    if (afi !== 2) for (const s of this.v4.values()) yield slotEntries(s);
    if (afi !== 1) for (const s of this.v6.values()) yield slotEntries(s);
  }

  setLocal(entry: VrfEntry): void {
    const key = formatPrefix(entry.prefix);
    const slot = this.family(entry.prefix).get(key);
    if (!slot) {
      this.family(entry.prefix).set(key, { local: entry, imported: new Map(), best: entry });
      this.changed(entry.prefix, entry);
      return;
    }
    slot.local = entry;
    this.select(slot);
  }

  removeLocal(prefix: Prefix): void {
    const key = formatPrefix(prefix);
    const slot = this.family(prefix).get(key);
    if (!slot || !slot.local) return;
    slot.local = null;
    this.settle(key, slot);
  }

  setImported(source: string, entry: VrfEntry): void {
    const key = formatPrefix(entry.prefix);
    const slot = this.family(entry.prefix).get(key);
    if (!slot) {
      this.family(entry.prefix).set(key, { local: null, imported: new Map([[source, entry]]), best: entry });
      this.changed(entry.prefix, entry);
      return;
    }
    slot.imported.set(source, entry);
    this.select(slot);
  }

  removeImported(source: string, prefix: Prefix): void {
    const key = formatPrefix(prefix);
    const slot = this.family(prefix).get(key);
    if (!slot || !slot.imported.delete(source)) return;
    this.settle(key, slot);
  }

  /** Every entry goes (the VRF is being removed); listeners hear each prefix leave. */
  clear(): void {
    for (const m of [this.v4, this.v6]) {
      for (const slot of m.values()) this.changed(slot.best.prefix, undefined);
      m.clear();
    }
  }

  private settle(key: string, slot: Slot): void {
    if (slot.local === null && slot.imported.size === 0) {
      this.family(slot.best.prefix).delete(key);
      this.changed(slot.best.prefix, undefined);
      return;
    }
    this.select(slot);
  }

  private select(slot: Slot): void {
    let best: VrfEntry | null = slot.local;
    for (const e of slot.imported.values()) if (best === null || better(e, best)) best = e;
    if (best === null) return;
    const before = slot.best;
    slot.best = best;
    // An updated path replaces its entry object, so identity tells whether what the FIB sees changed.
    if (before !== best) this.changed(best.prefix, best);
  }
}

function slotEntries(slot: Slot): VrfEntry[] {
  const out = [slot.best];
  if (slot.local && slot.local !== slot.best) out.push(slot.local);
  for (const e of slot.imported.values()) if (e !== slot.best) out.push(e);
  return out;
}
