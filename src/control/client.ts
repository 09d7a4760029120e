/** The CLI side of the control socket: send one request, wait for its one-line answer. */
import net from 'node:net';
import type { Json } from '../bgp/wire/json';
import type { ControlRequest, ControlResponse } from './protocol';

export class ControlUnreachableError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ControlUnreachableError';
  }
}

export class ControlRemoteError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ControlRemoteError';
  }
}

/** Sends `request` to the daemon at `socketPath` and resolves with its result, or rejects with one of the errors above. */
export function controlRequest(socketPath: string, request: ControlRequest, timeoutMs = 30000): Promise<Json> {
  return new Promise((resolve, reject) => {
    const sock = net.createConnection(socketPath);
    let buf = '';
    let settled = false;
    const finish = (fn: () => void): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      sock.destroy();
      fn();
    };
    const timer = setTimeout(() => finish(() => reject(new ControlUnreachableError(`no answer from ${socketPath} within ${timeoutMs} ms`))), timeoutMs);
    sock.setEncoding('utf8');
    sock.on('connect', () => sock.write(`${JSON.stringify(request)}\n`));
    sock.on('data', (chunk: string) => {
      buf += chunk;
      const nl = buf.indexOf('\n');
      if (nl < 0) return;
      let resp: ControlResponse;
      try {
        resp = JSON.parse(buf.slice(0, nl)) as ControlResponse;
      } catch {
        finish(() => reject(new ControlRemoteError('the daemon sent an answer that is not JSON')));
        return;
      }
      finish(() => (resp.ok ? resolve(resp.result) : reject(new ControlRemoteError(resp.error))));
    });
    sock.on('error', (e: NodeJS.ErrnoException) => {
      finish(() => reject(new ControlUnreachableError(`cannot reach hdvpnd at ${socketPath} (${e.code ?? e.message})`)));
    });
    sock.on('close', () => finish(() => reject(new ControlUnreachableError(`hdvpnd at ${socketPath} closed the connection without answering`))));
  });
}
