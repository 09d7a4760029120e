/**
 * RADIUS as a half-duplex pair's address server: Access-Request with the
 * client id as User-Name, the Access-Accept mapped to an address, framed
 * routes and a pair (assignment.ts), an Access-Reject turned into a refusal
 * carrying its Reply-Message; Accounting-Request Start when a session is up,
 * Interim-Update every `interim-interval`, Stop when it ends (RFC 2866).
 */
import { formatIpv4 } from '../../bgp/wire/values/ip';
import type { RadiusConfig } from '../../daemon/config/model';
import { readSecret, type SecretSources } from '../../daemon/config/secrets';
import { SessionError } from '../session-error';
import type { Session } from '../types';
import { addressAttribute, integerAttribute, stringAttribute } from './attributes';
import { assignmentOf, type PairNames, type RadiusAssignment } from './assignment';
import { AcctStatusType, RadiusClient, RadiusUnavailableError, type RadiusServer } from './client';
import { RadiusAttribute, type RawAttribute } from './packet';

/** What the session manager needs of a remote address server. */
export interface RemoteAddressServer {
  /** The assignment for `client`, or a SessionError (reject, no answer, unusable answer). */
  authorize(client: string, pairs: readonly PairNames[]): Promise<RadiusAssignment>;
  sessionStarted(s: Session): void;
  sessionStopped(s: Session): void;
  close(): void;
}

export interface RadiusAddressServerOptions {
  readonly nasIpAddress?: number | null;
  readonly log?: { info(m: string): void; warn(m: string): void; debug(m: string): void };
  readonly now?: () => number;
  readonly sources?: SecretSources;
  /** Overrides `timeout` (seconds) for tests. */
  readonly timeoutMs?: number;
}

/** RFC 2866 §5.10: the terminate cause we send on `session del`. */
const TERMINATE_ADMIN_RESET = 6;

export class RadiusAddressServer implements RemoteAddressServer {
  private readonly client: RadiusClient;
  private readonly interims = new Map<string, NodeJS.Timeout>();
  private readonly now: () => number;

  constructor(private readonly config: RadiusConfig, private readonly opts: RadiusAddressServerOptions = {}) {
    this.now = opts.now ?? Date.now;
    const servers: RadiusServer[] = config.servers.map((s) => {
      const secret = readSecret(s.secret, 'radius', opts.sources);
      if (!secret.ok) opts.log?.warn(`RADIUS server ${s.address}: ${secret.reason}; it is skipped`);
      return secret.ok ? { ...s, secret: secret.secret } : { ...s, secret: null, secretProblem: secret.reason };
    });
    this.client = new RadiusClient({
      servers,
      timeoutMs: opts.timeoutMs ?? config.timeout * 1000,
      retries: config.retries,
      nasIdentifier: config.nasIdentifier,
      nasIpAddress: opts.nasIpAddress ?? null,
      debug: (m) => opts.log?.debug(m),
    });
  }

  async authorize(client: string, pairs: readonly PairNames[]): Promise<RadiusAssignment> {
    let answer;
    try {
      answer = await this.client.authenticate(client);
    } catch (e) {
      if (e instanceof RadiusUnavailableError) throw new SessionError('radius-unavailable', e.message);
      throw e;
    }
    if (answer.kind === 'reject') throw new SessionError('radius-reject', `RADIUS rejected client ${client}${answer.message !== null ? `: ${answer.message}` : ''}`);
    const result = assignmentOf(answer.attributes, pairs);
    if (!result.ok) throw new SessionError('radius-answer', result.reason);
    return result.assignment;
  }

  sessionStarted(s: Session): void {
    this.send(AcctStatusType.start, s, []);
    if (this.config.interimInterval > 0) {
      const timer = setInterval(() => this.send(AcctStatusType.interimUpdate, s, [this.sessionTime(s)]), this.config.interimInterval * 1000);
      timer.unref();
      this.interims.set(s.client, timer);
    }
  }

  sessionStopped(s: Session): void {
    const timer = this.interims.get(s.client);
    if (timer) clearInterval(timer);
    this.interims.delete(s.client);
    this.send(AcctStatusType.stop, s, [this.sessionTime(s), integerAttribute(RadiusAttribute.acctTerminateCause, TERMINATE_ADMIN_RESET)]);
  }

  close(): void {
    for (const t of this.interims.values()) clearInterval(t);
    this.interims.clear();
    this.client.close();
  }

  private sessionTime(s: Session): RawAttribute {
    return integerAttribute(RadiusAttribute.acctSessionTime, Math.max(0, Math.floor((this.now() - s.since) / 1000)));
  }

  /** Accounting never holds a session up: it is sent in the background, and a failure is logged. */
  private send(status: number, s: Session, extra: RawAttribute[]): void {
    const attributes = [
      stringAttribute(RadiusAttribute.userName, s.client),
      stringAttribute(RadiusAttribute.acctSessionId, acctSessionId(s)),
      addressAttribute(RadiusAttribute.framedIpAddress, s.address),
      integerAttribute(RadiusAttribute.eventTimestamp, Math.floor(this.now() / 1000)),
      ...extra,
    ];
    const what = status === AcctStatusType.start ? 'Start' : status === AcctStatusType.stop ? 'Stop' : 'Interim-Update';
    this.client.account(status, attributes).then(
      (server) => this.opts.log?.debug(`RADIUS accounting ${what} for ${s.client} (${formatIpv4(s.address)}) acknowledged by ${server}`),
      (e: unknown) => this.opts.log?.warn(`RADIUS accounting ${what} for ${s.client} was not acknowledged: ${e instanceof Error ? e.message : String(e)}`),
    );
  }
}

/** RFC 2866 §5.5: unique per session; the client id and its start time make it so, and survive a restart. */
export function acctSessionId(s: Session): string {
  return `${s.client}-${s.since.toString(16)}`;
}
