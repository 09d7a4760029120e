/**
 * The daemon's logger: winston with four levels, text or JSON lines, to the
 * console or a file. Child loggers carry context (`peer`, `vrf`, `session`)
 * so every line says which neighbor or VRF it concerns. Every line passes the
 * redaction guard twice: structured fields before formatting (secret keys,
 * registered secrets) and the finished line after it (anything that slipped
 * into a message).
 */
import type { Writable } from 'node:stream';
import { createLogger as createWinston, format, transports, type Logger } from 'winston';
import type { LoggingConfig } from './config/model';
import { isSecretKey, REDACTED, redactText, redactValue } from './redaction';

export type { Logger };

/** The context a child logger adds to each of its lines. */
export interface LogContext {
  readonly peer?: string;
  readonly vrf?: string;
  readonly session?: string;
}

const LEVELS = { error: 0, warn: 1, info: 2, debug: 3 } as const;
const CONTEXT_KEYS = ['peer', 'vrf', 'session'] as const;
/** winston (triple-beam) keeps the finished line under this symbol. */
const MESSAGE = Symbol.for('message');
/** Fields winston adds itself; never printed as key=value. */
const INTERNAL_KEYS = new Set(['level', 'message', 'timestamp', ...CONTEXT_KEYS]);

/** Replaces secrets in every field of a log entry, in place (winston needs the same object back). */
const redactFields = format((info) => {
  const fields = info as Record<string, unknown>;
  for (const key of Object.keys(fields)) {
    if (key === 'level') continue;
    fields[key] = isSecretKey(key) ? REDACTED : redactValue(fields[key]);
  }
  // `logger.error(err)` makes the Error itself the entry, whose message and stack are not enumerable.
  if (typeof fields.message === 'string') fields.message = redactText(fields.message);
  if (typeof fields.stack === 'string') fields.stack = redactText(fields.stack);
  return info;
});

/** The last guard: cut registered secrets out of the finished line. */
const redactLine = format((info) => {
  const line = (info as Record<symbol, unknown>)[MESSAGE];
  if (typeof line === 'string') (info as Record<symbol, unknown>)[MESSAGE] = redactText(line);
  return info;
});

function formatMetaValue(value: unknown): string {
  if (typeof value === 'string') return /[\s"=]/.test(value) ? JSON.stringify(value) : value;
  return JSON.stringify(value) ?? String(value);
}

/** `2024-05-01T10:00:00.000Z info [peer=192.0.2.2] session established hold-time=90` */
const textLine = format.printf((info) => {
  const fields = info as Record<string, unknown>;
  const context = CONTEXT_KEYS.filter((k) => fields[k] !== undefined).map((k) => `${k}=${String(fields[k])}`);
  const meta = Object.keys(fields)
    .filter((k) => !INTERNAL_KEYS.has(k))
    .map((k) => `${k}=${formatMetaValue(fields[k])}`);
  const parts = [String(fields.timestamp), info.level, context.length ? `[${context.join(' ')}]` : '', String(info.message), ...meta];
  return parts.filter((p) => p !== '').join(' ');
});

export interface LoggerOptions extends LoggingConfig {
  /** Write here instead of the console or file (tests, or an embedding program). */
  readonly stream?: Writable;
}

/** The transport type is left to inference: winston's own is a transitive package we do not depend on. */
function makeTransport(options: LoggerOptions) {
  if (options.stream) return new transports.Stream({ stream: options.stream });
  if (options.file !== null) return new transports.File({ filename: options.file });
  // Problems go to stderr so they survive `hdvpnd > /dev/null`.
  return new transports.Console({ stderrLevels: ['error', 'warn'] });
}

export function createLogger(options: LoggerOptions): Logger {
  return createWinston({
    levels: LEVELS,
    level: options.level,
    format: format.combine(redactFields(), format.timestamp(), options.format === 'json' ? format.json() : textLine, redactLine()),
    transports: [makeTransport(options)],
  });
}

/** A logger whose every line carries `context`; nest them (peer, then session) as the work narrows. */
export function childLogger(logger: Logger, context: LogContext): Logger {
  return logger.child({ ...context });
}
