import { MessageFramer } from '../../../../src/bgp/wire/framer';
import { BgpError } from '../../../../src/bgp/wire/errors';
import { catchBgpError, hex } from '../../../helpers/bgp';

const MARKER = 'ffffffffffffffffffffffffffffffff';
const V1 = hex(`${MARKER} 0013 04`);
const V2 = hex(`${MARKER} 002d 01 04 fde8 005a c0000201 10 02 0e 01 04 0001 00 80 02 00 41 04 0000fde8`);
const V4 = hex(`${MARKER} 0015 03 04 00`);
const V4B = hex('ffffffffffffffffffffffffffffffff00210306020b6d61696e74656e616e6365');
const V5 = hex('ffffffffffffffffffffffffffffffff00170500010080');
const V3D = hex('ffffffffffffffffffffffffffffffff00170200000000');

/** An UPDATE-typed message of the given total length (the framer does not look inside bodies). */
function bigMessage(length: number, fill: number): Buffer {
  const m = Buffer.alloc(length, fill);
  m.fill(0xff, 0, 16);
  m.writeUInt16BE(length, 16);
  m[18] = 2;
  return m;
}

const MESSAGES = [V2, V1, V3D, bigMessage(4096, 0xab), V5, V4B, V1, V4];
const STREAM = Buffer.concat(MESSAGES);

/** Deterministic PRNG (mulberry32) so chunkings are reproducible. */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function feed(framer: MessageFramer, stream: Buffer, sizes: () => number): Buffer[] {
  const out: Buffer[] = [];
  for (let off = 0; off < stream.length; ) {
    const n = Math.max(1, Math.min(sizes(), stream.length - off));
    // A fresh copy per chunk, as a socket would deliver.
    for (const m of framer.push(Buffer.from(stream.subarray(off, off + n)))) out.push(m);
    off += n;
  }
  return out;
}

describe('MessageFramer', () => {
  it('returns every message of one big chunk, in order, as views', () => {
    const framer = new MessageFramer();
    const out = framer.push(STREAM);
    expect(out.map((m) => m.toString('hex'))).toEqual(MESSAGES.map((m) => m.toString('hex')));
    expect(out[0]?.buffer).toBe(STREAM.buffer);
    expect(framer.bufferedLength).toBe(0);
  });

  it('works when fed one byte at a time', () => {
    const framer = new MessageFramer();
    const counts: number[] = [];
    const out: Buffer[] = [];
    for (let i = 0; i < STREAM.length; i++) {
      const got = framer.push(STREAM.subarray(i, i + 1));
      counts.push(got.length);
      out.push(...got);
    }
    expect(out.map((m) => m.toString('hex'))).toEqual(MESSAGES.map((m) => m.toString('hex')));
    // Each message is returned exactly when its last octet arrives.
    let end = 0;
    for (const m of MESSAGES) {
      end += m.length;
      expect(counts[end - 1]).toBeGreaterThanOrEqual(1);
    }
    expect(counts.reduce((a, b) => a + b, 0)).toBe(MESSAGES.length);
  });

  it.each([1, 2, 3, 42, 1234])('works with random chunk sizes (seed %i)', (seed) => {
    const random = rng(seed);
    const out = feed(new MessageFramer(), STREAM, () => 1 + Math.floor(random() * 64));
    expect(Buffer.concat(out).equals(STREAM)).toBe(true);
    expect(out.length).toBe(MESSAGES.length);
  });

  it('keeps a partial message buffered until it completes', () => {
    const framer = new MessageFramer();
    expect(framer.push(V2.subarray(0, 30))).toEqual([]);
    expect(framer.bufferedLength).toBe(30);
    expect(framer.push(Buffer.concat([V2.subarray(30), V1.subarray(0, 5)])).map((m) => m.toString('hex'))).toEqual([V2.toString('hex')]);
    expect(framer.bufferedLength).toBe(5);
  });

  it('throws 1/1 as soon as a bad marker is complete, before any body', () => {
    const framer = new MessageFramer();
    const bad = Buffer.from(V2);
    bad[3] = 0x30; // ASCII '0', as in GoBGP's fuzz corpus
    for (let i = 0; i < 18; i++) expect(framer.push(bad.subarray(i, i + 1))).toEqual([]);
    const e = catchBgpError(() => framer.push(bad.subarray(18, 19)));
    expect([e.code, e.subcode]).toEqual([1, 1]);
    // The stream is dead: later input gets the same error.
    expect(() => framer.push(bad.subarray(19))).toThrow(BgpError);
  });

  it('throws 1/2 for a too-long length at the 19th octet, not after waiting for 5000 octets', () => {
    const framer = new MessageFramer();
    const e = catchBgpError(() => framer.push(bigMessage(5000, 0).subarray(0, 19)));
    expect([e.code, e.subcode, e.data.toString('hex')]).toEqual([1, 2, '1388']);
  });

  it('throws 1/3 for an unknown type as soon as the header is in', () => {
    const framer = new MessageFramer();
    framer.push(V1);
    const e = catchBgpError(() => framer.push(hex(`${MARKER} 0013 07`)));
    expect([e.code, e.subcode, e.data.toString('hex')]).toEqual([1, 3, '07']);
  });

  it('takes extended messages once Extended Message is negotiated', () => {
    const big = bigMessage(65535, 0x11);
    const framer = new MessageFramer();
    expect(() => new MessageFramer().push(big)).toThrow(BgpError);
    framer.setExtendedMessage(true);
    expect(framer.push(big)[0]?.length).toBe(65535);
    expect(new MessageFramer({ extendedMessage: true }).push(big).length).toBe(1);
  });

  it('handles large inputs fed byte by byte in linear time', () => {
    const stream = Buffer.concat([bigMessage(65535, 1), bigMessage(65535, 2), bigMessage(4096, 3)]);
    const framer = new MessageFramer({ extendedMessage: true });
    const started = Date.now();
    const out: Buffer[] = [];
    for (let i = 0; i < stream.length; i++) out.push(...framer.push(stream.subarray(i, i + 1)));
    expect(out.map((m) => m.length)).toEqual([65535, 65535, 4096]);
    expect(Buffer.concat(out).equals(stream)).toBe(true);
    // Generous bound: quadratic copying of 135 k one-octet chunks would take far longer.
    expect(Date.now() - started).toBeLessThan(10000);
  });

  it('ignores empty chunks', () => {
    const framer = new MessageFramer();
    expect(framer.push(Buffer.alloc(0))).toEqual([]);
    expect(framer.push(V1).length).toBe(1);
  });
});
