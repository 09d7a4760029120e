/**
 * The control protocol between `hdvpn` and `hdvpnd`: one JSON object per line
 * over a Unix socket, a request and its response. Requests are a discriminated
 * union on `command`; the JSON documents returned are the ones INTERFACE.md fixes.
 */
import type { Json } from '../bgp/wire/json';

export type NeighborAction = 'reset' | 'shutdown' | 'enable';

export type ControlRequest =
  | { readonly command: 'show-neighbors'; readonly address?: string }
  | {
      readonly command: 'show-rib';
      readonly family?: string;
      readonly vrf?: string;
      readonly prefix?: string;
      /** With `direction`: that neighbor's Adj-RIB-In (pre-policy with 'in') or Adj-RIB-Out ('out'). */
      readonly neighbor?: string;
      readonly direction?: 'in' | 'out';
      /** Prefix counts per family and neighbor instead of routes. */
      readonly summary?: boolean;
    }
  /** `hdvpn show vrf [NAME]`: VRFs and pair halves with RD, RTs, label, route counts, sessions, role. */
  | { readonly command: 'show-vrf'; readonly name?: string }
  /** `hdvpn show hub [NAME]`: hub VRFs, their announcements and per-target rule counters. */
  | { readonly command: 'show-hub'; readonly name?: string }
  /** What policy NAME does to ROUTE (text form, src/bgp/policy/route-text.ts), without applying it. */
  | { readonly command: 'policy-test'; readonly policy: string; readonly route: string }
  | { readonly command: 'neighbor'; readonly action: NeighborAction; readonly address: string; readonly message?: string }
  | { readonly command: 'route-refresh'; readonly address: string; readonly family?: string }
  /** `hdvpn session add`: start a client session (docs/cli.md, Sessions); the answer is the session's JSON. */
  | { readonly command: 'session-add'; readonly client: string; readonly pair?: string; readonly tunnel?: TunnelRequest }
  | { readonly command: 'session-del'; readonly client: string }
  /** `hdvpn show sessions [CLIENT]`: the JSON INTERFACE.md fixes. */
  | { readonly command: 'show-sessions'; readonly client?: string }
  /** `hdvpn show fib [--vrf V] [PREFIX]`: FIB routes with their next hops (INTERFACE.md fields). */
  | { readonly command: 'show-fib'; readonly vrf?: string; readonly prefix?: string; readonly counters?: boolean }
  /** `hdvpn fib lookup [--ingress SESSION|core] [--label L] ADDR`: the decision the data plane makes. */
  | { readonly command: 'fib-lookup'; readonly address: string; readonly ingress?: string; readonly label?: number }
  /** `hdvpn show tunnels [NAME]`: client tunnels and core paths with state and counters (INTERFACE.md fields). */
  | { readonly command: 'show-tunnels'; readonly name?: string }
  | { readonly command: 'ping' };

/** A session's tunnel as the CLI sends it; stored only until the data plane (issue 8) builds it. */
export interface TunnelRequest {
  readonly type: 'gre' | 'ipip';
  readonly remote: string;
  readonly key?: number;
}

export type ControlCommand = ControlRequest['command'];

export type ControlResponse = { readonly ok: true; readonly result: Json } | { readonly ok: false; readonly error: string };

/** Requests are small; anything longer than this is not ours and is refused. */
export const MAX_REQUEST_LENGTH = 64 * 1024;

const COMMANDS: ReadonlySet<string> = new Set(['show-neighbors', 'show-rib', 'show-vrf', 'show-hub', 'neighbor', 'route-refresh', 'policy-test', 'session-add', 'session-del', 'show-sessions', 'show-fib', 'fib-lookup', 'show-tunnels', 'ping']);

function optionalString(o: Record<string, unknown>, key: string): string | undefined | null {
  const v = o[key];
  if (v === undefined) return undefined;
  return typeof v === 'string' ? v : null;
}

/** Validates a parsed request line; returns an error text for anything malformed. */
export function parseRequest(line: string): ControlRequest | { error: string } {
  let v: unknown;
  try {
    v = JSON.parse(line);
  } catch {
    return { error: 'request is not JSON' };
  }
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return { error: 'request is not a JSON object' };
  const o = v as Record<string, unknown>;
  const command = o.command;
  if (typeof command !== 'string' || !COMMANDS.has(command)) return { error: `unknown command ${JSON.stringify(command)}` };
  const strings = ['address', 'family', 'vrf', 'prefix', 'message', 'action', 'neighbor', 'direction', 'policy', 'route', 'name', 'client', 'pair', 'ingress'];
  if (o.summary !== undefined && typeof o.summary !== 'boolean') return { error: 'summary must be a boolean' };
  for (const k of strings) if (optionalString(o, k) === null) return { error: `${k} must be a string` };
  switch (command) {
    case 'ping':
      return { command };
    case 'show-neighbors':
      return { command, ...(typeof o.address === 'string' ? { address: o.address } : {}) };
    case 'show-rib':
      return {
        command,
        ...(typeof o.family === 'string' ? { family: o.family } : {}),
        ...(typeof o.vrf === 'string' ? { vrf: o.vrf } : {}),
        ...(typeof o.prefix === 'string' ? { prefix: o.prefix } : {}),
        ...(typeof o.neighbor === 'string' ? { neighbor: o.neighbor } : {}),
        ...(o.direction === 'in' || o.direction === 'out' ? { direction: o.direction } : {}),
        ...(o.summary === true ? { summary: true } : {}),
      };
    case 'show-vrf':
    case 'show-hub':
      return { command, ...(typeof o.name === 'string' ? { name: o.name } : {}) };
    case 'policy-test':
      if (typeof o.policy !== 'string') return { error: 'policy is required' };
      if (typeof o.route !== 'string') return { error: 'route is required' };
      return { command, policy: o.policy, route: o.route };
    case 'neighbor': {
      const action = o.action;
      if (action !== 'reset' && action !== 'shutdown' && action !== 'enable') return { error: 'action must be reset, shutdown or enable' };
      if (typeof o.address !== 'string') return { error: 'address is required' };
      return { command, action, address: o.address, ...(typeof o.message === 'string' ? { message: o.message } : {}) };
    }
    case 'route-refresh':
      if (typeof o.address !== 'string') return { error: 'address is required' };
      return { command, address: o.address, ...(typeof o.family === 'string' ? { family: o.family } : {}) };
    case 'session-add': {
      if (typeof o.client !== 'string' || o.client === '') return { error: 'client is required' };
      const tunnel = o.tunnel === undefined ? undefined : parseTunnel(o.tunnel);
      if (typeof tunnel === 'string') return { error: tunnel };
      return { command, client: o.client, ...(typeof o.pair === 'string' ? { pair: o.pair } : {}), ...(tunnel ? { tunnel } : {}) };
    }
    case 'session-del':
      if (typeof o.client !== 'string' || o.client === '') return { error: 'client is required' };
      return { command, client: o.client };
    case 'show-sessions':
      return { command, ...(typeof o.client === 'string' ? { client: o.client } : {}) };
    case 'show-tunnels':
      return { command, ...(typeof o.name === 'string' ? { name: o.name } : {}) };
    case 'show-fib':
      if (o.counters !== undefined && typeof o.counters !== 'boolean') return { error: 'counters must be a boolean' };
      return { command, ...(typeof o.vrf === 'string' ? { vrf: o.vrf } : {}), ...(typeof o.prefix === 'string' ? { prefix: o.prefix } : {}), ...(o.counters === true ? { counters: true } : {}) };
    case 'fib-lookup': {
      if (typeof o.address !== 'string') return { error: 'address is required' };
      const label = o.label;
      // RFC 3032 §2.1: a label is 20 bits.
      if (label !== undefined && (typeof label !== 'number' || !Number.isInteger(label) || label < 0 || label > 0xfffff)) return { error: 'label must be an integer 0..1048575' };
      return { command, address: o.address, ...(typeof o.ingress === 'string' ? { ingress: o.ingress } : {}), ...(typeof label === 'number' ? { label } : {}) };
    }
    default:
      return { error: `unknown command ${JSON.stringify(command)}` };
  }
}

/** The tunnel of a session-add request, or why it is malformed. */
function parseTunnel(v: unknown): TunnelRequest | string {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return 'tunnel must be an object';
  const t = v as Record<string, unknown>;
  if (t.type !== 'gre' && t.type !== 'ipip') return 'tunnel type must be gre or ipip';
  if (typeof t.remote !== 'string') return 'tunnel remote is required';
  if (t.key === undefined) return { type: t.type, remote: t.remote };
  // RFC 2890 §2.1: the GRE key is a 32-bit field; IP-in-IP (RFC 2003) has no key at all.
  if (t.type !== 'gre') return 'only a gre tunnel has a key';
  if (typeof t.key !== 'number' || !Number.isInteger(t.key) || t.key < 0 || t.key > 0xffffffff) return 'tunnel key must be an integer 0..4294967295';
  return { type: t.type, remote: t.remote, key: t.key };
}
