/**
 * The daemon side of the control socket: a Unix socket (mode 0600 by default)
 * answering one JSON request per line. Handlers are plain async functions; the
 * server knows nothing about BGP.
 */
import { chmodSync, existsSync, mkdirSync, unlinkSync } from 'node:fs';
import net from 'node:net';
import { dirname } from 'node:path';
import type { Json } from '../bgp/wire/json';
import { MAX_REQUEST_LENGTH, parseRequest, type ControlCommand, type ControlRequest, type ControlResponse } from '../control/protocol';

export type ControlHandler<C extends ControlCommand> = (req: Extract<ControlRequest, { command: C }>) => Json | Promise<Json>;
export type ControlHandlers = { [C in ControlCommand]: ControlHandler<C> };

/** An error a handler throws to answer the client with a message (exit code 1 on the CLI). */
export class ControlCommandError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ControlCommandError';
  }
}

async function dispatch(handlers: ControlHandlers, req: ControlRequest): Promise<Json> {
  // Each branch narrows `req` so the handler receives its own request type.
  switch (req.command) {
    case 'ping':
      return handlers.ping(req);
    case 'show-neighbors':
      return handlers['show-neighbors'](req);
    case 'show-rib':
      return handlers['show-rib'](req);
    case 'show-vrf':
      return handlers['show-vrf'](req);
    case 'show-hub':
      return handlers['show-hub'](req);
    case 'neighbor':
      return handlers.neighbor(req);
    case 'route-refresh':
      return handlers['route-refresh'](req);
    case 'policy-test':
      return handlers['policy-test'](req);
    case 'session-add':
      return handlers['session-add'](req);
    case 'session-del':
      return handlers['session-del'](req);
    case 'show-sessions':
      return handlers['show-sessions'](req);
    case 'show-fib':
      return handlers['show-fib'](req);
    case 'fib-lookup':
      return handlers['fib-lookup'](req);
    case 'show-tunnels':
      return handlers['show-tunnels'](req);
    default: {
      const never: never = req;
      throw new ControlCommandError(`unknown command ${JSON.stringify(never)}`);
    }
  }
}

export class ControlServer {
  private readonly server: net.Server;
  private readonly clients = new Set<net.Socket>();

  constructor(private readonly path: string, private readonly handlers: ControlHandlers, private readonly mode = 0o600) {
    this.server = net.createServer((s) => this.onClient(s));
  }

  listen(): Promise<void> {
    mkdirSync(dirname(this.path), { recursive: true, mode: 0o755 });
    // A socket file left by a daemon that died is stale: nothing listens on it any more.
    if (existsSync(this.path)) unlinkSync(this.path);
    return new Promise((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(this.path, () => {
        this.server.off('error', reject);
        chmodSync(this.path, this.mode);
        resolve();
      });
    });
  }

  close(): Promise<void> {
    for (const c of this.clients) c.destroy();
    return new Promise((resolve) => this.server.close(() => resolve()));
  }

  private onClient(sock: net.Socket): void {
    this.clients.add(sock);
    sock.setEncoding('utf8');
    let buf = '';
    const reply = (r: ControlResponse): void => {
      sock.end(`${JSON.stringify(r)}\n`);
    };
    sock.on('data', (chunk: string) => {
      buf += chunk;
      if (buf.length > MAX_REQUEST_LENGTH) {
        reply({ ok: false, error: 'request too long' });
        return;
      }
      const nl = buf.indexOf('\n');
      if (nl < 0) return;
      const parsed = parseRequest(buf.slice(0, nl));
      buf = '';
      if ('error' in parsed) {
        reply({ ok: false, error: parsed.error });
        return;
      }
      dispatch(this.handlers, parsed).then(
        (result) => reply({ ok: true, result }),
        (e: unknown) => reply({ ok: false, error: e instanceof Error ? e.message : String(e) }),
      );
    });
    sock.on('error', () => undefined);
    sock.on('close', () => this.clients.delete(sock));
  }
}
