import { deepClone, deepEqual, isJsonObject, type JsonObject, type JsonValue } from './json.js';

export { deepClone, deepEqual, isJsonObject, type JsonObject, type JsonValue } from './json.js';

/**
 * The RFC 7386 JSON merge patch that turns `before` into `after`: objects are compared member by member,
 * anything else (arrays included) is replaced whole, members missing from `after` become `null`.
 * Equal inputs give `{}`.
 *
 * RFC 7386 cannot express "set this member to null", so a `null` in `after` reads as a removal when the patch
 * is applied; Kubernetes objects never rely on explicit nulls, which is why merge patches are safe for them.
 */
export function createMergePatch(before: JsonObject, after: JsonObject): JsonObject {
  const patch: JsonObject = {};
  for (const [key, beforeValue] of Object.entries(before)) {
    if (beforeValue === undefined) continue;
    if (after[key] === undefined) patch[key] = null;
  }
  for (const [key, afterValue] of Object.entries(after)) {
    if (afterValue === undefined) continue;
    const beforeValue = before[key];
    if (beforeValue === undefined) {
      patch[key] = deepClone(afterValue);
    } else if (isJsonObject(beforeValue) && isJsonObject(afterValue)) {
      const nested = createMergePatch(beforeValue, afterValue);
      if (!isEmptyPatch(nested)) patch[key] = nested;
    } else if (!deepEqual(beforeValue, afterValue)) {
      patch[key] = deepClone(afterValue);
    }
  }
  return patch;
}

/** True for `{}` (or a patch holding only `undefined` members): sending it would change nothing. */
export function isEmptyPatch(patch: JsonObject): boolean {
  return Object.values(patch).every((value) => value === undefined);
}

/**
 * Applies an RFC 7386 merge patch and returns the result; `target` is not modified. A patch that is not an
 * object replaces the target whole, as the RFC says.
 */
export function applyMergePatch(target: JsonValue | undefined, patch: JsonValue): JsonValue {
  if (!isJsonObject(patch)) return deepClone(patch);
  const result: JsonObject = isJsonObject(target) ? deepClone(target) : {};
  for (const [key, value] of Object.entries(patch)) {
    if (value === undefined) continue;
    if (value === null) {
      delete result[key];
    } else {
      result[key] = applyMergePatch(result[key], value);
    }
  }
  return result;
}
