/**
 * A bounded memo keyed by raw attribute octets. RIB dumps and UPDATE streams
 * repeat the same attribute block many times (a RouteViews RIB of 500k
 * entries has about 80k distinct ones, half of them the same as the entry
 * before), so the bgpdump text of a block is computed once. The cache is
 * emptied when it outgrows its budget: simple, and bounded.
 */
export class AttributeTextCache<V> {
  private readonly map = new Map<string, V>();
  private bytes = 0;
  private lastBuf: Buffer | null = null;
  private lastValue: V | undefined;
  private lastTag = -1;

  /** `useMap` false keeps only the last block: for UPDATE streams, where blocks rarely repeat and keying costs more than it saves. */
  constructor(
    private readonly useMap = true,
    private readonly budget = 32 << 20,
  ) {}

  /** The value for `buf` (distinguished further by `tag`), computing it with `make` on a miss. */
  get(buf: Buffer, tag: number, make: () => V): V {
    if (this.lastBuf !== null && this.lastValue !== undefined && this.lastTag === tag && buf.equals(this.lastBuf)) return this.lastValue;
    if (!this.useMap) {
      const made = make();
      this.lastBuf = buf;
      this.lastTag = tag;
      this.lastValue = made;
      return made;
    }
    const key = String.fromCharCode(tag) + buf.toString('latin1');
    let v = this.map.get(key);
    if (v === undefined) {
      v = make();
      if (this.bytes + key.length > this.budget) {
        this.map.clear();
        this.bytes = 0;
      }
      this.map.set(key, v);
      this.bytes += key.length + 64;
    }
    this.lastBuf = buf;
    this.lastTag = tag;
    this.lastValue = v;
    return v;
  }
}
