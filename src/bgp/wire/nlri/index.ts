/**
 * NLRI lists by address family: the classic NLRI and Withdrawn Routes fields
 * (IPv4 unicast) and the NLRI inside MP_REACH/MP_UNREACH (RFC 4760). Families
 * we do not parse per route are kept whole as one OpaqueNlri.
 */
import { Writer } from '../cursor';
import { familyKey, type CodecContext } from '../context';
import { Afi, Safi } from '../constants';
import { UpdateSubcode } from '../errors';
import type { Nlri } from './types';
import { decodeUnicastList, encodeUnicast } from './unicast';
import { decodeLabeledList, encodeLabeled, type LabeledOptions } from './labeled';

export { WITHDRAW_COMPAT_LABEL } from './labeled';

type Parsed = { readonly kind: 'unicast'; readonly afi: 1 | 2 } | { readonly kind: 'labeled'; readonly afi: 1 | 2; readonly vpn: boolean } | { readonly kind: 'opaque' };

/** The layouts, made once: `layoutOf` runs for every NLRI list decoded or encoded. */
const OPAQUE: Parsed = { kind: 'opaque' };
const UNICAST: readonly [Parsed, Parsed] = [{ kind: 'unicast', afi: 1 }, { kind: 'unicast', afi: 2 }];
const LABELED: readonly [Parsed, Parsed] = [{ kind: 'labeled', afi: 1, vpn: false }, { kind: 'labeled', afi: 2, vpn: false }];
const VPN: readonly [Parsed, Parsed] = [{ kind: 'labeled', afi: 1, vpn: true }, { kind: 'labeled', afi: 2, vpn: true }];

/** How a family's NLRI is laid out. */
function layoutOf(afi: number, safi: number): Parsed {
  if (afi !== Afi.Ipv4 && afi !== Afi.Ipv6) return OPAQUE;
  const a = afi === Afi.Ipv4 ? 0 : 1;
  switch (safi) {
    case Safi.Unicast:
    case Safi.Multicast:
      return UNICAST[a];
    case Safi.Labeled:
      return LABELED[a];
    case Safi.MplsVpn:
      return VPN[a];
    default:
      return OPAQUE;
  }
}

/** True when the family's routes are parsed one by one (unicast, multicast, labeled, VPN). */
export function isParsedFamily(afi: number, safi: number): boolean {
  return layoutOf(afi, safi).kind !== 'opaque';
}

function labeledOptions(afi: 1 | 2, safi: number, vpn: boolean, ctx: CodecContext, withdrawal: boolean, subcode: number): LabeledOptions {
  const key = familyKey(afi, safi);
  return { afi, vpn, addPath: ctx.addPath.has(key), withdrawal, maxLabels: ctx.multipleLabels?.get(key), subcode };
}

/**
 * Decodes an NLRI list of one family. Syntax errors throw a session-reset
 * BgpError with `subcode` (3/10 Invalid Network Field by default; the MP
 * attribute decoders pass 3/9, RFC 4760 §7).
 */
export function decodeNlriListWith(afi: number, safi: number, bytes: Buffer, ctx: CodecContext, withdrawal: boolean, subcode: number): Nlri[] {
  const out: Nlri[] = [];
  const layout = layoutOf(afi, safi);
  switch (layout.kind) {
    case 'unicast':
      decodeUnicastList(layout.afi, safi, bytes, ctx.addPath.has(familyKey(afi, safi)), subcode, out);
      return out;
    case 'labeled':
      decodeLabeledList(bytes, labeledOptions(layout.afi, safi, layout.vpn, ctx, withdrawal, subcode), out);
      return out;
    case 'opaque':
      // RFC 7606 §5.4 lets typed families drop single routes; we never look inside them.
      if (bytes.length > 0) out.push({ kind: 'opaque', afi, safi, bytes: Uint8Array.from(bytes) });
      return out;
    default: {
      const never: never = layout;
      return never;
    }
  }
}

export function decodeNlriList(afi: number, safi: number, bytes: Buffer, ctx: CodecContext, withdrawal: boolean): Nlri[] {
  return decodeNlriListWith(afi, safi, bytes, ctx, withdrawal, UpdateSubcode.InvalidNetworkField);
}

/** Appends the encoded list to `w`. Throws RangeError for NLRI that do not belong to the family (a caller bug). */
export function writeNlriList(w: Writer, afi: number, safi: number, nlri: readonly Nlri[], ctx: CodecContext, withdrawal: boolean): void {
  const layout = layoutOf(afi, safi);
  const addPath = ctx.addPath.has(familyKey(afi, safi));
  for (const n of nlri) {
    switch (n.kind) {
      case 'unicast':
        if (layout.kind !== 'unicast') throw new RangeError(`unicast NLRI in family ${afi}/${safi}`);
        encodeUnicast(w, layout.afi, n, addPath);
        break;
      case 'labeled':
      case 'vpn':
        if (layout.kind !== 'labeled' || layout.vpn !== (n.kind === 'vpn')) throw new RangeError(`${n.kind} NLRI in family ${afi}/${safi}`);
        encodeLabeled(w, n, labeledOptions(layout.afi, safi, layout.vpn, ctx, withdrawal, UpdateSubcode.InvalidNetworkField));
        break;
      case 'opaque':
        w.bytes(n.bytes);
        break;
      default: {
        const never: never = n;
        throw new RangeError(`unknown NLRI ${String(never)}`);
      }
    }
  }
}

export function encodeNlriList(afi: number, safi: number, nlri: readonly Nlri[], ctx: CodecContext, withdrawal: boolean): Buffer {
  const w = new Writer(nlri.length * 8 + 16);
  writeNlriList(w, afi, safi, nlri, ctx, withdrawal);
  return w.finish();
}

/** One route encoded alone (the per-route form the RIB and MRT writers need). */
export function encodeNlri(afi: number, safi: number, nlri: Nlri, ctx: CodecContext, withdrawal = false): Buffer {
  return encodeNlriList(afi, safi, [nlri], ctx, withdrawal);
}
