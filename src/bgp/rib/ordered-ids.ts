/**
 * A set of destination ids kept in insertion order, as a Map's keys are
 * (re-adding a member keeps its place; deleting and adding again moves it to
 * the end): a doubly linked list through two arrays indexed by id.
 */
export class OrderedIds {
  /** next[id] + 2: 0 means "not a member", 1 means "last". */
  private next = new Int32Array(0);
  private prev = new Int32Array(0);
  private head = -1;
  private tail = -1;
  private count = 0;

  get size(): number {
    return this.count;
  }

  has(id: number): boolean {
    return id < this.next.length && (this.next[id] ?? 0) !== 0;
  }

  add(id: number): void {
    if (id >= this.next.length) this.grow(id + 1);
    if ((this.next[id] ?? 0) !== 0) return;
    this.next[id] = 1;
    this.prev[id] = this.tail;
    if (this.tail >= 0) this.next[this.tail] = id + 2;
    else this.head = id;
    this.tail = id;
    this.count++;
  }

  delete(id: number): boolean {
    if (!this.has(id)) return false;
    const n = (this.next[id] ?? 0) - 2;
    const p = this.prev[id] ?? -1;
    if (p >= 0) this.next[p] = n + 2;
    else this.head = n;
    if (n >= 0) this.prev[n] = p;
    else this.tail = p;
    this.next[id] = 0;
    this.count--;
    return true;
  }

  /** The first member, or -1. */
  first(): number {
    return this.head;
  }

  clear(): void {
    this.next = new Int32Array(0);
    this.prev = new Int32Array(0);
    this.head = -1;
    this.tail = -1;
    this.count = 0;
  }

  /** Members in order, as a Map iterates: deleting the member just yielded, or adding at the end, is allowed. */
  *[Symbol.iterator](): IterableIterator<number> {
    let id = this.head;
    while (id >= 0) {
      const after = (this.next[id] ?? 0) - 2;
      yield id;
      id = this.has(id) ? (this.next[id] ?? 0) - 2 : after;
    }
  }

  private grow(min: number): void {
    let n = Math.max(1024, this.next.length * 2);
    while (n < min) n *= 2;
    const next = new Int32Array(n);
    next.set(this.next);
    this.next = next;
    const prev = new Int32Array(n);
    prev.set(this.prev);
    this.prev = prev;
  }
}
