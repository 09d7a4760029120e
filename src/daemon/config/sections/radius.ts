/** `radius`: the RADIUS address servers (RFC 2865/2866) that half-duplex pairs may use. */
import { DEFAULT_RADIUS_RETRIES, DEFAULT_RADIUS_TIMEOUT, RADIUS_ACCOUNTING_PORT, RADIUS_AUTH_PORT } from '../defaults';
import type { RadiusConfig, RadiusServerConfig } from '../model';
import { addressValue, field, secretRefField } from '../values';
import { MapReader } from '../yaml-reader';

const RADIUS_KEYS = ['servers', 'timeout', 'retries', 'nas-identifier', 'interim-interval'];
const SERVER_KEYS = ['address', 'auth-port', 'accounting-port', 'secret'];

function readServer(reader: MapReader): RadiusServerConfig | undefined {
  const address = reader.require('address') ? field(reader, 'address', addressValue) : undefined;
  const authPort = reader.has('auth-port') ? reader.integer('auth-port', 1, 65535) : RADIUS_AUTH_PORT;
  const accountingPort = reader.has('accounting-port') ? reader.integer('accounting-port', 1, 65535) : RADIUS_ACCOUNTING_PORT;
  const secret = reader.require('secret') ? secretRefField(reader, 'secret', 'radius') : undefined;
  if (address === undefined || authPort === undefined || accountingPort === undefined || secret === undefined) return undefined;
  return { address, authPort, accountingPort, secret };
}

export function readRadius(root: MapReader): RadiusConfig | null | undefined {
  if (!root.has('radius')) return null;
  const reader = root.map('radius', 'radius', RADIUS_KEYS);
  if (!reader) return undefined;
  const items = reader.require('servers') ? reader.list('servers') : undefined;
  const servers: RadiusServerConfig[] = [];
  let ok = items !== undefined;
  for (const item of items ?? []) {
    const server = MapReader.open(reader.src, item.node, 'radius server', SERVER_KEYS, item.line);
    const value = server ? readServer(server) : undefined;
    if (value) servers.push(value);
    else ok = false;
  }
  if (items && items.length === 0) {
    reader.src.diag.error(reader.keyLine('servers'), 'radius needs at least one server');
    ok = false;
  }
  const timeout = reader.has('timeout') ? reader.integer('timeout', 1, 60) : DEFAULT_RADIUS_TIMEOUT;
  const retries = reader.has('retries') ? reader.integer('retries', 0, 10) : DEFAULT_RADIUS_RETRIES;
  const nasIdentifier = reader.has('nas-identifier') ? reader.string('nas-identifier') : 'hdvpn';
  const interimInterval = reader.has('interim-interval') ? reader.integer('interim-interval', 0, 86400) : 0;
  if (!ok || timeout === undefined || retries === undefined || nasIdentifier === undefined || interimInterval === undefined) return undefined;
  return { servers, timeout, retries, nasIdentifier, interimInterval };
}
