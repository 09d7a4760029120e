/** The MRT framer fed in pieces: one octet at a time, and at every split point of a two-record stream. */
import { decodeFrame, MrtFramer, readMrtBuffer, type MrtItem } from '../../../../../src/bgp/wire/mrt';

const STATE = Buffer.from('53a8f0000010000000000008011efde900010002', 'hex');
const ET_STATE = Buffer.from('53a8f000001100050000001c000f423f0000011e0000fde900000001c0000202c000020100040005', 'hex');
const STREAM = Buffer.concat([STATE, ET_STATE]);

function feed(pieces: Buffer[]): string[] {
  const framer = new MrtFramer();
  const out: MrtItem[] = [];
  for (const p of pieces) {
    framer.push(p);
    for (let f = framer.next(); f !== null; f = framer.next()) out.push(decodeFrame(f));
  }
  const tail = framer.finish();
  if (tail) out.push({ kind: 'error', error: tail });
  return out.map((i) => (i.kind === 'error' ? `error:${i.error.reason}` : `${i.record.kind}@${i.offset}`));
}

describe('MrtFramer', () => {
  const whole = [...readMrtBuffer(STREAM)].map((i) => (i.kind === 'error' ? 'error' : `${i.record.kind}@${i.offset}`));

  it('frames the stream read whole', () => {
    expect(whole).toEqual(['bgp4mp-state-change@0', 'bgp4mp-state-change@20']);
  });

  it('gives the same records when fed one octet per call', () => {
    expect(feed([...STREAM].map((b) => Buffer.from([b])))).toEqual(whole);
  });

  it('gives the same records for every two-piece split', () => {
    for (let i = 0; i <= STREAM.length; i++) {
      expect(feed([STREAM.subarray(0, i), STREAM.subarray(i)])).toEqual(whole);
    }
  });

  it('reports a record cut at any point as truncated', () => {
    for (let i = 1; i < ET_STATE.length; i++) {
      const got = feed([STATE, ET_STATE.subarray(0, i)]);
      expect(got).toEqual(['bgp4mp-state-change@0', i < 16 ? 'error:truncated-header' : 'error:truncated-record']);
    }
  });

  it('counts the microsecond field of BGP4MP_ET in Length (RFC 6396 §3)', () => {
    const items = [...readMrtBuffer(ET_STATE)];
    const r = items[0];
    expect(r?.kind === 'record' && r.record.kind === 'bgp4mp-state-change' && [r.record.header.microseconds, r.record.oldState, r.record.newState]).toEqual([999_999, 4, 5]);
  });
});
