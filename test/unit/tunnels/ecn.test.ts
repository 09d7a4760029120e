import {
  decapsulatedTos,
  decapsulateEcn,
  Ecn,
  ECN_DROP,
  encapsulateEcn,
  isUnexpectedEcnCombination,
  outerTos,
} from '../../../src/tunnels/ecn';

const { NotEct, Ect0, Ect1, Ce } = Ecn;
const DROP = ECN_DROP;

/** RFC 6040 §4.2 Figure 4, written out cell by cell: [inner, outer, result, (!!!)]. */
const FIGURE_4: ReadonlyArray<readonly [string, number, string, number, number, boolean]> = [
  ['Not-ECT', NotEct, 'Not-ECT', NotEct, NotEct, false],
  ['Not-ECT', NotEct, 'ECT(0)', Ect0, NotEct, true],
  ['Not-ECT', NotEct, 'ECT(1)', Ect1, NotEct, true],
  ['Not-ECT', NotEct, 'CE', Ce, DROP, true],
  ['ECT(0)', Ect0, 'Not-ECT', NotEct, Ect0, false],
  ['ECT(0)', Ect0, 'ECT(0)', Ect0, Ect0, false],
  ['ECT(0)', Ect0, 'ECT(1)', Ect1, Ect1, false],
  ['ECT(0)', Ect0, 'CE', Ce, Ce, false],
  ['ECT(1)', Ect1, 'Not-ECT', NotEct, Ect1, false],
  ['ECT(1)', Ect1, 'ECT(0)', Ect0, Ect1, false], // (!): valid, not logged
  ['ECT(1)', Ect1, 'ECT(1)', Ect1, Ect1, false],
  ['ECT(1)', Ect1, 'CE', Ce, Ce, false],
  ['CE', Ce, 'Not-ECT', NotEct, Ce, false],
  ['CE', Ce, 'ECT(0)', Ect0, Ce, false],
  ['CE', Ce, 'ECT(1)', Ect1, Ce, true],
  ['CE', Ce, 'CE', Ce, Ce, false],
];

describe('RFC 6040 §4.2 decapsulation', () => {
  it('covers all sixteen combinations', () => {
    expect(new Set(FIGURE_4.map(([, i, , o]) => `${i}/${o}`)).size).toBe(16);
  });

  it.each(FIGURE_4)('inner %s, outer %s', (_in, inner, _out, outer, result, unexpected) => {
    expect(decapsulateEcn(inner, outer)).toBe(result);
    expect(isUnexpectedEcnCombination(inner, outer)).toBe(unexpected);
  });

  it('keeps the inner DSCP (pipe) unless told to copy the outer one (uniform)', () => {
    const inner = (10 << 2) | Ect0; // AF11
    const outer = (46 << 2) | Ce; // EF, congestion marked
    expect(decapsulatedTos(inner, outer, false)).toBe((10 << 2) | Ce);
    expect(decapsulatedTos(inner, outer, true)).toBe((46 << 2) | Ce);
    expect(decapsulatedTos((10 << 2) | NotEct, outer, false)).toBe(DROP);
  });
});

describe('RFC 6040 §4.1 encapsulation', () => {
  it.each([NotEct, Ect0, Ect1, Ce])('normal mode copies ECN %i; compatibility mode sends Not-ECT', (ecn) => {
    expect(encapsulateEcn(ecn, 'normal')).toBe(ecn);
    expect(encapsulateEcn(ecn, 'compatibility')).toBe(NotEct);
  });

  it('copies the DSCP (RFC 2983 uniform) or sets a fixed one (pipe)', () => {
    const inner = (34 << 2) | Ce; // AF41, CE
    expect(outerTos(inner, 'copy', 'normal')).toBe(inner);
    expect(outerTos(inner, 8, 'normal')).toBe((8 << 2) | Ce);
    expect(outerTos(inner, 'copy', 'compatibility')).toBe(34 << 2);
  });

  it('round-trips every TOS through normal-mode encapsulation and decapsulation', () => {
    for (let tos = 0; tos < 256; tos++) {
      expect(decapsulatedTos(tos, outerTos(tos, 'copy', 'normal'), true)).toBe(tos);
      expect(decapsulatedTos(tos, outerTos(tos, 0, 'compatibility'), false)).toBe(tos);
    }
  });
});
