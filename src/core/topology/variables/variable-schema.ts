// A ClusterClass variable's `openAPIV3Schema` as an apiextensions schema (upstream's schema.go), compiled by the
// embedded API server's admission module so variables get exactly the CRD validator's semantics (ADR 0013).
import {
  checkValueSchema,
  type CompiledValueSchema,
  type FieldError as AdmissionFieldError,
  type JSONSchemaProps,
} from '../../../apiserver/admission/index.js';
import type { FieldError } from '../../../controller-runtime/webhook/field-errors.js';

/** The keywords a ClusterClass variable schema may carry that apiextensions knows (`x-metadata` is CAPI's own). */
const KEYWORDS = [
  'type',
  'format',
  'description',
  'required',
  'enum',
  'default',
  'example',
  'minimum',
  'maximum',
  'exclusiveMinimum',
  'exclusiveMaximum',
  'minLength',
  'maxLength',
  'pattern',
  'minItems',
  'maxItems',
  'uniqueItems',
  'minProperties',
  'maxProperties',
  'x-kubernetes-int-or-string',
  'x-kubernetes-validations',
] as const;

const SCHEMA_LISTS = ['allOf', 'anyOf', 'oneOf'] as const;

const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * Converts a variable schema to apiextensions' JSONSchemaProps: known keywords are kept, nested schemas
 * converted, `x-metadata` dropped, and `x-kubernetes-preserve-unknown-fields` kept only when true.
 */
export function toJSONSchemaProps(schema: unknown): JSONSchemaProps {
  if (!isObject(schema)) return {};
  const out: Record<string, unknown> = {};
  for (const k of KEYWORDS) if (schema[k] !== undefined) out[k] = structuredClone(schema[k]);
  if (schema['x-kubernetes-preserve-unknown-fields'] === true)
    out['x-kubernetes-preserve-unknown-fields'] = true;
  if (isObject(schema.properties)) {
    out.properties = Object.fromEntries(
      Object.entries(schema.properties).map(([k, v]) => [k, toJSONSchemaProps(v)]),
    );
  }
  if (isObject(schema.additionalProperties))
    out.additionalProperties = toJSONSchemaProps(schema.additionalProperties);
  if (isObject(schema.items)) out.items = toJSONSchemaProps(schema.items);
  if (isObject(schema.not)) out.not = toJSONSchemaProps(schema.not);
  for (const k of SCHEMA_LISTS) {
    const list = schema[k];
    if (Array.isArray(list)) out[k] = list.map((s) => toJSONSchemaProps(s));
  }
  return out;
}

/** The admission module's errors carry the same types and texts as the webhooks' (upstream's cause reasons). */
export function toWebhookError(e: AdmissionFieldError): FieldError {
  return { ...e, type: e.type };
}

type Compiled = { compiled: CompiledValueSchema } | { errors: AdmissionFieldError[] };

/** Compiled schemas by their JSON: Clusters of one class share them, and compiling CEL rules is not free. */
const cache = new Map<string, Compiled>();
const CACHE_LIMIT = 512;

/** Compiles a variable schema (checked as upstream checks it); errors are reported under `fieldPath`. */
export function compileVariableSchema(schema: unknown, fieldPath = ''): Compiled {
  const props = toJSONSchemaProps(schema);
  const cacheKey = `${fieldPath}\u0000${JSON.stringify(props)}`;
  const hit = cache.get(cacheKey);
  if (hit) return hit;
  const { errors, compiled } = checkValueSchema(props, { fieldPath });
  const result: Compiled = compiled ? { compiled } : { errors };
  if (cache.size >= CACHE_LIMIT) cache.clear();
  cache.set(cacheKey, result);
  return result;
}
