/**
 * Typed, line-aware reading of a parsed YAML document. Every accessor reports
 * what is wrong (with the line of the offending key or value) to the shared
 * Diagnostics and returns undefined, so validators carry on and collect every
 * problem instead of stopping at the first.
 */
import { isAlias, isMap, isScalar, isSeq, type Document, type LineCounter } from 'yaml';
import type { Diagnostics } from './diagnostics';
import type { SecretRef } from './model';
import type { SecretPurpose } from './secrets';
import { closest } from './suggest';

/** A secret reference seen while reading, kept so the loader can check it can be read (with its line). */
export interface SecretUse {
  readonly ref: SecretRef;
  readonly line: number;
  readonly purpose: SecretPurpose;
}

export class Source {
  readonly secretUses: SecretUse[] = [];

  constructor(
    readonly diag: Diagnostics,
    private readonly lineCounter: LineCounter,
    private readonly doc: Document,
  ) {}

  /** 1-based line of a node; `fallback` when the node has no position (an empty value). */
  lineOf(node: unknown, fallback: number): number {
    const range = hasRange(node) ? node.range : undefined;
    return range ? this.lineCounter.linePos(range[0]).line : fallback;
  }

  /** Follows `*alias` references, so anchors work everywhere a value does. */
  resolve(node: unknown): unknown {
    return isAlias(node) ? node.resolve(this.doc) : node;
  }
}

function hasRange(node: unknown): node is { range: [number, number, number] } {
  return typeof node === 'object' && node !== null && 'range' in node && Array.isArray((node as { range: unknown }).range);
}

/** What the operator wrote, in words, for "must be X, not Y". */
export function describeNode(node: unknown): string {
  if (isMap(node)) return 'a map';
  if (isSeq(node)) return 'a list';
  if (isScalar(node)) {
    const v = node.value;
    if (v === null) return 'empty';
    if (typeof v === 'boolean') return `${String(v)}`;
    if (typeof v === 'number') return `the number ${String(v)}`;
    if (typeof v === 'string') return `the string '${v}'`;
  }
  return node === null || node === undefined ? 'empty' : 'an unsupported YAML value';
}

/** Integers are YAML numbers; asn-like values may also be written as strings (asdot `1.10`), so `text` accepts both. */
export function readText(src: Source, raw: unknown, label: string, fallbackLine: number): string | undefined {
  const node = src.resolve(raw);
  // `asn: 1.10` is the float 1.1 to YAML, and would silently become AS 1.1 = 65537 instead of 65546.
  if (isScalar(node) && typeof node.value === 'number' && !Number.isInteger(node.value)) {
    src.diag.error(src.lineOf(node, fallbackLine), `${label} ${String(node.value)} was read as a decimal number; write dotted values in quotes, like "1.10"`);
    return undefined;
  }
  if (isScalar(node) && (typeof node.value === 'string' || typeof node.value === 'number') && node.value !== '') return String(node.value);
  src.diag.error(src.lineOf(node, fallbackLine), `${label} must be a non-empty string, not ${describeNode(node)}`);
  return undefined;
}

export function readString(src: Source, raw: unknown, label: string, fallbackLine: number): string | undefined {
  const node = src.resolve(raw);
  if (isScalar(node) && typeof node.value === 'string' && node.value !== '') return node.value;
  src.diag.error(src.lineOf(node, fallbackLine), `${label} must be a non-empty string, not ${describeNode(node)}`);
  return undefined;
}

export function readInteger(src: Source, raw: unknown, label: string, min: number, max: number, fallbackLine: number): number | undefined {
  const node = src.resolve(raw);
  const line = src.lineOf(node, fallbackLine);
  if (!isScalar(node) || typeof node.value !== 'number' || !Number.isInteger(node.value)) {
    src.diag.error(line, `${label} must be an integer, not ${describeNode(node)}`);
    return undefined;
  }
  if (node.value < min || node.value > max) {
    src.diag.error(line, `${label} ${node.value} is out of range (${min} to ${max})`);
    return undefined;
  }
  return node.value;
}

export function readBoolean(src: Source, raw: unknown, label: string, fallbackLine: number): boolean | undefined {
  const node = src.resolve(raw);
  if (isScalar(node) && typeof node.value === 'boolean') return node.value;
  src.diag.error(src.lineOf(node, fallbackLine), `${label} must be true or false, not ${describeNode(node)}`);
  return undefined;
}

export function readEnum<T extends string>(src: Source, raw: unknown, label: string, values: readonly T[], fallbackLine: number): T | undefined {
  const text = readString(src, raw, label, fallbackLine);
  if (text === undefined) return undefined;
  const found = values.find((v) => v === text);
  if (found !== undefined) return found;
  const hint = closest(text, values);
  const expected = values.join(', ');
  src.diag.error(src.lineOf(src.resolve(raw), fallbackLine), `${label} '${text}' is not one of ${expected}${hint ? ` (did you mean '${hint}'?)` : ''}`);
  return undefined;
}

/** The items of a list, each with its line; undefined (reported) when it is not a list. */
export function readList(src: Source, raw: unknown, label: string, fallbackLine: number): { node: unknown; line: number }[] | undefined {
  const node = src.resolve(raw);
  // An empty value (`neighbors:`) is an empty list: the natural way to write "none".
  if (isScalar(node) && node.value === null) return [];
  if (!isSeq(node)) {
    src.diag.error(src.lineOf(node, fallbackLine), `${label} must be a list, not ${describeNode(node)}`);
    return undefined;
  }
  const line = src.lineOf(node, fallbackLine);
  return node.items.map((item) => ({ node: item, line: src.lineOf(src.resolve(item), line) }));
}

interface Entry {
  readonly keyLine: number;
  readonly value: unknown;
}

/**
 * One YAML map with a fixed set of allowed keys. Unknown keys are reported
 * at once (with a suggestion); the typed accessors read the known ones.
 */
export class MapReader {
  private readonly entries = new Map<string, Entry>();

  private constructor(
    readonly src: Source,
    readonly line: number,
    readonly what: string,
  ) {}

  /** Undefined (reported) when `raw` is not a map. */
  static open(src: Source, raw: unknown, what: string, allowed: readonly string[], fallbackLine: number): MapReader | undefined {
    const node = src.resolve(raw);
    if (!isMap(node)) {
      src.diag.error(src.lineOf(node, fallbackLine), `${what} must be a map, not ${describeNode(node)}`);
      return undefined;
    }
    const reader = new MapReader(src, src.lineOf(node, fallbackLine), what);
    for (const pair of node.items) {
      const key = src.resolve(pair.key);
      const keyLine = src.lineOf(key, reader.line);
      if (!isScalar(key) || typeof key.value !== 'string') {
        src.diag.error(keyLine, `${what} has a key that is not a string (${describeNode(key)})`);
        continue;
      }
      if (!allowed.includes(key.value)) {
        const hint = closest(key.value, allowed);
        src.diag.error(keyLine, `unknown key '${key.value}' in ${what}${hint ? ` (did you mean '${hint}'?)` : ''}`);
        continue;
      }
      reader.entries.set(key.value, { keyLine, value: pair.value });
    }
    return reader;
  }

  has(key: string): boolean {
    return this.entries.has(key);
  }

  keyLine(key: string): number {
    return this.entries.get(key)?.keyLine ?? this.line;
  }

  /** The line of the value, or of its key when the value is empty. */
  valueLine(key: string): number {
    const entry = this.entries.get(key);
    return entry ? this.src.lineOf(this.src.resolve(entry.value), entry.keyLine) : this.line;
  }

  raw(key: string): unknown {
    return this.entries.get(key)?.value;
  }

  /** Reports a missing key; true when present. */
  require(key: string): boolean {
    if (this.entries.has(key)) return true;
    this.src.diag.error(this.line, `${this.what} is missing required key '${key}'`);
    return false;
  }

  text(key: string): string | undefined {
    return this.has(key) ? readText(this.src, this.raw(key), key, this.keyLine(key)) : undefined;
  }

  string(key: string): string | undefined {
    return this.has(key) ? readString(this.src, this.raw(key), key, this.keyLine(key)) : undefined;
  }

  integer(key: string, min: number, max: number): number | undefined {
    return this.has(key) ? readInteger(this.src, this.raw(key), key, min, max, this.keyLine(key)) : undefined;
  }

  boolean(key: string): boolean | undefined {
    return this.has(key) ? readBoolean(this.src, this.raw(key), key, this.keyLine(key)) : undefined;
  }

  enumOf<T extends string>(key: string, values: readonly T[]): T | undefined {
    return this.has(key) ? readEnum(this.src, this.raw(key), key, values, this.keyLine(key)) : undefined;
  }

  list(key: string): { node: unknown; line: number }[] | undefined {
    return this.has(key) ? readList(this.src, this.raw(key), key, this.keyLine(key)) : undefined;
  }

  map(key: string, what: string, allowed: readonly string[]): MapReader | undefined {
    return this.has(key) ? MapReader.open(this.src, this.raw(key), what, allowed, this.keyLine(key)) : undefined;
  }

  /** True when the value is the scalar `false` (the "off" spelling of sections like `listen`). */
  isFalse(key: string): boolean {
    const node = this.src.resolve(this.raw(key));
    return isScalar(node) && node.value === false;
  }
}
