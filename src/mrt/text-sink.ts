/**
 * Where formatters put their text. Writing pieces straight into a byte buffer
 * avoids building a rope of small strings per line and flattening it later,
 * which dominated the bgpdump printer's profile.
 */
export interface TextSink {
  text(s: string): void;
  /** One ASCII character by its code (the separators: cheaper than a one-character string). */
  byte(code: number): void;
  /** A non-negative integer below 2^32 in decimal. */
  uint(n: number): void;
  /** Pre-encoded ASCII text (see ascii()). */
  bytes(b: Uint8Array): void;
  /** A number 0–255 in decimal (IPv4 octets: the hottest numbers). */
  octet(v: number): void;
  /** `a.b.c.d` of a uint32 (one call, not seven: this runs for most lines of a dump). */
  ipv4(a: number): void;
  /** Where the next text goes; with `repeat`, copies a stretch already written. */
  mark(): number;
  repeat(start: number, end: number): void;
}

/** Character codes for TextSink.byte. */
export const PIPE = 124;
export const DOT = 46;
export const SLASH = 47;
export const SPACE = 32;
export const NEWLINE = 10;
export const COLON = 58;
export const MINUS = 45;

/** ASCII text as bytes, for pieces written many times (a plain loop: cheaper than Buffer.from for short text). */
export function ascii(s: string): Uint8Array {
  const out = new Uint8Array(s.length);
  for (let i = 0; i < s.length; i++) out[i] = s.charCodeAt(i);
  return out;
}

/** Collects into a string: for tests and small outputs. */
export class StringSink implements TextSink {
  private done: string[] = [];
  private doneLength = 0;
  /** The recent text, kept short so that `repeat` never slices a long rope. */
  private cur = '';

  get value(): string {
    this.commit();
    if (this.done.length > 1) this.done = [this.done.join('')];
    return this.done[0] ?? '';
  }

  private commit(): void {
    this.done.push(this.cur);
    this.doneLength += this.cur.length;
    this.cur = '';
  }

  text(s: string): void {
    this.cur += s;
    if (this.cur.length > 4096) this.commit();
  }
  byte(code: number): void {
    this.text(String.fromCharCode(code));
  }
  uint(n: number): void {
    this.cur += n;
  }
  octet(v: number): void {
    this.cur += v;
  }
  ipv4(a: number): void {
    this.text(`${a >>> 24}.${(a >>> 16) & 0xff}.${(a >>> 8) & 0xff}.${a & 0xff}`);
  }
  bytes(b: Uint8Array): void {
    this.text(Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('latin1'));
  }
  mark(): number {
    return this.doneLength + this.cur.length;
  }
  repeat(start: number, end: number): void {
    // The same stretches are repeated on every line of a record (its line head and, for
    // announcements, its tail), so the last two are remembered: slicing again could
    // reach back past the recent text and join the whole output, once per line.
    if (start === this.repeatStart && end === this.repeatEnd) {
      this.text(this.repeatText);
      return;
    }
    if (start === this.otherStart && end === this.otherEnd) {
      this.text(this.otherText);
      return;
    }
    this.otherStart = this.repeatStart;
    this.otherEnd = this.repeatEnd;
    this.otherText = this.repeatText;
    this.repeatStart = start;
    this.repeatEnd = end;
    this.repeatText = this.slice(start, end);
    this.text(this.repeatText);
  }

  private repeatStart = -1;
  private repeatEnd = -1;
  private repeatText = '';
  private otherStart = -1;
  private otherEnd = -1;
  private otherText = '';

  private slice(start: number, end: number): string {
    const from = start - this.doneLength;
    if (from >= 0) return this.cur.slice(from, end - this.doneLength);
    const last = this.done[this.done.length - 1] ?? '';
    const base = this.doneLength - last.length;
    return start >= base ? (last + this.cur).slice(start - base, end - base) : this.value.slice(start, end);
  }
}

/**
 * Collects ASCII (latin1) or UTF-8 text in a growable Buffer. Short ASCII
 * strings are copied with a plain loop, which V8 compiles to far less than a
 * call into the native encoder costs.
 */
export class ByteSink implements TextSink {
  private buf: Buffer;
  pos = 0;

  constructor(
    private readonly encoding: 'latin1' | 'utf8',
    initial = 1 << 17,
  ) {
    this.buf = Buffer.allocUnsafe(initial);
  }

  private ensure(n: number): void {
    if (this.pos + n <= this.buf.length) return;
    const next = Buffer.allocUnsafe(Math.max(this.buf.length * 2, this.pos + n));
    this.buf.copy(next, 0, 0, this.pos);
    this.buf = next;
  }

  text(s: string): void {
    const n = s.length;
    if (this.encoding === 'utf8' || n > 64) {
      this.ensure(this.encoding === 'utf8' ? n * 3 : n);
      this.pos += this.buf.write(s, this.pos, this.encoding);
      return;
    }
    this.ensure(n);
    const b = this.buf;
    let p = this.pos;
    for (let i = 0; i < n; i++) b[p++] = s.charCodeAt(i);
    this.pos = p;
  }

  byte(code: number): void {
    if (this.pos >= this.buf.length) this.ensure(1);
    this.buf[this.pos++] = code;
  }

  bytes(src: Uint8Array): void {
    const n = src.length;
    this.ensure(n);
    if (n > 16) {
      // TypedArray.prototype.set is a V8 builtin (a memmove), no call into the runtime.
      this.buf.set(src, this.pos);
      this.pos += n;
      return;
    }
    const b = this.buf;
    let p = this.pos;
    for (let i = 0; i < n; i++) b[p++] = src[i] as number;
    this.pos = p;
  }

  octet(v: number): void {
    this.ensure(3);
    const b = this.buf;
    if (v >= 100) {
      const h = (v / 100) | 0;
      const t = ((v - h * 100) / 10) | 0;
      b[this.pos] = 48 + h;
      b[this.pos + 1] = 48 + t;
      b[this.pos + 2] = 48 + v - h * 100 - t * 10;
      this.pos += 3;
    } else if (v >= 10) {
      const t = (v / 10) | 0;
      b[this.pos] = 48 + t;
      b[this.pos + 1] = 48 + v - t * 10;
      this.pos += 2;
    } else {
      b[this.pos++] = 48 + v;
    }
  }

  ipv4(a: number): void {
    this.ensure(15);
    const b = this.buf;
    let p = this.pos;
    for (let shift = 24; shift >= 0; shift -= 8) {
      const v = (a >>> shift) & 0xff;
      if (v >= 100) {
        const h = (v / 100) | 0;
        const t = ((v - h * 100) / 10) | 0;
        b[p] = 48 + h;
        b[p + 1] = 48 + t;
        b[p + 2] = 48 + v - h * 100 - t * 10;
        p += 3;
      } else if (v >= 10) {
        const t = (v / 10) | 0;
        b[p] = 48 + t;
        b[p + 1] = 48 + v - t * 10;
        p += 2;
      } else {
        b[p++] = 48 + v;
      }
      if (shift !== 0) b[p++] = 46; // '.'
    }
    this.pos = p;
  }

  mark(): number {
    return this.pos;
  }

  /**
   * Copies `[start, end)` of what was written (since the last take) to the
   * end, no string. Line heads and tails are short: a plain loop costs less
   * than the call into copyWithin (a C++ builtin: measured slower for them
   * even in a cold process, where this function is among the first optimized).
   */
  repeat(start: number, end: number): void {
    const n = end - start;
    this.ensure(n);
    const b = this.buf;
    if (n > 256) {
      b.copyWithin(this.pos, start, end);
      this.pos += n;
      return;
    }
    let p = this.pos;
    for (let i = start; i < end; i++) b[p++] = b[i] as number;
    this.pos = p;
  }

  uint(v: number): void {
    this.ensure(10);
    const b = this.buf;
    let n = v >>> 0;
    if (n < 10) {
      b[this.pos++] = 48 + n;
      return;
    }
    // Digits counted by comparisons and taken off with % and an exact division: no Math.floor call,
    // which matters while this runs in the interpreter (a cold process, a small dump).
    const digits = n < 100 ? 2 : n < 1000 ? 3 : n < 10000 ? 4 : n < 100000 ? 5 : n < 1000000 ? 6 : n < 10000000 ? 7 : n < 100000000 ? 8 : n < 1000000000 ? 9 : 10;
    let p = this.pos + digits;
    this.pos = p;
    while (n > 0) {
      const r = n % 10;
      b[--p] = 48 + r;
      n = (n - r) / 10;
    }
  }

  /** A copy of the bytes so far; the sink starts empty again on the same buffer (a scratch sink). */
  copyOut(): Uint8Array {
    const out = new Uint8Array(this.pos);
    out.set(this.buf.subarray(0, this.pos));
    this.pos = 0;
    return out;
  }

  /** The bytes so far, handed over; the sink starts empty on a fresh buffer. */
  take(): Buffer {
    const out = this.buf.subarray(0, this.pos);
    this.buf = Buffer.allocUnsafe(this.buf.length);
    this.pos = 0;
    return out;
  }
}
