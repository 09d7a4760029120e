/** The control answers for client sessions: `session add|del` and `show sessions` over src/sessions. */
import { isIP } from 'node:net';
import type { Json } from '../bgp/wire/json';
import type { TunnelRequest } from '../control/protocol';
import { SessionError } from '../sessions/session-error';
import type { SessionManager } from '../sessions/session-manager';
import type { Session, TunnelSpec } from '../sessions/types';
import { ControlCommandError, type ControlHandlers } from './control-server';

type SessionHandlers = Pick<ControlHandlers, 'session-add' | 'session-del' | 'show-sessions'>;

function tunnelSpec(t: TunnelRequest): TunnelSpec {
  if (isIP(t.remote) === 0) throw new ControlCommandError(`tunnel remote '${t.remote}' is not an IP address`);
  return { type: t.type, remote: t.remote, key: t.key ?? null };
}

/** SessionError is the client's or operator's problem: its message goes back as is; anything else is ours and propagates. */
async function refused<T>(fn: () => T | Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (e) {
    if (e instanceof SessionError) throw new ControlCommandError(e.message);
    throw e;
  }
}

/** A session's packet counters (its tunnel's, from the data plane); null when it has none of its own. */
export type SessionCounters = (s: Session) => Json | null;

export function sessionHandlers(sessions: () => SessionManager | null, counters: SessionCounters = () => null): SessionHandlers {
  const view = (m: SessionManager, s: Session): Json => {
    const v = m.view(s);
    return typeof v === 'object' && v !== null && !Array.isArray(v) ? { ...v, counters: counters(s) } : v;
  };
  const manager = (): SessionManager => {
    const m = sessions();
    if (!m) throw new ControlCommandError('sessions are not available yet: the daemon is still starting');
    return m;
  };
  return {
    'session-add': async (req) => {
      const m = manager();
      const tunnel = req.tunnel ? tunnelSpec(req.tunnel) : undefined;
      const s = await refused(() => m.open({ client: req.client, ...(req.pair !== undefined ? { pair: req.pair } : {}), ...(tunnel ? { tunnel } : {}) }));
      return view(m, s);
    },
    'session-del': async (req) => {
      const m = manager();
      return view(m, await refused(() => m.stop(req.client)));
    },
    'show-sessions': (req): Json => {
      const m = manager();
      if (req.client !== undefined) {
        const s = m.get(req.client);
        if (!s) throw new ControlCommandError(`no session for client ${req.client}`);
        return [view(m, s)];
      }
      return [...m.all()].map((s) => view(m, s));
    },
  };
}
