/** Term and chain flow, the results' shape, and the no-change fast path. */
import { PolicyDefinitionError } from '../../../../src/bgp/policy/engine';
import { ACCEPT_ALL } from '../../../../src/bgp/policy/types';
import type { PathAttribute } from '../../../../src/bgp/wire/attributes/types';
import { community, engine, entry, policy, route, term } from './helpers';

const tag = (c: string) => ({ communities: { replace: null, remove: [], add: [community(c)] } });

function communitiesOf(list: readonly PathAttribute[] | null): number[] {
  const a = list?.find((x) => x.type === 'communities');
  return a?.type === 'communities' ? [...a.communities] : [];
}

describe('policy flow', () => {
  it('a term without action falls through with its set actions kept', () => {
    const e = engine([policy('p', term('tag', {}, tag('1:1')), term('pref', {}, { localPref: 50 }, 'accept'))]);
    const r = e.chain(['p']).evaluate(route());
    expect(r).toMatchObject({ action: 'accept', policy: 'p', term: 'pref' });
    expect(r.action === 'accept' && communitiesOf(r.attributes)).toEqual([community('1:1')]);
  });

  it('later terms match against what earlier terms set', () => {
    const e = engine([policy('p', term('tag', {}, tag('1:1')), term('drop-tagged', { communities: [community('1:1')] }, {}, 'reject'))]);
    expect(e.chain(['p']).evaluate(route())).toEqual({ action: 'reject', policy: 'p', term: 'drop-tagged' });
  });

  it('reject ends the chain at once, later policies never run', () => {
    const e = engine([policy('a', term('no', { prefixes: [entry('10.0.0.0/24')] }, {}, 'reject')), policy('b', term('yes', {}, {}, 'accept'))]);
    expect(e.chain(['a', 'b']).evaluate(route({ prefix: '10.0.0.0/24' }))).toEqual({ action: 'reject', policy: 'a', term: 'no' });
    expect(e.chain(['a', 'b']).evaluate(route({ prefix: '10.0.1.0/24' }))).toMatchObject({ action: 'accept', policy: 'b', term: 'yes' });
  });

  it('accept ends the chain: later policies do not see the route', () => {
    const e = engine([policy('a', term('ok', {}, {}, 'accept')), policy('b', term('no', {}, {}, 'reject'))]);
    expect(e.chain(['a', 'b']).evaluate(route())).toMatchObject({ action: 'accept', policy: 'a', term: 'ok' });
  });

  it('next-policy skips the rest of this policy and keeps the changes', () => {
    const e = engine([
      policy('a', term('tag-and-go', {}, tag('1:1'), 'next-policy'), term('never', {}, {}, 'reject')),
      policy('b', term('check', { communities: [community('1:1')] }, { med: 9 }, 'accept')),
    ]);
    const r = e.chain(['a', 'b']).evaluate(route());
    expect(r).toMatchObject({ action: 'accept', policy: 'b', term: 'check' });
    const kinds = r.action === 'accept' ? r.attributes?.map((x) => x.type) : [];
    expect(kinds).toEqual(['origin', 'as-path', 'med', 'communities']);
  });

  it('a policy that ends without a decision goes on with the next policy', () => {
    const e = engine([policy('a', term('only-10', { prefixes: [entry('10.0.0.0/8', null, 32)] }, {}, 'reject')), policy('b', term('b1', {}, {}, 'reject'))]);
    expect(e.chain(['a', 'b']).evaluate(route({ prefix: '192.0.2.0/24' }))).toEqual({ action: 'reject', policy: 'b', term: 'b1' });
  });

  it('the end of the chain accepts, naming the last term that matched and keeping its changes', () => {
    const e = engine([policy('a', term('tag', { prefixes: [entry('10.0.0.0/24')] }, tag('1:1')), term('other', { asPath: ['^65009_'] }, {}, 'reject'))]);
    const tagged = e.chain(['a']).evaluate(route({ prefix: '10.0.0.0/24' }));
    expect(tagged).toMatchObject({ action: 'accept', policy: 'a', term: 'tag', nextHop: null });
    expect(tagged.action === 'accept' && communitiesOf(tagged.attributes)).toEqual([community('1:1')]);
    expect(e.chain(['a']).evaluate(route({ prefix: '10.9.0.0/24' }))).toEqual({ action: 'accept', policy: null, term: null, attributes: null, nextHop: null });
  });

  it('set actions of a rejecting term do not matter', () => {
    const e = engine([policy('p', term('r', {}, { localPref: 5 }, 'reject'))]);
    expect(e.chain(['p']).evaluate(route())).toEqual({ action: 'reject', policy: 'p', term: 'r' });
  });

  it('an empty chain is ACCEPT_ALL', () => {
    expect(engine([]).chain([])).toBe(ACCEPT_ALL);
  });
});

describe('no change, no allocation', () => {
  const e = engine([
    policy('p', term('pref', { communities: [community('1:1')] }, { localPref: 100 }, 'accept'), term('tag-again', {}, tag('2:2'), 'accept')),
  ]);
  const chain = e.chain(['p']);

  it('returns null attributes when a set action writes the value the route already has', () => {
    expect(chain.evaluate(route({ communities: ['1:1'], localPref: 100 }))).toEqual({ action: 'accept', policy: 'p', term: 'pref', attributes: null, nextHop: null });
    expect(chain.evaluate(route({ communities: ['2:2'] }))).toMatchObject({ attributes: null, nextHop: null });
  });

  it('returns the same prebuilt result object for every unchanged route', () => {
    const a = chain.evaluate(route({ communities: ['2:2'], prefix: '10.0.0.0/24' }));
    const b = chain.evaluate(route({ communities: ['2:2'], prefix: '10.0.9.0/24', asPath: '65001' }));
    expect(a).toBe(b);
    const none = engine([policy('q', term('x', { asPath: ['^65009_'] }, {}, 'reject'))]).chain(['q']);
    expect(none.evaluate(route())).toBe(none.evaluate(route({ prefix: '10.1.0.0/16' })));
  });

  it('does not modify the interned set it was given', () => {
    const input = route({ communities: ['1:1'], localPref: 50 });
    const before = JSON.stringify(input.attrs.attributes);
    const r = chain.evaluate(input);
    expect(r.action === 'accept' && r.attributes).not.toBeNull();
    expect(JSON.stringify(input.attrs.attributes)).toBe(before);
    expect(input.attrs.localPref).toBe(50);
  });

  it('state does not leak from one route to the next', () => {
    const changed = chain.evaluate(route({ communities: ['1:1'], localPref: 50 }));
    expect(changed).toMatchObject({ attributes: expect.any(Array) });
    expect(chain.evaluate(route({ communities: ['1:1'], localPref: 100 }))).toMatchObject({ attributes: null });
  });

  it('the same names give the same chain object', () => {
    expect(e.chain(['p'])).toBe(chain);
  });
});

describe('definitions the engine refuses', () => {
  it('unknown policy and prefix-list names, bad regexes, duplicates', () => {
    expect(() => engine([]).chain(['nope'])).toThrow(new PolicyDefinitionError("unknown policy 'nope'"));
    expect(() => engine([policy('p', term('t', { prefixLists: ['missing'] }))])).toThrow("unknown prefix-list 'missing'");
    expect(() => engine([policy('p', term('t', { asPath: ['(65001'] }))])).toThrow("as-path '(65001' is not a valid regular expression: unterminated group");
    expect(() => engine([policy('p'), policy('p')])).toThrow("policy 'p' is defined twice");
    expect(() => engine([policy('p', term('t'), term('t'))])).toThrow("policy 'p' has two terms named 't'");
  });

  it('has() answers for defined policies only', () => {
    const e = engine([policy('p')]);
    expect(e.has('p')).toBe(true);
    expect(e.has('q')).toBe(false);
  });
});
