/** A value that survives `JSON.stringify` -> `JSON.parse` unchanged: what Kubernetes objects are made of. */
export type JsonValue = string | number | boolean | null | JsonValue[] | JsonObject;

/** `undefined` members are allowed because TypeScript objects often carry them; JSON treats them as absent. */
export interface JsonObject {
  [key: string]: JsonValue | undefined;
}

/** A plain object (not an array, not null): the only thing a merge patch recurses into. */
export function isJsonObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * A deep copy of a JSON value. `structuredClone` keeps `undefined` members, which is harmless: every helper
 * here treats them as absent, exactly as the wire does.
 */
export function deepClone<T>(value: T): T {
  return structuredClone(value);
}

/**
 * Structural equality with JSON semantics: a member set to `undefined` equals a missing member, key order
 * does not matter, array order does.
 */
export function deepEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (Array.isArray(a)) {
    if (!Array.isArray(b) || a.length !== b.length) return false;
    return a.every((item, i) => deepEqual(item, b[i]));
  }
  if (isJsonObject(a)) {
    if (!isJsonObject(b)) return false;
    const aKeys = definedKeys(a);
    const bKeys = definedKeys(b);
    if (aKeys.length !== bKeys.length) return false;
    return aKeys.every((key) => b[key] !== undefined && deepEqual(a[key], b[key]));
  }
  // NaN never appears in JSON; anything else that is not `===` differs.
  return false;
}

function definedKeys(obj: JsonObject): string[] {
  return Object.keys(obj).filter((key) => obj[key] !== undefined);
}
