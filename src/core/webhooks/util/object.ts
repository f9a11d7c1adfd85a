import type { KubeObject } from '../../../controller-runtime/api/object.js';
import type { Reader } from '../../../controller-runtime/client/client.js';
import { isNotFound } from '../../../controller-runtime/client/errors.js';
import type { AdmissionRequestInfo } from '../../../controller-runtime/webhook/webhook.js';

/**
 * What a webhook may receive: on a real kube-apiserver mutating webhooks run before schema validation, so
 * any field the schema requires may still be missing. Reading through this type keeps every access guarded.
 */
export type Loose<T> = T extends readonly (infer E)[]
  ? Loose<E>[]
  : T extends object
    ? string extends keyof T
      ? T // maps (labels, annotations) stay as they are
      : { [K in keyof T]?: Loose<T[K]> }
    : T;

/** Views a wire object as a loosely typed kind. */
export function loose<T>(obj: KubeObject): Loose<T> {
  return obj as unknown as Loose<T>;
}

/**
 * Whether a value differs from Go's zero value of the field it came from. Strings count when non-empty;
 * numbers and booleans are pointers in the Go types (so `0` and `false` count); objects when any member does.
 * Mirrors upstream's `IsDefined()` helpers, which compare structs against their zero value.
 */
export function isDefined(value: unknown): boolean {
  if (value === undefined || value === null) return false;
  if (typeof value === 'string') return value !== '';
  if (Array.isArray(value)) return value.length > 0;
  if (typeof value === 'object') return Object.values(value).some(isDefined);
  return true;
}

/**
 * The object before the change, on updates. The request carries it as sent over the wire, so anything that
 * is not an object with metadata counts as absent.
 */
export function oldObjectOf(request: AdmissionRequestInfo): KubeObject | undefined {
  const old: unknown = request.oldObject;
  return typeof old === 'object' && old !== null && !Array.isArray(old) && 'metadata' in old
    ? request.oldObject
    : undefined;
}

/**
 * The stored version of `obj` during an update, for defaulting that depends on it: from the request, else
 * read back through `reader`. Undefined on create, or when neither source has it.
 */
export async function previousVersionOf(
  obj: KubeObject,
  request: AdmissionRequestInfo,
  reader: Reader | undefined,
): Promise<KubeObject | undefined> {
  if (request.operation !== 'UPDATE') return undefined;
  const old = oldObjectOf(request);
  if (old || !reader || !obj.apiVersion || !obj.kind || !obj.metadata.name) return old;
  try {
    return await reader.get(
      { apiVersion: obj.apiVersion, kind: obj.kind },
      { namespace: obj.metadata.namespace, name: obj.metadata.name },
    );
  } catch (err) {
    if (isNotFound(err)) return undefined;
    throw err;
  }
}

/** Ensures `metadata.labels` exists and sets one label. */
export function setLabel(
  obj: { metadata?: { labels?: Record<string, string> } },
  key: string,
  value: string,
): void {
  obj.metadata ??= {};
  obj.metadata.labels ??= {};
  obj.metadata.labels[key] = value;
}

/** A copy of a string map with sorted keys: Go's JSON encoder sorts map keys, so denial values read the same. */
export function sortedMap(map: Record<string, string> | undefined): Record<string, string> | null {
  if (map === undefined) return null;
  const out: Record<string, string> = {};
  for (const key of Object.keys(map).sort()) out[key] = map[key] ?? '';
  return out;
}
