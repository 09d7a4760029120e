/** A route as the RIB holds it: what (NLRI), how (interned attributes), from whom. */
import type { LabeledNlri, Nlri, UnicastNlri, VpnNlri } from '../wire/nlri/types';
import type { AttributeSet } from './attribute-set';
import { formatPrefix, ipv4Mask, type Ipv4Prefix } from '../wire/values/prefix';
import { formatRd, type RouteDistinguisher } from '../wire/values/rd';

/** The NLRI kinds a RIB stores per route (opaque families are not routed). */
export type RoutableNlri = UnicastNlri | LabeledNlri | VpnNlri;

export interface RouteSource {
  /** Peer address, or 'local' for routes this node originates. */
  readonly address: string;
  readonly asn: number;
  readonly bgpId: string;
  readonly ibgp: boolean;
  /** RFC 4456: the neighbor is a client of our route reflector. */
  readonly reflectorClient?: boolean;
}

export interface Route {
  readonly afi: number;
  readonly safi: number;
  readonly nlri: RoutableNlri;
  readonly attrs: AttributeSet;
  readonly source: RouteSource;
  /** RFC 4724: kept from before a graceful restart, until End-of-RIB or the stale timer. */
  stale: boolean;
  /** Why import refused the route (kept for `show rib`, never selected), e.g. an AS path loop (RFC 4271 §9.1.2). */
  readonly rejected?: string;
  /** The attributes as received, when import policy changed them (`attrs` is then the post-policy set). */
  readonly received?: AttributeSet;
}

/** What a route is made of; `makeRoute` stores it. */
export interface RouteFields {
  readonly afi: number;
  readonly safi: number;
  readonly nlri: RoutableNlri;
  readonly attrs: AttributeSet;
  readonly source: RouteSource;
  readonly stale: boolean;
  readonly rejected?: string | undefined;
  readonly received?: AttributeSet | undefined;
}

/**
 * A route as the RIBs store it. An IPv4 unicast prefix without path id (the
 * bulk of any table) is kept as two small integers in the route itself, not
 * as the decoder's NLRI and prefix objects: those cost two objects and a
 * boxed number per route, 112 of about 340 heap bytes per route of a full
 * table, and copying them through the young generation was much of the
 * collector's time. `nlri` makes them again when read (rarely: sending,
 * `show rib`). Not a plain object, so never copy one with spread syntax
 * (the getter would be lost): use `withRoute`.
 */
type Extra = { readonly rejected: string | undefined; readonly received: AttributeSet | undefined };

class RibRoute implements Route {
  constructor(
    readonly attrs: AttributeSet,
    readonly source: RouteSource,
    /** afi × 256 + safi. */
    private readonly family: number,
    /** The packed prefix length × 2, plus 1 when stale: one small integer for both. */
    private lengthStale: number,
    /** The rare fields (import refusal, attributes before import policy), null when neither is set. */
    private readonly extra: Extra | null,
    /** The NLRI as given, unless it is packed below. */
    private readonly kept: RoutableNlri | null,
    /** Packed IPv4 prefix: the address as a signed 32-bit integer (a small integer, not a boxed number). */
    private readonly v4: number,
  ) {}

  /** The packed prefix (`kept` null). */
  protected get v4Prefix(): Ipv4Prefix {
    return { afi: 1, length: this.lengthStale >> 1, address: this.v4 >>> 0 };
  }

  get afi(): number {
    return this.family >> 8;
  }

  get safi(): number {
    return this.family & 0xff;
  }

  get stale(): boolean {
    return (this.lengthStale & 1) === 1;
  }

  set stale(v: boolean) {
    this.lengthStale = (this.lengthStale & ~1) | (v ? 1 : 0);
  }

  get rejected(): string | undefined {
    return this.extra?.rejected;
  }

  get received(): AttributeSet | undefined {
    return this.extra?.received;
  }

  get nlri(): RoutableNlri {
    return this.kept ?? { kind: 'unicast', safi: 1, prefix: this.v4Prefix };
  }

  /** The ADD-PATH path id (RFC 7911), without making the NLRI. */
  get pathId(): number | undefined {
    return this.kept === null ? undefined : this.kept.pathId;
  }
}

/**
 * An IPv4 unicast route that a neighbor's Adj-RIB-In stores as columns
 * (its attribute set at the destination's id), made when read. The Loc-RIB
 * and the Adj-RIB-Out keep `slot` (the Adj-RIB-In's number in the Loc-RIB)
 * instead of the object, so a full table holds no object per route: 80 of
 * about 360 bytes per route, and most of the collector's work on a table
 * load, were these objects.
 */
class HeldRoute extends RibRoute {
  constructor(
    attrs: AttributeSet,
    source: RouteSource,
    address: number,
    length: number,
    readonly slot: number,
    readonly destId: number,
  ) {
    super(attrs, source, 257, length * 2, null, null, address | 0);
  }
}

/**
 * A VPN-IPv4 route (RFC 4364), the route server's other bulk family, packed
 * the same way: the RD and label stack are the NLRI interner's shared
 * objects, so the route keeps references to them and the prefix as integers.
 */
class VpnRibRoute extends RibRoute {
  constructor(
    attrs: AttributeSet,
    source: RouteSource,
    family: number,
    lengthStale: number,
    extra: Extra | null,
    v4: number,
    readonly rd: RouteDistinguisher,
    readonly labels: readonly number[],
  ) {
    super(attrs, source, family, lengthStale, extra, null, v4);
  }

  override get nlri(): RoutableNlri {
    return { kind: 'vpn', prefix: this.v4Prefix, rd: this.rd, labels: this.labels };
  }

  override get pathId(): number | undefined {
    return undefined;
  }
}

/** A VPN-IPv4 route an Adj-RIB-In holds as columns (HeldRoute's VPN twin). */
class HeldVpnRoute extends VpnRibRoute {
  constructor(
    attrs: AttributeSet,
    source: RouteSource,
    rd: RouteDistinguisher,
    labels: readonly number[],
    address: number,
    length: number,
    readonly slot: number,
    readonly destId: number,
  ) {
    super(attrs, source, 256 + 128, length * 2, null, address | 0, rd, labels);
  }
}

/** IPv4 unicast or VPN-IPv4 without ADD-PATH id: what a stored route packs. */
function packable(n: RoutableNlri): n is (UnicastNlri | VpnNlri) & { readonly prefix: Ipv4Prefix } {
  return (n.kind === 'unicast' || n.kind === 'vpn') && n.pathId === undefined && n.prefix.afi === 1;
}

export function makeRoute(f: RouteFields): Route {
  const n = f.nlri;
  const family = f.afi * 256 + f.safi;
  const extra = f.rejected === undefined && f.received === undefined ? null : { rejected: f.rejected, received: f.received };
  const stale = f.stale ? 1 : 0;
  if (packable(n)) {
    if (n.kind === 'vpn') return new VpnRibRoute(f.attrs, f.source, family, n.prefix.length * 2 + stale, extra, n.prefix.address | 0, n.rd, n.labels);
    if (n.safi === 1 && f.safi === 1) return new RibRoute(f.attrs, f.source, family, n.prefix.length * 2 + stale, extra, null, n.prefix.address | 0);
  }
  return new RibRoute(f.attrs, f.source, family, stale, extra, n, 0);
}

/**
 * The IPv4 unicast route (no path id, not stale, as received) that the
 * Adj-RIB-In numbered `slot` holds for destination `destId`: what `heldBy`
 * reads back.
 */
export function makeHeldRoute(attrs: AttributeSet, source: RouteSource, address: number, length: number, slot: number, destId: number): Route {
  return new HeldRoute(attrs, source, address, length, slot, destId);
}

/** `makeHeldRoute` for a VPN-IPv4 route (RFC 4364): the RD and labels are the NLRI interner's shared ones. */
export function makeHeldVpnRoute(attrs: AttributeSet, source: RouteSource, rd: RouteDistinguisher, labels: readonly number[], address: number, length: number, slot: number, destId: number): Route {
  return new HeldVpnRoute(attrs, source, rd, labels, address, length, slot, destId);
}

/** The Adj-RIB-In slot holding `r` as columns at destination `destId`, or -1 when `r` is an object of its own. */
export function heldBy(r: Route, destId: number): number {
  return (r instanceof HeldRoute || r instanceof HeldVpnRoute) && r.destId === destId ? r.slot : -1;
}

/** The label stack of a held VPN route (what its Adj-RIB-In keeps besides the set), else undefined. */
export function heldLabels(r: Route): readonly number[] | undefined {
  return r instanceof HeldVpnRoute ? r.labels : undefined;
}

/** Two routes for one destination are the same path: same neighbor, same ADD-PATH id (RFC 7911), same family. */
export function samePath(a: Route, b: Route): boolean {
  return a === b || (a.source.address === b.source.address && routePathId(a) === routePathId(b) && a.afi === b.afi && a.safi === b.safi);
}

/** A copy of `r` with some fields replaced (`rejected`/`received` undefined: without them). */
export function withRoute(r: Route, patch: Partial<RouteFields>): Route {
  return makeRoute({
    afi: patch.afi ?? r.afi,
    safi: patch.safi ?? r.safi,
    nlri: patch.nlri ?? r.nlri,
    attrs: patch.attrs ?? r.attrs,
    source: patch.source ?? r.source,
    stale: patch.stale ?? r.stale,
    rejected: 'rejected' in patch ? patch.rejected : r.rejected,
    received: 'received' in patch ? patch.received : r.received,
  });
}

/** The route's ADD-PATH path id (RFC 7911), read without making its NLRI when the RIB packed it. */
export function routePathId(r: Route): number | undefined {
  return r instanceof RibRoute ? r.pathId : r.nlri.pathId;
}

export function isRoutable(n: Nlri): n is RoutableNlri {
  return n.kind !== 'opaque';
}

/**
 * Family + RD + prefix (+ '#' + path id under ADD-PATH): the identity of a
 * route within one peer's RIB. Without a path id it is the destination key
 * itself, so the Adj-RIB-In and the Loc-RIB share one string per route.
 */
export function routeKey(afi: number, safi: number, n: RoutableNlri): string {
  if (n.kind !== 'vpn' && n.prefix.afi === 1) return ipv4RouteKey(afi, safi, n.prefix.address, n.prefix.length, n.pathId);
  const dest = n.kind === 'vpn' ? `${afi}/${safi}|${formatRd(n.rd)}|${formatPrefix(n.prefix)}` : `${afi}/${safi}||${formatPrefix(n.prefix)}`;
  return n.pathId === undefined ? dest : `${dest}#${n.pathId}`;
}

/** Character codes of the key being built (a key is built once per route received). */
const scratch: number[] = new Array<number>(64).fill(0);
/**
 * Arrays of exactly n codes, the form `String.fromCharCode.apply` takes:
 * kept per length and reused, since emptying and refilling one array
 * reallocated its backing store for every key.
 */
const exact: number[][] = [];

function putDecimal(at: number, v: number): number {
  let p = at;
  if (v >= 10) p = putDecimal(p, Math.floor(v / 10));
  scratch[p] = 48 + (v % 10);
  return p + 1;
}

/**
 * `routeKey` of an IPv4 prefix, the same text built in one step: the
 * template-literal form made a dozen intermediate strings per route, which
 * showed as a tenth of the full-table load (bench:rib).
 */
function ipv4RouteKey(afi: number, safi: number, address: number, length: number, pathId: number | undefined): string {
  let p = putDecimal(0, afi);
  scratch[p++] = 47; // '/'
  p = putDecimal(p, safi);
  scratch[p++] = 124; // '|'
  scratch[p++] = 124;
  p = putDecimal(p, address >>> 24);
  scratch[p++] = 46; // '.'
  p = putDecimal(p, (address >>> 16) & 0xff);
  scratch[p++] = 46;
  p = putDecimal(p, (address >>> 8) & 0xff);
  scratch[p++] = 46;
  p = putDecimal(p, address & 0xff);
  scratch[p++] = 47;
  p = putDecimal(p, length);
  if (pathId !== undefined) {
    scratch[p++] = 35; // '#'
    p = putDecimal(p, pathId);
  }
  let out = exact[p];
  if (!out) {
    out = new Array<number>(p).fill(0);
    exact[p] = out;
  }
  for (let i = 0; i < p; i++) out[i] = scratch[i] ?? 0;
  return String.fromCharCode.apply(null, out);
}

/** The destination key of an IPv4 unicast prefix (`routeKey(1, 1, …)` without path id). */
export function ipv4UnicastKey(address: number, length: number): string {
  return ipv4RouteKey(1, 1, address, length, undefined);
}

/** One decimal octet or length as `ipv4RouteKey` writes it (no leading zero); -1 when `key` has none at `at`. */
function readDecimal(key: string, at: number, max: number): number {
  let v = 0;
  let i = at;
  for (; i < key.length; i++) {
    const c = key.charCodeAt(i) - 48;
    if (c < 0 || c > 9) break;
    if (i > at && v === 0) return -1; // a leading zero: not the canonical text
    v = v * 10 + c;
    if (v > max) return -1;
  }
  parsedEnd = i;
  return i === at ? -1 : v;
}

let parsedEnd = 0;

/**
 * `ipv4UnicastKey` backwards: address × 64 + length when `key` is exactly
 * the key of an IPv4 unicast prefix (host bits zero, no path id), else -1.
 */
export function packedIpv4UnicastKey(key: string): number {
  // "1/1||" then four octets, '/', length.
  if (key.charCodeAt(0) !== 49 || key.charCodeAt(1) !== 47 || key.charCodeAt(2) !== 49 || key.charCodeAt(3) !== 124 || key.charCodeAt(4) !== 124) return -1;
  let at = 5;
  let address = 0;
  for (let octet = 0; octet < 4; octet++) {
    const v = readDecimal(key, at, 255);
    if (v < 0 || key.charCodeAt(parsedEnd) !== (octet < 3 ? 46 : 47)) return -1;
    address = address * 256 + v;
    at = parsedEnd + 1;
  }
  const length = readDecimal(key, at, 32);
  if (length < 0 || parsedEnd !== key.length) return -1;
  if (((address & ipv4Mask(length)) >>> 0) !== address) return -1;
  return address * 64 + length;
}

/** `packedIpv4UnicastKey(routeKey(afi, safi, n))`, read from the NLRI without parsing. */
export function packedIpv4Unicast(afi: number, safi: number, n: RoutableNlri): number {
  if (afi !== 1 || safi !== 1 || n.kind !== 'unicast' || n.pathId !== undefined || n.prefix.afi !== 1) return -1;
  const { address, length } = n.prefix;
  if (length > 32 || ((address & ipv4Mask(length)) >>> 0) !== address) return -1;
  return address * 64 + length;
}

/** The IPv4 unicast NLRI (no path id) of a prefix packed as `packedIpv4Unicast` packs it. */
export function unpackedIpv4Unicast(packed: number): UnicastNlri {
  return { kind: 'unicast', safi: 1, prefix: { afi: 1, address: Math.floor(packed / 64), length: packed % 64 } };
}

/**
 * Family + RD + prefix: the destination the decision process chooses a best
 * path for (RFC 4271 §9.1); the route key without its ADD-PATH path id.
 */
export function destKeyOf(routeKeyText: string): string {
  const hash = routeKeyText.indexOf('#');
  return hash < 0 ? routeKeyText : routeKeyText.slice(0, hash);
}

/** The family of a route or destination key as afi × 65536 + safi, read without allocating (hot path). */
export function familyCodeOfKey(key: string): number {
  let afi = 0;
  let i = 0;
  for (let c = key.charCodeAt(i); c !== 47; c = key.charCodeAt(++i)) afi = afi * 10 + (c - 48);
  let safi = 0;
  for (let c = key.charCodeAt(++i); c !== 124; c = key.charCodeAt(++i)) safi = safi * 10 + (c - 48);
  return afi * 65536 + safi;
}

/** The ADD-PATH path id inside a route key (RFC 7911), undefined without one. */
export function pathIdOfKey(key: string): number | undefined {
  const hash = key.indexOf('#');
  return hash < 0 ? undefined : Number(key.slice(hash + 1));
}
