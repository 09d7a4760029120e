/** `neighbors` (configured peers) and `dynamic-neighbors` (peers accepted from a prefix range). */
import { parseIp } from '../../../bgp/wire/values/ip';
import { formatPrefix } from '../../../bgp/wire/values/prefix';
import { BGP_PORT, DEFAULT_DYNAMIC_LIMIT } from '../defaults';
import type { DynamicNeighborConfig, NeighborConfig } from '../model';
import { addressValue, field, prefixValue, type At } from '../values';
import { MapReader } from '../yaml-reader';
import { readSessionOptions, SESSION_OPTION_KEYS } from './session-options';

const NEIGHBOR_KEYS = ['address', 'port', 'passive', 'local-address', ...SESSION_OPTION_KEYS];
const DYNAMIC_KEYS = ['prefix', 'limit', ...SESSION_OPTION_KEYS];

function afiOf(address: string): 1 | 2 {
  return parseIp(address)?.length === 4 ? 1 : 2;
}

function readNeighbor(reader: MapReader, policies: ReadonlySet<string>): NeighborConfig | undefined {
  const address = reader.require('address') ? field(reader, 'address', addressValue) : undefined;
  const afi = address === undefined ? 1 : afiOf(address);
  const options = readSessionOptions(reader, afi, policies);
  const port = reader.has('port') ? reader.integer('port', 1, 65535) : BGP_PORT;
  const passive = reader.has('passive') ? reader.boolean('passive') : false;
  let localAddress = reader.has('local-address') ? field(reader, 'local-address', addressValue) : null;
  if (localAddress && address !== undefined && afiOf(localAddress) !== afi) {
    reader.src.diag.error(reader.valueLine('local-address'), `local-address ${localAddress} is not of the same address family as neighbor ${address}`);
    localAddress = undefined;
  }
  if (address === undefined || options === undefined || port === undefined || passive === undefined || localAddress === undefined) return undefined;
  return { ...options, address, port, passive, localAddress };
}

/** Every neighbor that validated; a duplicate address is reported against the later one. */
export function readNeighbors(items: readonly At[], root: MapReader, policies: ReadonlySet<string>): NeighborConfig[] {
  const out: NeighborConfig[] = [];
  const firstLine = new Map<string, number>();
  for (const item of items) {
    const reader = MapReader.open(root.src, item.node, 'neighbor', NEIGHBOR_KEYS, item.line);
    if (!reader) continue;
    const neighbor = readNeighbor(reader, policies);
    if (!neighbor) continue;
    const seen = firstLine.get(neighbor.address);
    if (seen !== undefined) {
      root.src.diag.error(reader.valueLine('address'), `duplicate neighbor address ${neighbor.address} (first defined at line ${seen})`);
      continue;
    }
    firstLine.set(neighbor.address, reader.valueLine('address'));
    out.push(neighbor);
  }
  return out;
}

export function readDynamicNeighbors(items: readonly At[], root: MapReader, policies: ReadonlySet<string>): DynamicNeighborConfig[] {
  const out: DynamicNeighborConfig[] = [];
  const firstLine = new Map<string, number>();
  for (const item of items) {
    const reader = MapReader.open(root.src, item.node, 'dynamic neighbor range', DYNAMIC_KEYS, item.line);
    if (!reader) continue;
    const prefix = reader.require('prefix') ? field(reader, 'prefix', prefixValue) : undefined;
    const options = readSessionOptions(reader, prefix?.afi ?? 1, policies);
    const limit = reader.has('limit') ? reader.integer('limit', 1, 1_000_000) : DEFAULT_DYNAMIC_LIMIT;
    if (prefix === undefined || options === undefined || limit === undefined) continue;
    const text = formatPrefix(prefix);
    const seen = firstLine.get(text);
    if (seen !== undefined) {
      root.src.diag.error(reader.valueLine('prefix'), `duplicate dynamic neighbor range ${text} (first defined at line ${seen})`);
      continue;
    }
    firstLine.set(text, reader.valueLine('prefix'));
    out.push({ ...options, prefix, limit });
  }
  return out;
}
