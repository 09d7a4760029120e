/**
 * The pump's chunks of encoded UPDATEs: whole messages only, in the order
 * written, never overwritten once handed on, and counted message by message
 * by the session (`countMessages`).
 */
import fc from 'fast-check';
import { EncodedChunks } from '../../../../src/bgp/speaker/encoded-chunks';
import { countMessages, emptyCount } from '../../../../src/bgp/session/message-counters';
import { MessageFramer } from '../../../../src/bgp/wire/framer';
import { writeHeader } from '../../../../src/bgp/wire/header';

/** A message of `length` octets (19-octet header of `type`, then a fill octet), written where the sink makes room. */
function write(sink: EncodedChunks, length: number, type: number, fill: number): void {
  const at = sink.reserve(length);
  writeHeader(sink.buffer, at, type, length);
  sink.buffer.fill(fill, at + 19, at + length);
}

describe('EncodedChunks', () => {
  it('hands on whole messages in order, each intact after later writes, whatever their sizes (up to 64 KB)', () => {
    const size = fc.oneof(fc.integer({ min: 23, max: 300 }), fc.integer({ min: 300, max: 4096 }), fc.integer({ min: 16000, max: 65535 }));
    fc.assert(
      fc.property(fc.array(fc.tuple(size, fc.boolean()), { maxLength: 60 }), (messages) => {
        const chunks: Buffer[] = [];
        const sink = new EncodedChunks((c) => chunks.push(c));
        messages.forEach(([length, flushAfter], i) => {
          write(sink, length, 2, i & 0xff);
          if (flushAfter) sink.flush();
        });
        sink.flush();
        expect(chunks.every((c) => c.length > 0)).toBe(true);
        const framer = new MessageFramer({ extendedMessage: true });
        const frames = chunks.flatMap((c) => {
          const f = framer.push(c);
          // A chunk ends where a message ends.
          expect(framer.bufferedLength).toBe(0);
          return f;
        });
        expect(frames.map((f) => f.length)).toEqual(messages.map(([length]) => length));
        frames.forEach((f, i) => expect(f.subarray(19).every((b) => b === (i & 0xff))).toBe(true));
      }),
      { numRuns: 60 },
    );
  });

  it('a flush with nothing written hands on nothing', () => {
    const chunks: Buffer[] = [];
    const sink = new EncodedChunks((c) => chunks.push(c));
    sink.flush();
    write(sink, 23, 2, 0);
    sink.flush();
    sink.flush();
    expect(chunks.map((c) => c.length)).toEqual([23]);
  });
});

describe('countMessages', () => {
  it('counts each message of a chunk by its type, as countMessage does one by one', () => {
    const chunks: Buffer[] = [];
    const sink = new EncodedChunks((c) => chunks.push(c));
    for (const [length, type] of [[23, 2], [19, 4], [40, 2], [23, 5], [19, 4]] as const) write(sink, length, type, 0);
    sink.flush();
    const count = emptyCount();
    for (const c of chunks) countMessages(count, c);
    expect(count).toEqual({ open: 0, update: 2, notification: 0, keepalive: 2, 'route-refresh': 1 });
  });
});
