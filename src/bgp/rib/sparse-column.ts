/**
 * A column of objects by destination id that is empty for most ids in the
 * common case: the routes an Adj-RIB-In keeps as objects when its table is
 * held as columns (a few refused or policy-changed ones among 500k). An
 * array would span up to the highest id, 8 bytes per id (4.6 MB for one
 * refused route near the end of a full table); a Map costs about 40 bytes
 * per entry. So entries live in a Map while they are few for the ids they
 * span, and move to an array once that array would be smaller.
 */
export class SparseColumn<T> {
  private map: Map<number, T> | null = new Map();
  private array: (T | undefined)[] = [];
  /** One past the highest id set since the last clear (array mode: the array's length). */
  private span = 0;

  /** Entries in the Map before an array is considered: small tables stay maps. */
  static readonly MIN_DENSE = 1024;

  /** One past the highest id that may hold an entry. */
  get length(): number {
    return this.span;
  }

  get(id: number): T | undefined {
    return this.map === null ? this.array[id] : this.map.get(id);
  }

  set(id: number, value: T): void {
    if (id >= this.span) this.span = id + 1;
    const map = this.map;
    if (map === null) {
      const a = this.array;
      while (a.length <= id) a.push(undefined);
      a[id] = value;
      return;
    }
    map.set(id, value);
    // An array of `span` slots (8 bytes each) is smaller than the Map (about 40 bytes an entry) past a fifth full.
    if (map.size >= SparseColumn.MIN_DENSE && map.size * 5 >= this.span) this.toArray(map);
  }

  delete(id: number): void {
    if (this.map === null) {
      if (id < this.array.length) this.array[id] = undefined;
    } else this.map.delete(id);
  }

  clear(): void {
    this.map = new Map();
    this.array = [];
    this.span = 0;
  }

  private toArray(map: Map<number, T>): void {
    const a: (T | undefined)[] = [];
    while (a.length < this.span) a.push(undefined);
    for (const [id, v] of map) a[id] = v;
    this.array = a;
    this.map = null;
  }
}
