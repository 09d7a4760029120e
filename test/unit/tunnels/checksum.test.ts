import fc from 'fast-check';
import { checksumIsValid, internetChecksum, onesComplementSum, updateChecksum16 } from '../../../src/tunnels/checksum';
import { hex, referenceChecksum } from './packets';

describe('Internet checksum (RFC 1071)', () => {
  it('sums the RFC 1071 §3 example to 0xddf2', () => {
    // Words 0001 f203 f4f5 f6f7: 0x2ddf0 with carries, folded to 0xddf2.
    const b = hex('0001 f203 f4f5 f6f7');
    expect(onesComplementSum(b, 0, b.length)).toBe(0xddf2);
    expect(internetChecksum(b, 0, b.length)).toBe(0x220d);
  });

  it('pads an odd last octet with zero (RFC 1071 §4.1)', () => {
    expect(onesComplementSum(hex('0102 03'), 0, 3)).toBe(0x0102 + 0x0300);
  });

  it('checks a known IPv4 header (checksum b861)', () => {
    const header = hex('4500 0073 0000 4000 4011 b861 c0a8 0001 c0a8 00c7');
    expect(checksumIsValid(header, 0, 20)).toBe(true);
    header[11] = 0x62;
    expect(checksumIsValid(header, 0, 20)).toBe(false);
  });

  it('works at any offset, length and byteOffset, like the word-at-a-time reference', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 2000 }), fc.nat(7), (bytes, pad) => {
        const b = Buffer.alloc(bytes.length + pad);
        b.set(bytes, pad);
        expect(internetChecksum(b, pad, bytes.length)).toBe(referenceChecksum(bytes));
        // A Buffer that is a window into a larger ArrayBuffer (as pooled Buffers are).
        const window = Buffer.alloc(4096).subarray(101 + pad, 101 + pad + bytes.length);
        window.set(bytes);
        expect(internetChecksum(window, 0, bytes.length)).toBe(referenceChecksum(bytes));
      }),
    );
  });
});

describe('incremental update (RFC 1624)', () => {
  it('gives 0x0000 in the RFC 1624 §4 example, where RFC 1141 gave 0xffff', () => {
    expect(updateChecksum16(0xdd2f, 0x5555, 0x3285)).toBe(0x0000);
  });

  it('leaves a checksum that verifies after any one-word change', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 4, maxLength: 64 }), fc.nat(), fc.integer({ min: 0, max: 0xffff }), (bytes, at, word) => {
        const b = Buffer.from(bytes.length % 2 ? [...bytes, 0] : bytes);
        const i = (at % (b.length / 2)) * 2;
        const before = internetChecksum(b, 0, b.length);
        const old = b.readUInt16BE(i);
        b.writeUInt16BE(word, i);
        const updated = updateChecksum16(before, old, word);
        // A checksum of 0x0000 and of 0xffff verify alike; compare by verification.
        const withField = Buffer.concat([b, Buffer.from([updated >>> 8, updated & 0xff])]);
        expect(checksumIsValid(withField, 0, withField.length)).toBe(true);
      }),
    );
  });
});
