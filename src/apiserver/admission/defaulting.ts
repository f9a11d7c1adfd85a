/**
 * Structural defaulting (apiextensions `schema/defaulting/algorithm.go`, `prunenulls.go`): defaults apply where
 * a field is absent (or a non-nullable null) and its parent exists; defaulted values get their own nested
 * defaults; nulls of non-nullable fields without a default are dropped.
 */
import type { JSONSchemaProps } from '../registry/resource-definition.js';
import { cloneJson, isPlainObject } from './go-format.js';
import { mapValueSchema } from './cel-values.js';

const isNonNullableNull = (x: unknown, s: JSONSchemaProps | undefined): boolean =>
  x === null && s !== undefined && s.nullable !== true;

/** Applies defaults in place. */
export function applyDefaults(x: unknown, s: JSONSchemaProps | undefined): void {
  if (!s) return;
  if (isPlainObject(x)) {
    for (const [k, prop] of Object.entries(s.properties ?? {})) {
      if (prop.default === undefined || prop.default === null) continue;
      if (!Object.prototype.hasOwnProperty.call(x, k) || x[k] === undefined || isNonNullableNull(x[k], prop))
        x[k] = cloneJson(prop.default);
    }
    const ap =
      mapValueSchema(s) ?? (isPlainObject(s.additionalProperties) ? s.additionalProperties : undefined);
    for (const k of Object.keys(x)) {
      const prop = s.properties?.[k];
      if (prop) {
        applyDefaults(x[k], prop);
      } else if (ap) {
        if (isNonNullableNull(x[k], ap)) x[k] = ap.default === undefined ? null : cloneJson(ap.default);
        applyDefaults(x[k], ap);
      }
    }
  } else if (Array.isArray(x)) {
    for (let i = 0; i < x.length; i++) {
      if (isNonNullableNull(x[i], s.items))
        x[i] = s.items?.default === undefined ? null : cloneJson(s.items.default);
      applyDefaults(x[i], s.items);
    }
  }
}

function schemaForField(field: string, s: JSONSchemaProps | undefined): JSONSchemaProps | undefined {
  if (!s) return undefined;
  const prop = s.properties?.[field];
  if (prop) return prop;
  return isPlainObject(s.additionalProperties) ? s.additionalProperties : undefined;
}

/** Removes nulls where the schema neither allows null nor has a default to replace it. */
export function pruneNonNullableNullsWithoutDefaults(x: unknown, s: JSONSchemaProps | undefined): void {
  if (isPlainObject(x)) {
    for (const k of Object.keys(x)) {
      const schema = schemaForField(k, s);
      if (
        x[k] === null &&
        schema !== undefined &&
        schema.nullable !== true &&
        (schema.default ?? null) === null
      )
        delete x[k];
      else pruneNonNullableNullsWithoutDefaults(x[k], schema);
    }
  } else if (Array.isArray(x)) {
    for (const item of x) pruneNonNullableNullsWithoutDefaults(item, s?.items);
  }
}
