import type { ObjectMeta } from 'kubernetes-types/meta/v1.js';

/** Any Kubernetes object as it travels over the wire: typed metadata, everything else open. */
export interface KubeObject {
  apiVersion?: string;
  kind?: string;
  metadata: ObjectMeta;
  [field: string]: unknown;
}

/** What identifies a kind to the client: `{ apiVersion: 'apps/v1', kind: 'Deployment' }`. */
export interface TypeRef {
  apiVersion: string;
  kind: string;
}

export interface GroupVersionKind {
  group: string;
  version: string;
  kind: string;
}

/** namespace/name of an object; `namespace` is absent (or empty) for cluster-scoped kinds. */
export interface ObjectKey {
  namespace?: string;
  name: string;
}

/** `apps/v1` -> `{ group: 'apps', version: 'v1' }`; `v1` -> the core group `''`. */
export function parseApiVersion(apiVersion: string): { group: string; version: string } {
  const slash = apiVersion.indexOf('/');
  if (slash < 0) return { group: '', version: apiVersion };
  return { group: apiVersion.slice(0, slash), version: apiVersion.slice(slash + 1) };
}

export function apiVersionOf(gv: { group: string; version: string }): string {
  return gv.group ? `${gv.group}/${gv.version}` : gv.version;
}

export function gvkOf(type: TypeRef): GroupVersionKind {
  return { ...parseApiVersion(type.apiVersion), kind: type.kind };
}

/** The type of an object, or an error naming what is missing: the client cannot guess a kind. */
export function typeRefOf(obj: { apiVersion?: string; kind?: string }): TypeRef {
  if (!obj.apiVersion || !obj.kind) {
    throw new TypeError(
      `object has no ${obj.apiVersion ? 'kind' : 'apiVersion'}: set apiVersion and kind before sending it`,
    );
  }
  return { apiVersion: obj.apiVersion, kind: obj.kind };
}

export function objectKeyOf(obj: { metadata?: ObjectMeta }): ObjectKey {
  const name = obj.metadata?.name;
  if (!name) throw new TypeError('object has no metadata.name');
  const namespace = obj.metadata?.namespace;
  return namespace ? { namespace, name } : { name };
}

/** `namespace/name`, or `name` for cluster-scoped objects: the workqueue and cache key. */
export function keyString(key: ObjectKey): string {
  return key.namespace ? `${key.namespace}/${key.name}` : key.name;
}

export function parseKeyString(key: string): ObjectKey {
  const slash = key.indexOf('/');
  return slash < 0 ? { name: key } : { namespace: key.slice(0, slash), name: key.slice(slash + 1) };
}

export function sameType(a: TypeRef, b: TypeRef): boolean {
  return a.apiVersion === b.apiVersion && a.kind === b.kind;
}
