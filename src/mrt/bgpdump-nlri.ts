/**
 * Lines for the routes of an UPDATE's IPv4 Withdrawn Routes and NLRI fields,
 * printed straight from the octets as bgpdump prints them (read_prefix_list
 * and inet_ntoa): the address octets as received, host bits included (1.6.2
 * does not mask them), and a truncated last entry dropped. Going from the
 * octets also spares an object per route on this, the hottest, path.
 */
import type { TextSink } from './text-sink';

const NEWLINE = Uint8Array.of(10);

/**
 * One line per entry of `buf[start, end)`: `lineHead`, `a.b.c.d/len`, then for
 * announcements `|[pathId|]` and `tail`, for withdrawals `[|pathId]` and a newline.
 */
export function printIpv4Field(buf: Buffer, start: number, end: number, addPath: boolean, lineHead: string, tail: Uint8Array | null, out: TextSink): void {
  let p = start;
  // The line head is written once; later lines copy it from the first (a memmove instead of re-encoding text).
  let headStart = -1;
  let headEnd = -1;
  while (p < end) {
    let pathId = 0;
    if (addPath) {
      if (p + 4 > end) return;
      pathId = buf.readUInt32BE(p);
      p += 4;
    }
    const bits = buf[p] as number;
    const n = (bits + 7) >> 3;
    if (p + 1 + n > end) return; // bgpdump keeps a cut entry aside ("incomplete") and prints nothing for it
    if (headStart < 0) {
      headStart = out.mark();
      out.text(lineHead);
      headEnd = out.mark();
    } else {
      out.repeat(headStart, headEnd);
    }
    out.octet(n > 0 ? (buf[p + 1] as number) : 0);
    out.text('.');
    out.octet(n > 1 ? (buf[p + 2] as number) : 0);
    out.text('.');
    out.octet(n > 2 ? (buf[p + 3] as number) : 0);
    out.text('.');
    out.octet(n > 3 ? (buf[p + 4] as number) : 0);
    out.text('/');
    out.octet(bits);
    p += 1 + n;
    if (tail === null) {
      if (addPath) {
        out.text('|');
        out.uint(pathId);
      }
      out.bytes(NEWLINE);
    } else {
      out.text('|');
      if (addPath) {
        out.uint(pathId);
        out.text('|');
      }
      out.bytes(tail);
    }
  }
}
