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
 *
 * Two ways to take records: `next()` gives an MrtFrame (a header object and
 * a body view); `advance()` allocates nothing and leaves the record's fields
 * in the public `record*`/`body*` properties, for a consumer that reads the
 * body by offset (the bgpdump printer, once per UPDATE of a dump), with
 * `frame()` to build the MrtFrame when it needs one after all.
 */
export class MrtFramer {
  /** The buffer the current record lies in (valid until the next push). */
  buffer: Buffer = Buffer.alloc(0);
  private pos = 0;
  /** Offset in the whole input of `buffer[0]`. */
  private base = 0;

  /** The current record (after `advance()` returned true): header fields, body range in `buffer`. */
  recordTimestamp = 0;
  recordType = 0;
  recordSubtype = 0;
  /** The Length field as recorded (it counts the µs field of *_ET types). */
  recordLength = 0;
  /** The µs field of *_ET types; -1 for the others. */
  recordMicroseconds = -1;
  /** Offset of the record's header in `buffer`, and of its body (after the µs field) and body end. */
  recordStart = 0;
  bodyStart = 0;
  bodyEnd = 0;

  push(chunk: Buffer): void {
    if (this.pos >= this.buffer.length) {
      this.base += this.buffer.length;
      this.buffer = chunk;
    } else {
      const rest = this.buffer.subarray(this.pos);
      this.base += this.pos;
      this.buffer = Buffer.concat([rest, chunk]);
    }
    this.pos = 0;
  }

  /** Moves to the next complete record; false when more input is needed. */
  advance(): boolean {
    const buf = this.buffer;
    const pos = this.pos;
    if (buf.length - pos < MRT_HEADER_LENGTH) return false;
    const type = buf.readUInt16BE(pos + 4);
    const et = isExtendedTimestampType(type);
    const headerLength = et ? MRT_HEADER_LENGTH + MRT_ET_EXTRA_LENGTH : MRT_HEADER_LENGTH;
    if (buf.length - pos < headerLength) return false;
    const length = buf.readUInt32BE(pos + 8);
    const start = pos + headerLength;
    let end: number;
    if (et && length < MRT_ET_EXTRA_LENGTH) {
      // The µs field is counted in Length; a smaller Length cannot be framed consistently. Skip the field only.
      end = start;
    } else {
      end = start + length - (et ? MRT_ET_EXTRA_LENGTH : 0);
      if (end > buf.length) return false;
    }
    this.recordTimestamp = buf.readUInt32BE(pos);
    this.recordType = type;
    this.recordSubtype = buf.readUInt16BE(pos + 6);
    this.recordLength = length;
    this.recordMicroseconds = et ? buf.readUInt32BE(pos + MRT_HEADER_LENGTH) : -1;
    this.recordStart = pos;
    this.bodyStart = start;
    this.bodyEnd = end;
    this.pos = end;
    return true;
  }

  /** Offset in the whole input of the current record's header. */
  get recordOffset(): number {
    return this.base + this.recordStart;
  }

  /** The current record as an MrtFrame. */
  frame(): MrtFrame {
    const header: MrtHeader = {
      timestamp: this.recordTimestamp,
      type: this.recordType,
      subtype: this.recordSubtype,
      length: this.recordLength,
      microseconds: this.recordMicroseconds < 0 ? undefined : this.recordMicroseconds,
    };
    return { header, body: this.buffer.subarray(this.bodyStart, this.bodyEnd), offset: this.recordOffset };
  }

  /** The next complete record, or null when more input is needed. */
  next(): MrtFrame | null {
    return this.advance() ? this.frame() : null;
  }

  /** Octets received but not yet framed. */
  get pending(): number {
    return this.buffer.length - this.pos;
  }

  /** At end of input: the error for a partial record left over, or null when the input ended cleanly. */
  finish(): MrtError | null {
    const left = this.buffer.length - this.pos;
    if (left === 0) return null;
    const offset = this.base + this.pos;
    const h = decodeMrtHeader(this.buffer, this.pos);
    if (h === null) return new MrtError('truncated-header', `MRT header truncated: ${left} octet(s) at offset ${offset}`, offset);
    const need = h.headerLength + h.header.length - (h.header.microseconds !== undefined ? MRT_ET_EXTRA_LENGTH : 0);
    return new MrtError('truncated-record', `MRT record truncated: Length says ${need} octet(s) with header, ${left} left at offset ${offset}`, offset, h.header);
  }
}
