/**
 * How a schema node looks to CEL (apiserver `cel/common/schemas.go`, `cel/escaping.go`): which properties are
 * accessible and under which escaped names, and the conversion of JSON values into CEL values (integers as
 * BigInt, `date-time`/`date` strings as timestamps, `duration` as durations, `byte` as bytes).
 */
import { Environment } from '@marcbachmann/cel-js';
import type { JSONSchemaProps } from '../registry/resource-definition.js';
import { isPlainObject } from './go-format.js';

const RESERVED = new Set([
  'true',
  'false',
  'null',
  'in',
  'as',
  'break',
  'const',
  'continue',
  'else',
  'for',
  'function',
  'if',
  'import',
  'let',
  'loop',
  'package',
  'namespace',
  'return',
  'var',
  'void',
  'while',
]);

/** A property name as CEL spells it, or undefined when it cannot be accessed from CEL. */
export function escapeName(ident: string): string | undefined {
  if (ident.length === 0 || (ident[0]! >= '0' && ident[0]! <= '9')) return undefined;
  if (RESERVED.has(ident)) return `__${ident}__`;
  if (!/^[a-zA-Z0-9_./-]*$/.test(ident)) return undefined;
  return ident.replace(/__|[-./]/g, (m) =>
    m === '__' ? '__underscores__' : m === '.' ? '__dot__' : m === '-' ? '__dash__' : '__slash__',
  );
}

const STRING: JSONSchemaProps = { type: 'string' };
const OBJECT_META_CEL: JSONSchemaProps = {
  type: 'object',
  properties: { name: STRING, generateName: STRING },
};

/** Whether CEL can type this node at all (kube's SchemaDeclType != nil). */
export function hasCelType(s: JSONSchemaProps): boolean {
  if (s['x-kubernetes-int-or-string'] === true) return true;
  switch (s.type) {
    case 'array':
      return s.items !== undefined && hasCelType(s.items);
    case 'object':
      if (isPlainObject(s.additionalProperties)) return hasCelType(s.additionalProperties);
      return true;
    case 'string':
    case 'boolean':
    case 'number':
    case 'integer':
      return true;
    case undefined:
      return false;
  }
}

export interface CelField {
  name: string;
  schema: JSONSchemaProps;
  /** The field is itself a resource root (x-kubernetes-embedded-resource). */
  resourceRoot: boolean;
}

const fieldsCache = new WeakMap<JSONSchemaProps, Map<string, CelField>>();
const rootFieldsCache = new WeakMap<JSONSchemaProps, Map<string, CelField>>();

/**
 * The accessible fields of an object node (escaped name → field). At a resource root `apiVersion`, `kind` and
 * `metadata` (reduced to name and generateName) are always there.
 */
export function celFields(s: JSONSchemaProps, resourceRoot: boolean): Map<string, CelField> {
  const cache = resourceRoot ? rootFieldsCache : fieldsCache;
  const hit = cache.get(s);
  if (hit) return hit;
  const fields = new Map<string, CelField>();
  for (const [name, prop] of Object.entries(s.properties ?? {})) {
    if (!hasCelType(prop)) continue;
    const escaped = escapeName(name);
    if (escaped !== undefined)
      fields.set(escaped, {
        name,
        schema: prop,
        resourceRoot: prop['x-kubernetes-embedded-resource'] === true,
      });
  }
  if (resourceRoot && !hasFullTypeMeta(s)) {
    fields.set('apiVersion', { name: 'apiVersion', schema: STRING, resourceRoot: false });
    fields.set('kind', { name: 'kind', schema: STRING, resourceRoot: false });
    fields.set('metadata', { name: 'metadata', schema: OBJECT_META_CEL, resourceRoot: false });
  }
  cache.set(s, fields);
  return fields;
}

function hasFullTypeMeta(s: JSONSchemaProps): boolean {
  const p = s.properties ?? {};
  const meta = p.metadata?.properties ?? {};
  return (
    p.kind?.type === 'string' &&
    p.apiVersion?.type === 'string' &&
    p.metadata?.type === 'object' &&
    meta.name?.type === 'string' &&
    meta.generateName?.type === 'string'
  );
}

/** The additionalProperties schema of a map node. */
export function mapValueSchema(s: JSONSchemaProps): JSONSchemaProps | undefined {
  return s.type === 'object' && isPlainObject(s.additionalProperties) ? s.additionalProperties : undefined;
}

let converters: { duration: (s: string) => unknown; timestamp: (s: string) => unknown } | undefined;

function celConverters(): { duration: (s: string) => unknown; timestamp: (s: string) => unknown } {
  if (converters) return converters;
  const env = new Environment().registerVariable('s', 'string');
  const duration = env.parse('duration(s)');
  const timestamp = env.parse('timestamp(s)');
  converters = {
    duration: (s) => duration({ s }) as unknown,
    timestamp: (s) => timestamp({ s }) as unknown,
  };
  return converters;
}

/** Converts JSON into CEL values for one validation pass (memoized per object and node). */
export class CelValueConverter {
  #cache = new WeakMap<object, Map<JSONSchemaProps, unknown>>();

  convert(value: unknown, s: JSONSchemaProps, resourceRoot: boolean): unknown {
    if (value === null || value === undefined) return null;
    if (typeof value === 'object') {
      const perNode = this.#cache.get(value);
      const key = resourceRoot ? rootMarker(s) : s;
      const hit = perNode?.get(key);
      if (hit !== undefined) return hit;
      const converted = this.#convert(value, s, resourceRoot);
      if (perNode) perNode.set(key, converted);
      else this.#cache.set(value, new Map([[key, converted]]));
      return converted;
    }
    return this.#convert(value, s, resourceRoot);
  }

  #convert(value: unknown, s: JSONSchemaProps, resourceRoot: boolean): unknown {
    if (s['x-kubernetes-int-or-string'] === true) return generic(value);
    switch (s.type) {
      case 'object': {
        if (!isPlainObject(value)) return generic(value);
        const ap = mapValueSchema(s);
        const out: Record<string, unknown> = {};
        if (ap) {
          const embedded = ap['x-kubernetes-embedded-resource'] === true;
          for (const [k, v] of Object.entries(value))
            if (v !== undefined) out[k] = this.convert(v, ap, embedded);
          return out;
        }
        for (const [escaped, field] of celFields(s, resourceRoot)) {
          const v = value[field.name];
          if (v !== undefined) out[escaped] = this.convert(v, field.schema, field.resourceRoot);
        }
        return out;
      }
      case 'array': {
        if (!Array.isArray(value) || !s.items) return generic(value);
        const items = s.items;
        const embedded = items['x-kubernetes-embedded-resource'] === true;
        return value.map((v) => this.convert(v, items, embedded));
      }
      case 'integer':
        return typeof value === 'number' && Number.isInteger(value) ? BigInt(value) : generic(value);
      case 'number':
        return typeof value === 'number' ? value : generic(value);
      case 'string':
        if (typeof value !== 'string') return generic(value);
        return convertFormattedString(value, s.format);
      case 'boolean':
      case undefined:
        return generic(value);
    }
  }
}

const rootMarkers = new WeakMap<JSONSchemaProps, JSONSchemaProps>();
function rootMarker(s: JSONSchemaProps): JSONSchemaProps {
  let m = rootMarkers.get(s);
  if (!m) {
    m = {};
    rootMarkers.set(s, m);
  }
  return m;
}

function convertFormattedString(value: string, format: string | undefined): unknown {
  try {
    switch (format ?? '') {
      case 'date-time':
      case 'date': {
        const text = format === 'date' && /^\d{4}-\d{2}-\d{2}$/.test(value) ? `${value}T00:00:00Z` : value;
        return celConverters().timestamp(text);
      }
      case 'duration':
        return celConverters().duration(value);
      case 'byte':
        return new Uint8Array(Buffer.from(value, 'base64'));
      default:
        return value;
    }
  } catch {
    return value;
  }
}

/** A value without schema guidance: integral numbers become ints. */
function generic(value: unknown): unknown {
  if (value === null || value === undefined) return null;
  if (typeof value === 'number') return Number.isInteger(value) ? BigInt(value) : value;
  if (Array.isArray(value)) return value.map(generic);
  if (isPlainObject(value)) {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) if (v !== undefined) out[k] = generic(v);
    return out;
  }
  return value;
}
