/** Deep freeze, so no part of the daemon can change the config it was given. */
export function deepFreeze<T>(value: T): T {
  // Typed arrays with elements cannot be frozen (a TypeError); their owners are readonly in the types.
  if (typeof value !== 'object' || value === null || ArrayBuffer.isView(value) || Object.isFrozen(value)) return value;
  for (const key of Object.keys(value)) deepFreeze((value as Record<string, unknown>)[key]);
  return Object.freeze(value);
}
