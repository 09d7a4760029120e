/**
 * A count per address family (afi × 65536 + safi), bumped once per route
 * stored or sent: a Map's get and set per route were a full table's worth
 * of hash lookups in every Adj-RIB-In, the Loc-RIB and every Adj-RIB-Out.
 * A table has a handful of families, and bumps come in runs of one family,
 * so the last one is checked first and the rest found by a short scan.
 */
export class FamilyCounts {
  private readonly families: number[] = [];
  private readonly counts: number[] = [];
  private last = 0;

  /** Adds `d` (negative to take away) to the family's count. */
  add(family: number, d: number): void {
    let i = this.last;
    if (this.families[i] !== family) {
      i = this.families.indexOf(family);
      if (i < 0) {
        i = this.families.push(family) - 1;
        this.counts.push(0);
      }
      this.last = i;
    }
    this.counts[i] = (this.counts[i] ?? 0) + d;
  }

  get(family: number): number {
    const i = this.families.indexOf(family);
    return i < 0 ? 0 : (this.counts[i] ?? 0);
  }

  /** Families seen (in the order first counted) with their counts, zero counts included. */
  *entries(): IterableIterator<[number, number]> {
    for (let i = 0; i < this.families.length; i++) yield [this.families[i] ?? 0, this.counts[i] ?? 0];
  }

  clear(): void {
    this.families.length = 0;
    this.counts.length = 0;
    this.last = 0;
  }
}
