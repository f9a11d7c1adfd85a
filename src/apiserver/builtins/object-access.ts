/**
 * Small helpers to read and write plain JSON objects without `any`. Built-in strategies work on decoded
 * JSON (`KubeObject`), so every nested read has to narrow `unknown` first.
 */

export type JsonObject = Record<string, unknown>;

export function isObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** The value at a dotted path (`spec.template.spec`), or undefined when any step is missing. */
export function getPath(obj: unknown, path: string): unknown {
  let cur: unknown = obj;
  for (const key of path.split('.')) {
    if (!isObject(cur)) return undefined;
    cur = cur[key];
  }
  return cur;
}

export function getObject(obj: unknown, path: string): JsonObject | undefined {
  const v = getPath(obj, path);
  return isObject(v) ? v : undefined;
}

export function getString(obj: unknown, path: string): string | undefined {
  const v = getPath(obj, path);
  return typeof v === 'string' ? v : undefined;
}

export function getNumber(obj: unknown, path: string): number | undefined {
  const v = getPath(obj, path);
  return typeof v === 'number' ? v : undefined;
}

export function getArray(obj: unknown, path: string): unknown[] {
  const v = getPath(obj, path);
  return Array.isArray(v) ? v : [];
}

/** The objects of a list, skipping anything that is not an object. */
export function getObjects(obj: unknown, path: string): JsonObject[] {
  return getArray(obj, path).filter(isObject);
}

/** Returns `parent[key]` as an object, creating (or replacing a non-object) when needed. */
export function ensureObject(parent: JsonObject, key: string): JsonObject {
  const existing = parent[key];
  if (isObject(existing)) return existing;
  const created: JsonObject = {};
  parent[key] = created;
  return created;
}

/** Sets a value at a dotted path, creating intermediate objects. */
export function setPath(obj: JsonObject, path: string, value: unknown): void {
  const keys = path.split('.');
  let cur = obj;
  for (const key of keys.slice(0, -1)) cur = ensureObject(cur, key);
  cur[keys[keys.length - 1] as string] = value;
}

/** JSON deep equality (key order ignored). */
export function deepEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (Array.isArray(a)) {
    if (!Array.isArray(b) || a.length !== b.length) return false;
    return a.every((v, i) => deepEqual(v, b[i]));
  }
  if (isObject(a)) {
    if (!isObject(b)) return false;
    const ka = Object.keys(a);
    if (ka.length !== Object.keys(b).length) return false;
    return ka.every((k) => Object.prototype.hasOwnProperty.call(b, k) && deepEqual(a[k], b[k]));
  }
  return false;
}

/**
 * Equality the way a Go server sees two stored maps: an absent map, `null` and `{}` are all the empty map
 * (protobuf storage does not keep the difference).
 */
export function mapsEqual(a: unknown, b: unknown): boolean {
  const empty = (v: unknown) => v === undefined || v === null || (isObject(v) && Object.keys(v).length === 0);
  if (empty(a) && empty(b)) return true;
  return deepEqual(a, b);
}

export function deepClone<T>(value: T): T {
  return structuredClone(value);
}

/** Non-negative integer count of an object's keys (0 for anything that is not an object). */
export function keyCount(value: unknown): number {
  return isObject(value) ? Object.keys(value).length : 0;
}

/** A scalar as text (strings as is, numbers and booleans printed); '' for anything else. */
export function text(value: unknown): string {
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  return '';
}
