/**
 * The RADIUS client (RFC 2865 §2.5, RFC 2866 §2): one UDP socket, requests
 * matched to answers by identifier and source; each request is retransmitted
 * unchanged after `timeout` up to `retries` times, then the next configured
 * server is tried (fail-over, in config order). Answers that do not
 * authenticate are dropped and the request keeps waiting, as RFC 2865 §3
 * asks. The shared secrets are Secrets: never printed.
 */
import { createSocket, type Socket } from 'node:dgram';
import { randomBytes } from 'node:crypto';
import type { Secret } from '../../daemon/redaction';
import { integerAttribute, stringAttribute, stringOf } from './attributes';
import { decodeResponse, encodeAccessRequest, encodeAccountingRequest, hidePassword, RadiusAttribute, RadiusCode, RadiusDecodeError, type RadiusPacket, type RawAttribute } from './packet';

export interface RadiusServer {
  readonly address: string;
  readonly authPort: number;
  readonly accountingPort: number;
  /** Null: the secret could not be read (`secretProblem` says why); the server is skipped. */
  readonly secret: Secret | null;
  readonly secretProblem?: string;
}

export interface RadiusClientOptions {
  readonly servers: readonly RadiusServer[];
  readonly timeoutMs: number;
  readonly retries: number;
  readonly nasIdentifier: string;
  /** NAS-IP-Address as uint32, when the node has one to give. */
  readonly nasIpAddress?: number | null;
  /** Sent as User-Password when set: some servers (FreeRADIUS's `files` with Auth-Type Accept aside) want one. */
  readonly password?: string;
  /** Told about dropped answers and fail-overs; never given a secret. */
  readonly debug?: (message: string) => void;
}

export type AccessResult =
  | { readonly kind: 'accept'; readonly attributes: readonly RawAttribute[]; readonly server: string }
  | { readonly kind: 'reject'; readonly message: string | null; readonly server: string };

/** No configured server answered (every one timed out or had no secret). */
export class RadiusUnavailableError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'RadiusUnavailableError';
  }
}

interface Pending {
  readonly address: string;
  readonly port: number;
  readonly accept: (bytes: Buffer) => boolean;
}

export const AcctStatusType = { start: 1, stop: 2, interimUpdate: 3 } as const;

export class RadiusClient {
  private socket: Socket | null = null;
  private ready: Promise<Socket> | null = null;
  private readonly pending = new Map<number, Pending>();
  private nextIdentifier = Math.floor(Math.random() * 256);
  private idWaiters: (() => void)[] = [];
  private closed = false;

  constructor(private readonly opts: RadiusClientOptions) {}

  /** Access-Request for `userName` (RFC 2865 §4.1) with NAS-Identifier and, if known, NAS-IP-Address. */
  async authenticate(userName: string): Promise<AccessResult> {
    const base: RawAttribute[] = [stringAttribute(RadiusAttribute.userName, userName), ...this.nasAttributes()];
    const packet = await this.exchange('auth', (secret, authenticator) => {
      const attributes = this.opts.password !== undefined ? [...base, { type: RadiusAttribute.userPassword, value: hidePassword(Buffer.from(this.opts.password, 'utf8'), secret, authenticator) }] : base;
      return attributes;
    });
    if (packet.result.code === RadiusCode.accessAccept) return { kind: 'accept', attributes: packet.result.attributes, server: packet.server };
    if (packet.result.code === RadiusCode.accessReject) return { kind: 'reject', message: stringOf(packet.result.attributes, RadiusAttribute.replyMessage) ?? null, server: packet.server };
    // RFC 2865 §4.4: we offer no way to answer an Access-Challenge, so it counts as a reject.
    return { kind: 'reject', message: stringOf(packet.result.attributes, RadiusAttribute.replyMessage) ?? 'RADIUS sent an Access-Challenge, which hdvpn cannot answer', server: packet.server };
  }

  /** Accounting-Request (RFC 2866 §4.1) with the given attributes after Acct-Status-Type; resolves on the Accounting-Response. */
  async account(status: number, attributes: readonly RawAttribute[]): Promise<string> {
    const all = [integerAttribute(RadiusAttribute.acctStatusType, status), ...attributes, ...this.nasAttributes()];
    const r = await this.exchange('accounting', () => all);
    return r.server;
  }

  close(): void {
    this.closed = true;
    this.socket?.close();
    this.socket = null;
    this.ready = null;
  }

  private nasAttributes(): RawAttribute[] {
    const out = [stringAttribute(RadiusAttribute.nasIdentifier, this.opts.nasIdentifier)];
    if (this.opts.nasIpAddress != null) out.push(integerAttribute(RadiusAttribute.nasIpAddress, this.opts.nasIpAddress));
    return out;
  }

  private async exchange(kind: 'auth' | 'accounting', attributesFor: (secret: Buffer, authenticator: Buffer) => RawAttribute[]): Promise<{ result: RadiusPacket; server: string }> {
    const problems: string[] = [];
    for (const server of this.opts.servers) {
      const port = kind === 'auth' ? server.authPort : server.accountingPort;
      const where = `${server.address}:${port}`;
      if (!server.secret) {
        problems.push(`${where}: ${server.secretProblem ?? 'no secret'}`);
        continue;
      }
      const secret = Buffer.from(server.secret.reveal(), 'utf8');
      const result = await this.tryServer(server.address, port, (identifier) => {
        if (kind === 'auth') {
          const authenticator = randomBytes(16);
          return { bytes: encodeAccessRequest(identifier, attributesFor(secret, authenticator), secret, authenticator), authenticator };
        }
        const bytes = encodeAccountingRequest(identifier, attributesFor(secret, Buffer.alloc(16)), secret);
        return { bytes, authenticator: bytes.subarray(4, 20) };
      }, secret, kind);
      if (result) return { result, server: where };
      problems.push(`${where}: no answer after ${this.opts.retries + 1} tries`);
      this.opts.debug?.(`RADIUS ${kind} server ${where} did not answer; trying the next`);
    }
    throw new RadiusUnavailableError(`no RADIUS server answered (${problems.join('; ')})`);
  }

  /** One server: the request sent, then resent after each timeout; the verified answer, or null. */
  private async tryServer(address: string, port: number, build: (identifier: number) => { bytes: Buffer; authenticator: Buffer }, secret: Buffer, kind: 'auth' | 'accounting'): Promise<RadiusPacket | null> {
    const socket = await this.open();
    const identifier = await this.takeIdentifier();
    const { bytes, authenticator } = build(identifier);
    const expected: readonly number[] = kind === 'auth' ? [RadiusCode.accessAccept, RadiusCode.accessReject, RadiusCode.accessChallenge] : [RadiusCode.accountingResponse];
    try {
      return await new Promise<RadiusPacket | null>((resolve) => {
        let tries = 0;
        let timer: NodeJS.Timeout | null = null;
        const finish = (value: RadiusPacket | null): void => {
          if (timer) clearTimeout(timer);
          resolve(value);
        };
        this.pending.set(identifier, {
          address,
          port,
          accept: (answer) => {
            try {
              const packet = decodeResponse(answer, authenticator, secret);
              if (!expected.includes(packet.code)) throw new RadiusDecodeError(`unexpected code ${packet.code}`);
              finish(packet);
              return true;
            } catch (e) {
              this.opts.debug?.(`RADIUS answer from ${address}:${port} dropped: ${e instanceof Error ? e.message : String(e)}`);
              return false;
            }
          },
        });
        const send = (): void => {
          if (this.closed) return finish(null);
          if (tries > this.opts.retries) return finish(null);
          tries++;
          socket.send(bytes, port, address);
          timer = setTimeout(send, this.opts.timeoutMs);
        };
        send();
      });
    } finally {
      this.pending.delete(identifier);
      this.idWaiters.shift()?.();
    }
  }

  /** RFC 2865 §3: the Identifier tells outstanding requests apart; with all 256 in flight, wait for one. */
  private async takeIdentifier(): Promise<number> {
    for (;;) {
      for (let i = 0; i < 256; i++) {
        const id = (this.nextIdentifier + i) % 256;
        if (!this.pending.has(id)) {
          this.nextIdentifier = (id + 1) % 256;
          // Reserve it now: the caller sets the real entry before any await.
          this.pending.set(id, { address: '', port: 0, accept: () => false });
          return id;
        }
      }
      await new Promise<void>((resolve) => this.idWaiters.push(resolve));
    }
  }

  private open(): Promise<Socket> {
    if (this.ready) return this.ready;
    this.ready = new Promise((resolve, reject) => {
      const s = createSocket('udp4');
      s.on('message', (msg, rinfo) => {
        if (msg.length < 20) return;
        const p = this.pending.get(msg[1] as number);
        if (!p || p.address !== rinfo.address || p.port !== rinfo.port) return;
        p.accept(msg);
      });
      s.once('error', reject);
      s.bind(0, () => {
        s.off('error', reject);
        s.on('error', (e) => this.opts.debug?.(`RADIUS socket: ${e.message}`));
        s.unref();
        this.socket = s;
        resolve(s);
      });
    });
    return this.ready;
  }
}
