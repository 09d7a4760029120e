/**
 * The raw path (bgpdump-raw-attrs.ts + bgpdump-raw-tail.ts) against the
 * decoder path (bgpdump-decoded.ts) on every UPDATE attribute block of the
 * update fixtures: where the raw path accepts a block, both must print the
 * same tails; blocks it declines are left to the decoder.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { MrtFramer } from '../../../src/bgp/wire/mrt';
import { decodedUpdateText } from '../../../src/mrt/bgpdump-decoded';
import { RawAttrFields, readRawAttributes } from '../../../src/mrt/bgpdump-raw-attrs';
import { NextHopSource, writeRawTail } from '../../../src/mrt/bgpdump-raw-tail';
import { StringSink } from '../../../src/mrt/text-sink';

const FIXTURES = join(__dirname, '..', '..', 'fixtures', 'mrt');
const FILES = ['ris-2019/updates.20190101.0000.gz', 'bgpdump-tests/updates.et-header.2015.first-2000-records.gz', 'bgpdump-tests/updates.20070211.0141.gz', 'ris-historic/updates.20001104.0124.gz', 'routeviews-jinx-2014/ris.rrc06.updates.1401488100.gz'];

/** BGP4MP MESSAGE subtypes with 4-octet ASNs and with ADD-PATH. */
const AS4 = new Set([4, 7, 9, 11]);
const ADD_PATH = new Set([8, 9, 10, 11]);

function tail(buf: Buffer, f: RawAttrFields, source: NextHopSource): string {
  const sink = new StringSink();
  writeRawTail(sink, buf, f, source);
  return sink.value;
}

describe.each(FILES)('%s', (file) => {
  it('prints the same tails through the raw path as through the decoder', () => {
    const framer = new MrtFramer();
    framer.push(gunzipSync(readFileSync(join(FIXTURES, file))));
    const f = new RawAttrFields();
    let accepted = 0;
    let blocks = 0;
    const mismatches: string[] = [];
    while (framer.advance()) {
      if (framer.recordType !== 16 && framer.recordType !== 17) continue;
      const sub = framer.recordSubtype;
      const as4 = AS4.has(sub);
      const addPath = ADD_PATH.has(sub);
      const b = framer.buffer;
      const afi = b.readUInt16BE(framer.bodyStart + (as4 ? 10 : 6));
      if (afi !== 1 && afi !== 2) continue;
      const m = framer.bodyStart + (as4 ? 12 : 8) + (afi === 1 ? 8 : 32);
      if (framer.bodyEnd - m < 23 || b[m + 18] !== 2) continue;
      const attrStart = m + 23 + b.readUInt16BE(m + 19);
      const attrEnd = attrStart + b.readUInt16BE(attrStart - 2);
      if (attrEnd > framer.bodyEnd) continue;
      blocks++;
      if (!readRawAttributes(b, attrStart, attrEnd, as4, addPath, f)) continue;
      accepted++;
      const text = decodedUpdateText(b.subarray(attrStart, attrEnd), as4, addPath);
      const raw = [tail(b, f, NextHopSource.NextHop), f.reachEnd > f.reachStart ? tail(b, f, NextHopSource.MpReach) : null, f.unreachAfi !== 0];
      const viaDecoder = text && [Buffer.from(text.nlriTail).toString('latin1'), text.mpTail && Buffer.from(text.mpTail).toString('latin1'), text.unreach !== null];
      if (JSON.stringify(raw) !== JSON.stringify(viaDecoder)) mismatches.push(`offset ${framer.recordOffset}: raw ${JSON.stringify(raw)} decoder ${JSON.stringify(viaDecoder)}`);
    }
    expect(mismatches.slice(0, 3)).toEqual([]);
    expect(blocks).toBeGreaterThan(100);
    // Real dumps are nearly all clean: the fast path must not silently decline them.
    expect(accepted / blocks).toBeGreaterThan(0.95);
  });
});

describe('readRawAttributes', () => {
  const f = new RawAttrFields();
  const block = (...bytes: number[]): Buffer => Buffer.from(bytes);

  it('accepts a clean ORIGIN, AS_PATH, NEXT_HOP block', () => {
    const b = block(0x40, 1, 1, 0, 0x40, 2, 6, 2, 1, 0, 0, 0xfd, 0xe8, 0x40, 3, 4, 10, 0, 0, 1);
    expect(readRawAttributes(b, 0, b.length, true, false, f)).toBe(true);
    expect(tail(b, f, NextHopSource.NextHop)).toBe('65000|IGP|10.0.0.1|0|0||NAG||\n');
  });

  it.each([
    ['a repeated ORIGIN', [0x40, 1, 1, 0, 0x40, 1, 1, 0]],
    ['ORIGIN with optional flags', [0xc0, 1, 1, 0]],
    ['an ORIGIN value above 2', [0x40, 1, 1, 3]],
    ['AS 0 in AS_PATH (RFC 7607)', [0x40, 2, 6, 2, 1, 0, 0, 0, 0]],
    ['an empty AS_PATH segment', [0x40, 2, 2, 2, 0]],
    ['a NEXT_HOP of 3 octets', [0x40, 3, 3, 10, 0, 0]],
    ['COMMUNITIES of 5 octets', [0xc0, 8, 5, 0, 0, 0, 1, 2]],
    ['an attribute overrunning the block', [0x40, 1, 9, 0]],
  ])('declines %s (the decoder reports it)', (_what, bytes) => {
    const b = Buffer.from(bytes);
    expect(readRawAttributes(b, 0, b.length, true, false, f)).toBe(false);
  });

  it('declines AS4_PATH on a 2-octet session (bgpdump merges it) and ignores it on a 4-octet one', () => {
    const b = block(0x40, 1, 1, 0, 0xc0, 17, 6, 2, 1, 0, 1, 0, 0);
    expect(readRawAttributes(b, 0, b.length, false, false, f)).toBe(false);
    expect(readRawAttributes(b, 0, b.length, true, false, f)).toBe(true);
  });
});
