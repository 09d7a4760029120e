import { compileAsPathRegex, translateAsPathRegex } from '../../../../src/bgp/policy/as-path-regex';

function re(text: string): RegExp {
  const r = compileAsPathRegex(text);
  if (!r.ok) throw new Error(r.reason);
  return r.regex;
}

describe('Cisco-style AS path regexes', () => {
  it('^65001_ : learned from 65001, not from 650011', () => {
    expect(re('^65001_').test('65001 65002')).toBe(true);
    expect(re('^65001_').test('65001')).toBe(true);
    expect(re('^65001_').test('650011 65002')).toBe(false);
    expect(re('^65001_').test('65002 65001')).toBe(false);
  });

  it('_65002$ : originated by 65002', () => {
    expect(re('_65002$').test('65001 65002')).toBe(true);
    expect(re('_65002$').test('65002')).toBe(true);
    expect(re('_65002$').test('65001 165002')).toBe(false);
  });

  it('_N_ anywhere, with AS_SET braces and commas as delimiters', () => {
    const r = re('_65004_');
    expect(r.test('65001 65002 {65003,65004}')).toBe(true);
    expect(r.test('65001 {65004,65005}')).toBe(true);
    expect(r.test('65001 (65004) 65002')).toBe(true);
    expect(r.test('65001 650045')).toBe(false);
  });

  it('consecutive ASNs share one delimiter', () => {
    expect(re('_65001_65002_').test('64999 65001 65002 65003')).toBe(true);
  });

  it('^$ is the empty path only', () => {
    expect(re('^$').test('')).toBe(true);
    expect(re('^$').test('65001')).toBe(false);
  });

  it('leaves _ inside a character class and escaped characters alone', () => {
    expect(translateAsPathRegex('[_]')).toBe('[_]');
    expect(translateAsPathRegex('\\_')).toBe('\\_');
    expect(translateAsPathRegex('^6500[0-9]_')).toBe('^6500[0-9](?:^|$|[ {},()\\[\\]])');
  });

  it('reports a bad regex with the reason', () => {
    expect(compileAsPathRegex('(65001')).toEqual({ ok: false, reason: 'unterminated group' });
    expect(compileAsPathRegex('*65001')).toEqual({ ok: false, reason: 'nothing to repeat' });
  });
});
