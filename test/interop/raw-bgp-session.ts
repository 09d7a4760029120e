/**
 * A raw BGP speaker for malformed-input tests: a plain node:net client runs inside a lab
 * namespace (`ip netns exec … node -e RELAY`) and relays bytes between its stdin/stdout and
 * one TCP connection. The test process builds every byte it sends (valid parts with the wire
 * codec, broken parts by hand) and reads back whole BGP messages, so it sees exactly what the
 * daemon under test answered (e.g. the NOTIFICATION code and subcode).
 */
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import type { LabNode } from './lab';
import { sleep, waitFor } from './lab';

/** The relay: stdin -> socket, socket -> stdout, exit when the connection closes. */
const RELAY = `
const net = require('node:net');
const [host, port, local] = process.argv.slice(1);
const s = net.connect({ host, port: Number(port), localAddress: local });
s.on('connect', () => process.stderr.write('connected\\n'));
process.stdin.on('data', (d) => s.write(d));
s.on('data', (d) => process.stdout.write(d));
s.on('error', (e) => { process.stderr.write('error ' + e.message + '\\n'); });
s.on('close', () => process.stdout.end(() => process.exit(0)));
`;

export interface RawMessage {
  type: number;
  /** The whole message, header included. */
  bytes: Buffer;
}

export const MSG = { open: 1, update: 2, notification: 3, keepalive: 4, routeRefresh: 5 } as const;

export class RawBgpSession {
  private buf = Buffer.alloc(0);
  private readonly messages: RawMessage[] = [];
  private read = 0;
  closed = false;
  stderr = '';

  private constructor(private readonly child: ChildProcessWithoutNullStreams) {
    child.stdout.on('data', (d: Buffer) => {
      this.buf = Buffer.concat([this.buf, d]);
      // Frame by the header's Length field; the bytes are checked by the test, not here.
      while (this.buf.length >= 19) {
        const len = this.buf.readUInt16BE(16);
        if (len < 19 || this.buf.length < len) break;
        this.messages.push({ type: this.buf[18] ?? 0, bytes: this.buf.subarray(0, len) });
        this.buf = this.buf.subarray(len);
      }
    });
    child.stderr.on('data', (d: Buffer) => {
      this.stderr += d.toString();
    });
    child.on('exit', () => {
      this.closed = true;
    });
  }

  /**
   * Connects from `node` to host:179 until the daemon answers with its OPEN (a neighbor that is
   * Idle after an error refuses connections for its IdleHoldTime, so this retries).
   */
  static async open(node: LabNode, host: string, timeoutMs = 30000): Promise<RawBgpSession> {
    const deadline = Date.now() + timeoutMs;
    let last = '';
    while (Date.now() < deadline) {
      // `ip netns exec` execs the command, so the child's pid is the relay's own.
      const [cmd = 'ip', ...args] = node.wrap([process.execPath, '-e', RELAY, host, '179', node.address]);
      const child = spawn(cmd, args, { stdio: 'pipe' });
      const s = new RawBgpSession(child);
      const opened = await waitFor('OPEN', () => s.closed || s.messages.some((m) => m.type === MSG.open), { timeoutMs: 5000, intervalMs: 50 }).catch(() => false);
      if (opened && !s.closed) return s;
      last = s.stderr;
      s.kill();
      await sleep(500);
    }
    throw new Error(`no BGP session to ${host} from ${node.name} within ${timeoutMs} ms: ${last}`);
  }

  send(bytes: Uint8Array): void {
    this.child.stdin.write(bytes);
  }

  /** The next message of `type` not yet returned (skipping others), or throws after timeoutMs. */
  async next(type: number, timeoutMs = 10000): Promise<RawMessage> {
    return waitFor(`message type ${type}`, () => {
      while (this.read < this.messages.length) {
        const m = this.messages[this.read++];
        if (m && m.type === type) return m;
      }
      if (this.closed) throw new Error(`connection closed before a message of type ${type}`);
      return undefined;
    }, { timeoutMs, intervalMs: 50 });
  }

  /** Messages of `type` received so far. */
  received(type: number): RawMessage[] {
    return this.messages.filter((m) => m.type === type);
  }

  waitClosed(timeoutMs = 10000): Promise<true> {
    return waitFor('the connection to close', () => this.closed || undefined, { timeoutMs, intervalMs: 50 });
  }

  kill(): void {
    if (!this.closed) this.child.kill('SIGKILL');
  }
}
