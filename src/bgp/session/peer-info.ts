/** The `show neighbors` snapshot of a peer, built from what the driver tracks. */
import { familyKey } from '../wire/context';
import type { AfiSafi } from '../wire/capabilities/types';
import type { StateName } from './fsm-types';
import { localCapabilities } from './local-open';
import type { MessageCounters } from './message-counters';
import type { NegotiatedSession, NeighborConfig } from './negotiate-types';
import { BGP_PORT } from './peer-config';
import type { NegotiatedInfo, PeerInfo, PeerOptions } from './peer-types';

/** What a Peer hands over to build its info; plain values so this stays a pure function. */
export interface PeerSnapshot {
  readonly options: PeerOptions;
  readonly neighbor: NeighborConfig;
  readonly state: StateName;
  readonly enabled: boolean;
  readonly session: NegotiatedSession | null;
  /** Monotonic ms of the last Established transition (null when not Established) and of the last state change. */
  readonly establishedAt: number | null;
  readonly lastChangeAt: number;
  readonly now: number;
  readonly counters: MessageCounters;
  readonly prefixes: ReadonlyMap<string, number>;
  readonly lastError: string | null;
  readonly lastDownAt: number | null;
  readonly establishedTransitions: number;
  readonly connectRetryCounter: number;
  readonly queuedBytes: number;
  readonly initiator: 'local' | 'remote' | null;
}

function keys(families: readonly AfiSafi[]): string[] {
  return families.map((f) => familyKey(f.afi, f.safi));
}

function negotiatedInfo(session: NegotiatedSession, neighbor: NeighborConfig): NegotiatedInfo {
  const gr = session.gracefulRestart;
  return {
    peerBgpId: session.peerBgpId,
    holdTime: session.holdTime,
    keepaliveTime: session.keepaliveTime,
    families: keys(session.families),
    fourOctetAs: session.fourOctetAs,
    routeRefresh: session.routeRefresh,
    enhancedRouteRefresh: session.enhancedRouteRefresh,
    extendedMessage: session.extendedMessage,
    addPath: { receive: [...session.addPath.receive], send: [...session.addPath.send] },
    gracefulRestart: gr === null ? null : { restartTime: gr.restartTime, restarting: gr.restarting, notification: gr.notification, families: keys(gr.families) },
    localCapabilities: localCapabilities(neighbor),
    peerCapabilities: session.peerCapabilities,
  };
}

export function peerInfo(s: PeerSnapshot): PeerInfo {
  const since = s.establishedAt ?? s.lastChangeAt;
  return {
    address: s.options.remoteAddress,
    port: s.options.remotePort ?? BGP_PORT,
    localAddress: s.options.localAddress ?? null,
    description: s.options.description ?? null,
    asn: s.session?.peerAs ?? s.neighbor.peerAs,
    localAs: s.neighbor.localAs,
    state: s.state,
    enabled: s.enabled,
    passive: s.options.passive ?? false,
    // Whether a key is set, never the key (issue 3: no secret reaches a log or the CLI).
    md5: s.options.md5Key !== undefined && s.options.md5Key.length > 0,
    gtsmHops: s.options.gtsmHops ?? null,
    uptimeSeconds: Math.max(0, Math.floor((s.now - since) / 1000)),
    session: s.session === null ? null : negotiatedInfo(s.session, s.neighbor),
    messages: { received: { ...s.counters.received }, sent: { ...s.counters.sent } },
    prefixes: Object.fromEntries(s.prefixes),
    lastError: s.lastError,
    lastDownAt: s.lastDownAt,
    establishedTransitions: s.establishedTransitions,
    connectRetryCounter: s.connectRetryCounter,
    queuedBytes: s.queuedBytes,
    initiator: s.initiator,
  };
}
