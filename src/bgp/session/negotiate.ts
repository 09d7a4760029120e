/**
 * OPEN validation the codec cannot do (it needs our configuration) and the
 * capability negotiation of RFC 5492: from our OPEN and the peer's, either the
 * NegotiatedSession with both codec contexts, or the NOTIFICATION to send.
 */
import { encodeCapabilities } from '../wire/capabilities/codec';
import type { AfiSafi, Capability, CapabilityType } from '../wire/capabilities/types';
import { AS_TRANS } from '../wire/constants';
import { familyKey, type CodecContext, type FamilyKey } from '../wire/context';
import { ErrorCode, OpenSubcode } from '../wire/errors';
import type { NotificationMessage, OpenMessage } from '../wire/messages/types';
import { parseIpv4 } from '../wire/values/ip';
import { BGP_VERSION } from '../wire/messages/open';
import type { AddPathDirections, NegotiatedSession, NeighborConfig, PeerGracefulRestart } from './negotiate-types';

export type NegotiationResult =
  | { readonly ok: true; readonly session: NegotiatedSession }
  | { readonly ok: false; readonly notification: NotificationMessage; readonly reason: string };

type Failure = Extract<NegotiationResult, { ok: false }>;

/** Cisco's pre-standard route refresh code (RFC 2918 predates it); FRR and BIRD still accept it. */
const CISCO_ROUTE_REFRESH = 128;
const IPV4_UNICAST: AfiSafi = { afi: 1, safi: 1 };

function openError(subcode: number, reason: string, data: Uint8Array = Buffer.alloc(0)): Failure {
  return { ok: false, reason, notification: { type: 'notification', code: ErrorCode.OpenMessage, subcode, data } };
}

function u16(n: number): Buffer {
  const b = Buffer.alloc(2);
  b.writeUInt16BE(n & 0xffff, 0);
  return b;
}

function u32(n: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeUInt32BE(n >>> 0, 0);
  return b;
}

function lastOf<T extends CapabilityType>(caps: readonly Capability[], type: T): Extract<Capability, { type: T }> | undefined {
  let found: Extract<Capability, { type: T }> | undefined;
  for (const c of caps) if (c.type === type) found = c as Extract<Capability, { type: T }>;
  return found;
}

function has(caps: readonly Capability[], type: CapabilityType): boolean {
  return caps.some((c) => c.type === type);
}

/**
 * The families a speaker announced. A speaker that sent no Multiprotocol
 * capability at all is taken to do IPv4 unicast only: RFC 4760 leaves this
 * open, and it is what a pre-MP (RFC 4271-only) speaker does. FRR is more
 * generous (it assumes every family configured locally); we are not, so that
 * no VPNv4 route ever goes to a peer that never said it understands them.
 */
export function announcedFamilies(caps: readonly Capability[]): AfiSafi[] {
  const out: AfiSafi[] = [];
  for (const c of caps) {
    if (c.type === 'multiprotocol' && !out.some((f) => f.afi === c.afi && f.safi === c.safi)) out.push({ afi: c.afi, safi: c.safi });
  }
  return out.length > 0 ? out : [IPV4_UNICAST];
}

function includes(list: readonly AfiSafi[], f: AfiSafi): boolean {
  return list.some((g) => g.afi === f.afi && g.safi === f.safi);
}

/**
 * The peer's AS (RFC 6793 §4.1: from the 4-octet AS capability when present),
 * with the checks FRR applies: AS 0 anywhere is Bad Peer AS (RFC 7607 §2),
 * AS_TRANS is never a real AS in the capability, and a mappable capability AS
 * must equal My AS.
 */
export function resolvePeerAs(open: OpenMessage): { readonly asn: number } | Failure {
  const cap = lastOf(open.capabilities, 'four-octet-as');
  if (open.myAs === 0) return openError(OpenSubcode.BadPeerAs, 'My AS is 0 (RFC 7607)', u16(0));
  if (cap === undefined) return { asn: open.myAs };
  if (cap.asn === 0) return openError(OpenSubcode.BadPeerAs, '4-octet AS capability carries AS 0 (RFC 7607)', u32(0));
  if (cap.asn === AS_TRANS) return openError(OpenSubcode.BadPeerAs, '4-octet AS capability carries AS_TRANS (RFC 6793 §2)', u32(cap.asn));
  if (open.myAs !== AS_TRANS && open.myAs !== cap.asn) {
    return openError(OpenSubcode.BadPeerAs, `My AS ${open.myAs} differs from the 4-octet AS ${cap.asn} (RFC 6793 §3)`, u32(cap.asn));
  }
  return { asn: cap.asn };
}

/** RFC 4271 §6.2 and local policy on the offered Hold Time; null when acceptable. */
export function checkHoldTime(config: NeighborConfig, offered: number): Failure | null {
  const data = u16(offered);
  if (offered === 1 || offered === 2) return openError(OpenSubcode.UnacceptableHoldTime, `Hold Time ${offered} s (must be 0 or >= 3, RFC 4271 §4.2)`, data);
  if (offered === 0 && !config.allowHoldTimeZero) return openError(OpenSubcode.UnacceptableHoldTime, 'Hold Time 0 refused by local policy', data);
  if (offered !== 0 && offered < config.minHoldTime) {
    return openError(OpenSubcode.UnacceptableHoldTime, `Hold Time ${offered} s below the configured minimum ${config.minHoldTime} s`, data);
  }
  return null;
}

/** RFC 6286 §2.2: zero, or our own identifier on an iBGP session, is a Bad BGP Identifier. */
function checkBgpId(localId: string, peerId: string, ibgp: boolean): Failure | null {
  const peer = parseIpv4(peerId);
  const data = u32(peer ?? 0);
  if (peer === null || peer === 0) return openError(OpenSubcode.BadBgpIdentifier, `BGP Identifier ${peerId} is zero or invalid (RFC 6286 §2.2)`, data);
  if (ibgp && parseIpv4(localId) === peer) return openError(OpenSubcode.BadBgpIdentifier, `iBGP peer uses our BGP Identifier ${peerId} (RFC 6286 §2.2)`, data);
  return null;
}

/** The peer's identity: version, AS, identifier and hold time, in the order FRR checks them. */
function checkPeer(config: NeighborConfig, local: OpenMessage, peer: OpenMessage): { readonly peerAs: number } | Failure {
  // RFC 4271 §6.2: Data = the largest version we support.
  if (peer.version !== BGP_VERSION) return openError(OpenSubcode.UnsupportedVersionNumber, `version ${peer.version}, we speak ${BGP_VERSION}`, u16(BGP_VERSION));
  const as = resolvePeerAs(peer);
  if ('ok' in as) return as;
  if (config.peerAs !== null && as.asn !== config.peerAs) {
    return openError(OpenSubcode.BadPeerAs, `peer AS ${as.asn}, configured ${config.peerAs} (RFC 4271 §6.2)`, u16(peer.myAs));
  }
  const idError = checkBgpId(local.bgpId, peer.bgpId, as.asn === config.localAs);
  if (idError !== null) return idError;
  const holdError = checkHoldTime(config, peer.holdTime);
  if (holdError !== null) return holdError;
  return { peerAs: as.asn };
}

/**
 * RFC 5492 §3: a capability we require and the peer lacks is 2/7, with the
 * missing capabilities in the Data field encoded as in our OPEN. A session
 * with no family in common is refused the same way (what FRR does), listing
 * our families: it could carry nothing.
 */
function checkRequired(config: NeighborConfig, local: OpenMessage, peer: OpenMessage, families: readonly AfiSafi[]): Failure | null {
  const peerFamilies = announcedFamilies(peer.capabilities);
  const missing: Capability[] = config.requiredFamilies
    .filter((f) => !includes(peerFamilies, f))
    .map((f) => ({ type: 'multiprotocol', afi: f.afi, safi: f.safi }));
  for (const type of config.requiredCapabilities) {
    if (has(peer.capabilities, type)) continue;
    const ours = lastOf(local.capabilities, type);
    if (ours !== undefined) missing.push(ours);
  }
  if (missing.length === 0 && families.length === 0) {
    missing.push(...announcedFamilies(local.capabilities).map((f): Capability => ({ type: 'multiprotocol', afi: f.afi, safi: f.safi })));
  }
  if (missing.length === 0) return null;
  const names = missing.map((c) => (c.type === 'multiprotocol' ? `family ${c.afi}/${c.safi}` : c.type)).join(', ');
  return openError(OpenSubcode.UnsupportedCapability, `peer lacks ${names} (RFC 5492 §3)`, encodeCapabilities(missing));
}

type AddPathModes = ReadonlyMap<FamilyKey, 'receive' | 'send' | 'both'>;

function addPathModes(caps: readonly Capability[]): AddPathModes {
  const modes = new Map<FamilyKey, 'receive' | 'send' | 'both'>();
  for (const c of caps) if (c.type === 'add-path') for (const f of c.families) modes.set(familyKey(f.afi, f.safi), f.mode);
  return modes;
}

/**
 * RFC 7911 §5: we receive path identifiers for a family when we said
 * receive/both and the peer said send/both; we send them when we said
 * send/both and the peer said receive/both.
 */
export function negotiateAddPath(local: readonly Capability[], peer: readonly Capability[], families: readonly AfiSafi[]): AddPathDirections {
  const ours = addPathModes(local);
  const theirs = addPathModes(peer);
  const receive = new Set<FamilyKey>();
  const send = new Set<FamilyKey>();
  for (const f of families) {
    const key = familyKey(f.afi, f.safi);
    const a = ours.get(key);
    const b = theirs.get(key);
    if (a === undefined || b === undefined) continue;
    if (a !== 'send' && b !== 'receive') receive.add(key);
    if (a !== 'receive' && b !== 'send') send.add(key);
  }
  return { receive, send };
}

/** The peer's GR capability (RFC 4724 §3: the last one counts), restricted to negotiated families. */
function peerGracefulRestart(local: readonly Capability[], peer: readonly Capability[], families: readonly AfiSafi[]): PeerGracefulRestart | null {
  const gr = lastOf(peer, 'graceful-restart');
  if (gr === undefined) return null;
  const ours = lastOf(local, 'graceful-restart');
  return {
    restartTime: gr.restartTime,
    restarting: gr.restarting,
    // RFC 8538 §2: NOTIFICATION-based GR applies only when both sides set N.
    notification: gr.notification && ours !== undefined && ours.notification,
    families: gr.families.filter((f) => includes(families, f)),
  };
}

function routeRefreshAnnounced(caps: readonly Capability[]): boolean {
  return caps.some((c) => c.type === 'route-refresh' || (c.type === 'unknown' && c.code === CISCO_ROUTE_REFRESH));
}

/** Everything after validation: the capabilities both sides announced. */
function buildSession(config: NeighborConfig, local: OpenMessage, peer: OpenMessage, peerAs: number, families: readonly AfiSafi[]): NegotiatedSession {
  const ibgp = peerAs === config.localAs;
  const both = (type: CapabilityType): boolean => has(local.capabilities, type) && has(peer.capabilities, type);
  const fourOctetAs = both('four-octet-as');
  const extendedMessage = both('extended-message');
  const addPath = negotiateAddPath(local.capabilities, peer.capabilities, families);
  const gracefulRestart = peerGracefulRestart(local.capabilities, peer.capabilities, families);
  // RFC 9494 §3.1: LLGR without the GR capability is ignored.
  const llgrCap = gracefulRestart === null ? undefined : lastOf(peer.capabilities, 'long-lived-graceful-restart');
  const fqdn = lastOf(peer.capabilities, 'fqdn');
  const holdTime = Math.min(local.holdTime, peer.holdTime);
  const context = (paths: ReadonlySet<FamilyKey>): CodecContext => ({ fourOctetAs, addPath: paths, extendedMessage, ibgp });
  return {
    localAs: config.localAs,
    peerAs,
    ibgp,
    localBgpId: local.bgpId,
    peerBgpId: peer.bgpId,
    holdTime,
    keepaliveTime: keepaliveFor(holdTime, config.keepaliveTime),
    fourOctetAs,
    families,
    routeRefresh: routeRefreshAnnounced(local.capabilities) && routeRefreshAnnounced(peer.capabilities),
    enhancedRouteRefresh: both('enhanced-route-refresh'),
    extendedMessage,
    addPath,
    gracefulRestart,
    llgr: llgrCap === undefined ? [] : llgrCap.families.filter((f) => includes(families, f)),
    peerFqdn: fqdn === undefined ? null : { hostname: fqdn.hostname, domain: fqdn.domain },
    peerCapabilities: peer.capabilities,
    decodeContext: context(addPath.receive),
    encodeContext: context(addPath.send),
  };
}

/**
 * RFC 4271 §10: keepalive = hold/3 (FRR: or the configured keepalive when
 * smaller), whole seconds, never below 1 s (§4.4: at most one per second).
 */
export function keepaliveFor(holdTime: number, configured: number | null): number {
  if (holdTime === 0) return 0;
  let k = Math.floor(holdTime / 3);
  if (configured !== null && configured > 0 && configured < k) k = configured;
  return Math.max(1, k);
}

/**
 * Validates the peer's OPEN against our configuration and negotiates the
 * session. `local` is the OPEN we sent (see buildOpenMessage).
 */
export function negotiateSession(config: NeighborConfig, local: OpenMessage, peer: OpenMessage): NegotiationResult {
  const identity = checkPeer(config, local, peer);
  if ('ok' in identity) return identity;
  const peerFamilies = announcedFamilies(peer.capabilities);
  const families = announcedFamilies(local.capabilities).filter((f) => includes(peerFamilies, f));
  const missing = checkRequired(config, local, peer, families);
  if (missing !== null) return missing;
  return { ok: true, session: buildSession(config, local, peer, identity.peerAs, families) };
}
