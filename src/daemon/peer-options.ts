/**
 * Config model → session driver options: the one place where YAML keys meet
 * the BGP session layer's settings.
 */
import { neighborConfig, type NeighborConfig as SessionNeighbor } from '../bgp/session/negotiate-types';
import type { PeerOptions } from '../bgp/session/peer-types';
import type { AfiSafi } from '../bgp/wire/capabilities/types';
import { formatIpv4 } from '../bgp/wire/values/ip';
import { FAMILY_BY_NAME } from '../bgp/wire/values/family';
import type { Config, ConfigFamily, SessionOptions } from './config/model';
import { readSecret } from './config/secrets';

export class PeerSetupError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'PeerSetupError';
  }
}

function families(names: readonly ConfigFamily[]): AfiSafi[] {
  return names.map((n) => FAMILY_BY_NAME[n]);
}

export interface LocalIdentity {
  readonly asn: number;
  readonly routerId: string;
  /** RFC 4724 restarting speaker: set the R bit in our first OPENs (hdvpnd did not stop cleanly last time). */
  readonly restarting: boolean;
}

export function localIdentity(config: Config, restarting: boolean): LocalIdentity {
  return { asn: config.asn, routerId: formatIpv4(config.routerId), restarting };
}

export function sessionNeighbor(o: SessionOptions, me: LocalIdentity): SessionNeighbor {
  const fams = families(o.families);
  const addPath = Object.entries(o.addPath).flatMap(([name, mode]) => (mode ? [{ ...FAMILY_BY_NAME[name as ConfigFamily], mode }] : []));
  return neighborConfig(
    { localAs: me.asn, routerId: me.routerId, peerAs: o.asn },
    {
      holdTime: o.holdTime,
      keepaliveTime: o.keepalive > 0 ? o.keepalive : null,
      families: fams,
      addPath,
      gracefulRestart: o.gracefulRestart.enabled
        ? {
            restartTime: o.gracefulRestart.restartTime,
            restarting: me.restarting,
            notification: true,
            // No forwarding plane yet (issue 7): we cannot claim preserved forwarding state (F bit, RFC 4724 §3).
            families: fams.map((f) => ({ ...f, forwardingPreserved: false })),
          }
        : null,
    },
  );
}

/** TCP-MD5 key bytes; the error names the source, never the key. */
export function md5Key(o: SessionOptions): Buffer | undefined {
  if (o.password === null) return undefined;
  const r = readSecret(o.password, 'tcp-md5');
  if (!r.ok) throw new PeerSetupError(r.reason);
  return Buffer.from(r.secret.reveal(), 'utf8');
}

export function sessionOptions(o: SessionOptions, me: LocalIdentity): Omit<PeerOptions, 'remoteAddress'> {
  const key = md5Key(o);
  const max = o.maxPrefix;
  return {
    neighbor: sessionNeighbor(o, me),
    connectRetryTime: o.connectRetry,
    ...(key ? { md5Key: key } : {}),
    ...(o.ttlSecurity.enabled ? { gtsmHops: o.ttlSecurity.hops } : {}),
    ...(max
      ? {
          maxPrefix: {
            limit: max.limit,
            warningOnly: max.action === 'warning-only',
            restartSeconds: max.action === 'teardown' ? max.restartInterval : 0,
            warningThreshold: max.warningThreshold,
          },
        }
      : {}),
    ...(o.description !== null ? { description: o.description } : {}),
  };
}
