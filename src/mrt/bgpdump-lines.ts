/**
 * The lines of one BGP4MP UPDATE record in `bgpdump -m` form:
 *
 *   head:   BGP4MP[_ET][_LOCAL][_AP]|ts[.uuuuuu]|A|peer|peerAS|   (W for withdrawals)
 *   route:  prefix, and the path id under ADD-PATH
 *   tail:   |aspath|origin|nexthop|…|   (announcements only)
 *
 * Head and tail are the same on every line of a record section, so each is
 * written once, on its first line, and later lines copy it from there
 * (TextSink.repeat: a memmove into the output buffer). That keeps the
 * per-route work to the prefix digits: no string is built per line or per
 * record, and this object is reused for every record.
 */
import { DOT, NEWLINE, PIPE, type TextSink } from './text-sink';

/** Writes the tail of an announcement line on the first line of a section (the later lines copy it). */
export interface TailWriter {
  /** `mp`: the section of MP_REACH routes (its next hop), else the NLRI field's. */
  writeTail(out: TextSink, mp: boolean): void;
}

/** Zeros that pad the microseconds to six digits (bgpdump prints "%06ld"). */
const ZERO_PAD = ['', '0', '00', '000', '0000', '00000'];

/** The BGP4MP line prefix by variant: ET × LOCAL × ADD-PATH (bgpdump's get_bgp4mp_format). */
const FORMATS = ['BGP4MP|', 'BGP4MP_AP|', 'BGP4MP_LOCAL|', 'BGP4MP_LOCAL_AP|', 'BGP4MP_ET|', 'BGP4MP_ET_AP|', 'BGP4MP_ET_LOCAL|', 'BGP4MP_ET_LOCAL_AP|'] as const;

export class UpdateLines {
  private format = '';
  private timestamp = 0;
  private microseconds = -1;
  private peer = '';
  private peerAs = 0;
  /** 'A' or 'W' as a character code. */
  private kind = 0;
  /** Announcements: the tail's text, or null when `writer` writes it. */
  private tailText: Uint8Array | null = null;
  private mp = false;
  /** Where the first line's head and tail went in the sink, or -1 before the first line. */
  private headStart = -1;
  private headEnd = -1;
  private tailStart = -1;
  private tailEnd = -1;
  /** True under ADD-PATH: every route carries a path id. */
  addPath = false;

  /**
   * Starts a record: its header's time (microseconds for BGP4MP_ET, -1 for BGP4MP), the
   * message variant, and the peer address as bgpdump prints it. Positional
   * arguments, not an object: this runs once per UPDATE.
   */
  record(timestamp: number, microseconds: number, local: boolean, addPath: boolean, peer: string, peerAs: number): void {
    this.format = FORMATS[(microseconds >= 0 ? 4 : 0) + (local ? 2 : 0) + (addPath ? 1 : 0)] ?? '';
    this.timestamp = timestamp;
    this.microseconds = microseconds;
    this.peer = peer;
    this.peerAs = peerAs;
    this.addPath = addPath;
  }

  constructor(private readonly writer: TailWriter) {}

  /** Starts the withdrawals of the record. */
  withdrawals(): void {
    this.section(87, null, false);
  }

  /**
   * Starts announcements whose lines end in `tail` (`aspath|…|\n`, see
   * bgpdump-format), or, when it is null, in what the writer writes for `mp`.
   */
  announcements(tail: Uint8Array | null, mp: boolean): void {
    this.section(65, tail, mp);
  }

  private section(kind: number, tail: Uint8Array | null, mp: boolean): void {
    this.kind = kind;
    this.tailText = tail;
    this.mp = mp;
    this.headStart = -1;
    this.tailStart = -1;
  }

  /** `head` of the current line: written on the first line, copied after. */
  head(out: TextSink): void {
    if (this.headStart >= 0) {
      out.repeat(this.headStart, this.headEnd);
      return;
    }
    this.headStart = out.mark();
    out.text(this.format);
    out.uint(this.timestamp);
    if (this.microseconds >= 0) {
      out.byte(DOT);
      const us = this.microseconds;
      out.text(ZERO_PAD[us < 10 ? 5 : us < 100 ? 4 : us < 1000 ? 3 : us < 10000 ? 2 : us < 100000 ? 1 : 0] ?? '');
      out.uint(us);
    }
    out.text(this.kind === 65 ? '|A|' : '|W|');
    out.text(this.peer);
    out.byte(PIPE);
    out.uint(this.peerAs);
    out.byte(PIPE);
    this.headEnd = out.mark();
  }

  /** The end of a line after the prefix: `[|pathId]\n` for a withdrawal, `|[pathId|]tail` for an announcement. */
  end(out: TextSink, pathId: number): void {
    if (this.kind === 87) {
      if (this.addPath) {
        out.byte(PIPE);
        out.uint(pathId);
      }
      out.byte(NEWLINE);
      return;
    }
    out.byte(PIPE);
    if (this.addPath) {
      out.uint(pathId);
      out.byte(PIPE);
    }
    if (this.tailStart >= 0) {
      out.repeat(this.tailStart, this.tailEnd);
      return;
    }
    this.tailStart = out.mark();
    const tail = this.tailText;
    if (tail !== null) out.bytes(tail);
    else this.writer.writeTail(out, this.mp);
    this.tailEnd = out.mark();
  }
}
