/**
 * Config values that have a wire type: every text form is parsed by the one
 * parser in src/bgp/wire/values; this file only adds the file:line reporting.
 */
import { isScalar, isSeq } from 'yaml';
import { AS_TRANS } from '../../bgp/wire/constants';
import { parseAsn } from '../../bgp/wire/values/asn';
import { parseCommunity } from '../../bgp/wire/values/community';
import { parseRouteTarget, type RouteTargetLike } from '../../bgp/wire/values/ext-community';
import { formatIp, parseIp, parseIpv4 } from '../../bgp/wire/values/ip';
import { parseLargeCommunity, type LargeCommunity } from '../../bgp/wire/values/large-community';
import { formatPrefix, parsePrefix, type Prefix } from '../../bgp/wire/values/prefix';
import { parseRd, type RouteDistinguisher } from '../../bgp/wire/values/rd';
import { CONFIG_FAMILIES, type ConfigFamily, type SecretRef } from './model';
import type { SecretPurpose } from './secrets';
import { closest } from './suggest';
import { MapReader, readList, readText, type Source } from './yaml-reader';

/** One value at a known line, as the list and map readers hand them out. */
export interface At {
  readonly node: unknown;
  readonly line: number;
}

export type TextParser<T> = (text: string, line: number, src: Source) => T | undefined;

export function parseAt<T>(src: Source, at: At, label: string, parse: TextParser<T>): T | undefined {
  const text = readText(src, at.node, label, at.line);
  return text === undefined ? undefined : parse(text, src.lineOf(src.resolve(at.node), at.line), src);
}

export function field<T>(reader: MapReader, key: string, parse: TextParser<T>): T | undefined {
  return reader.has(key) ? parseAt(reader.src, { node: reader.raw(key), line: reader.keyLine(key) }, key, parse) : undefined;
}

/** A list of parsed values with the line of each; undefined only when the key holds something that is not a list. */
export function locatedListField<T>(reader: MapReader, key: string, parse: TextParser<T>): { value: T; line: number }[] | undefined {
  if (!reader.has(key)) return [];
  const items = readList(reader.src, reader.raw(key), key, reader.keyLine(key));
  if (!items) return undefined;
  const out: { value: T; line: number }[] = [];
  for (const item of items) {
    const value = parseAt(reader.src, item, `${key} entry`, parse);
    if (value !== undefined) out.push({ value, line: item.line });
  }
  return out;
}

/**
 * A value or a list of values (`import-policy: a` or `import-policy: [a, b]`),
 * each with its line; undefined when something was reported.
 */
export function oneOrListField<T>(reader: MapReader, key: string, parse: TextParser<T>): { value: T; line: number }[] | undefined {
  if (!reader.has(key)) return [];
  if (isSeq(reader.src.resolve(reader.raw(key)))) return locatedListField(reader, key, parse);
  const line = reader.valueLine(key);
  const value = field(reader, key, parse);
  return value === undefined ? undefined : [{ value, line }];
}

export function listField<T>(reader: MapReader, key: string, parse: TextParser<T>): T[] | undefined {
  return locatedListField(reader, key, parse)?.map((x) => x.value);
}

export const asnValue: TextParser<number> = (text, line, src) => {
  const asn = parseAsn(text);
  if (asn === null) return void src.diag.error(line, `'${text}' is not a valid AS number (expected 1 to 4294967294, or asdot like 1.10)`);
  // RFC 7607: AS 0 must not be used; RFC 6793: AS_TRANS only stands in on the wire; RFC 7300: 4294967295 is reserved.
  if (asn === 0) return void src.diag.error(line, 'AS 0 is reserved (RFC 7607) and cannot be configured');
  if (asn === AS_TRANS) return void src.diag.error(line, 'AS 23456 is AS_TRANS (RFC 6793) and cannot be configured');
  if (asn === 0xffffffff) return void src.diag.error(line, 'AS 4294967295 is reserved (RFC 7300) and cannot be configured');
  return asn;
};

/** Any IPv4 or IPv6 address, returned in canonical text form. */
export const addressValue: TextParser<string> = (text, line, src) => {
  const bytes = parseIp(text);
  if (bytes === null) return void src.diag.error(line, `'${text}' is not a valid IPv4 or IPv6 address`);
  return formatIp(bytes);
};

export const ipv4Value: TextParser<number> = (text, line, src) => {
  const v = parseIpv4(text);
  if (v === null) return void src.diag.error(line, `'${text}' is not a valid IPv4 address`);
  return v;
};

export const prefixValue: TextParser<Prefix> = (text, line, src) => {
  const p = parsePrefix(text);
  if (p !== null) return p;
  const loose = parsePrefix(text, true);
  if (loose !== null) return void src.diag.error(line, `prefix ${text} has host bits set (did you mean ${formatPrefix(loose)}?)`);
  return void src.diag.error(line, `'${text}' is not a valid prefix (expected ADDRESS/LENGTH)`);
};

export const rdValue: TextParser<RouteDistinguisher> = (text, line, src) => {
  const rd = parseRd(text);
  if (rd === null) return void src.diag.error(line, `'${text}' is not a valid route distinguisher (expected ASN:N or IPV4:N)`);
  return rd;
};

export const routeTargetValue: TextParser<RouteTargetLike> = (text, line, src) => {
  const rt = parseRouteTarget(text);
  if (rt === null) return void src.diag.error(line, `'${text}' is not a valid route target (expected ASN:N or IPV4:N)`);
  return rt;
};

export const communityValue: TextParser<number> = (text, line, src) => {
  const c = parseCommunity(text);
  if (c === null) return void src.diag.error(line, `'${text}' is not a valid community (expected ASN:N with both parts 0 to 65535, or a well-known name)`);
  return c;
};

export const largeCommunityValue: TextParser<LargeCommunity> = (text, line, src) => {
  const c = parseLargeCommunity(text);
  if (c === null) return void src.diag.error(line, `'${text}' is not a valid large community (expected GA:LD1:LD2)`);
  return c;
};

export const familyValue: TextParser<ConfigFamily> = (text, line, src) => {
  const found = CONFIG_FAMILIES.find((f) => f === text);
  if (found !== undefined) return found;
  const hint = closest(text, CONFIG_FAMILIES);
  const suffix = hint ? `; did you mean '${hint}'?` : '';
  return void src.diag.error(line, `unknown family '${text}' (expected ipv4-unicast, ipv6-unicast, vpnv4-unicast or vpnv6-unicast)${suffix}`);
};

/** Families in canonical order without repeats; a repeat is reported. */
export function familiesField(reader: MapReader, key: string): ConfigFamily[] | undefined {
  const list = listField(reader, key, familyValue);
  if (!list) return undefined;
  const seen = new Set<ConfigFamily>();
  for (const f of list) {
    if (seen.has(f)) reader.src.diag.error(reader.valueLine(key), `family ${f} is listed twice`);
    seen.add(f);
  }
  return CONFIG_FAMILIES.filter((f) => seen.has(f));
}

const NAME_RE = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,62}$/;

/** VRF and pair names appear in CLI arguments and kernel table names, so they stay plain. */
export const nameValue: TextParser<string> = (text, line, src) => {
  if (NAME_RE.test(text)) return text;
  return void src.diag.error(line, `name '${text}' must be 1 to 63 letters, digits, '.', '_' or '-', starting with a letter or digit`);
};

const ENV_RE = /^[A-Za-z_][A-Za-z0-9_]*$/;

/**
 * `{ file: PATH }` or `{ env: VARIABLE }`. A secret written inline is refused
 * without echoing it: the message names the key, never the value.
 */
export function secretRefField(reader: MapReader, key: string, purpose: SecretPurpose): SecretRef | undefined {
  if (!reader.has(key)) return undefined;
  const { src } = reader;
  const node = src.resolve(reader.raw(key));
  if (isScalar(node)) {
    src.diag.error(reader.valueLine(key), `${key} must be { file: PATH } or { env: VARIABLE }; secrets are never written inline in the config`);
    return undefined;
  }
  const ref = MapReader.open(src, node, key, ['file', 'env'], reader.keyLine(key));
  if (!ref) return undefined;
  if (ref.has('file') === ref.has('env')) {
    src.diag.error(ref.line, `${key} must have exactly one of 'file' or 'env'`);
    return undefined;
  }
  const value = ref.has('file') ? fileRef(ref) : envRef(ref);
  if (value) src.secretUses.push({ ref: value, line: ref.line, purpose });
  return value;
}

function fileRef(ref: MapReader): SecretRef | undefined {
  const path = ref.string('file');
  return path === undefined ? undefined : { source: 'file', path };
}

function envRef(ref: MapReader): SecretRef | undefined {
  const variable = ref.string('env');
  if (variable === undefined) return undefined;
  if (!ENV_RE.test(variable)) return void ref.src.diag.error(ref.valueLine('env'), `'${variable}' is not a valid environment variable name`);
  return { source: 'env', variable };
}
