/** The daemon's configuration: load, validate, print, defaults, secrets. docs/config.md describes every key. */
export * from './model';
export { ConfigError, formatDiagnostic, type Diagnostic, type Severity } from './diagnostics';
export { parseConfig, loadConfigFile, loadConfigOrThrow, type LoadOptions, type LoadResult } from './loader';
export { printConfig, configToPlain } from './printer';
export { builtinConfig, defaultControlSocket, BUILTIN_ASN, BUILTIN_PORT } from './defaults';
export { readSecret, TCP_MD5_MAX_KEY_LENGTH, type SecretPurpose, type SecretResult, type SecretSources } from './secrets';
