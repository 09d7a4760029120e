/**
 * MPLS labels for VPN routes (RFC 4364 §4.3.2: the PE that advertises a VPN
 * route assigns it a label). RFC 3032 §2.1 reserves 0 to 15, so the pool is
 * 16 to 1048575. A label is never handed out twice while in use; a released
 * label is reused only after the rest of the pool has been cycled through, so
 * traffic still in flight toward a just-withdrawn route does not land in the
 * table that gets its label next (the reason routers hold labels down).
 */

export const MIN_LABEL = 16;
export const MAX_LABEL = 1048575;

/** Every label in use, as errors a caller can name. */
export class LabelPoolExhausted extends Error {
  constructor() {
    super(`no free MPLS label left (${MIN_LABEL} to ${MAX_LABEL} are all in use)`);
    this.name = 'LabelPoolExhausted';
  }
}

export class LabelPool {
  /** One bit per label 0..MAX_LABEL; set: in use or reserved. */
  private readonly used = new Uint32Array((MAX_LABEL + 32) >>> 5);
  private next: number;
  private count = 0;

  constructor(private readonly min = MIN_LABEL, private readonly max = MAX_LABEL) {
    if (min < MIN_LABEL || max > MAX_LABEL || min > max) throw new RangeError(`label range ${min} to ${max} is outside ${MIN_LABEL} to ${MAX_LABEL}`);
    this.next = min;
  }

  /** Labels handed out or reserved. */
  get inUse(): number {
    return this.count;
  }

  isUsed(label: number): boolean {
    return ((this.used[label >>> 5] ?? 0) & (1 << (label & 31))) !== 0;
  }

  /** The next free label after the last one handed out (wrapping). */
  allocate(): number {
    const size = this.max - this.min + 1;
    for (let i = 0; i < size; i++) {
      const label = this.next;
      this.next = label === this.max ? this.min : label + 1;
      if (!this.isUsed(label)) {
        this.mark(label, true);
        return label;
      }
    }
    throw new LabelPoolExhausted();
  }

  /**
   * Takes a label configured by hand (a `routes:` entry with `rd` and `label`)
   * out of the pool, so no VRF is given the same one. False when already taken.
   */
  reserve(label: number): boolean {
    if (label < this.min || label > this.max || this.isUsed(label)) return false;
    this.mark(label, true);
    return true;
  }

  release(label: number): void {
    if (label < this.min || label > this.max || !this.isUsed(label)) return;
    this.mark(label, false);
  }

  private mark(label: number, on: boolean): void {
    const i = label >>> 5;
    const bit = 1 << (label & 31);
    const word = this.used[i] ?? 0;
    this.used[i] = on ? word | bit : word & ~bit;
    this.count += on ? 1 : -1;
  }
}
