/**
 * What kube-apiserver checks about a CRD version's `openAPIV3Schema` at CRD create/update (apiextensions
 * `apis/apiextensions/validation/validation.go`, `apiserver/schema/validation.go`, `complete.go`,
 * `defaulting/validation.go`): structural schema rules, OpenAPI restrictions, list/map extensions, rule
 * declarations, CEL compilation and defaults that must validate and be pruned.
 */
import { type FieldError, fieldErrors } from '../errors/field-error.js';
import type { JSONSchemaProps, ValidationRule } from '../registry/resource-definition.js';
import { CelValueConverter, hasCelType } from './cel-values.js';
import { CelRuleEvaluator, type RuleIndex, compileRules, validFieldPath } from './cel-rules.js';
import { validateEmbeddedResource, validateEmbeddedResources } from './embedded-resources.js';
import { internalError, invalidPrinted } from './field-errors.js';
import { child, cloneJson, goQuote, goSharpV, index, isPlainObject, jsonEqual, key } from './go-format.js';
import { pruneValue } from './pruning.js';
import { compileRE2 } from './regex.js';
import { SchemaValidator, toFieldErrors } from './schema-validator.js';

type Level = 'root' | 'item' | 'field';
const OPENAPI_V3_TYPES = ['array', 'boolean', 'integer', 'number', 'object', 'string'];
const META_FIELDS = new Set(['metadata', 'kind', 'apiVersion']);
const SUPPORTED_REASONS = [
  'FieldValueDuplicate',
  'FieldValueForbidden',
  'FieldValueInvalid',
  'FieldValueRequired',
];

const raw = (s: JSONSchemaProps): Record<string, unknown> => s as Record<string, unknown>;
const has = (s: JSONSchemaProps, k: string): boolean => raw(s)[k] !== undefined;
const propsOf = (s: JSONSchemaProps | undefined): [string, JSONSchemaProps][] =>
  Object.entries(s?.properties ?? {});
const apSchema = (s: JSONSchemaProps): JSONSchemaProps | undefined =>
  isPlainObject(s.additionalProperties) ? s.additionalProperties : undefined;

// ---------------------------------------------------------------------------------------------------------------
// Structural schema

const VALUE_VALIDATION_KEYS = [
  'format',
  'maximum',
  'exclusiveMaximum',
  'minimum',
  'exclusiveMinimum',
  'maxLength',
  'minLength',
  'pattern',
  'maxItems',
  'minItems',
  'uniqueItems',
  'multipleOf',
  'enum',
  'maxProperties',
  'minProperties',
  'required',
  'allOf',
  'oneOf',
  'anyOf',
  'not',
];

function isIntOrStringAnyOf(list: JSONSchemaProps[] | undefined): boolean {
  if (!list || list.length !== 2) return false;
  const only = (s: JSONSchemaProps, type: string): boolean => {
    const keys = Object.keys(s).filter((k) => raw(s)[k] !== undefined);
    return keys.length === 1 && s.type === type;
  };
  return only(list[0]!, 'integer') && only(list[1]!, 'string');
}

function structuralInvariants(
  s: JSONSchemaProps | undefined,
  lvl: Level,
  path: string,
  errs: FieldError[],
): void {
  if (!s) return;
  if (s.type === 'array' && !s.items)
    errs.push(fieldErrors.required(child(path, 'items'), 'must be specified'));
  if (s.items) structuralInvariants(s.items, 'item', child(path, 'items'), errs);
  for (const [k, v] of propsOf(s)) structuralInvariants(v, 'field', key(child(path, 'properties'), k), errs);
  if (s.additionalProperties !== undefined) {
    if (lvl === 'root')
      errs.push(fieldErrors.forbidden(child(path, 'additionalProperties'), 'must not be used at the root'));
    const ap = apSchema(s);
    if (ap) structuralInvariants(ap, 'field', child(path, 'additionalProperties'), errs);
  }
  const intOrString = s['x-kubernetes-int-or-string'] === true;
  const preserve = s['x-kubernetes-preserve-unknown-fields'] === true;
  const embedded = s['x-kubernetes-embedded-resource'] === true;
  if (intOrString && preserve)
    errs.push(
      fieldErrors.invalid(
        child(path, 'x-kubernetes-preserve-unknown-fields'),
        true,
        'must be false if x-kubernetes-int-or-string is true',
      ),
    );
  if (intOrString && embedded)
    errs.push(
      fieldErrors.invalid(
        child(path, 'x-kubernetes-embedded-resource'),
        true,
        'must be false if x-kubernetes-int-or-string is true',
      ),
    );
  const skipAnyOf = isIntOrStringAnyOf(s.anyOf);
  const skipFirstAllOfAnyOf = (s.allOf?.length ?? 0) >= 1 && isIntOrStringAnyOf(s.allOf?.[0]?.anyOf);
  valueValidation(s, skipAnyOf, skipFirstAllOfAnyOf, lvl, path, errs);
  const checkMetadata = lvl === 'root' || embedded;
  if (embedded && s.type !== 'object') {
    if (!s.type)
      errs.push(
        fieldErrors.required(child(path, 'type'), 'must be object if x-kubernetes-embedded-resource is true'),
      );
    else
      errs.push(
        fieldErrors.invalid(
          child(path, 'type'),
          s.type,
          'must be object if x-kubernetes-embedded-resource is true',
        ),
      );
  } else if (!s.type && !intOrString && !preserve) {
    const detail =
      lvl === 'root'
        ? 'must not be empty at the root'
        : lvl === 'item'
          ? 'must not be empty for specified array items'
          : 'must not be empty for specified object fields';
    errs.push(fieldErrors.required(child(path, 'type'), detail));
  }
  if (embedded && s.additionalProperties !== undefined)
    errs.push(
      fieldErrors.forbidden(
        child(path, 'additionalProperties'),
        'must not be used if x-kubernetes-embedded-resource is set',
      ),
    );
  if (lvl === 'root' && s.type && s.type !== 'object')
    errs.push(fieldErrors.invalid(child(path, 'type'), s.type, 'must be object at the root'));
  const props = s.properties ?? {};
  for (const typeMeta of ['kind', 'apiVersion']) {
    const p = props[typeMeta];
    if (p && checkMetadata && p.type !== 'string')
      errs.push(
        fieldErrors.invalid(
          child(key(child(path, 'properties'), typeMeta), 'type'),
          p.type ?? '',
          'must be string',
        ),
      );
  }
  if (props.metadata)
    metadataInvariants(props.metadata, checkMetadata, lvl, key(child(path, 'properties'), 'metadata'), errs);
  if (embedded && !preserve && Object.keys(props).length === 0)
    errs.push(
      fieldErrors.required(
        child(path, 'properties'),
        'must not be empty if x-kubernetes-embedded-resource is true without x-kubernetes-preserve-unknown-fields',
      ),
    );
}

const STRUCTURAL_KEYS = new Set([
  'description',
  'title',
  'nullable',
  'externalDocs',
  'example',
  'items',
  'additionalProperties',
  ...VALUE_VALIDATION_KEYS,
  'x-kubernetes-preserve-unknown-fields',
  'x-kubernetes-embedded-resource',
  'x-kubernetes-int-or-string',
  'x-kubernetes-list-map-keys',
  'x-kubernetes-list-type',
  'x-kubernetes-map-type',
  'x-kubernetes-validations',
]);

const isZero = (v: unknown): boolean =>
  v === undefined || v === null || v === false || v === '' || (Array.isArray(v) && v.length === 0);

function metadataInvariants(
  s: JSONSchemaProps,
  checkMetadata: boolean,
  lvl: Level,
  path: string,
  errs: FieldError[],
): void {
  if (checkMetadata && s.type !== 'object')
    errs.push(fieldErrors.invalid(child(path, 'type'), s.type ?? '', 'must be object'));
  if (lvl !== 'root') return;
  const propNames = Object.keys(s.properties ?? {});
  const onlyNameProps = propNames.every((n) => n === 'name' || n === 'generateName');
  const extra =
    Object.keys(s).some((k) => STRUCTURAL_KEYS.has(k) && !isZero(raw(s)[k])) ||
    (propNames.length > 0 && !onlyNameProps);
  if (extra)
    errs.push(
      fieldErrors.forbidden(
        path,
        'must not specify anything other than name and generateName, but metadata is implicitly specified',
      ),
    );
}

function valueValidation(
  v: JSONSchemaProps,
  skipAnyOf: boolean,
  skipFirstAllOfAnyOf: boolean,
  lvl: Level,
  path: string,
  errs: FieldError[],
): void {
  if (!skipAnyOf)
    (v.anyOf ?? []).forEach((x, i) =>
      nestedValueValidation(x, false, false, lvl, index(child(path, 'anyOf'), i), errs),
    );
  (v.allOf ?? []).forEach((x, i) =>
    nestedValueValidation(
      x,
      skipFirstAllOfAnyOf && i === 0,
      false,
      lvl,
      index(child(path, 'allOf'), i),
      errs,
    ),
  );
  (v.oneOf ?? []).forEach((x, i) =>
    nestedValueValidation(x, false, false, lvl, index(child(path, 'oneOf'), i), errs),
  );
  if (v.not) nestedValueValidation(v.not, false, false, lvl, child(path, 'not'), errs);
  if (v.pattern) {
    try {
      compileRE2(v.pattern);
    } catch (err) {
      errs.push(
        fieldErrors.invalid(
          child(path, 'pattern'),
          v.pattern,
          `must be a valid regular expression, but isn't: ${err instanceof Error ? err.message : String(err)}`,
        ),
      );
    }
  }
}

function nestedValueValidation(
  v: JSONSchemaProps,
  skipAnyOf: boolean,
  skipAllOfAnyOf: boolean,
  lvl: Level,
  path: string,
  errs: FieldError[],
): void {
  valueValidation(v, skipAnyOf, skipAllOfAnyOf, lvl, path, errs);
  if (v.items) nestedValueValidation(v.items, false, false, lvl, child(path, 'items'), errs);
  for (const [k, p] of propsOf(v))
    nestedValueValidation(p, false, false, 'field', key(child(path, 'properties'), k), errs);
  const forbid = (field: string, detail: string): void => {
    errs.push(fieldErrors.forbidden(child(path, field), detail));
  };
  if (v.type) forbid('type', 'must be empty to be structural');
  if (v.additionalProperties !== undefined)
    forbid('additionalProperties', 'must be undefined to be structural');
  if (v.default !== undefined && v.default !== null) forbid('default', 'must be undefined to be structural');
  if (raw(v).title) forbid('title', 'must be empty to be structural');
  if (v.description) forbid('description', 'must be empty to be structural');
  if (v.nullable === true) forbid('nullable', 'must be false to be structural');
  if (has(v, 'externalDocs')) forbid('externalDocs', 'must be undefined to be structural');
  if (v['x-kubernetes-preserve-unknown-fields'] === true)
    forbid('x-kubernetes-preserve-unknown-fields', 'must be false to be structural');
  if (v['x-kubernetes-embedded-resource'] === true)
    forbid('x-kubernetes-embedded-resource', 'must be false to be structural');
  if (v['x-kubernetes-int-or-string'] === true)
    forbid('x-kubernetes-int-or-string', 'must be false to be structural');
  if ((v['x-kubernetes-list-map-keys']?.length ?? 0) > 0)
    forbid('x-kubernetes-list-map-keys', 'must be empty to be structural');
  if (v['x-kubernetes-list-type'] !== undefined)
    forbid('x-kubernetes-list-type', 'must be undefined to be structural');
  if (v['x-kubernetes-map-type'] !== undefined)
    forbid('x-kubernetes-map-type', 'must be undefined to be structural');
  if ((v['x-kubernetes-validations']?.length ?? 0) > 0)
    forbid('x-kubernetes-validations', 'must be empty to be structural');
  if (v.properties?.metadata)
    errs.push(
      fieldErrors.forbidden(
        key(child(path, 'properties'), 'metadata'),
        'must not be specified in a nested context',
      ),
    );
}

/** Every property or items defined inside a value validation (allOf, anyOf, ...) must exist structurally. */
function completeness(
  v: JSONSchemaProps,
  s: JSONSchemaProps | undefined,
  sPath: string,
  vPath: string,
  errs: FieldError[],
): void {
  const nested = (
    x: JSONSchemaProps | undefined,
    target: JSONSchemaProps | undefined,
    sp: string,
    vp: string,
  ): void => {
    if (!x) return;
    if (!target) {
      errs.push(fieldErrors.required(sp, `because it is defined in ${vp}`));
      return;
    }
    completeness(x, target, sp, vp, errs);
    nested(x.items, target.items, child(sp, 'items'), child(vp, 'items'));
    for (const [k, p] of propsOf(x)) {
      const sp2 = key(child(sp, 'properties'), k);
      const vp2 = key(child(vp, 'properties'), k);
      if (!target.properties?.[k]) errs.push(fieldErrors.required(sp2, `because it is defined in ${vp2}`));
      else nested(p, target.properties[k], sp2, vp2);
    }
  };
  if (!s) return;
  if (v.not) nested(v.not, s, sPath, child(vPath, 'not'));
  (v.allOf ?? []).forEach((x, i) => nested(x, s, sPath, index(child(vPath, 'allOf'), i)));
  (v.anyOf ?? []).forEach((x, i) => nested(x, s, sPath, index(child(vPath, 'anyOf'), i)));
  (v.oneOf ?? []).forEach((x, i) => nested(x, s, sPath, index(child(vPath, 'oneOf'), i)));
}

/** The structural schema errors, sorted by message as kube does. */
export function validateStructural(schema: JSONSchemaProps, path: string): FieldError[] {
  const errs: FieldError[] = [];
  structuralInvariants(schema, 'root', path, errs);
  completeness(schema, schema, path, path, errs);
  const text = (e: FieldError): string => `${e.field}: ${e.detail}`;
  return errs.sort((a, b) => (text(a) < text(b) ? -1 : text(a) > text(b) ? 1 : 0));
}

// ---------------------------------------------------------------------------------------------------------------
// OpenAPI restrictions, Kubernetes extensions, rules

interface SpecContext {
  allowDefaults: boolean;
  disallowDefaultsReason: string;
  insideResourceMeta: boolean;
  uncorrelatable: string | undefined;
  /** `uniqueItems: true` is accepted (Cluster API variable schemas allow it; CRD schemas do not). */
  allowUniqueItems?: boolean;
}

interface CelContext {
  resourceRoot: boolean;
}

interface WalkResult {
  schemaErrors: FieldError[];
  celErrors: FieldError[];
}

/** Go's %#v of an apiextensions.ValidationRule, as 1.32 prints it in rule compile errors. */
export function goValidationRule(r: ValidationRule): string {
  const ptr = (type: string, v: unknown): string =>
    v === undefined ? `(*${type})(nil)` : `(*${type})(0xc000000000)`;
  return (
    `apiextensions.ValidationRule{Rule:${goQuote(r.rule ?? '')}, Message:${goQuote(r.message ?? '')}, ` +
    `MessageExpression:${goQuote(r.messageExpression ?? '')}, Reason:${ptr('apiextensions.FieldValueErrorReason', r.reason)}, ` +
    `FieldPath:${goQuote(r.fieldPath ?? '')}, OptionalOldSelf:${ptr('bool', r.optionalOldSelf)}}`
  );
}

function specChecks(s: JSONSchemaProps, path: string, ctx: SpecContext): FieldError[] {
  const errs: FieldError[] = [];
  const r = raw(s);
  if (typeof r.type === 'string' && r.type && !OPENAPI_V3_TYPES.includes(r.type))
    errs.push(fieldErrors.notSupported(child(path, 'type'), r.type, OPENAPI_V3_TYPES));
  if (s.default !== undefined && s.default !== null && !ctx.allowDefaults)
    errs.push(
      fieldErrors.forbidden(
        child(path, 'default'),
        `must not be set${ctx.disallowDefaultsReason ? ` ${ctx.disallowDefaultsReason}` : ''}`,
      ),
    );
  if (typeof r.id === 'string' && r.id)
    errs.push(fieldErrors.forbidden(child(path, 'id'), 'id is not supported'));
  if (r.additionalItems !== undefined)
    errs.push(fieldErrors.forbidden(child(path, 'additionalItems'), 'additionalItems is not supported'));
  if (isPlainObject(r.patternProperties) && Object.keys(r.patternProperties).length > 0)
    errs.push(fieldErrors.forbidden(child(path, 'patternProperties'), 'patternProperties is not supported'));
  if (isPlainObject(r.definitions) && Object.keys(r.definitions).length > 0)
    errs.push(fieldErrors.forbidden(child(path, 'definitions'), 'definitions is not supported'));
  if (r.dependencies !== undefined)
    errs.push(fieldErrors.forbidden(child(path, 'dependencies'), 'dependencies is not supported'));
  if (r.$ref !== undefined) errs.push(fieldErrors.forbidden(child(path, '$ref'), '$ref is not supported'));
  if (r.type === 'null')
    errs.push(
      fieldErrors.forbidden(
        child(path, 'type'),
        'type cannot be set to null, use nullable as an alternative',
      ),
    );
  if (Array.isArray(r.items))
    errs.push(fieldErrors.forbidden(child(path, 'items'), 'items must be a schema object and not an array'));
  if (ctx.insideResourceMeta && s['x-kubernetes-embedded-resource'] === true)
    errs.push(
      fieldErrors.forbidden(
        child(path, 'x-kubernetes-embedded-resource'),
        'must not be used inside of resource meta',
      ),
    );
  return errs;
}

function listAndMapChecks(s: JSONSchemaProps, path: string): FieldError[] {
  const errs: FieldError[] = [];
  const listType = s['x-kubernetes-list-type'];
  const mapType = s['x-kubernetes-map-type'];
  const mapKeys = s['x-kubernetes-list-map-keys'] ?? [];
  if (raw(s)['x-kubernetes-preserve-unknown-fields'] === false)
    errs.push(
      fieldErrors.invalid(
        child(path, 'x-kubernetes-preserve-unknown-fields'),
        false,
        'must be true or undefined',
      ),
    );
  if (mapType !== undefined && s.type !== 'object') {
    if (!s.type)
      errs.push(
        fieldErrors.required(child(path, 'type'), 'must be object if x-kubernetes-map-type is specified'),
      );
    else
      errs.push(
        fieldErrors.invalid(
          child(path, 'type'),
          s.type,
          'must be object if x-kubernetes-map-type is specified',
        ),
      );
  }
  if (mapType !== undefined && mapType !== 'atomic' && mapType !== 'granular')
    errs.push(
      fieldErrors.notSupported(child(path, 'x-kubernetes-map-type'), mapType, ['atomic', 'granular']),
    );
  if (listType !== undefined && s.type !== 'array') {
    if (!s.type)
      errs.push(
        fieldErrors.required(child(path, 'type'), 'must be array if x-kubernetes-list-type is specified'),
      );
    else
      errs.push(
        fieldErrors.invalid(
          child(path, 'type'),
          s.type,
          'must be array if x-kubernetes-list-type is specified',
        ),
      );
  } else if (listType === 'set' && s.items) {
    const is = s.items;
    if (
      is.type === 'array' &&
      is['x-kubernetes-list-type'] !== undefined &&
      is['x-kubernetes-list-type'] !== 'atomic'
    )
      errs.push(
        fieldErrors.invalid(
          child(child(path, 'items'), 'x-kubernetes-list-type'),
          is['x-kubernetes-list-type'],
          'must be atomic as item of a list with x-kubernetes-list-type=set',
        ),
      );
    if (is.type === 'object' && is['x-kubernetes-map-type'] !== 'atomic')
      errs.push(
        invalidPrinted(
          child(child(path, 'items'), 'x-kubernetes-map-type'),
          '"null"',
          'must be atomic as item of a list with x-kubernetes-list-type=set',
        ),
      );
  }
  if (listType !== undefined && listType !== 'atomic' && listType !== 'set' && listType !== 'map')
    errs.push(
      fieldErrors.notSupported(child(path, 'x-kubernetes-list-type'), listType, ['atomic', 'set', 'map']),
    );
  if (mapKeys.length > 0) {
    if (listType === undefined)
      errs.push(
        fieldErrors.required(
          child(path, 'x-kubernetes-list-type'),
          'must be map if x-kubernetes-list-map-keys is non-empty',
        ),
      );
    else if (listType !== 'map')
      errs.push(
        fieldErrors.invalid(
          child(path, 'x-kubernetes-list-type'),
          listType,
          'must be map if x-kubernetes-list-map-keys is non-empty',
        ),
      );
  }
  if (listType === 'map') {
    if (mapKeys.length === 0)
      errs.push(
        fieldErrors.required(
          child(path, 'x-kubernetes-list-map-keys'),
          'must not be empty if x-kubernetes-list-type is map',
        ),
      );
    if (!s.items)
      errs.push(
        fieldErrors.required(child(path, 'items'), 'must have a schema if x-kubernetes-list-type is map'),
      );
    if (s.items && s.items.type !== 'object')
      errs.push(
        fieldErrors.invalid(
          child(child(path, 'items'), 'type'),
          s.items.type ?? '',
          "must be object if parent array's x-kubernetes-list-type is map",
        ),
      );
    if (s.items && s.items.type === 'object') {
      const seen = new Set<string>();
      for (const k of mapKeys) {
        const p = s.items.properties?.[k];
        if (p) {
          if (p.type === 'array' || p.type === 'object')
            errs.push(
              fieldErrors.invalid(
                child(key(child(child(path, 'items'), 'properties'), k), 'type'),
                s.items.type,
                "must be a scalar type if parent array's x-kubernetes-list-type is map",
              ),
            );
        } else {
          errs.push(
            fieldErrors.invalid(
              child(path, 'x-kubernetes-list-map-keys'),
              mapKeys,
              'entries must all be names of item properties',
            ),
          );
        }
        if (seen.has(k))
          errs.push(
            fieldErrors.invalid(
              child(path, 'x-kubernetes-list-map-keys'),
              mapKeys,
              'must not contain duplicate entries',
            ),
          );
        seen.add(k);
      }
    }
  }
  if (s.items && (listType === 'set' || listType === 'map')) {
    if (s.items.nullable === true)
      errs.push(
        fieldErrors.forbidden(
          child(child(path, 'items'), 'nullable'),
          `cannot be nullable when x-kubernetes-list-type is ${listType}`,
        ),
      );
    if (listType === 'map') {
      const required = new Set(s.items.required ?? []);
      for (const k of mapKeys) {
        const p = s.items.properties?.[k];
        if (!p) continue;
        const base = key(child(child(path, 'items'), 'properties'), k);
        if (!required.has(k) && (p.default ?? null) === null)
          errs.push(
            fieldErrors.required(
              child(base, 'default'),
              'this property is in x-kubernetes-list-map-keys, so it must have a default or be a required property',
            ),
          );
        if (p.nullable === true)
          errs.push(
            fieldErrors.forbidden(
              child(base, 'nullable'),
              'this property is in x-kubernetes-list-map-keys, so it cannot be nullable',
            ),
          );
      }
    }
  }
  return errs;
}

function ruleDeclarationChecks(s: JSONSchemaProps, path: string): FieldError[] {
  const errs: FieldError[] = [];
  (s['x-kubernetes-validations'] ?? []).forEach((rule, i) => {
    const p = index(child(path, 'x-kubernetes-validations'), i);
    const trimmedRule = (rule.rule ?? '').trim();
    const message = rule.message ?? '';
    const trimmedMsg = message.trim();
    if (!trimmedRule) errs.push(fieldErrors.required(child(p, 'rule'), 'rule is not specified'));
    else if (message && !trimmedMsg)
      errs.push(fieldErrors.invalid(child(p, 'message'), message, 'must be non-empty if specified'));
    else if (/[\n\r]/.test(trimmedMsg))
      errs.push(fieldErrors.invalid(child(p, 'message'), message, 'must not contain line breaks'));
    else if (/[\n\r]/.test(trimmedRule) && !trimmedMsg)
      errs.push(
        fieldErrors.required(child(p, 'message'), 'message must be specified if rule contains line breaks'),
      );
    if (
      rule.messageExpression !== undefined &&
      rule.messageExpression !== '' &&
      !rule.messageExpression.trim()
    )
      errs.push(
        fieldErrors.required(
          child(p, 'messageExpression'),
          'messageExpression must be non-empty if specified',
        ),
      );
    if (rule.reason !== undefined && !SUPPORTED_REASONS.includes(rule.reason))
      errs.push(fieldErrors.notSupported(child(p, 'reason'), rule.reason, SUPPORTED_REASONS));
    const fieldPath = rule.fieldPath ?? '';
    if (fieldPath && !fieldPath.trim())
      errs.push(fieldErrors.invalid(child(p, 'fieldPath'), fieldPath, 'must be non-empty if specified'));
    if (/[\n\r]/.test(fieldPath))
      errs.push(fieldErrors.invalid(child(p, 'fieldPath'), fieldPath, 'must not contain line breaks'));
    if (fieldPath && 'error' in validFieldPath(fieldPath, s))
      errs.push(fieldErrors.invalid(child(p, 'fieldPath'), fieldPath, 'must be a valid path'));
  });
  return errs;
}

function specWalk(
  s: JSONSchemaProps | undefined,
  path: string,
  ctx: SpecContext,
  isRoot: boolean,
  cel: CelContext | undefined,
  rules: RuleIndex,
): WalkResult {
  const out: WalkResult = { schemaErrors: [], celErrors: [] };
  if (!s || typeof s !== 'object' || Array.isArray(s)) return out;
  const add = (r: WalkResult): void => {
    out.schemaErrors.push(...r.schemaErrors);
    out.celErrors.push(...r.celErrors);
  };
  out.schemaErrors.push(...specChecks(s, path, ctx));
  if (s.uniqueItems === true && !ctx.allowUniqueItems)
    out.schemaErrors.push(
      fieldErrors.forbidden(
        child(path, 'uniqueItems'),
        'uniqueItems cannot be set to true since the runtime complexity becomes quadratic',
      ),
    );
  if (s.additionalProperties !== undefined) {
    if (
      Object.keys(s.properties ?? {}).length > 0 &&
      (s.additionalProperties === false || isPlainObject(s.additionalProperties))
    )
      out.schemaErrors.push(
        fieldErrors.forbidden(
          child(path, 'additionalProperties'),
          'additionalProperties and properties are mutual exclusive',
        ),
      );
    const ap = apSchema(s);
    if (ap) {
      const sub = ctx.insideResourceMeta
        ? {
            ...ctx,
            allowDefaults: false,
            disallowDefaultsReason: 'inside additionalProperties applying to object metadata',
          }
        : ctx;
      add(
        specWalk(
          ap,
          child(path, 'additionalProperties'),
          sub,
          false,
          cel ? { resourceRoot: ap['x-kubernetes-embedded-resource'] === true } : undefined,
          rules,
        ),
      );
    }
  }
  for (const [k, p] of propsOf(s)) {
    let sub = ctx;
    if ((isRoot || s['x-kubernetes-embedded-resource'] === true) && META_FIELDS.has(k)) {
      sub = { ...sub, insideResourceMeta: true };
      if (isRoot) sub = { ...sub, allowDefaults: false, disallowDefaultsReason: `in top-level ${k}` };
    }
    add(
      specWalk(
        p,
        key(child(path, 'properties'), k),
        sub,
        false,
        cel ? { resourceRoot: p['x-kubernetes-embedded-resource'] === true } : undefined,
        rules,
      ),
    );
  }
  if (s.not) add(specWalk(s.not, child(path, 'not'), ctx, false, undefined, rules));
  (s.allOf ?? []).forEach((x, i) =>
    add(specWalk(x, index(child(path, 'allOf'), i), ctx, false, undefined, rules)),
  );
  (s.oneOf ?? []).forEach((x, i) =>
    add(specWalk(x, index(child(path, 'oneOf'), i), ctx, false, undefined, rules)),
  );
  (s.anyOf ?? []).forEach((x, i) =>
    add(specWalk(x, index(child(path, 'anyOf'), i), ctx, false, undefined, rules)),
  );
  if (s.items && typeof s.items === 'object' && !Array.isArray(s.items)) {
    let sub = ctx;
    if (s['x-kubernetes-list-type'] !== 'map' && sub.uncorrelatable === undefined)
      sub = { ...sub, uncorrelatable: path };
    add(
      specWalk(
        s.items,
        child(path, 'items'),
        sub,
        false,
        cel ? { resourceRoot: s.items['x-kubernetes-embedded-resource'] === true } : undefined,
        rules,
      ),
    );
  }
  out.schemaErrors.push(...listAndMapChecks(s, path));
  const declared = s['x-kubernetes-validations'] ?? [];
  if (declared.length > 0) {
    out.schemaErrors.push(...ruleDeclarationChecks(s, path));
    if (out.schemaErrors.length === 0 && cel)
      out.celErrors.push(...compileNodeRules(s, path, ctx, cel, rules));
  }
  return out;
}

function compileNodeRules(
  s: JSONSchemaProps,
  path: string,
  ctx: SpecContext,
  cel: CelContext,
  rules: RuleIndex,
): FieldError[] {
  const errs: FieldError[] = [];
  const rulesPath = child(path, 'x-kubernetes-validations');
  if (!hasCelType(s)) {
    errs.push(
      internalError(
        rulesPath,
        'internal error: failed to retrieve type information for x-kubernetes-validations',
      ),
    );
    return errs;
  }
  const declared = s['x-kubernetes-validations'] ?? [];
  const { compiled, problems } = compileRules(s, cel.resourceRoot);
  for (const p of problems) {
    const rule = declared[p.index]!;
    errs.push(invalidPrinted(child(index(rulesPath, p.index), p.part), goValidationRule(rule), p.detail));
  }
  compiled.forEach((c, i) => {
    if (!c) return;
    const rule = declared[i]!;
    if (c.usesOldSelf) {
      if (ctx.uncorrelatable !== undefined)
        errs.push(
          fieldErrors.invalid(
            child(index(rulesPath, i), 'rule'),
            rule.rule,
            `oldSelf cannot be used on the uncorrelatable portion of the schema within ${ctx.uncorrelatable}`,
          ),
        );
    } else if (rule.optionalOldSelf !== undefined) {
      errs.push(
        fieldErrors.invalid(
          child(index(rulesPath, i), 'optionalOldSelf'),
          rule.optionalOldSelf,
          'may not be set if oldSelf is not used in rule',
        ),
      );
    }
  });
  rules.set(s, compiled);
  return errs;
}

// ---------------------------------------------------------------------------------------------------------------
// Defaults

function validateDefaults(root: JSONSchemaProps, path: string, rules: RuleIndex): FieldError[] {
  const errs: FieldError[] = [];
  const validator = new SchemaValidator();
  const walk = (
    s: JSONSchemaProps,
    p: string,
    rootSchema: JSONSchemaProps,
    insideMeta: boolean,
    isTop: boolean,
  ): void => {
    const embedded = s['x-kubernetes-embedded-resource'] === true || isTop;
    if (embedded) {
      insideMeta = false;
      rootSchema = s;
    }
    const isResourceRoot = s === rootSchema;
    if (s.default !== undefined && s.default !== null) {
      const dflt = s.default;
      const dp = child(p, 'default');
      const before = errs.length;
      if (!insideMeta) {
        const pruned = cloneJson(dflt);
        pruneValue(pruned, s, embedded);
        if (!jsonEqual(pruned, dflt))
          errs.push(invalidPrinted(dp, goSharpV(dflt), 'must not have unknown fields'));
      }
      if (isPlainObject(dflt)) {
        if (embedded) errs.push(...validateEmbeddedResource(dp, dflt));
        errs.push(...validateEmbeddedResources(s, dflt, dp));
      }
      if (errs.length === before) {
        const schemaErrs = toFieldErrors(validator.validate(s, dflt, ''), dp);
        if (schemaErrs.length > 0) errs.push(...schemaErrs);
        else {
          const celErrs: FieldError[] = [];
          const evaluator = new CelRuleEvaluator(rules, new CelValueConverter(), celErrs);
          evaluator.validate(s, dp, dflt, { v: dflt }, isResourceRoot, false);
          if (celErrs.length === 0) evaluator.validate(s, dp, dflt, undefined, isResourceRoot, false);
          errs.push(...celErrs);
        }
      }
    }
    if (s.items) walk(s.items, child(p, 'items'), rootSchema, insideMeta, false);
    for (const [k, prop] of propsOf(s)) {
      const subMeta = insideMeta || (embedded && META_FIELDS.has(k));
      walk(prop, key(child(p, 'properties'), k), rootSchema, subMeta, false);
    }
  };
  walk(root, path, root, false, true);
  return errs;
}

// ---------------------------------------------------------------------------------------------------------------

export interface SchemaDefinitionOptions {
  /** The CRD version enables the status subresource: only a few keywords are allowed at the root. */
  statusEnabled?: boolean;
  /**
   * Accept `uniqueItems: true`, which kube forbids in CRD schemas. Cluster API's variable schemas allow it:
   * upstream checks them with the structural-schema checks only, not the CRD-only OpenAPI restrictions.
   */
  allowUniqueItems?: boolean;
}

const ALLOWED_AT_ROOT_WITH_STATUS = new Set([
  'description',
  'type',
  'format',
  'title',
  'maximum',
  'exclusiveMaximum',
  'minimum',
  'exclusiveMinimum',
  'maxLength',
  'minLength',
  'pattern',
  'maxItems',
  'minItems',
  'uniqueItems',
  'multipleOf',
  'required',
  'items',
  'properties',
  'externalDocs',
  'example',
  'x-kubernetes-preserve-unknown-fields',
  'x-kubernetes-validations',
]);
const ALLOWED_AT_ROOT_NAMES =
  '[Description Type Format Title Maximum ExclusiveMaximum Minimum ExclusiveMinimum MaxLength MinLength Pattern MaxItems MinItems UniqueItems MultipleOf Required Items Properties ExternalDocs Example XPreserveUnknownFields XValidations]';

/**
 * Every check kube-apiserver makes on one `openAPIV3Schema`; `path` is where it sits in the CRD
 * (`spec.versions[0].schema.openAPIV3Schema`). Also returns the compiled rules for the runtime.
 */
export function validateSchemaDefinition(
  schema: JSONSchemaProps,
  path: string,
  options: SchemaDefinitionOptions = {},
): { errors: FieldError[]; rules: RuleIndex } {
  const rules: RuleIndex = new Map();
  const errors: FieldError[] = [];
  if (options.statusEnabled) {
    for (const [k, v] of Object.entries(raw(schema))) {
      if (v === undefined || v === false || (Array.isArray(v) && v.length === 0) || v === '') continue;
      if (k === 'type') {
        if (v !== 'object') {
          errors.push(
            fieldErrors.invalid(
              child(path, 'type'),
              v,
              'only "object" is allowed as the type at the root of the schema if the status subresource is enabled',
            ),
          );
          break;
        }
        continue;
      }
      if (!ALLOWED_AT_ROOT_WITH_STATUS.has(k)) {
        errors.push(
          fieldErrors.invalid(
            path,
            schema,
            `only ${ALLOWED_AT_ROOT_NAMES} fields are allowed at the root of the schema if the status subresource is enabled`,
          ),
        );
        break;
      }
    }
  }
  if (schema.nullable === true)
    errors.push(fieldErrors.forbidden(child(path, 'nullable'), 'nullable cannot be true at the root'));
  const structural = validateStructural(schema, path);
  const walk = specWalk(
    schema,
    path,
    {
      allowDefaults: true,
      disallowDefaultsReason: '',
      insideResourceMeta: false,
      uncorrelatable: undefined,
      allowUniqueItems: options.allowUniqueItems === true,
    },
    true,
    structural.length === 0 ? { resourceRoot: true } : undefined,
    rules,
  );
  errors.push(...structural);
  if (structural.length === 0) errors.push(...validateDefaults(schema, path, rules));
  errors.push(...walk.schemaErrors, ...walk.celErrors);
  return { errors, rules };
}
