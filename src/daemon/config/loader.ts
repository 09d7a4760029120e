/**
 * YAML text → validated, frozen Config. Every section is read even after an
 * error elsewhere, so one run reports every problem with its file and line.
 */
import { readFileSync } from 'node:fs';
import { LineCounter, parseDocument, type Document } from 'yaml';
import { defaultControlSocket } from './defaults';
import { ConfigError, Diagnostics, type Diagnostic } from './diagnostics';
import { deepFreeze } from './freeze';
import type { Config } from './model';
import { readSecret, type SecretSources } from './secrets';
import { readAsn, readClusterId, readControl, readDecision, readListen, readLogging, readRouterId, readSessions, readFib, readInformClients, readClientRouter } from './sections/global';
import { readDynamicNeighbors, readNeighbors } from './sections/neighbors';
import { readPolicies } from './sections/policies';
import { readPrefixLists } from './sections/prefix-lists';
import { readRadius } from './sections/radius';
import { readRouteServer } from './sections/route-server';
import { readRoutes } from './sections/routes';
import { readVrfSections } from './sections/vrfs';
import { MapReader, Source } from './yaml-reader';

const TOP_LEVEL_KEYS = [
  'asn', 'router-id', 'listen', 'control', 'logging', 'neighbors', 'dynamic-neighbors', 'routes', 'vrfs', 'half-duplex', 'radius', 'sessions', 'fib', 'inform-clients', 'client-router',
  'prefix-lists', 'policies', 'route-server', 'cluster-id', 'decision',
];

export interface LoadOptions {
  /** Check that every password and RADIUS secret can be read (default true). Never keeps the secret. */
  readonly checkSecrets?: boolean;
  readonly secretSources?: SecretSources;
  /** The control socket when the config names none (default: defaultControlSocket()). */
  readonly defaultSocket?: string;
}

export type LoadResult =
  | { readonly ok: true; readonly config: Config; readonly warnings: readonly Diagnostic[] }
  | { readonly ok: false; readonly errors: readonly Diagnostic[]; readonly warnings: readonly Diagnostic[] };

/** `yaml` messages end in " at line N, column M:" and a code excerpt; the line goes in front instead. */
function yamlReason(message: string): string {
  const first = (message.split('\n')[0] ?? message).replace(/ at line \d+, column \d+:?$/, '');
  return `YAML syntax error: ${first.charAt(0).toLowerCase()}${first.slice(1)}`;
}

function reportYamlProblems(doc: Document, lineCounter: LineCounter, diag: Diagnostics): void {
  for (const e of doc.errors) diag.error(e.linePos?.[0].line ?? lineCounter.linePos(e.pos[0]).line, yamlReason(e.message));
  for (const w of doc.warnings) diag.warning(w.linePos?.[0].line ?? lineCounter.linePos(w.pos[0]).line, yamlReason(w.message));
}

function readSections(root: MapReader, defaultSocket: string): Config | undefined {
  const asn = readAsn(root);
  const routerId = readRouterId(root);
  const listen = readListen(root);
  const control = readControl(root, defaultSocket);
  const logging = readLogging(root);
  const clusterId = readClusterId(root);
  const decision = readDecision(root);
  // Policies first: neighbors and the route server refer to them by name, wherever they are in the file.
  const prefixLists = readPrefixLists(root.list('prefix-lists') ?? [], root);
  const policies = readPolicies(root.list('policies') ?? [], root, prefixLists.names);
  const routeServer = readRouteServer(root, policies.names);
  const neighbors = readNeighbors(root.list('neighbors') ?? [], root, policies.names);
  const dynamicNeighbors = readDynamicNeighbors(root.list('dynamic-neighbors') ?? [], root, policies.names);
  const { vrfs, halfDuplex, vrfNames, announced, radiusPairs } = readVrfSections(root.list('vrfs') ?? [], root.list('half-duplex') ?? [], root, policies.names);
  const routes = readRoutes(root.list('routes') ?? [], root, vrfNames, announced);
  const radius = readRadius(root);
  const sessions = readSessions(root);
  const fib = readFib(root);
  const informClients = readInformClients(root);
  const clientRouter = readClientRouter(root);
  if (clientRouter && fib && fib.backend !== 'userspace') {
    root.src.diag.error(root.keyLine('client-router'), 'a client router moves packets itself: it needs fib: { backend: userspace }');
  }
  if (radius === null) {
    for (const pair of radiusPairs) root.src.diag.error(pair.line, `pair '${pair.name}' uses address-server radius, but there is no radius section`);
  }
  if (asn === undefined || routerId === undefined || !listen || !control || !logging || radius === undefined) return undefined;
  if (clusterId === undefined || decision === undefined || routeServer === undefined || sessions === undefined || fib === undefined || informClients === undefined || clientRouter === undefined) return undefined;
  return {
    asn, routerId, listen, control, logging, neighbors, dynamicNeighbors, routes, vrfs, halfDuplex, radius, sessions, fib, informClients, clientRouter,
    prefixLists: prefixLists.lists, policies: policies.policies, routeServer, clusterId, decision,
  };
}

function checkSecrets(src: Source, sources: SecretSources | undefined): void {
  for (const use of src.secretUses) {
    const result = readSecret(use.ref, use.purpose, sources);
    if (!result.ok) src.diag.error(use.line, result.reason);
  }
}

/** Parses and validates config text; `file` is the name used in every diagnostic. */
export function parseConfig(text: string, file: string, options: LoadOptions = {}): LoadResult {
  const diag = new Diagnostics(file);
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, uniqueKeys: true, prettyErrors: true });
  reportYamlProblems(doc, lineCounter, diag);
  let config: Config | undefined;
  if (!diag.hasErrors()) {
    const src = new Source(diag, lineCounter, doc);
    if (doc.contents === null) diag.error(1, 'the config is empty; it needs at least asn and router-id');
    const root = doc.contents === null ? undefined : MapReader.open(src, doc.contents, 'the config', TOP_LEVEL_KEYS, 1);
    config = root ? readSections(root, options.defaultSocket ?? defaultControlSocket()) : undefined;
    if (options.checkSecrets !== false) checkSecrets(src, options.secretSources);
  }
  const warnings = diag.warnings();
  if (config === undefined || diag.hasErrors()) return { ok: false, errors: diag.errors(), warnings };
  return { ok: true, config: deepFreeze(config), warnings };
}

/** Reads FILE and validates it; a file that cannot be read is one error at line 1. */
export function loadConfigFile(path: string, options: LoadOptions = {}): LoadResult {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    const code = typeof e === 'object' && e !== null && 'code' in e ? String((e as { code: unknown }).code) : 'unknown error';
    return { ok: false, errors: [{ severity: 'error', file: path, line: 1, reason: `cannot read the config file (${code})` }], warnings: [] };
  }
  return parseConfig(text, path, options);
}

/** For the daemon: the config, or a ConfigError carrying every problem. */
export function loadConfigOrThrow(path: string, options: LoadOptions = {}): { config: Config; warnings: readonly Diagnostic[] } {
  const result = loadConfigFile(path, options);
  if (!result.ok) throw new ConfigError(result.errors, result.warnings);
  return { config: result.config, warnings: result.warnings };
}
