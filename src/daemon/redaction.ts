/**
 * Keeps secrets out of log lines. Two layers, because either alone leaks:
 * values under secret-looking keys are replaced whatever their content (a
 * config object logged whole), and every registered secret string is cut out
 * of any text (a secret pasted into a message). Kept apart from winston so the
 * config code can register secrets without pulling in the logger.
 */
import { inspect } from 'node:util';

export const REDACTED = '[redacted]';

/** Keys whose values are never logged, in any case or spelling (camelCase or kebab-case). */
const SECRET_KEY_RE = /^(password|passwd|secret|shared-?secret|radius-?secret|md5-?key|passphrase|token|private-?key)$/i;

const registry = new Set<string>();
/** Longest first, so a secret that contains another is cut out whole. */
let ordered: string[] = [];

/** After this, `value` never appears in a log line. Empty strings are ignored (they would match everywhere). */
export function registerSecret(value: string): void {
  if (value === '' || registry.has(value)) return;
  registry.add(value);
  ordered = [...registry].sort((a, b) => b.length - a.length);
}

/** For tests: forget every registered secret. */
export function clearSecrets(): void {
  registry.clear();
  ordered = [];
}

export function isSecretKey(key: string): boolean {
  return SECRET_KEY_RE.test(key);
}

export function redactText(text: string): string {
  let out = text;
  for (const secret of ordered) if (out.includes(secret)) out = out.split(secret).join(REDACTED);
  return out;
}

/** A copy of `value` with secret keys and registered secrets replaced; cycles and depth are bounded. */
export function redactValue(value: unknown, depth = 0, seen: WeakSet<object> = new WeakSet()): unknown {
  if (typeof value === 'string') return redactText(value);
  if (typeof value !== 'object' || value === null) return value;
  if (depth > 8 || seen.has(value)) return '[…]';
  seen.add(value);
  if (value instanceof Secret) return REDACTED;
  if (value instanceof Error) return { name: value.name, message: redactText(value.message), stack: value.stack === undefined ? undefined : redactText(value.stack) };
  if (ArrayBuffer.isView(value)) return `<${value.byteLength} bytes>`;
  if (value instanceof Date) return value;
  if (Array.isArray(value)) return value.map((v) => redactValue(v, depth + 1, seen));
  if (value instanceof Map) return redactValue(Object.fromEntries(value), depth + 1, seen);
  if (value instanceof Set) return redactValue([...value], depth + 1, seen);
  const out: Record<string, unknown> = {};
  for (const [key, v] of Object.entries(value)) out[key] = isSecretKey(key) ? REDACTED : redactValue(v, depth + 1, seen);
  return out;
}

/**
 * A secret in memory. Its value comes out only through reveal(); printing,
 * JSON.stringify and util.inspect all show `[redacted]`.
 */
export class Secret {
  readonly #value: string;

  constructor(value: string) {
    this.#value = value;
    registerSecret(value);
  }

  reveal(): string {
    return this.#value;
  }

  toString(): string {
    return REDACTED;
  }

  toJSON(): string {
    return REDACTED;
  }

  [inspect.custom](): string {
    return REDACTED;
  }
}
