/**
 * Lines for the routes of an UPDATE's IPv4 Withdrawn Routes and NLRI fields,
 * printed straight from the octets as bgpdump prints them (read_prefix_list
 * and inet_ntoa): the address octets as received, host bits included (1.6.2
 * does not mask them), and a truncated last entry dropped. Going from the
 * octets also spares an object per route on this, the hottest, path.
 */
import type { UpdateLines } from './bgpdump-lines';
import { SLASH, type TextSink } from './text-sink';

/** One line per entry of `buf[start, end)`, in the current section of `lines` (withdrawals or announcements). */
export function printIpv4Field(buf: Buffer, start: number, end: number, lines: UpdateLines, out: TextSink): void {
  const addPath = lines.addPath;
  let p = start;
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
    lines.head(out);
    // The first four octets present, as received (host bits kept), the missing ones zero;
    // a length past 32 has more octets, which inet_ntoa never shows.
    let a = 0;
    for (let i = 0; i < n && i < 4; i++) a |= (buf[p + 1 + i] as number) << (24 - 8 * i);
    out.ipv4(a >>> 0);
    out.byte(SLASH);
    out.octet(bits);
    p += 1 + n;
    lines.end(out, pathId);
  }
}
