/**
 * What a neighbor is configured to announce and accept, and what the OPEN
 * exchange settled. `negotiate.ts` turns two OPENs into a NegotiatedSession;
 * `local-open.ts` builds our OPEN from a NeighborConfig.
 */
import type { CodecContext, FamilyKey } from '../wire/context';
import type { AddPathMode, AfiSafi, Capability, GracefulRestartFamily, LlgrFamily } from '../wire/capabilities/types';

export type AddPathFamily = AfiSafi & { readonly mode: AddPathMode };

/** Our side of graceful restart (RFC 4724 §3, RFC 8538 N bit). */
export interface LocalGracefulRestart {
  /** Seconds (12 bits) the peer should keep our routes while we restart. */
  readonly restartTime: number;
  /** R bit: we have just restarted (restarting-speaker mode). */
  readonly restarting: boolean;
  /** N bit: we support NOTIFICATION-based graceful restart (RFC 8538). */
  readonly notification: boolean;
  /** Families whose forwarding state we preserve (F bit) or merely support. */
  readonly families: readonly GracefulRestartFamily[];
}

/** Capabilities a neighbor may be configured to insist on; families are required through `requiredFamilies`. */
export type RequirableCapability = 'four-octet-as' | 'route-refresh' | 'enhanced-route-refresh' | 'extended-message' | 'graceful-restart';

export interface NeighborConfig {
  readonly localAs: number;
  /** Our BGP Identifier, dotted quad (RFC 6286: non-zero). */
  readonly routerId: string;
  /** The AS the peer must have; null accepts any (dynamic neighbors decide elsewhere). */
  readonly peerAs: number | null;
  /** Hold Time we propose, seconds: 0 or >= 3 (RFC 4271 §4.2). */
  readonly holdTime: number;
  /** Optional upper bound on the keepalive interval, seconds; otherwise hold/3 (RFC 4271 §10). */
  readonly keepaliveTime: number | null;
  /** Local policy: a non-zero Hold Time offered below this is refused with 2/6 (RFC 4271 §6.2 allows it). */
  readonly minHoldTime: number;
  /** Local policy: accept a peer that proposes Hold Time 0 (no keepalives at all). */
  readonly allowHoldTimeZero: boolean;
  /** Families we announce (one Multiprotocol capability each, RFC 4760 §8). */
  readonly families: readonly AfiSafi[];
  /** Families without which the session must not come up: 2/7 when the peer lacks one (RFC 5492 §3). */
  readonly requiredFamilies: readonly AfiSafi[];
  readonly requiredCapabilities: readonly RequirableCapability[];
  /** Announce the 4-octet AS capability (always announced when localAs > 65535). */
  readonly fourOctetAs: boolean;
  readonly routeRefresh: boolean;
  readonly enhancedRouteRefresh: boolean;
  readonly extendedMessage: boolean;
  readonly addPath: readonly AddPathFamily[];
  readonly gracefulRestart: LocalGracefulRestart | null;
  /** RFC 9494 long-lived GR families; only announced together with graceful restart. */
  readonly llgr: readonly LlgrFamily[];
  readonly fqdn: { readonly hostname: string; readonly domain: string } | null;
}

/** Defaults: IPv4 unicast, hold 90 s (RFC 4271 §10), every optional capability we implement on. */
export function neighborConfig(
  base: Pick<NeighborConfig, 'localAs' | 'routerId' | 'peerAs'>,
  overrides: Partial<NeighborConfig> = {},
): NeighborConfig {
  return {
    holdTime: 90,
    keepaliveTime: null,
    minHoldTime: 3,
    allowHoldTimeZero: true,
    families: [{ afi: 1, safi: 1 }],
    requiredFamilies: [],
    requiredCapabilities: [],
    fourOctetAs: true,
    routeRefresh: true,
    enhancedRouteRefresh: true,
    extendedMessage: true,
    addPath: [],
    gracefulRestart: null,
    llgr: [],
    fqdn: null,
    ...base,
    ...overrides,
  };
}

/** The peer's graceful restart capability, restricted to the negotiated families. */
export interface PeerGracefulRestart {
  readonly restartTime: number;
  /** R bit: the peer has restarted; do not wait for its End-of-RIB before selecting (RFC 4724 §4.2). */
  readonly restarting: boolean;
  /** RFC 8538: both sides set the N bit, so NOTIFICATIONs other than Hard Reset keep GR semantics. */
  readonly notification: boolean;
  readonly families: readonly GracefulRestartFamily[];
}

/** ADD-PATH per direction (RFC 7911 §5). */
export interface AddPathDirections {
  /** Families whose received NLRI carry a Path Identifier. */
  readonly receive: ReadonlySet<FamilyKey>;
  /** Families whose sent NLRI carry a Path Identifier. */
  readonly send: ReadonlySet<FamilyKey>;
}

export interface NegotiatedSession {
  readonly localAs: number;
  /** From the 4-octet AS capability when present (RFC 6793 §4.1), else My AS. */
  readonly peerAs: number;
  readonly ibgp: boolean;
  readonly localBgpId: string;
  readonly peerBgpId: string;
  /** min(ours, theirs), seconds; 0 = no Hold and no Keepalive timers (RFC 4271 §4.2). */
  readonly holdTime: number;
  /** Seconds between KEEPALIVEs before jitter; 0 when holdTime is 0. */
  readonly keepaliveTime: number;
  /** RFC 6793: both sides announced the 4-octet AS capability. */
  readonly fourOctetAs: boolean;
  /** Families both sides announced, in our configured order. */
  readonly families: readonly AfiSafi[];
  /** RFC 2918: both announced it, so either may send ROUTE-REFRESH. */
  readonly routeRefresh: boolean;
  /** RFC 7313: both announced it, so BoRR/EoRR may be used. */
  readonly enhancedRouteRefresh: boolean;
  /** RFC 8654 §3: only when both sides announced it. */
  readonly extendedMessage: boolean;
  readonly addPath: AddPathDirections;
  readonly gracefulRestart: PeerGracefulRestart | null;
  /** RFC 9494: the peer's long-lived GR families (negotiated families only; needs GR too). */
  readonly llgr: readonly LlgrFamily[];
  readonly peerFqdn: { readonly hostname: string; readonly domain: string } | null;
  /** Everything the peer announced, for `show neighbors`. */
  readonly peerCapabilities: readonly Capability[];
  /** How to read what the peer sends. */
  readonly decodeContext: CodecContext;
  /** How to write what we send. */
  readonly encodeContext: CodecContext;
}
