/**
 * UPDATEs decoded as a session does (`ipv4FieldOnly`): the NLRI field is
 * checked exactly as the full decoder checks it, kept as octets, and read
 * back the same, as objects (`nlri`) or packed (`readIpv4Field`).
 */
import fc from 'fast-check';
import { decodeUpdateBody, encodeUpdateBody, isEndOfRib } from '../../../../../src/bgp/wire/messages/update';
import { FieldUpdate, withAttributes } from '../../../../../src/bgp/wire/messages/field-update';
import type { UpdateMessage } from '../../../../../src/bgp/wire/messages/types';
import type { PathAttribute } from '../../../../../src/bgp/wire/attributes/types';
import type { Nlri } from '../../../../../src/bgp/wire/nlri/types';
import { readIpv4Field } from '../../../../../src/bgp/wire/nlri/unicast';
import { withContext } from '../../../../../src/bgp/wire/context';
import { BgpError } from '../../../../../src/bgp/wire/errors';
import { ipv4Prefix } from '../../../../../src/bgp/wire/values/prefix';

const full = withContext({ fourOctetAs: true });
const fieldOnly = withContext({ ipv4FieldOnly: true }, full);

const ATTRS: PathAttribute[] = [
  { type: 'origin', origin: 0 },
  { type: 'as-path', segments: [{ kind: 'sequence', asns: [65001, 65002] }] },
  { type: 'next-hop', nextHop: '192.0.2.1' },
];

const prefix = fc.tuple(fc.integer({ min: 0, max: 0xffffffff }), fc.integer({ min: 0, max: 32 })).map(([a, l]) => ipv4Prefix(a, l));
const unicast = prefix.map((p): Nlri => ({ kind: 'unicast', safi: 1, prefix: p }));

/** An UPDATE body whose NLRI field is `field`, as given (valid or not). */
function bodyWithField(attributes: readonly PathAttribute[], field: Uint8Array): Buffer {
  const head = encodeUpdateBody({ type: 'update', withdrawn: [], attributes, nlri: [], errors: [] }, full);
  return Buffer.concat([head, field]);
}

/** What a decode gave, comparable across the two modes: the message's content, or the error's code, subcode and text. */
function outcome(body: Buffer, ctx: typeof full): unknown {
  try {
    const m = decodeUpdateBody(body, ctx);
    return { withdrawn: m.withdrawn, attributes: m.attributes, nlri: m.nlri, errors: m.errors };
  } catch (e) {
    if (!(e instanceof BgpError)) throw e;
    return { code: e.code, subcode: e.subcode, message: e.message, action: e.action };
  }
}

describe('UPDATEs with the NLRI field kept as octets', () => {
  it('read back the same prefixes as the full decoder, as objects and packed', () => {
    fc.assert(
      fc.property(fc.array(unicast, { maxLength: 60 }), (nlri) => {
        const body = encodeUpdateBody({ type: 'update', withdrawn: [], attributes: nlri.length ? ATTRS : [], nlri, errors: [] }, full);
        const eager = decodeUpdateBody(body, full);
        const kept = decodeUpdateBody(body, fieldOnly);
        expect(kept).toBeInstanceOf(FieldUpdate);
        expect(eager.ipv4Field).toBeUndefined();
        const field = kept.ipv4Field;
        if (field === undefined) throw new Error('no field');
        const packed: number[] = [];
        for (let p = 0; p < field.length; p += 1 + (((field[p] ?? 0) + 7) >> 3)) packed.push(readIpv4Field(field, p));
        expect(packed).toEqual(eager.nlri.map((n) => (n.kind === 'unicast' && n.prefix.afi === 1 ? n.prefix.address * 64 + n.prefix.length : -1)));
        expect(kept.nlri).toEqual(eager.nlri);
        // Made once, then the same list.
        expect(kept.nlri).toBe(kept.nlri);
        expect(kept.attributes).toEqual(eager.attributes);
        expect(kept.errors).toEqual(eager.errors);
        expect(isEndOfRib(kept)).toEqual(isEndOfRib(eager));
      }),
    );
  });

  it('any field octets: the same message or the same NOTIFICATION as the full decoder (RFC 4271 §6.3 3/10, RFC 7606 §5.3)', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 40 }), fc.boolean(), (field, withAttrs) => {
        const body = bodyWithField(withAttrs ? ATTRS : [], field);
        expect(outcome(body, fieldOnly)).toEqual(outcome(body, full));
      }),
    );
  });

  it('a prefix longer than 32 bits, or one overrunning the field, resets the session with 3/10 and says where', () => {
    const tooLong = bodyWithField(ATTRS, Uint8Array.from([24, 10, 0, 0, 33, 1, 2, 3, 4, 5]));
    expect(() => decodeUpdateBody(tooLong, fieldOnly)).toThrow(/prefix length 33 > 32 at offset 4/);
    const overrun = bodyWithField(ATTRS, Uint8Array.from([24, 10, 0]));
    expect(() => decodeUpdateBody(overrun, fieldOnly)).toThrow(/prefix \/24 overruns the field at offset 0/);
    try {
      decodeUpdateBody(overrun, fieldOnly);
    } catch (e) {
      expect(e).toBeInstanceOf(BgpError);
      expect([(e as BgpError).code, (e as BgpError).subcode, (e as BgpError).action]).toEqual([3, 10, 'session-reset']);
    }
  });

  it('a route missing ORIGIN is treat-as-withdraw in both forms (RFC 7606 §3 d): the field counts as NLRI', () => {
    const body = bodyWithField(ATTRS.slice(1), Uint8Array.from([24, 10, 1, 2]));
    const kept = decodeUpdateBody(body, fieldOnly);
    expect(kept.errors.map((e) => e.action)).toEqual(['treat-as-withdraw']);
    expect(kept.errors).toEqual(decodeUpdateBody(body, full).errors);
  });

  it('under ADD-PATH for IPv4 unicast (RFC 7911) the field is decoded in full: prefixes carry path ids', () => {
    const ctx = withContext({ addPath: new Set(['1/1']) }, full);
    const nlri: Nlri[] = [{ kind: 'unicast', safi: 1, prefix: ipv4Prefix(0x0a000000, 8), pathId: 7 }];
    const body = encodeUpdateBody({ type: 'update', withdrawn: [], attributes: ATTRS, nlri, errors: [] }, ctx);
    const m = decodeUpdateBody(body, withContext({ ipv4FieldOnly: true }, ctx));
    expect(m.ipv4Field).toBeUndefined();
    expect(m.nlri).toEqual(nlri);
  });

  it('other attributes keep the field and the prefixes (RFC 6793 AS4_PATH merge); a plain message is copied', () => {
    const body = encodeUpdateBody({ type: 'update', withdrawn: [], attributes: ATTRS, nlri: [{ kind: 'unicast', safi: 1, prefix: ipv4Prefix(0x0a010000, 16) }], errors: [] }, full);
    const kept = decodeUpdateBody(body, fieldOnly);
    const other: PathAttribute[] = [{ type: 'origin', origin: 2 }];
    const merged = withAttributes(kept, other);
    expect(merged).toBeInstanceOf(FieldUpdate);
    expect(merged.attributes).toBe(other);
    expect(merged.ipv4Field).toBe(kept.ipv4Field);
    expect(merged.nlri).toEqual(kept.nlri);
    const plain: UpdateMessage = decodeUpdateBody(body, full);
    expect(withAttributes(plain, other)).toEqual({ ...plain, attributes: other });
  });

  it('End-of-RIB (RFC 4724 §2) is seen without making the prefixes', () => {
    const eor = decodeUpdateBody(Buffer.from([0, 0, 0, 0]), fieldOnly);
    expect(eor).toBeInstanceOf(FieldUpdate);
    expect(isEndOfRib(eor)).toEqual({ afi: 1, safi: 1 });
  });
});
