/**
 * The MRT common header (RFC 6396 §2) and extended-timestamp header (§3), and
 * a framer that cuts a byte stream into records. Length is 32 bits: a record
 * can be far larger than 64 KiB (a RIB entry list for a popular prefix).
 */
import { isExtendedTimestampType, MRT_ET_EXTRA_LENGTH, MRT_HEADER_LENGTH } from './constants';
import { MrtError, type MrtHeader } from './types';

/** One record cut from the stream: its header and a view of its body (after the µs field of *_ET types). */
export interface MrtFrame {
  readonly header: MrtHeader;
  readonly body: Buffer;
  /** Offset of the header's first octet in the whole input. */
  readonly offset: number;
}

/**
 * Reads a header at `pos`. Returns null when fewer octets than the header
 * needs are available (the caller waits for more or reports truncation).
 */
export function decodeMrtHeader(buf: Buffer, pos: number): { header: MrtHeader; headerLength: number } | null {
  if (buf.length - pos < MRT_HEADER_LENGTH) return null;
  const timestamp = buf.readUInt32BE(pos);
  const type = buf.readUInt16BE(pos + 4);
  const subtype = buf.readUInt16BE(pos + 6);
  const length = buf.readUInt32BE(pos + 8);
  if (!isExtendedTimestampType(type)) {
    return { header: { timestamp, type, subtype, length, microseconds: undefined }, headerLength: MRT_HEADER_LENGTH };
  }
  if (buf.length - pos < MRT_HEADER_LENGTH + MRT_ET_EXTRA_LENGTH) return null;
  const microseconds = buf.readUInt32BE(pos + MRT_HEADER_LENGTH);
  return { header: { timestamp, type, subtype, length, microseconds }, headerLength: MRT_HEADER_LENGTH + MRT_ET_EXTRA_LENGTH };
}

/** Writes a common header (and the µs field for *_ET types); `bodyLength` excludes the µs field. */
export function encodeMrtHeader(h: Omit<MrtHeader, 'length'>, bodyLength: number): Buffer {
  const et = isExtendedTimestampType(h.type);
  const out = Buffer.allocUnsafe(MRT_HEADER_LENGTH + (et ? MRT_ET_EXTRA_LENGTH : 0));
  out.writeUInt32BE(h.timestamp >>> 0, 0);
  out.writeUInt16BE(h.type, 4);
  out.writeUInt16BE(h.subtype, 6);
  // RFC 6396 §3: the microsecond field is counted in Length.
  out.writeUInt32BE(bodyLength + (et ? MRT_ET_EXTRA_LENGTH : 0), 8);
  if (et) out.writeUInt32BE((h.microseconds ?? 0) >>> 0, MRT_HEADER_LENGTH);
  return out;
}

/**
 * Incremental framer: push chunks as they arrive, take frames until null.
 * Chunks may split a record anywhere, one octet at a time included.
 */
export class MrtFramer {
  private buf: Buffer = Buffer.alloc(0);
  private pos = 0;
  /** Offset in the whole input of `buf[0]`. */
  private base = 0;

  push(chunk: Buffer): void {
    if (this.pos >= this.buf.length) {
      this.base += this.buf.length;
      this.buf = chunk;
    } else {
      const rest = this.buf.subarray(this.pos);
      this.base += this.pos;
      this.buf = Buffer.concat([rest, chunk]);
    }
    this.pos = 0;
  }

  /** The next complete record, or null when more input is needed. */
  next(): MrtFrame | null {
    const h = decodeMrtHeader(this.buf, this.pos);
    if (h === null) return null;
    const et = h.header.microseconds !== undefined;
    if (et && h.header.length < MRT_ET_EXTRA_LENGTH) {
      // The µs field is counted in Length; a smaller Length cannot be framed consistently. Skip the field only.
      const frame = { header: h.header, body: Buffer.alloc(0), offset: this.base + this.pos };
      this.pos += h.headerLength;
      return frame;
    }
    const bodyLength = h.header.length - (et ? MRT_ET_EXTRA_LENGTH : 0);
    const start = this.pos + h.headerLength;
    if (this.buf.length - start < bodyLength) return null;
    const frame = { header: h.header, body: this.buf.subarray(start, start + bodyLength), offset: this.base + this.pos };
    this.pos = start + bodyLength;
    return frame;
  }

  /** Octets received but not yet framed. */
  get pending(): number {
    return this.buf.length - this.pos;
  }

  /** At end of input: the error for a partial record left over, or null when the input ended cleanly. */
  finish(): MrtError | null {
    const left = this.buf.length - this.pos;
    if (left === 0) return null;
    const offset = this.base + this.pos;
    const h = decodeMrtHeader(this.buf, this.pos);
    if (h === null) return new MrtError('truncated-header', `MRT header truncated: ${left} octet(s) at offset ${offset}`, offset);
    const need = h.headerLength + h.header.length - (h.header.microseconds !== undefined ? MRT_ET_EXTRA_LENGTH : 0);
    return new MrtError('truncated-record', `MRT record truncated: Length says ${need} octet(s) with header, ${left} left at offset ${offset}`, offset, h.header);
  }
}
