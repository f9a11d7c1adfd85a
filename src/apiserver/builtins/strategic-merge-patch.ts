/**
 * Strategic merge patch (`application/strategic-merge-patch+json`) as kube-apiserver applies it to built-in
 * kinds: apimachinery `pkg/util/strategicpatch` with `MergeParallelList` and `IgnoreUnmatchedNulls` on.
 *
 * Semantics, in the order the server applies them to every map:
 * - `$patch: replace` on a map: the patch map (minus the directive) replaces the original; `$patch: delete`
 *   on a map empties it. Any other `$patch` value is an error.
 * - `$retainKeys: [...]`: keys of the original not listed are dropped; a patch key not listed is an error.
 * - `$setElementOrder/<list>: [...]`: the list is merged, then ordered as given (server-only items are
 *   interleaved by their original positions).
 * - `$deleteFromPrimitiveList/<list>: [...]`: the listed values are removed from a primitive merge list.
 * - `null` deletes a key; nulls inside values that the original lacks are discarded.
 * - A list whose path is in `listMergeKeys` merges: maps by their merge key (`$patch: delete` items remove
 *   entries, a `$patch: replace` item replaces the whole list, `$patch: merge` is refused), primitive lists
 *   (merge key `''`) as ordered sets. Any other list is replaced whole.
 * - A map whose path is in `replaceMaps` (Go `patchStrategy:"replace"`, e.g. PDB `spec.selector`) is replaced.
 *
 * Paths are dotted with `[]` for list items: `spec.template.spec.containers[].env`. Failures throw
 * `StrategicMergePatchError` whose `code` is the HTTP status kube-apiserver answers with (400 for malformed
 * directives, 422 for lists of lists, 500 for the errors the server does not classify, such as a missing merge
 * key — real clusters report those as "Internal error occurred").
 */
import type { StrategicMergeSchema } from '../registry/resource-definition.js';
import { goSprintV, goTypeName } from './go-format.js';
import { deepClone, isObject, type JsonObject } from './object-access.js';

/** A merge schema that also names the maps with `patchStrategy:"replace"` (not expressible in listMergeKeys). */
export interface StrategicMergeSchemaWithReplace extends StrategicMergeSchema {
  replaceMaps?: readonly string[];
}

export type StrategicMergePatchErrorCode = 400 | 422 | 500;

export class StrategicMergePatchError extends Error {
  readonly code: StrategicMergePatchErrorCode;
  constructor(message: string, code: StrategicMergePatchErrorCode) {
    super(message);
    this.name = 'StrategicMergePatchError';
    this.code = code;
  }
}

export function isStrategicMergePatchError(err: unknown): err is StrategicMergePatchError {
  return err instanceof StrategicMergePatchError;
}

const DIRECTIVE = '$patch';
const RETAIN_KEYS = '$retainKeys';
const DELETE_FROM_PRIMITIVE = '$deleteFromPrimitiveList';
const SET_ELEMENT_ORDER = '$setElementOrder';

const errBadJSONDoc = () => new StrategicMergePatchError('invalid JSON document', 400);
const errNoListOfLists = () => new StrategicMergePatchError('lists of lists are not supported', 422);
const errBadPrimitiveList = () => new StrategicMergePatchError('invalid patch format of primitive list', 400);
const errBadRetainKeys = () => new StrategicMergePatchError('invalid patch format of retainKeys', 400);
const errBadSetElementOrder = () =>
  new StrategicMergePatchError('invalid patch format of setElementOrder list', 400);
const errNoMergeKey = (m: unknown, key: string) =>
  new StrategicMergePatchError(`map: ${goSprintV(m)} does not contain declared merge key: ${key}`, 500);
const errBadArgType = (expected: 'map' | 'slice', actual: unknown) =>
  new StrategicMergePatchError(
    `expected a ${expected === 'map' ? 'map[string]interface {}' : '[]interface {}'}, but received a ${goTypeName(actual)}`,
    500,
  );
const errBadPatchType = (t: unknown, m: unknown) =>
  new StrategicMergePatchError(`unknown patch type: ${goSprintV(t)} in map: ${goSprintV(m)}`, 500);

type Kind = 'object' | 'array' | 'string' | 'number' | 'boolean' | 'null';

function kindOf(v: unknown): Kind {
  if (v === null || v === undefined) return 'null';
  if (Array.isArray(v)) return 'array';
  if (isObject(v)) return 'object';
  if (typeof v === 'string') return 'string';
  if (typeof v === 'number') return 'number';
  return 'boolean';
}

const hasOwn = (o: JsonObject, k: string) => Object.prototype.hasOwnProperty.call(o, k);
const childPath = (path: string, key: string) => (path ? `${path}.${key}` : key);

class Lookup {
  readonly #keys: Record<string, string>;
  readonly #replace: ReadonlySet<string>;
  constructor(schema: StrategicMergeSchemaWithReplace) {
    this.#keys = schema.listMergeKeys;
    this.#replace = new Set(schema.replaceMaps ?? []);
  }
  /** The merge key of a merge list (`''` for primitive merge lists), undefined for replace lists. */
  listKey(path: string): string | undefined {
    return Object.prototype.hasOwnProperty.call(this.#keys, path) ? this.#keys[path] : undefined;
  }
  replacesMap(path: string): boolean {
    return this.#replace.has(path);
  }
}

/**
 * Applies `patch` to a copy of `original` (neither argument is modified) and returns the result.
 * A `null` patch is the empty patch, as the Go server decodes it.
 */
export function strategicMergePatch(
  original: unknown,
  patch: unknown,
  schema: StrategicMergeSchemaWithReplace,
): unknown {
  if (patch === null || patch === undefined) return deepClone(original);
  if (!isObject(patch)) {
    const kind = Array.isArray(patch) ? 'array' : typeof patch === 'boolean' ? 'bool' : typeof patch;
    throw new StrategicMergePatchError(
      `json: cannot unmarshal ${kind} into Go value of type map[string]interface {}`,
      400,
    );
  }
  if (original !== undefined && original !== null && !isObject(original)) throw errBadJSONDoc();
  const base: JsonObject = isObject(original) ? deepClone(original) : {};
  const merged = mergeMap(base, deepClone(patch), '', new Lookup(schema));
  stripLeftoverDirectives(merged);
  return merged;
}

function mergeMap(original: JsonObject, patch: JsonObject, path: string, lookup: Lookup): JsonObject {
  if (hasOwn(patch, DIRECTIVE)) return directiveInMap(patch[DIRECTIVE], patch);
  applyRetainKeys(original, patch);
  applySetElementOrder(original, patch, path, lookup);

  for (const [rawKey, patchValue] of Object.entries(patch)) {
    let key = rawKey;
    let isDeleteList = false;
    if (rawKey.startsWith(DELETE_FROM_PRIMITIVE)) {
      key = extractKey(rawKey, DELETE_FROM_PRIMITIVE);
      isDeleteList = true;
    }
    if (patchValue === null) {
      delete original[key];
      continue;
    }
    if (!hasOwn(original, key)) {
      if (!isDeleteList) {
        discardNulls(patchValue);
        setWithoutDirectives(original, key, patchValue);
      }
      continue;
    }
    const originalValue = original[key];
    if (kindOf(originalValue) !== kindOf(patchValue)) {
      if (!isDeleteList) {
        discardNulls(patchValue);
        setWithoutDirectives(original, key, patchValue);
      }
      continue;
    }
    const sub = childPath(path, key);
    if (isObject(originalValue) && isObject(patchValue)) {
      original[key] = lookup.replacesMap(sub) ? patchValue : mergeMap(originalValue, patchValue, sub, lookup);
    } else if (Array.isArray(originalValue) && Array.isArray(patchValue)) {
      const mergeKey = lookup.listKey(sub);
      original[key] =
        mergeKey === undefined && !isDeleteList
          ? patchValue
          : mergeSlice(originalValue, patchValue, mergeKey ?? '', sub, lookup, isDeleteList);
    } else {
      setWithoutDirectives(original, key, patchValue);
    }
  }
  return original;
}

function directiveInMap(directive: unknown, patch: JsonObject): JsonObject {
  if (directive === 'replace') {
    delete patch[DIRECTIVE];
    return patch;
  }
  if (directive === 'delete') return {};
  throw errBadPatchType(directive, patch);
}

function extractKey(key: string, prefix: string): string {
  const slash = key.indexOf('/');
  if (slash < 0 || key.slice(0, slash) !== prefix) {
    throw prefix === DELETE_FROM_PRIMITIVE ? errBadPrimitiveList() : errBadSetElementOrder();
  }
  return key.slice(slash + 1);
}

function applyRetainKeys(original: JsonObject, patch: JsonObject): void {
  if (!hasOwn(patch, RETAIN_KEYS)) return;
  const list = patch[RETAIN_KEYS];
  delete patch[RETAIN_KEYS];
  if (!Array.isArray(list)) throw errBadRetainKeys();
  const retained = new Set<unknown>(list);
  for (const [k, v] of Object.entries(patch)) {
    if (v === null || k.startsWith(DELETE_FROM_PRIMITIVE) || k.startsWith(SET_ELEMENT_ORDER)) continue;
    if (!retained.has(k)) throw errBadRetainKeys();
  }
  for (const k of Object.keys(original)) if (!retained.has(k)) delete original[k];
}

function applySetElementOrder(original: JsonObject, patch: JsonObject, path: string, lookup: Lookup): void {
  for (const directiveKey of Object.keys(patch)) {
    if (!directiveKey.startsWith(SET_ELEMENT_ORDER)) continue;
    const order = patch[directiveKey];
    delete patch[directiveKey];
    if (!Array.isArray(order)) throw errBadArgType('slice', order);
    const key = extractKey(directiveKey, SET_ELEMENT_ORDER);

    const foundOriginal = hasOwn(original, key);
    const foundPatch = hasOwn(patch, key);
    let originalList: unknown[] = [];
    let patchList: unknown[] = [];
    if (foundOriginal) {
      const v = original[key];
      if (!Array.isArray(v)) throw errBadArgType('slice', v);
      originalList = [...(v as unknown[])];
    }
    if (foundPatch) {
      const v = patch[key];
      if (!Array.isArray(v)) throw errBadArgType('slice', v);
      patchList = v;
    }
    const sub = childPath(path, key);
    const mergeKey = lookup.listKey(sub);
    validatePatchWithSetOrderList(patchList, order, mergeKey ?? '');

    let merged: unknown[];
    if (foundOriginal && !foundPatch) merged = originalList;
    else if (!foundOriginal && foundPatch) merged = removeDirectives(patchList)[0] as unknown[];
    else if (foundOriginal && foundPatch)
      merged =
        mergeKey === undefined
          ? patchList
          : mergeSlice(originalList, patchList, mergeKey, sub, lookup, false);
    else continue;

    const [patchItems, serverOnly] = mergeKey
      ? partitionMaps(merged, order, mergeKey)
      : partitionPrimitives(merged, order);
    const kind = sliceElementKind([originalList, patchList]);
    original[key] = normalizeElementOrder(patchItems, serverOnly, order, originalList, mergeKey ?? '', kind);
    delete patch[key];
  }
}

function mergeSlice(
  original: unknown[],
  patch: unknown[],
  mergeKey: string,
  path: string,
  lookup: Lookup,
  isDeleteList: boolean,
): unknown[] {
  if (original.length === 0 && patch.length === 0) return original;
  const kind = sliceElementKind([original, patch]);
  let serverList = [...original];
  let patchList = [...patch];
  let merged: unknown[];
  if (kind !== 'object') {
    if (isDeleteList) return deleteFromSlice(serverList, patchList);
    merged = dedupScalars([...serverList, ...patchList]);
  } else {
    if (!mergeKey) {
      throw new StrategicMergePatchError(`cannot merge lists without merge key for ${path}`, 500);
    }
    [serverList, patchList] = mergeSliceWithSpecialElements(serverList, patchList, mergeKey);
    merged = mergeSliceWithoutSpecialElements(serverList, patchList, mergeKey, `${path}[]`, lookup);
  }
  const [patchItems, serverOnly] = mergeKey
    ? partitionMaps(merged, patchList, mergeKey)
    : partitionPrimitives(merged, patchList);
  return normalizeElementOrder(patchItems, serverOnly, patchList, serverList, mergeKey, kind);
}

function sliceElementKind(slices: unknown[][]): Kind {
  let prev: Kind | undefined;
  for (const slice of slices) {
    for (const v of slice) {
      const k = kindOf(v);
      if (prev === undefined) {
        prev = k;
        if (k === 'array') throw errNoListOfLists();
      } else if (prev !== k) {
        throw new StrategicMergePatchError(`list element types are not identical: ${goSprintV(slices)}`, 500);
      }
    }
  }
  if (prev === undefined) throw new StrategicMergePatchError('no elements in any of the given slices', 500);
  return prev;
}

function mergeSliceWithSpecialElements(
  original: unknown[],
  patch: unknown[],
  mergeKey: string,
): [unknown[], unknown[]] {
  const plain: unknown[] = [];
  let replace = false;
  let server = original;
  for (const item of patch) {
    const m = item as JsonObject;
    if (!hasOwn(m, DIRECTIVE)) {
      plain.push(m);
      continue;
    }
    const directive = m[DIRECTIVE];
    if (directive === 'delete') {
      if (!hasOwn(m, mergeKey)) throw errNoMergeKey(m, mergeKey);
      const value = m[mergeKey];
      server = server.filter((e) => !(isObject(e) && hasOwn(e, mergeKey) && e[mergeKey] === value));
    } else if (directive === 'replace') {
      replace = true;
    } else if (directive === 'merge') {
      throw new StrategicMergePatchError('merging lists cannot yet be specified in the patch', 500);
    } else {
      throw errBadPatchType(directive, m);
    }
  }
  return replace ? [plain, []] : [server, plain];
}

function mergeSliceWithoutSpecialElements(
  original: unknown[],
  patch: unknown[],
  mergeKey: string,
  itemPath: string,
  lookup: Lookup,
): unknown[] {
  const result = [...original];
  for (const item of patch) {
    const m = item as JsonObject;
    if (!hasOwn(m, mergeKey)) throw errNoMergeKey(m, mergeKey);
    const value = m[mergeKey];
    const index = result.findIndex((e) => isObject(e) && hasOwn(e, mergeKey) && e[mergeKey] === value);
    const existing = index >= 0 ? result[index] : undefined;
    if (isObject(existing)) result[index] = mergeMap(existing, m, itemPath, lookup);
    else result.push(m);
  }
  return result;
}

function deleteFromSlice(current: unknown[], toDelete: unknown[]): unknown[] {
  return current.filter((v) => !toDelete.some((d) => d === v));
}

function dedupScalars(list: unknown[]): unknown[] {
  const out: unknown[] = [];
  for (const v of list) if (!out.some((o) => o === v)) out.push(v);
  return out;
}

function partitionPrimitives(list: unknown[], by: unknown[]): [unknown[], unknown[]] {
  const inPatch: unknown[] = [];
  const serverOnly: unknown[] = [];
  for (const v of list) (by.some((b) => b === v) ? inPatch : serverOnly).push(v);
  return [inPatch, serverOnly];
}

function partitionMaps(list: unknown[], by: unknown[], mergeKey: string): [unknown[], unknown[]] {
  const inPatch: unknown[] = [];
  const serverOnly: unknown[] = [];
  for (const v of list) {
    if (!isObject(v)) throw errBadArgType('map', v);
    if (!hasOwn(v, mergeKey)) throw errNoMergeKey(v, mergeKey);
    let found = false;
    for (let i = 0; i < by.length; i++) {
      const b = by[i];
      if (!isObject(b)) throw new StrategicMergePatchError(`value for key ${i} is not a map`, 500);
      if (hasOwn(b, mergeKey) && b[mergeKey] === v[mergeKey]) {
        found = true;
        break;
      }
    }
    (found ? inPatch : serverOnly).push(v);
  }
  return [inPatch, serverOnly];
}

function validatePatchWithSetOrderList(patchList: unknown[], order: unknown[], mergeKey: string): void {
  if (order.length === 0 || patchList.length === 0) return;
  let nonDelete = patchList;
  if (mergeKey) nonDelete = extractToDelete(patchList)[0];
  let pi = 0;
  let si = 0;
  while (pi < nonDelete.length && si < order.length) {
    const item = nonDelete[pi];
    if (isObject(item) && hasOwn(item, DIRECTIVE)) {
      pi++;
      continue;
    }
    if (mergeKeyValueEqual(item, order[si], mergeKey)) pi++;
    si++;
  }
  if (pi < nonDelete.length && si >= order.length) {
    throw new StrategicMergePatchError(
      `The order in patch list:\n${goSprintV(patchList)}\n doesn't match ${SET_ELEMENT_ORDER} list:\n${goSprintV(order)}\n`,
      500,
    );
  }
}

function mergeKeyValueEqual(left: unknown, right: unknown, mergeKey: string): boolean {
  if (!mergeKey) return left === right;
  if (!isObject(left)) throw errBadArgType('map', left);
  if (!isObject(right)) throw errBadArgType('map', right);
  if (!hasOwn(left, mergeKey)) throw errNoMergeKey(left, mergeKey);
  if (!hasOwn(right, mergeKey)) throw errNoMergeKey(right, mergeKey);
  return left[mergeKey] === right[mergeKey];
}

function extractToDelete(list: unknown[]): [unknown[], unknown[]] {
  const keep: unknown[] = [];
  const del: unknown[] = [];
  for (const v of list) {
    if (!isObject(v)) throw errBadArgType('map', v);
    (v[DIRECTIVE] === 'delete' ? del : keep).push(v);
  }
  return [keep, del];
}

function normalizeElementOrder(
  patchItems: unknown[],
  serverOnly: unknown[],
  patchOrder: unknown[],
  serverOrder: unknown[],
  mergeKey: string,
  kind: Kind,
): unknown[] {
  const sortedPatch = normalizeSliceOrder(patchItems, patchOrder, mergeKey, kind);
  const sortedServer = normalizeSliceOrder(serverOnly, serverOrder, mergeKey, kind);
  return mergeSortedSlice(sortedServer, sortedPatch, serverOrder, mergeKey, kind);
}

function normalizeSliceOrder(toSort: unknown[], order: unknown[], mergeKey: string, kind: Kind): unknown[] {
  let items = toSort;
  let toDelete: unknown[] = [];
  if (kind === 'object') {
    for (const list of [toSort, order]) {
      for (const v of list) {
        if (!isObject(v)) throw errBadArgType('map', v);
        if (!hasOwn(v, mergeKey)) throw errNoMergeKey(v, mergeKey);
      }
    }
    [items, toDelete] = extractToDelete(toSort);
  }
  const decorated = items.map((v, i) => ({ v, i, at: indexIn(order, v, mergeKey, kind) }));
  decorated.sort((a, b) => {
    if (a.at >= 0 && b.at >= 0 && a.at !== b.at) return a.at - b.at;
    return a.i - b.i;
  });
  return [...decorated.map((d) => d.v), ...toDelete];
}

function indexIn(list: unknown[], item: unknown, mergeKey: string, kind: Kind): number {
  const valueOf = (x: unknown): unknown => (kind === 'object' ? (isObject(x) ? x[mergeKey] : undefined) : x);
  const wanted = valueOf(item);
  return list.findIndex((x) => valueOf(x) === wanted);
}

/** Interleaves server-only items (`left`) into patch items (`right`) by their positions in the live list. */
function mergeSortedSlice(
  left: unknown[],
  right: unknown[],
  serverOrder: unknown[],
  mergeKey: string,
  kind: Kind,
): unknown[] {
  const out: unknown[] = [];
  let i = 0;
  let j = 0;
  while (i < left.length || j < right.length) {
    if (i >= left.length) out.push(right[j++]);
    else if (j >= right.length) out.push(left[i++]);
    else {
      const li = indexIn(serverOrder, left[i], mergeKey, kind);
      const ri = indexIn(serverOrder, right[j], mergeKey, kind);
      if (li >= 0 && ri >= 0 && li < ri) out.push(left[i++]);
      else out.push(right[j++]);
    }
  }
  return out;
}

function removeDirectives(value: unknown): [unknown, boolean] {
  if (value === null || value === undefined) return [value, true];
  if (isObject(value)) {
    if (hasOwn(value, DIRECTIVE)) return [undefined, false];
    for (const k of Object.keys(value)) {
      const [v, keep] = removeDirectives(value[k]);
      if (keep) value[k] = v;
      else delete value[k];
    }
    return [value, true];
  }
  if (Array.isArray(value)) {
    const kept: unknown[] = [];
    for (const item of value) {
      const [v, keep] = removeDirectives(item);
      if (keep) kept.push(v);
    }
    return [kept, true];
  }
  return [value, true];
}

function setWithoutDirectives(target: JsonObject, key: string, value: unknown): void {
  const [v, keep] = removeDirectives(value);
  if (keep) target[key] = v;
  else delete target[key];
}

function discardNulls(value: unknown): void {
  if (isObject(value)) {
    for (const k of Object.keys(value)) {
      if (value[k] === null) delete value[k];
      else discardNulls(value[k]);
    }
  } else if (Array.isArray(value)) {
    for (const item of value) discardNulls(item);
  }
}

/**
 * Go copies some patch values verbatim (new list items, replaced lists); typed decoding then drops directive
 * keys as unknown fields. We drop them here so they never reach storage.
 */
function stripLeftoverDirectives(value: unknown): void {
  if (Array.isArray(value)) {
    for (const item of value) stripLeftoverDirectives(item);
  } else if (isObject(value)) {
    for (const k of Object.keys(value)) {
      if (
        k === DIRECTIVE ||
        k === RETAIN_KEYS ||
        k.startsWith(`${SET_ELEMENT_ORDER}/`) ||
        k.startsWith(`${DELETE_FROM_PRIMITIVE}/`)
      ) {
        delete value[k];
      } else {
        stripLeftoverDirectives(value[k]);
      }
    }
  }
}
