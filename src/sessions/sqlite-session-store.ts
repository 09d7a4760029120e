/**
 * The session store on disk: SQLite through better-sqlite3. SQLite gives
 * atomic, crash-safe transactions without a server; better-sqlite3 is
 * synchronous, so a session's write finishes before its route is announced
 * and no callback can interleave with another start.
 *
 * WAL journal with synchronous=NORMAL: a committed transaction survives the
 * process being killed (the WAL is in the OS page cache); only a power loss
 * can lose the last commits (https://www.sqlite.org/pragma.html#pragma_synchronous).
 */
import Database from 'better-sqlite3';
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import type { SessionStore, StoredLease } from './session-store';
import type { Session, SessionState, TunnelSpec } from './types';

const SCHEMA_VERSION = 1;

const SCHEMA = `
CREATE TABLE IF NOT EXISTS sessions (
  client  TEXT PRIMARY KEY,
  pair    TEXT NOT NULL,
  address INTEGER NOT NULL,
  routes  TEXT NOT NULL,
  tunnel  TEXT,
  since   INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS leases (
  pair    TEXT NOT NULL,
  client  TEXT NOT NULL,
  address INTEGER NOT NULL,
  held    INTEGER NOT NULL,
  seq     INTEGER NOT NULL,
  PRIMARY KEY (pair, client)
);
-- The guarantee itself: no address held twice in a pair, even if the code above had a bug.
CREATE UNIQUE INDEX IF NOT EXISTS leases_held_address ON leases (pair, address) WHERE held = 1;
-- Finding every lease of an address, held or remembered, when it is handed to another client (saveSession):
-- without it each start scanned the whole table, and 10,000 starts took quadratic time.
CREATE INDEX IF NOT EXISTS leases_address ON leases (pair, address);
`;

interface SessionRow {
  client: string;
  pair: string;
  address: number;
  routes: string;
  tunnel: string | null;
  since: number;
}

interface LeaseRow {
  pair: string;
  client: string;
  address: number;
  held: number;
}

function isTunnel(v: unknown): v is TunnelSpec {
  if (typeof v !== 'object' || v === null) return false;
  const o = v as Record<string, unknown>;
  return (o.type === 'gre' || o.type === 'ipip') && typeof o.remote === 'string' && (o.key === null || typeof o.key === 'number');
}

function routesOf(text: string): string[] {
  const v: unknown = JSON.parse(text);
  return Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : [];
}

export class SqliteSessionStore implements SessionStore {
  private readonly db: Database.Database;
  private readonly insertSession: Database.Statement;
  private readonly removeSession: Database.Statement;
  private readonly holdLease: Database.Statement;
  private readonly releaseLease: Database.Statement;
  private readonly releaseAddress: Database.Statement;
  private seq = 0;

  constructor(readonly path: string) {
    mkdirSync(dirname(path), { recursive: true });
    this.db = new Database(path);
    this.db.pragma('journal_mode = WAL');
    this.db.pragma('synchronous = NORMAL');
    const version = Number(this.db.pragma('user_version', { simple: true }));
    if (version > SCHEMA_VERSION) throw new Error(`session store ${path} has schema version ${version}; this hdvpnd knows ${SCHEMA_VERSION}`);
    this.db.exec(SCHEMA);
    this.db.pragma(`user_version = ${SCHEMA_VERSION}`);
    this.seq = Number((this.db.prepare('SELECT COALESCE(MAX(seq), 0) AS n FROM leases').get() as { n: number }).n);
    this.insertSession = this.db.prepare('INSERT INTO sessions (client, pair, address, routes, tunnel, since) VALUES (?, ?, ?, ?, ?, ?)');
    this.removeSession = this.db.prepare('DELETE FROM sessions WHERE client = ? RETURNING pair');
    // A lease kept for stickiness elsewhere on this address is dropped first: the address now belongs to this client.
    this.releaseAddress = this.db.prepare('DELETE FROM leases WHERE pair = ? AND address = ? AND client <> ?');
    this.holdLease = this.db.prepare('INSERT INTO leases (pair, client, address, held, seq) VALUES (?, ?, ?, 1, ?) ON CONFLICT (pair, client) DO UPDATE SET address = excluded.address, held = 1, seq = excluded.seq');
    this.releaseLease = this.db.prepare('UPDATE leases SET held = 0, seq = ? WHERE pair = ? AND client = ?');
  }

  load(): { sessions: Session[]; leases: StoredLease[] } {
    const sessions = (this.db.prepare('SELECT client, pair, address, routes, tunnel, since FROM sessions ORDER BY since, client').all() as SessionRow[]).map((r) => {
      const tunnel: unknown = r.tunnel === null ? null : JSON.parse(r.tunnel);
      const state: SessionState = 'up';
      return { client: r.client, pair: r.pair, address: r.address >>> 0, routes: routesOf(r.routes), tunnel: isTunnel(tunnel) ? tunnel : null, state, since: r.since };
    });
    const leases = (this.db.prepare('SELECT pair, client, address, held FROM leases ORDER BY seq').all() as LeaseRow[]).map((r) => ({ pair: r.pair, client: r.client, address: r.address >>> 0, held: r.held === 1 }));
    return { sessions, leases };
  }

  saveSession(s: Session): void {
    this.db.transaction(() => {
      this.releaseAddress.run(s.pair, s.address, s.client);
      this.holdLease.run(s.pair, s.client, s.address, ++this.seq);
      this.insertSession.run(s.client, s.pair, s.address, JSON.stringify(s.routes), s.tunnel ? JSON.stringify(s.tunnel) : null, s.since);
    })();
  }

  deleteSession(client: string): void {
    this.db.transaction(() => {
      const row = this.removeSession.get(client) as { pair: string } | undefined;
      if (row) this.releaseLease.run(++this.seq, row.pair, client);
    })();
  }

  close(): void {
    if (this.db.open) this.db.close();
  }
}
