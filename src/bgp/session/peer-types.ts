/**
 * The public shapes of a Peer: its options, the events it emits and the
 * snapshot `info()` returns for `hdvpn show neighbors`.
 */
import type { Capability, GracefulRestartFamily } from '../wire/capabilities/types';
import type { RouteRefreshMessage, UpdateMessage } from '../wire/messages/types';
import type { Clock } from './clock';
import type { DownReason, RandomSource, StateName } from './fsm-types';
import type { MessageCount } from './message-counters';
import type { NegotiatedSession, NeighborConfig } from './negotiate-types';
import type { Watermarks } from './outbound-queue';
import type { BgpSocket } from './socket';
import type { ConnectOptions } from './transport/connect';

/** RFC 4486 maximum-prefix: per address family, the same limit for each negotiated family. */
export interface MaxPrefixConfig {
  /** Prefixes accepted per family above which the limit is exceeded. */
  readonly limit: number;
  /** Only report (event 'max-prefix'), never tear the session down. */
  readonly warningOnly: boolean;
  /** Restart the session this long after a teardown; 0 = stay down until reset/enable. */
  readonly restartSeconds: number;
  /** Percent of the limit at which a warning is emitted once per session (FRR's threshold, default 75). */
  readonly warningThreshold: number;
}

export interface PeerOptions {
  /** What we announce and accept (OPEN, hold time, families, graceful restart). */
  readonly neighbor: NeighborConfig;
  readonly remoteAddress: string;
  /** The neighbor's BGP port; 179 unless configured otherwise. */
  readonly remotePort?: number;
  readonly localAddress?: string;
  /** Never connect out, only accept (FRR/BIRD `passive`). */
  readonly passive?: boolean;
  /** RFC 2385 TCP-MD5 key. Never logged, never part of an error or of info(). */
  readonly md5Key?: Buffer;
  /** RFC 5082 GTSM: the neighbor is at most this many hops away. */
  readonly gtsmHops?: number;
  /** Outgoing TTL for multihop eBGP without GTSM. */
  readonly ttl?: number;
  /** RFC 4271 §10 ConnectRetryTime, seconds (default 120). */
  readonly connectRetryTime?: number;
  /** RFC 4271 §8.1.1 DelayOpenTime, seconds; 0 or absent = off. */
  readonly delayOpenTime?: number;
  /** Wait before an automatic restart after a failure, seconds (default 5), doubling up to maxIdleHoldTime (default 120). */
  readonly idleHoldTime?: number;
  readonly maxIdleHoldTime?: number;
  /** RFC 4271 §8.1.1 CollisionDetectEstablishedState (default false). */
  readonly collisionDetectEstablished?: boolean;
  readonly maxPrefix?: MaxPrefixConfig;
  /** Bounds of the UPDATE queue, bytes. */
  readonly watermarks?: Watermarks;
  /** How long a closing NOTIFICATION may take to flush, ms (default 2000). */
  readonly lingerMs?: number;
  /** Free text shown by `show neighbors`. */
  readonly description?: string;
}

/** Opens an outgoing connection; openConnection in production, an in-memory pair in tests. */
export type Connector = (options: ConnectOptions) => BgpSocket;

export interface PeerDependencies {
  readonly clock?: Clock;
  readonly connector?: Connector;
  /** Jitter source (RFC 4271 §10). */
  readonly random?: RandomSource;
}

/** RFC 4724 §4.2: what the receiving speaker keeps when a session goes down gracefully. */
export interface GracefulDown {
  /** Seconds to keep the peer's routes as stale while waiting for the new session. */
  readonly restartTime: number;
  /** The families in the peer's capability (F bit = forwarding state was preserved); others are flushed at once. */
  readonly families: readonly GracefulRestartFamily[];
}

export interface PeerDown {
  readonly reason: DownReason;
  /** The same as info().lastError at that moment. */
  readonly text: string;
  /** Non-null: keep the routes stale (RFC 4724 §4.2, RFC 8538); null: flush them now. */
  readonly graceful: GracefulDown | null;
}

export interface MaxPrefixEvent {
  readonly afi: number;
  readonly safi: number;
  readonly count: number;
  readonly limit: number;
  /** 'threshold': warningThreshold percent reached; 'exceeded': above the limit. */
  readonly kind: 'threshold' | 'exceeded';
  /** What the peer did: only warned, or tore the session down (Cease 6/1, RFC 4486). */
  readonly action: 'warning' | 'teardown';
}

export type PeerEvents = {
  /** The peer's state changed (the state of the connection that represents it). */
  state: [from: StateName, to: StateName];
  established: [session: NegotiatedSession];
  /** The session left Established. */
  down: [down: PeerDown];
  /** An UPDATE other than End-of-RIB; RFC 7606 outcomes are in `message.errors` (the speaker applies treat-as-withdraw). */
  update: [message: UpdateMessage];
  /** A ROUTE-REFRESH for a negotiated family (RFC 2918 §4; BoRR/EoRR per RFC 7313). */
  'route-refresh': [message: RouteRefreshMessage];
  /** RFC 4724 §2 End-of-RIB for one family. */
  'end-of-rib': [afi: number, safi: number];
  /** The UPDATE queue, full before, drained below its low watermark. */
  writable: [];
  /**
   * The messages of one socket read are about to be delivered ('read-start'),
   * or have all been ('read-end', always sent after a start): the speaker
   * sends what a read's UPDATEs changed once, at its end.
   */
  'read-start': [];
  'read-end': [];
  'max-prefix': [event: MaxPrefixEvent];
};

export interface NegotiatedInfo {
  readonly peerBgpId: string;
  readonly holdTime: number;
  readonly keepaliveTime: number;
  /** "afi/safi" of the families both sides announced. */
  readonly families: readonly string[];
  readonly fourOctetAs: boolean;
  readonly routeRefresh: boolean;
  readonly enhancedRouteRefresh: boolean;
  readonly extendedMessage: boolean;
  readonly addPath: { readonly receive: readonly string[]; readonly send: readonly string[] };
  readonly gracefulRestart: { readonly restartTime: number; readonly restarting: boolean; readonly notification: boolean; readonly families: readonly string[] } | null;
  /** What each side announced. */
  readonly localCapabilities: readonly Capability[];
  readonly peerCapabilities: readonly Capability[];
}

export interface PeerInfo {
  readonly address: string;
  readonly port: number;
  readonly localAddress: string | null;
  readonly description: string | null;
  /** The negotiated peer AS, else the configured one (null: any, for a dynamic range). */
  readonly asn: number | null;
  readonly localAs: number;
  readonly state: StateName;
  readonly enabled: boolean;
  readonly passive: boolean;
  readonly md5: boolean;
  readonly gtsmHops: number | null;
  /** Seconds since Established, or since the last state change when not Established. */
  readonly uptimeSeconds: number;
  readonly session: NegotiatedInfo | null;
  readonly messages: { readonly received: MessageCount; readonly sent: MessageCount };
  /** Prefix counts per "afi/safi" as last reported by setPrefixCount. */
  readonly prefixes: Readonly<Record<string, number>>;
  readonly lastError: string | null;
  /** Wall-clock milliseconds when the session last left Established. */
  readonly lastDownAt: number | null;
  readonly establishedTransitions: number;
  readonly connectRetryCounter: number;
  readonly queuedBytes: number;
  /** Who opened the TCP connection in use: we ('local') or the neighbor ('remote'); null without one. */
  readonly initiator: 'local' | 'remote' | null;
}
