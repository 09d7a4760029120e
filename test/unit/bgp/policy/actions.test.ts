/** Set actions: what each one does to the attribute list the RIB re-interns. */
import type { SetDefinition } from '../../../../src/bgp/policy/definitions';
import type { PolicyResult } from '../../../../src/bgp/policy/types';
import { decodeAttributeList, encodeAttributeList } from '../../../../src/bgp/wire/attributes';
import { DEFAULT_CONTEXT } from '../../../../src/bgp/wire/context';
import type { PathAttribute } from '../../../../src/bgp/wire/attributes/types';
import { attributeCode } from '../../../../src/bgp/wire/attributes/codec';
import { formatAsPath } from '../../../../src/bgp/wire/values/as-path';
import { community, engine, large, policy, route, rt, term, type RouteSpec } from './helpers';

function apply(set: Partial<SetDefinition>, spec: RouteSpec = {}): PolicyResult {
  return engine([policy('p', term('t', {}, set, 'accept'))]).chain(['p']).evaluate(route(spec));
}

function attributesAfter(set: Partial<SetDefinition>, spec: RouteSpec = {}): readonly PathAttribute[] {
  const r = apply(set, spec);
  if (r.action !== 'accept' || r.attributes === null) throw new Error(`expected changed attributes, got ${JSON.stringify(r)}`);
  return r.attributes;
}

function find<T extends PathAttribute['type']>(list: readonly PathAttribute[], type: T): Extract<PathAttribute, { type: T }> | undefined {
  return list.find((a): a is Extract<PathAttribute, { type: T }> => a.type === type);
}

const edit = <T>(e: { replace?: T[] | null; remove?: T[]; add?: T[] }) => ({ replace: e.replace ?? null, remove: e.remove ?? [], add: e.add ?? [] });

describe('set actions', () => {
  it('local-pref replaces the attribute in place, or inserts it in type-code order', () => {
    expect(find(attributesAfter({ localPref: 200 }, { localPref: 100, med: 5 }), 'local-pref')?.localPref).toBe(200);
    const inserted = attributesAfter({ localPref: 200 }, { med: 5, communities: ['65000:1'] });
    expect(inserted.map((a) => a.type)).toEqual(['origin', 'as-path', 'med', 'local-pref', 'communities']);
  });

  it('med', () => {
    expect(find(attributesAfter({ med: 7 }, { med: 5 }), 'med')?.med).toBe(7);
    expect(attributesAfter({ med: 0 }).map((a) => a.type)).toEqual(['origin', 'as-path', 'med']);
  });

  it('next-hop self or an address changes only the next hop', () => {
    expect(apply({ nextHop: 'self' })).toMatchObject({ action: 'accept', attributes: null, nextHop: 'self' });
    expect(apply({ nextHop: '203.0.113.9' })).toMatchObject({ attributes: null, nextHop: '203.0.113.9' });
    expect(apply({ nextHop: '192.0.2.1' }, { nextHop: '192.0.2.1' })).toMatchObject({ attributes: null, nextHop: null });
  });

  it('community add appends new values once; remove drops exact values; replace sets the list', () => {
    const added = find(attributesAfter({ communities: edit({ add: [community('65000:2'), community('65000:1')] }) }, { communities: ['65000:1'] }), 'communities');
    expect(added?.communities).toEqual([community('65000:1'), community('65000:2')]);
    const removed = find(attributesAfter({ communities: edit({ remove: [community('no-export')] }) }, { communities: ['65000:1', 'no-export'] }), 'communities');
    expect(removed?.communities).toEqual([community('65000:1')]);
    const replaced = find(attributesAfter({ communities: edit({ replace: [community('65000:9')] }) }, { communities: ['65000:1', '65000:2'] }), 'communities');
    expect(replaced?.communities).toEqual([community('65000:9')]);
  });

  it('replace, then remove, then add', () => {
    const e = edit({ replace: [community('1:1'), community('1:2')], remove: [community('1:1')], add: [community('1:3')] });
    expect(find(attributesAfter({ communities: e }, { communities: ['9:9'] }), 'communities')?.communities).toEqual([community('1:2'), community('1:3')]);
  });

  it('removing every community drops the attribute (a zero-length COMMUNITIES is malformed, RFC 7606 §7.8)', () => {
    const list = attributesAfter({ communities: edit({ replace: [] }) }, { communities: ['65000:1'], localPref: 100 });
    expect(list.map((a) => a.type)).toEqual(['origin', 'as-path', 'local-pref']);
  });

  it('adding a community to a route without any inserts COMMUNITIES', () => {
    expect(find(attributesAfter({ communities: edit({ add: [community('65000:1')] }) }), 'communities')?.communities).toEqual([community('65000:1')]);
  });

  it('keeps the flags of a replaced attribute (the Partial bit survives, RFC 4271 §5)', () => {
    const attributes: PathAttribute[] = [{ type: 'origin', origin: 0 }, { type: 'as-path', segments: [] }, { type: 'communities', communities: [1], flags: 0xe0 }];
    const out = find(attributesAfter({ communities: edit({ add: [2] }) }, { attributes }), 'communities');
    expect(out).toEqual({ type: 'communities', communities: [1, 2], flags: 0xe0 });
  });

  it('large-community add, remove, replace', () => {
    const after = (e: ReturnType<typeof edit<ReturnType<typeof large>>>, have: string[]) =>
      find(attributesAfter({ largeCommunities: e }, { large: have }), 'large-communities')?.communities;
    expect(after(edit({ add: [large('65000:1:2')] }), ['65000:0:0'])).toEqual([large('65000:0:0'), large('65000:1:2')]);
    expect(after(edit({ remove: [large('65000:0:0')] }), ['65000:0:0', '65000:1:1'])).toEqual([large('65000:1:1')]);
    expect(after(edit({ replace: [large('1:2:3')] }), ['65000:0:0'])).toEqual([large('1:2:3')]);
  });

  it('route-target add and remove touch only route targets', () => {
    const other = { kind: 'other' as const, raw: Uint8Array.from([0x80, 0, 0, 0, 0, 0, 0, 1]) };
    const attributes: PathAttribute[] = [{ type: 'origin', origin: 0 }, { type: 'as-path', segments: [] }, { type: 'extended-communities', communities: [rt('65000:1'), other] }];
    const ext = find(attributesAfter({ routeTargets: edit({ add: [rt('65000:2')], remove: [rt('65000:1')] }) }, { attributes }), 'extended-communities');
    expect(ext?.communities).toEqual([other, rt('65000:2')]);
    const removedAll = attributesAfter({ routeTargets: edit({ remove: [rt('65000:1')] }) }, { routeTargets: ['65000:1'] });
    expect(find(removedAll, 'extended-communities')).toBeUndefined();
  });

  it('as-path-prepend: our AS by default, or a given one, onto the leading AS_SEQUENCE', () => {
    const path = (set: Partial<SetDefinition>, asPath: string) => formatAsPath(find(attributesAfter(set, { asPath }), 'as-path')?.segments ?? []);
    expect(path({ asPathPrepend: { asn: null, count: 2 } }, '65001 65002')).toBe('65000 65000 65001 65002');
    expect(path({ asPathPrepend: { asn: 65009, count: 1 } }, '')).toBe('65009');
    expect(path({ asPathPrepend: { asn: null, count: 1 } }, '{65001,65002}')).toBe('65000 {65001,65002}');
    const segments = find(attributesAfter({ asPathPrepend: { asn: null, count: 1 } }, { asPath: '65001 65002' }), 'as-path')?.segments;
    expect(segments).toEqual([{ kind: 'sequence', asns: [65000, 65001, 65002] }]);
  });

  it('results encode and decode back to the same attributes', () => {
    const result = attributesAfter(
      { localPref: 300, med: 1, communities: edit({ add: [community('65000:5')] }), largeCommunities: edit({ add: [large('1:2:3')] }), routeTargets: edit({ add: [rt('65000:7')] }), asPathPrepend: { asn: null, count: 3 } },
      { asPath: '65001', communities: ['65000:1'] },
    );
    const codes = result.map(attributeCode);
    expect(codes).toEqual([...codes].sort((a, b) => a - b));
    const decoded = decodeAttributeList(encodeAttributeList(result, DEFAULT_CONTEXT), DEFAULT_CONTEXT);
    expect(decoded.errors).toEqual([]);
    expect(decoded.attributes).toEqual(result);
  });
});
