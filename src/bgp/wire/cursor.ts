/**
 * Bounds-checked reading and growable writing over Buffer. Every read past the
 * end throws the BgpError the caller chose for this region, so a length field
 * that lies becomes the right NOTIFICATION instead of a RangeError.
 */
import { BgpError } from './errors';

export interface ErrorSpec {
  readonly code: number;
  readonly subcode: number;
  readonly what: string;
}

export class Reader {
  readonly buf: Buffer;
  pos: number;
  readonly end: number;
  private readonly err: ErrorSpec;

  constructor(buf: Buffer, err: ErrorSpec, start = 0, end = buf.length) {
    this.buf = buf;
    this.pos = start;
    this.end = end;
    this.err = err;
  }

  get remaining(): number {
    return this.end - this.pos;
  }

  atEnd(): boolean {
    return this.pos >= this.end;
  }

  fail(reason: string, data?: Uint8Array): never {
    throw new BgpError(this.err.code, this.err.subcode, `${this.err.what}: ${reason}`, data);
  }

  need(n: number): void {
    if (this.end - this.pos < n) this.fail(`needs ${n} more octet(s) at offset ${this.pos}, ${this.end - this.pos} left`);
  }

  u8(): number {
    this.need(1);
    return this.buf[this.pos++] as number;
  }

  u16(): number {
    this.need(2);
    const v = this.buf.readUInt16BE(this.pos);
    this.pos += 2;
    return v;
  }

  u24(): number {
    this.need(3);
    const b = this.buf;
    const p = this.pos;
    this.pos += 3;
    return (((b[p] as number) << 16) | ((b[p + 1] as number) << 8) | (b[p + 2] as number)) >>> 0;
  }

  u32(): number {
    this.need(4);
    const v = this.buf.readUInt32BE(this.pos);
    this.pos += 4;
    return v;
  }

  /** A view (no copy) of the next n octets. */
  bytes(n: number): Buffer {
    this.need(n);
    const v = this.buf.subarray(this.pos, this.pos + n);
    this.pos += n;
    return v;
  }

  /** A sub-reader over the next n octets, with its own error spec. */
  sub(n: number, err: ErrorSpec = this.err): Reader {
    this.need(n);
    const r = new Reader(this.buf, err, this.pos, this.pos + n);
    this.pos += n;
    return r;
  }

  rest(): Buffer {
    const v = this.buf.subarray(this.pos, this.end);
    this.pos = this.end;
    return v;
  }
}

/** Copies up to this many octets are made with a loop (Buffer.copy costs more than that in call overhead). */
const SHORT_COPY = 128;

/** Growable big-endian writer. */
export class Writer {
  private buf: Buffer;
  pos = 0;

  constructor(initial = 256) {
    this.buf = Buffer.allocUnsafe(initial);
  }

  private ensure(n: number): void {
    if (this.pos + n <= this.buf.length) return;
    let size = this.buf.length * 2;
    while (size < this.pos + n) size *= 2;
    const next = Buffer.allocUnsafe(size);
    this.buf.copy(next, 0, 0, this.pos);
    this.buf = next;
  }

  u8(v: number): this {
    this.ensure(1);
    this.buf[this.pos++] = v & 0xff;
    return this;
  }

  u16(v: number): this {
    this.ensure(2);
    this.buf.writeUInt16BE(v & 0xffff, this.pos);
    this.pos += 2;
    return this;
  }

  u24(v: number): this {
    this.ensure(3);
    this.buf[this.pos] = (v >>> 16) & 0xff;
    this.buf[this.pos + 1] = (v >>> 8) & 0xff;
    this.buf[this.pos + 2] = v & 0xff;
    this.pos += 3;
    return this;
  }

  u32(v: number): this {
    this.ensure(4);
    this.buf.writeUInt32BE(v >>> 0, this.pos);
    this.pos += 4;
    return this;
  }

  bytes(b: Uint8Array): this {
    this.ensure(b.length);
    this.buf.set(b, this.pos);
    this.pos += b.length;
    return this;
  }

  /** The octets of a string holding one octet per character (`latin1()`'s form), from `start` to `end`. */
  latin1Bytes(s: string, start = 0, end = s.length): this {
    const n = end - start;
    this.ensure(n);
    const buf = this.buf;
    let p = this.pos;
    // Short runs (an attribute block is tens of octets): a loop beats Buffer.write's string conversion.
    for (let i = start; i < end; i++) buf[p++] = s.charCodeAt(i);
    this.pos = p;
    return this;
  }

  /** Reserve n octets to fill in later (length fields); returns their offset. */
  reserve(n: number): number {
    this.ensure(n);
    const at = this.pos;
    this.pos += n;
    return at;
  }

  setU8(at: number, v: number): void {
    this.buf[at] = v & 0xff;
  }

  setU16(at: number, v: number): void {
    this.buf.writeUInt16BE(v & 0xffff, at);
  }

  setU32(at: number, v: number): void {
    this.buf.writeUInt32BE(v >>> 0, at);
  }

  /**
   * Opens a gap of `n` octets at `at`, moving what was written from there on
   * (an attribute header that turns out to need its 2-octet length).
   */
  insertGap(at: number, n: number): void {
    this.ensure(n);
    this.buf.copyWithin(at + n, at, this.pos);
    this.pos += n;
  }

  /** Starts over, keeping the buffer: a scratch writer reused for every message of one kind. */
  reset(): this {
    this.pos = 0;
    return this;
  }

  /** The written octets as a one-byte-per-octet string (a key; no Buffer copy made). */
  latin1(): string {
    return this.buf.toString('latin1', 0, this.pos);
  }

  /** The written octets (a copy, so the writer can be reused or dropped). */
  finish(): Buffer {
    // allocUnsafe + copy is one memcpy; Buffer.from(a Buffer) copied octet by octet (a tenth of bench:ingest's encoding).
    const out = Buffer.allocUnsafe(this.pos);
    this.buf.copy(out, 0, 0, this.pos);
    return out;
  }

  /** Copies the written octets into `target` at `offset` (no Buffer of their own). */
  copyTo(target: Buffer, offset: number): void {
    // An attribute block is tens of octets, copied into every UPDATE sent: a loop beats Buffer.copy's call overhead there.
    if (this.pos <= SHORT_COPY) for (let i = 0; i < this.pos; i++) target[offset + i] = this.buf[i] as number;
    else this.buf.copy(target, offset, 0, this.pos);
  }
}
