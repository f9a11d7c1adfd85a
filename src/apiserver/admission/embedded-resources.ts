/**
 * Validation of `x-kubernetes-embedded-resource` objects below the root (apiextensions
 * `schema/objectmeta/validation.go`): apiVersion and kind present and well formed, metadata valid ObjectMeta.
 */
import { type FieldError, fieldErrors } from '../errors/field-error.js';
import type { JSONSchemaProps, ObjectMeta } from '../registry/resource-definition.js';
import { child, index, isPlainObject, key } from './go-format.js';
import { isDNS1035Label, nameIsPathSegment } from './names.js';
import { validateObjectMeta } from './object-meta.js';

function validateEmbeddedResource(path: string, x: Record<string, unknown>): FieldError[] {
  const errs: FieldError[] = [];
  if (!Object.prototype.hasOwnProperty.call(x, 'apiVersion'))
    errs.push(fieldErrors.required(child(path, 'apiVersion')));
  if (!Object.prototype.hasOwnProperty.call(x, 'kind')) errs.push(fieldErrors.required(child(path, 'kind')));
  for (const [k, v] of Object.entries(x)) {
    if (k === 'apiVersion') {
      const p = child(path, 'apiVersion');
      if (typeof v !== 'string') errs.push(fieldErrors.invalid(p, v, 'must be a string'));
      else if (!v) errs.push(fieldErrors.invalid(p, v, 'must not be empty'));
      else if (v.split('/').length > 2)
        errs.push(fieldErrors.invalid(p, v, `unexpected GroupVersion string: ${v}`));
    } else if (k === 'kind') {
      const p = child(path, 'kind');
      if (typeof v !== 'string') errs.push(fieldErrors.invalid(p, v, 'must be a string'));
      else if (!v) errs.push(fieldErrors.invalid(p, v, 'must not be empty'));
      else {
        const problems = isDNS1035Label(v.toLowerCase());
        if (problems.length > 0)
          errs.push(
            fieldErrors.invalid(
              p,
              v,
              `may have mixed case, but should otherwise match: ${problems.join(',')}`,
            ),
          );
      }
    } else if (k === 'metadata') {
      if (!isPlainObject(v)) {
        errs.push(fieldErrors.invalid(child(path, 'metadata'), v, 'must be an object'));
        continue;
      }
      const meta = { ...v } as ObjectMeta;
      if (!meta.name) meta.name = 'fakename';
      errs.push(
        ...validateObjectMeta(meta, {
          namespaced: typeof meta.namespace === 'string' && meta.namespace.length > 0,
          nameValidation: nameIsPathSegment,
          fieldPath: child(path, 'metadata'),
        }),
      );
    }
  }
  return errs;
}

function walk(path: string, x: unknown, s: JSONSchemaProps | undefined, errs: FieldError[]): void {
  if (!s) return;
  if (isPlainObject(x)) {
    if (s['x-kubernetes-embedded-resource'] === true) errs.push(...validateEmbeddedResource(path, x));
    const ap = isPlainObject(s.additionalProperties)
      ? (s.additionalProperties as JSONSchemaProps)
      : undefined;
    for (const [k, v] of Object.entries(x)) {
      const prop = s.properties?.[k];
      if (prop) walk(child(path, k), v, prop, errs);
      else if (ap) walk(key(path, k), v, ap, errs);
    }
  } else if (Array.isArray(x)) {
    x.forEach((v, i) => walk(index(path, i), v, s.items, errs));
  }
}

/** Errors of every embedded resource inside `obj` (the root itself is validated as ObjectMeta elsewhere). */
export function validateEmbeddedResources(s: JSONSchemaProps, obj: unknown, path = ''): FieldError[] {
  const errs: FieldError[] = [];
  if (isPlainObject(obj)) {
    const ap = isPlainObject(s.additionalProperties)
      ? (s.additionalProperties as JSONSchemaProps)
      : undefined;
    for (const [k, v] of Object.entries(obj)) {
      const prop = s.properties?.[k];
      if (prop) walk(child(path, k), v, prop, errs);
      else if (ap) walk(key(path, k), v, ap, errs);
    }
  }
  return errs;
}

export { validateEmbeddedResource };
