/**
 * `x-kubernetes-list-type: set|map` invariants (apiextensions `schema/listtype/validation.go`): set items and
 * map-list keys must be unique. Reported as FieldValueDuplicate at the second occurrence.
 */
import { type FieldError, fieldErrors } from '../errors/field-error.js';
import type { JSONSchemaProps } from '../registry/resource-definition.js';
import { duplicatePrinted } from './field-errors.js';
import { child, goJson, goSharpV, index, isPlainObject, key } from './go-format.js';
import { mapValueSchema } from './cel-values.js';

const UNSPECIFIED = Symbol('unspecified key');

/** Indices of items that repeat an earlier one (reported once per distinct value, at its second occurrence). */
function nonUnique(items: unknown[]): number[] {
  const seen = new Map<string, number>();
  const out: number[] = [];
  items.forEach((x, i) => {
    const k =
      x === UNSPECIFIED
        ? '\u0000unspecified'
        : typeof x === 'object' && x !== null
          ? `o${goJson(x)}`
          : `s${typeof x}:${String(x)}`;
    const times = seen.get(k) ?? 0;
    seen.set(k, times + 1);
    if (times === 1) out.push(i);
  });
  return out;
}

function printed(v: unknown): string {
  if (typeof v === 'string') return JSON.stringify(v);
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  return goSharpV(v);
}

function validateArray(path: string, s: JSONSchemaProps, list: unknown[], errs: FieldError[]): void {
  const listType = s['x-kubernetes-list-type'];
  if (listType === 'set') {
    for (const i of nonUnique(list)) errs.push(duplicatePrinted(index(path, i), printed(list[i])));
  } else if (listType === 'map') {
    validateListMap(path, s, list, errs);
  }
  if (s.items) list.forEach((item, i) => validateValue(index(path, i), s.items!, item, errs));
}

function validateListMap(path: string, s: JSONSchemaProps, list: unknown[], errs: FieldError[]): void {
  for (let i = 0; i < list.length; i++) {
    const x = list[i];
    if (x !== null && x !== undefined && !isPlainObject(x)) {
      errs.push(fieldErrors.invalid(index(path, i), x, 'must be an object for an array of list-type map'));
      return;
    }
  }
  if (list.length <= 1) return;
  const keyFields = s['x-kubernetes-list-map-keys'] ?? [];
  if (keyFields.length === 1) {
    const field = keyFields[0]!;
    const keys = list.map((x) =>
      isPlainObject(x) && Object.prototype.hasOwnProperty.call(x, field) ? x[field] : UNSPECIFIED,
    );
    for (const i of nonUnique(keys)) {
      const k = keys[i];
      errs.push(duplicatePrinted(index(path, i), goSharpV(k === UNSPECIFIED ? {} : { [field]: k })));
    }
    return;
  }
  const keys = list.map((x) => {
    const out: Record<string, unknown> = {};
    if (isPlainObject(x))
      for (const f of keyFields) if (Object.prototype.hasOwnProperty.call(x, f)) out[f] = x[f];
    return out;
  });
  for (const i of nonUnique(keys)) errs.push(duplicatePrinted(index(path, i), goSharpV(keys[i])));
}

function validateValue(path: string, s: JSONSchemaProps, value: unknown, errs: FieldError[]): void {
  if (Array.isArray(value)) validateArray(path, s, value, errs);
  else if (isPlainObject(value)) validateObject(path, s, value, errs);
}

function validateObject(
  path: string,
  s: JSONSchemaProps,
  obj: Record<string, unknown>,
  errs: FieldError[],
): void {
  const ap = mapValueSchema(s);
  if (ap) for (const [k, v] of Object.entries(obj)) validateValue(key(path, k), ap, v, errs);
  const props = s.properties;
  if (props)
    for (const [k, v] of Object.entries(obj)) if (props[k]) validateValue(child(path, k), props[k], v, errs);
}

/** Duplicate items of set lists and duplicate keys of map lists anywhere in `obj`. */
export function validateListSetsAndMaps(s: JSONSchemaProps, obj: unknown): FieldError[] {
  const errs: FieldError[] = [];
  if (isPlainObject(obj)) validateObject('', s, obj, errs);
  return errs;
}
