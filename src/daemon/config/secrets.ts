/**
 * Reading the secrets a config refers to (`{ file: PATH }` or `{ env: VAR }`).
 * The config model holds only the reference; the secret is read when a
 * session or RADIUS client needs it, registered for log redaction, and
 * wrapped in a Secret so it cannot be printed by accident. Errors name the
 * file or variable, never the content.
 */
import { readFileSync } from 'node:fs';
import { Secret } from '../redaction';
import type { SecretRef } from './model';

/** Linux TCP_MD5SIG_MAXKEYLEN (RFC 2385 sets no limit, the kernel does). */
export const TCP_MD5_MAX_KEY_LENGTH = 80;

export type SecretPurpose = 'tcp-md5' | 'radius';

export type SecretResult = { readonly ok: true; readonly secret: Secret } | { readonly ok: false; readonly reason: string };

export interface SecretSources {
  readonly env: NodeJS.ProcessEnv;
  readonly readFile: (path: string) => Buffer;
}

const DEFAULT_SOURCES: SecretSources = { env: process.env, readFile: (path) => readFileSync(path) };

function describe(ref: SecretRef): string {
  return ref.source === 'file' ? `secret file ${ref.path}` : `environment variable ${ref.variable}`;
}

function fetch(ref: SecretRef, sources: SecretSources): { ok: true; value: string } | { ok: false; reason: string } {
  if (ref.source === 'env') {
    const value = sources.env[ref.variable];
    return value === undefined ? { ok: false, reason: `${describe(ref)} is not set` } : { ok: true, value };
  }
  try {
    return { ok: true, value: sources.readFile(ref.path).toString('utf8') };
  } catch (e) {
    // Only the errno code: a message could in principle quote the file.
    const code = typeof e === 'object' && e !== null && 'code' in e ? String((e as { code: unknown }).code) : 'unknown error';
    return { ok: false, reason: `${describe(ref)} cannot be read (${code})` };
  }
}

/** Reads and checks one secret. A single trailing newline is dropped: `echo key > file` is how keys get written. */
export function readSecret(ref: SecretRef, purpose: SecretPurpose, sources: SecretSources = DEFAULT_SOURCES): SecretResult {
  const fetched = fetch(ref, sources);
  if (!fetched.ok) return fetched;
  const value = fetched.value.replace(/\r?\n$/, '');
  if (value === '') return { ok: false, reason: `${describe(ref)} is empty` };
  if (purpose === 'tcp-md5' && Buffer.byteLength(value) > TCP_MD5_MAX_KEY_LENGTH) {
    return { ok: false, reason: `${describe(ref)} holds a TCP-MD5 key longer than ${TCP_MD5_MAX_KEY_LENGTH} bytes` };
  }
  return { ok: true, secret: new Secret(value) };
}
