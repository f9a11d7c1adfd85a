import type { JSONSchemaProps, ValidationRule } from './json-schema.js';

declare const STATIC: unique symbol;

/**
 * A schema that also carries the TypeScript type of the values it accepts, so each kind has one source of
 * truth: the types are inferred from the schema (`Static<typeof X>`), never written twice. `required` says
 * whether an enclosing object lists the field as required.
 */
export interface TSchema<T = unknown, R extends boolean = boolean> {
  readonly [STATIC]?: T;
  readonly isRequired: R;
  readonly json: JSONSchemaProps;
}

/** The TypeScript type a schema describes. */
export type Static<S> = S extends TSchema<infer T> ? T : never;

type AnySchema = TSchema<unknown>;
type Properties = Record<string, AnySchema>;
type RequiredKeys<P extends Properties> = {
  [K in keyof P]: P[K] extends TSchema<unknown, true> ? K : never;
}[keyof P];
type OptionalKeys<P extends Properties> = Exclude<keyof P, RequiredKeys<P>>;
type Flatten<T> = { [K in keyof T]: T[K] } & {};

/** The object type of a property map: required fields plain, the others optional. */
export type StaticObject<P extends Properties> = Flatten<
  { [K in RequiredKeys<P>]: Static<P[K]> } & { [K in OptionalKeys<P>]?: Static<P[K]> }
>;

/** Options every schema takes. */
export interface CommonOptions {
  description?: string;
  default?: unknown;
  nullable?: boolean;
  validations?: ValidationRule[];
}

export interface StringOptions extends CommonOptions {
  format?: string;
  minLength?: number;
  maxLength?: number;
  pattern?: string;
}

export interface NumberOptions extends CommonOptions {
  format?: 'int32' | 'int64' | 'float' | 'double';
  minimum?: number;
  maximum?: number;
  exclusiveMinimum?: boolean;
  exclusiveMaximum?: boolean;
}

export interface ArrayOptions extends CommonOptions {
  minItems?: number;
  maxItems?: number;
  listType?: 'atomic' | 'set' | 'map';
  listMapKeys?: string[];
}

export interface ObjectOptions extends CommonOptions {
  minProperties?: number;
  maxProperties?: number;
  mapType?: 'atomic' | 'granular';
  /** Keep fields the schema does not list (`x-kubernetes-preserve-unknown-fields`). */
  preserveUnknownFields?: boolean;
  embeddedResource?: boolean;
}

function make<T>(json: JSONSchemaProps): TSchema<T, false> {
  return { isRequired: false, json };
}

function common(options: CommonOptions | undefined): JSONSchemaProps {
  const json: JSONSchemaProps = {};
  if (!options) return json;
  if (options.description !== undefined) json.description = options.description;
  if (options.default !== undefined) json.default = options.default;
  if (options.nullable) json.nullable = true;
  if (options.validations?.length) json['x-kubernetes-validations'] = options.validations;
  return json;
}

function pick<O extends object>(options: O | undefined, keys: (keyof O)[]): Partial<O> {
  const out: Partial<O> = {};
  if (!options) return out;
  for (const key of keys) if (options[key] !== undefined) out[key] = options[key];
  return out;
}

/** Marks a property as required by its enclosing object. */
export function required<T>(schema: TSchema<T>): TSchema<T, true> {
  return { ...schema, isRequired: true };
}

/** The same schema with another description (shared types described where they are used). */
export function described<T, R extends boolean>(schema: TSchema<T, R>, description: string): TSchema<T, R> {
  return { ...schema, json: { ...schema.json, description } };
}

/** The same schema with extra options merged in (a default, a CEL rule, ...). */
export function withOptions<T, R extends boolean>(
  schema: TSchema<T, R>,
  options: CommonOptions & Omit<JSONSchemaProps, 'type' | 'properties' | 'items'>,
): TSchema<T, R> {
  const { validations, ...rest } = options;
  const json: JSONSchemaProps = { ...schema.json, ...rest };
  if (validations?.length) {
    json['x-kubernetes-validations'] = [...(schema.json['x-kubernetes-validations'] ?? []), ...validations];
  }
  return { ...schema, json };
}

export function string(options?: StringOptions): TSchema<string, false> {
  return make({
    type: 'string',
    ...common(options),
    ...pick(options, ['format', 'minLength', 'maxLength', 'pattern']),
  });
}

export function stringEnum<const V extends readonly string[]>(
  values: V,
  options?: CommonOptions,
): TSchema<V[number], false> {
  return make({ type: 'string', ...common(options), enum: [...values] });
}

export function integer(options?: NumberOptions): TSchema<number, false> {
  return make({
    type: 'integer',
    ...common(options),
    ...pick(options, ['format', 'minimum', 'maximum', 'exclusiveMinimum', 'exclusiveMaximum']),
  });
}

/** `int32`, the type of most counters and timeouts in the Kubernetes APIs. */
export function int32(options?: Omit<NumberOptions, 'format'>): TSchema<number, false> {
  return integer({ ...options, format: 'int32' });
}

export function int64(options?: Omit<NumberOptions, 'format'>): TSchema<number, false> {
  return integer({ ...options, format: 'int64' });
}

export function number(options?: NumberOptions): TSchema<number, false> {
  return make({
    type: 'number',
    ...common(options),
    ...pick(options, ['format', 'minimum', 'maximum', 'exclusiveMinimum', 'exclusiveMaximum']),
  });
}

export function boolean(options?: CommonOptions): TSchema<boolean, false> {
  return make({ type: 'boolean', ...common(options) });
}

/** An RFC 3339 timestamp (`metav1.Time`). */
export function dateTime(options?: CommonOptions): TSchema<string, false> {
  return make({ type: 'string', format: 'date-time', ...common(options) });
}

/** `intstr.IntOrString`: `5` or `"20%"`. */
export function intOrString(options?: CommonOptions): TSchema<number | string, false> {
  return make({ 'x-kubernetes-int-or-string': true, ...common(options) });
}

/** Any JSON value kept as is (`x-kubernetes-preserve-unknown-fields` without a type). */
export function anyValue(options?: CommonOptions): TSchema<unknown, false> {
  return make({ 'x-kubernetes-preserve-unknown-fields': true, ...common(options) });
}

export function array<S extends AnySchema>(items: S, options?: ArrayOptions): TSchema<Static<S>[], false> {
  const json: JSONSchemaProps = { type: 'array', ...common(options), items: items.json };
  if (options?.minItems !== undefined) json.minItems = options.minItems;
  if (options?.maxItems !== undefined) json.maxItems = options.maxItems;
  if (options?.listType) json['x-kubernetes-list-type'] = options.listType;
  if (options?.listMapKeys) json['x-kubernetes-list-map-keys'] = options.listMapKeys;
  return make(json);
}

/** A map from string keys to values of one schema (`map[string]T`). */
export function map<S extends AnySchema>(
  values: S,
  options?: ObjectOptions,
): TSchema<Record<string, Static<S>>, false> {
  return make({ ...objectJson(options), additionalProperties: values.json });
}

export function object<P extends Properties>(
  properties: P,
  options?: ObjectOptions,
): TSchema<StaticObject<P>, false> {
  const json: JSONSchemaProps = { ...objectJson(options), properties: {} };
  const requiredNames: string[] = [];
  for (const [name, schema] of Object.entries(properties)) {
    (json.properties as Record<string, JSONSchemaProps>)[name] = schema.json;
    if (schema.isRequired) requiredNames.push(name);
  }
  if (requiredNames.length) json.required = requiredNames;
  return make(json);
}

/** An object whose content is not described (`type: object` keeping every field). */
export function freeformObject(options?: ObjectOptions): TSchema<Record<string, unknown>, false> {
  return make({ ...objectJson({ ...options, preserveUnknownFields: true }) });
}

function objectJson(options: ObjectOptions | undefined): JSONSchemaProps {
  const json: JSONSchemaProps = { type: 'object', ...common(options) };
  if (options?.minProperties !== undefined) json.minProperties = options.minProperties;
  if (options?.maxProperties !== undefined) json.maxProperties = options.maxProperties;
  if (options?.mapType) json['x-kubernetes-map-type'] = options.mapType;
  if (options?.preserveUnknownFields) json['x-kubernetes-preserve-unknown-fields'] = true;
  if (options?.embeddedResource) json['x-kubernetes-embedded-resource'] = true;
  return json;
}
