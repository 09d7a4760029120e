/**
 * Where sessions and leases outlive the process. A lease is a client's
 * address in a pair, held (a session is up) or released (remembered so the
 * client gets it back). Every change is one transaction: a session and its
 * lease are written together or not at all, so a kill -9 between the two
 * never leaves an address recorded as free while a session uses it.
 */
import type { Session } from './types';

export interface StoredLease {
  readonly pair: string;
  readonly client: string;
  readonly address: number;
  readonly held: boolean;
}

export interface SessionStore {
  /** Every session and every lease, in the order they were written. */
  load(): { sessions: Session[]; leases: StoredLease[] };
  /** A session started: the session and its held lease. */
  saveSession(session: Session): void;
  /** A session ended: the session goes, its lease is kept released (sticky). */
  deleteSession(client: string): void;
  close(): void;
}

/** For tests and for a daemon told not to persist: the same contract, in memory. */
export class MemorySessionStore implements SessionStore {
  private readonly sessions = new Map<string, Session>();
  private readonly leases = new Map<string, StoredLease>();

  load(): { sessions: Session[]; leases: StoredLease[] } {
    return { sessions: [...this.sessions.values()].map((s) => ({ ...s })), leases: [...this.leases.values()] };
  }

  saveSession(session: Session): void {
    this.sessions.set(session.client, { ...session });
    this.leases.delete(`${session.pair}|${session.client}`);
    this.leases.set(`${session.pair}|${session.client}`, { pair: session.pair, client: session.client, address: session.address, held: true });
  }

  deleteSession(client: string): void {
    const s = this.sessions.get(client);
    if (!s) return;
    this.sessions.delete(client);
    const key = `${s.pair}|${client}`;
    this.leases.delete(key);
    this.leases.set(key, { pair: s.pair, client, address: s.address, held: false });
  }

  close(): void {
    return;
  }
}
