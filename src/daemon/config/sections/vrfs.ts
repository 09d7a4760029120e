/**
 * `vrfs` and `half-duplex` pairs. Both kinds share one namespace of VRF names
 * and one set of route distinguishers, so they are read and cross-checked
 * together here.
 */
import type { RouteTargetLike } from '../../../bgp/wire/values/ext-community';
import { formatPrefix, type Prefix } from '../../../bgp/wire/values/prefix';
import { formatRd, type RouteDistinguisher } from '../../../bgp/wire/values/rd';
import type { HalfDuplexConfig, HalfVrfConfig, VrfConfig } from '../model';
import { field, listField, locatedListField, nameValue, prefixValue, rdValue, routeTargetValue, type At } from '../values';
import { MapReader } from '../yaml-reader';
import { readHub } from './hub';
import { policyRefsField } from './policies';
import { checkRouteTargets, type VrfFacts } from './vrf-checks';

const VRF_KEYS = ['name', 'rd', 'import', 'export', 'label-mode', 'import-policy', 'export-policy', 'hub', 'connected'];
const HALF_KEYS = ['name', 'rd', 'import', 'export', 'import-policy', 'export-policy', 'connected'];
const PAIR_KEYS = ['name', 'upstream', 'downstream', 'pool', 'pool-exclude', 'address-server'];

interface Located<T> {
  readonly value: T;
  readonly line: number;
}

/** The parts of one VRF (plain or half) with the lines the cross-checks need. */
interface ReadVrf {
  readonly name: string;
  readonly rd: RouteDistinguisher;
  readonly import: readonly Located<RouteTargetLike>[];
  readonly export: readonly Located<RouteTargetLike>[];
  readonly importPolicy: readonly string[];
  readonly exportPolicy: readonly string[];
  readonly nameLine: number;
  readonly rdLine: number;
  readonly connected: readonly Prefix[];
  readonly connectedLine: number;
}

function readVrfCore(reader: MapReader, policies: ReadonlySet<string>): ReadVrf | undefined {
  const name = reader.require('name') ? field(reader, 'name', nameValue) : undefined;
  const rd = reader.require('rd') ? field(reader, 'rd', rdValue) : undefined;
  const imports = locatedListField(reader, 'import', routeTargetValue);
  const exports = locatedListField(reader, 'export', routeTargetValue);
  const importPolicy = policyRefsField(reader, 'import-policy', policies);
  const exportPolicy = policyRefsField(reader, 'export-policy', policies);
  const connected = reader.has('connected') ? listField(reader, 'connected', prefixValue) : [];
  if (name === undefined || rd === undefined || !imports || !exports || !importPolicy || !exportPolicy || !connected) return undefined;
  return {
    name, rd, import: imports, export: exports, importPolicy, exportPolicy, nameLine: reader.valueLine('name'), rdLine: reader.valueLine('rd'),
    connected, connectedLine: reader.has('connected') ? reader.valueLine('connected') : 0,
  };
}

function values<T>(list: readonly Located<T>[]): T[] {
  return list.map((x) => x.value);
}

function toHalf(v: ReadVrf): HalfVrfConfig {
  return { name: v.name, rd: v.rd, import: values(v.import), export: values(v.export), importPolicy: v.importPolicy, exportPolicy: v.exportPolicy, connected: v.connected };
}

export interface VrfSections {
  readonly vrfs: VrfConfig[];
  readonly halfDuplex: HalfDuplexConfig[];
  /** Every VRF name a route may name: plain VRFs and both halves of every pair. */
  readonly vrfNames: Set<string>;
  /** Hub VRF name → the prefixes its hub section announces (a static route may not take them too). */
  readonly announced: Map<string, Set<string>>;
  /** Pairs whose address server is RADIUS, with the line that says so. */
  readonly radiusPairs: { name: string; line: number }[];
}

function readPair(reader: MapReader, facts: VrfFacts[], radiusPairs: { name: string; line: number }[], policies: ReadonlySet<string>): HalfDuplexConfig | undefined {
  const name = reader.require('name') ? field(reader, 'name', nameValue) : undefined;
  const halves = (['upstream', 'downstream'] as const).map((role) => {
    if (!reader.require(role)) return undefined;
    const half = reader.map(role, `${role} VRF`, HALF_KEYS);
    const core = half ? readVrfCore(half, policies) : undefined;
    if (core && role === 'upstream' && core.connected.length > 0) {
      // RFC 7024 §3: the upstream VRF must never deliver locally, or two clients of this node would meet without the hub.
      reader.src.diag.error(core.connectedLine, `upstream VRF '${core.name}' cannot have connected networks: client traffic would reach them without the hub; put them in the downstream VRF`);
      return undefined;
    }
    if (core && name !== undefined) facts.push({ ...core, role, pair: name, hub: false });
    return core;
  });
  const [upstream, downstream] = halves;
  const pool: Prefix[] | undefined = listField(reader, 'pool', prefixValue);
  const poolExclude = listField(reader, 'pool-exclude', prefixValue);
  const addressServer = reader.has('address-server') ? reader.enumOf('address-server', ['pool', 'radius'] as const) : 'pool';
  if (name !== undefined && addressServer === 'radius') radiusPairs.push({ name, line: reader.valueLine('address-server') });
  if (name === undefined || !upstream || !downstream || !pool || !poolExclude || addressServer === undefined) return undefined;
  return { name, upstream: toHalf(upstream), downstream: toHalf(downstream), pool, poolExclude, addressServer };
}

export function readVrfSections(vrfItems: readonly At[], pairItems: readonly At[], root: MapReader, policies: ReadonlySet<string> = new Set()): VrfSections {
  const facts: VrfFacts[] = [];
  const vrfs: VrfConfig[] = [];
  for (const item of vrfItems) {
    const reader = MapReader.open(root.src, item.node, 'vrf', VRF_KEYS, item.line);
    if (!reader) continue;
    const core = readVrfCore(reader, policies);
    const labelMode = reader.has('label-mode') ? reader.enumOf('label-mode', ['per-vrf', 'per-prefix'] as const) : 'per-vrf';
    const hub = readHub(reader, core?.name, (core?.export.length ?? 1) > 0, (core?.import.length ?? 1) > 0);
    if (!core || labelMode === undefined || hub === undefined) continue;
    facts.push({ ...core, role: 'vrf', pair: null, hub: hub !== null });
    vrfs.push({ name: core.name, rd: core.rd, import: values(core.import), export: values(core.export), labelMode, importPolicy: core.importPolicy, exportPolicy: core.exportPolicy, hub, connected: core.connected });
  }
  const halfDuplex: HalfDuplexConfig[] = [];
  const radiusPairs: { name: string; line: number }[] = [];
  const pairLines = new Map<string, number>();
  for (const item of pairItems) {
    const reader = MapReader.open(root.src, item.node, 'half-duplex pair', PAIR_KEYS, item.line);
    if (!reader) continue;
    const pair = readPair(reader, facts, radiusPairs, policies);
    if (!pair) continue;
    const seen = pairLines.get(pair.name);
    if (seen !== undefined) root.src.diag.error(reader.valueLine('name'), `duplicate half-duplex pair name '${pair.name}' (first defined at line ${seen})`);
    else pairLines.set(pair.name, reader.valueLine('name'));
    halfDuplex.push(pair);
  }
  checkUniqueness(facts, root);
  checkRouteTargets(facts, root.src.diag);
  const announced = new Map(vrfs.flatMap((v) => (v.hub ? [[v.name, new Set(v.hub.announce.map(formatPrefix))] as const] : [])));
  return { vrfs, halfDuplex, vrfNames: new Set(facts.map((f) => f.name)), announced, radiusPairs };
}

/** RFC 4364 §4.2: an RD must be unique per VRF on a PE, or VPN routes of two VRFs collide. */
function checkUniqueness(facts: readonly VrfFacts[], root: MapReader): void {
  const names = new Map<string, number>();
  const rds = new Map<string, VrfFacts>();
  for (const f of facts) {
    const nameLine = names.get(f.name);
    if (nameLine !== undefined) root.src.diag.error(f.nameLine, `duplicate VRF name '${f.name}' (first defined at line ${nameLine})`);
    else names.set(f.name, f.nameLine);
    const rd = formatRd(f.rd);
    const other = rds.get(rd);
    if (other !== undefined) root.src.diag.error(f.rdLine, `route distinguisher ${rd} is already used by VRF '${other.name}' at line ${other.rdLine}`);
    else rds.set(rd, f);
  }
}
