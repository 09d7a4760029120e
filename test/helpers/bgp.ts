/** Small helpers for codec tests: hex input and exact BgpError expectations. */
import { BgpError } from '../../src/bgp/wire/errors';

/** Hex text to bytes; whitespace and `|` separators allowed so vectors can show their fields. */
export function hex(text: string): Buffer {
  return Buffer.from(text.replace(/[\s|]/g, ''), 'hex');
}

/** Runs fn and returns the BgpError it throws; fails the test if it throws anything else or nothing. */
export function catchBgpError(fn: () => unknown): BgpError {
  try {
    fn();
  } catch (e) {
    if (e instanceof BgpError) return e;
    throw new Error(`expected a BgpError, got ${String(e)}`);
  }
  throw new Error('expected a BgpError, nothing was thrown');
}

/** Asserts fn throws BgpError code/subcode and, when given, exactly this data (hex). */
export function expectBgpError(fn: () => unknown, code: number, subcode: number, dataHex?: string): BgpError {
  const e = catchBgpError(fn);
  expect({ code: e.code, subcode: e.subcode }).toEqual({ code, subcode });
  if (dataHex !== undefined) expect(e.data.toString('hex')).toBe(dataHex);
  return e;
}
