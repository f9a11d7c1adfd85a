/**
 * Pruning of unknown fields (apiextensions `schema/pruning/algorithm.go`) and the reduction of `metadata` to
 * ObjectMeta at the root and in `x-kubernetes-embedded-resource` objects (`schema/objectmeta/coerce.go`).
 * Returns the removed paths as strict decoding reports them: `spec.foo`, `spec.items[0].bar`, `metadata.foo`.
 */
import type { JSONSchemaProps } from '../registry/resource-definition.js';
import { child, index, isPlainObject, key } from './go-format.js';
import { MANAGED_FIELDS_ENTRY_FIELDS, OBJECT_META_FIELDS, OWNER_REFERENCE_FIELDS } from './object-meta.js';

const META_FIELDS = new Set(['apiVersion', 'kind', 'metadata']);

class Tracker {
  readonly paths: string[] = [];

  record(parent: string, field: string): void {
    this.paths.push(parent ? `${parent}.${field}` : field);
  }
}

const appendKey = (parent: string, k: string): string => (parent ? `${parent}.${k}` : k);
const appendIndex = (parent: string, i: number): string => `${parent}[${i}]`;

function prune(
  x: unknown,
  s: JSONSchemaProps | undefined,
  embedded: boolean,
  parent: string,
  t: Tracker,
): void {
  if (s && s['x-kubernetes-preserve-unknown-fields'] === true) {
    skipPrune(x, s, embedded, parent, t);
    return;
  }
  if (isPlainObject(x)) {
    if (!s) {
      for (const k of Object.keys(x)) {
        t.record(parent, k);
        delete x[k];
      }
      return;
    }
    const ap = isPlainObject(s.additionalProperties)
      ? (s.additionalProperties as JSONSchemaProps)
      : undefined;
    const allowAny = s.additionalProperties === true;
    for (const k of Object.keys(x)) {
      if (embedded && META_FIELDS.has(k)) continue;
      const prop = s.properties?.[k];
      if (prop) prune(x[k], prop, prop['x-kubernetes-embedded-resource'] === true, appendKey(parent, k), t);
      else if (ap) prune(x[k], ap, ap['x-kubernetes-embedded-resource'] === true, appendKey(parent, k), t);
      else if (allowAny) prune(x[k], undefined, false, appendKey(parent, k), t);
      else {
        if (!META_FIELDS.has(k) || parent) t.record(parent, k);
        delete x[k];
      }
    }
  } else if (Array.isArray(x)) {
    const items = s?.items;
    x.forEach((v, i) =>
      prune(v, items, items?.['x-kubernetes-embedded-resource'] === true, appendIndex(parent, i), t),
    );
  }
}

function skipPrune(x: unknown, s: JSONSchemaProps, embedded: boolean, parent: string, t: Tracker): void {
  if (isPlainObject(x)) {
    const ap = isPlainObject(s.additionalProperties)
      ? (s.additionalProperties as JSONSchemaProps)
      : undefined;
    for (const k of Object.keys(x)) {
      if (embedded && META_FIELDS.has(k)) continue;
      const prop = s.properties?.[k];
      if (prop) prune(x[k], prop, prop['x-kubernetes-embedded-resource'] === true, appendKey(parent, k), t);
      else if (ap) prune(x[k], ap, ap['x-kubernetes-embedded-resource'] === true, appendKey(parent, k), t);
    }
  } else if (Array.isArray(x) && s.items) {
    const items = s.items;
    x.forEach((v, i) =>
      skipPrune(v, items, items['x-kubernetes-embedded-resource'] === true, appendIndex(parent, i), t),
    );
  }
}

/** Drops fields of `metadata` that ObjectMeta does not have (and unknown fields of its nested structs). */
export function coerceObjectMeta(metadata: unknown, prefix: string, t: { paths: string[] }): void {
  if (!isPlainObject(metadata)) return;
  for (const k of Object.keys(metadata)) {
    if (!OBJECT_META_FIELDS.has(k)) {
      t.paths.push(`${prefix}.${k}`);
      delete metadata[k];
    }
  }
  const nested = (field: string, allowed: ReadonlySet<string>): void => {
    const list = metadata[field];
    if (!Array.isArray(list)) return;
    list.forEach((item, i) => {
      if (!isPlainObject(item)) return;
      for (const k of Object.keys(item)) {
        if (!allowed.has(k)) {
          t.paths.push(`${prefix}.${field}[${i}].${k}`);
          delete item[k];
        }
      }
    });
  };
  nested('ownerReferences', OWNER_REFERENCE_FIELDS);
  nested('managedFields', MANAGED_FIELDS_ENTRY_FIELDS);
}

/** Embedded resources below the root: their metadata is reduced to ObjectMeta too. */
function coerceEmbedded(
  x: unknown,
  s: JSONSchemaProps | undefined,
  path: string,
  t: { paths: string[] },
): void {
  if (!s) return;
  if (isPlainObject(x)) {
    if (
      s['x-kubernetes-embedded-resource'] === true &&
      path &&
      Object.prototype.hasOwnProperty.call(x, 'metadata')
    )
      coerceObjectMeta(x.metadata, child(path, 'metadata'), t);
    const ap = isPlainObject(s.additionalProperties)
      ? (s.additionalProperties as JSONSchemaProps)
      : undefined;
    for (const [k, v] of Object.entries(x)) {
      const prop = s.properties?.[k];
      if (prop) coerceEmbedded(v, prop, child(path, k), t);
      else if (ap) coerceEmbedded(v, ap, key(path, k), t);
    }
  } else if (Array.isArray(x)) {
    x.forEach((v, i) => coerceEmbedded(v, s.items, index(path, i), t));
  }
}

/**
 * Prunes `obj` in place. The root is a resource: apiVersion, kind and metadata are kept (metadata reduced to
 * ObjectMeta). Returns the unknown field paths: pruned ones sorted, then embedded and root metadata ones.
 */
export function pruneObject(obj: unknown, s: JSONSchemaProps): string[] {
  const t = new Tracker();
  prune(obj, s, true, '', t);
  t.paths.sort();
  const coerced = { paths: [] as string[] };
  coerceEmbedded(obj, s, '', coerced);
  coerced.paths.sort();
  const rootMeta = { paths: [] as string[] };
  if (isPlainObject(obj)) coerceObjectMeta(obj.metadata, 'metadata', rootMeta);
  return [...t.paths, ...coerced.paths, ...rootMeta.paths];
}

/** Prunes a value against a sub-schema (used for defaults); true when nothing had to be removed. */
export function pruneValue(value: unknown, s: JSONSchemaProps, embedded: boolean): string[] {
  const t = new Tracker();
  prune(value, s, embedded, '', t);
  return t.paths;
}
