/**
 * OpenAPI v3 value validation with the semantics, messages and field paths of kube-openapi's validator as
 * kube-apiserver 1.32 runs it for custom resources (apiextensions `apiserver/validation/validation.go`),
 * including CRD validation ratcheting: on update, errors inside a value that did not change are dropped.
 */
import { type FieldError, fieldErrors } from '../errors/field-error.js';
import type { JSONSchemaProps } from '../registry/resource-definition.js';
import { effectiveFormat, isKnownStringFormat, validatesFormat } from './formats.js';
import { child, goFloat, goJson, goQuote, isPlainObject, jsonEqual } from './go-format.js';
import { compileRE2 } from './regex.js';

type Code = 'required' | 'enum' | 'tooLong' | 'maxItems' | 'maxProperties' | 'type' | 'other';

/** A kube-openapi error: a `*errors.Validation` (with the go-openapi name of the field) or a plain error. */
export type OpenAPIError =
  | {
      plain: false;
      code: Code;
      name: string;
      message: string;
      value?: unknown;
      limit?: number;
      actual?: number;
      values?: unknown[];
    }
  | { plain: true; message: string };

class Result {
  errors: OpenAPIError[] = [];
  matchCount = 0;

  add(e: OpenAPIError): void {
    if (!this.errors.some((x) => x.message === e.message)) this.errors.push(e);
  }

  merge(...others: (Result | undefined)[]): this {
    for (const o of others) {
      if (!o) continue;
      for (const e of o.errors) this.add(e);
      this.matchCount += o.matchCount;
    }
    return this;
  }

  get valid(): boolean {
    return this.errors.length === 0;
  }
}

/** The old value correlated with the value being validated (CRD validation ratcheting). */
export interface Correlation {
  old: unknown;
}

const IN = 'body';

function invalidType(name: string, typeName: string, value: string): OpenAPIError {
  const message = name
    ? `${name} in ${IN} must be of type ${typeName}: ${goQuote(value)}`
    : ` in ${IN} must be of type ${typeName}: ${goQuote(value)}`;
  return { plain: false, code: 'type', name, message, value };
}

function schemaTypes(s: JSONSchemaProps): string[] {
  if (s['x-kubernetes-int-or-string'] === true) return ['integer', 'string'];
  return s.type ? [s.type] : [];
}

function valueKind(v: unknown): 'null' | 'boolean' | 'string' | 'integer' | 'number' | 'array' | 'object' {
  if (v === null || v === undefined) return 'null';
  if (typeof v === 'boolean') return 'boolean';
  if (typeof v === 'string') return 'string';
  if (typeof v === 'number') return Number.isInteger(v) ? 'integer' : 'number';
  if (Array.isArray(v)) return 'array';
  return 'object';
}

function runeCount(s: string): number {
  let n = 0;
  for (const _ of s) n++;
  return n;
}

function joinName(path: string, name: string): string {
  return path ? `${path}.${name}` : name;
}

export class SchemaValidator {
  /** Validates `data` against `s`; `name` is go-openapi's path of the value (`spec.replicas`, `` at the root). */
  validate(s: JSONSchemaProps, data: unknown, name: string, correlation?: Correlation): OpenAPIError[] {
    return this.#node(s, data, name, correlation).errors;
  }

  #node(s: JSONSchemaProps, data: unknown, name: string, correlation: Correlation | undefined): Result {
    const res = this.#validators(s, data, name, correlation);
    if (correlation && !res.valid && jsonEqual(data, correlation.old)) {
      const ratcheted = new Result();
      ratcheted.matchCount = res.matchCount;
      return ratcheted;
    }
    return res;
  }

  #validators(s: JSONSchemaProps, data: unknown, name: string, correlation: Correlation | undefined): Result {
    const result = new Result();
    const kind = valueKind(data);
    const types = schemaTypes(s);
    const format = effectiveFormat(s);
    const applied = (r: Result | undefined): void => {
      result.merge(r);
      result.matchCount++;
    };
    if (kind === 'null') {
      if (types.length > 0 || format) applied(this.#type(s, types, format, data, kind, name));
      applied(this.#enum(s, data, name));
      result.matchCount++;
      return result;
    }
    if (types.length > 0 || format) applied(this.#type(s, types, format, data, kind, name));
    applied(this.#schemaProps(s, data, name));
    if (kind === 'string') applied(this.#string(s, data as string, name));
    if (
      kind === 'string' &&
      format &&
      isKnownStringFormat(format) &&
      !validatesFormat(format, data as string)
    )
      applied(single(invalidType(name, format, data as string)));
    if (kind === 'integer' || kind === 'number')
      applied(this.#number(s, types, format, data as number, name));
    if (kind === 'array') applied(this.#slice(s, data as unknown[], name, correlation));
    applied(this.#enum(s, data, name));
    if (kind === 'object') applied(this.#object(s, data as Record<string, unknown>, name, correlation));
    result.matchCount++;
    return result;
  }

  #type(
    s: JSONSchemaProps,
    types: string[],
    format: string,
    data: unknown,
    kind: ReturnType<typeof valueKind>,
    name: string,
  ): Result {
    const result = new Result();
    result.matchCount++;
    if (kind === 'null') {
      if (types.length > 0 && s.nullable !== true) result.add(invalidType(name, types.join(','), 'null'));
      return result;
    }
    const valueFormat = kind === 'integer' ? 'int64' : kind === 'number' ? 'float64' : '';
    const isIntFloat = kind === 'integer' && types.includes('number');
    if (
      kind !== 'string' &&
      kind !== 'array' &&
      format &&
      !(types.includes(kind) || valueFormat === format || isIntFloat)
    ) {
      result.add(invalidType(name, format, valueFormat));
      return result;
    }
    const numeric = types.includes('number') || types.includes('integer');
    if (!numeric && format && (kind === 'string' || kind === 'array')) return result;
    if (!(types.includes(kind) || isIntFloat)) result.add(invalidType(name, types.join(','), kind));
    return result;
  }

  #schemaProps(s: JSONSchemaProps, data: unknown, name: string): Result {
    const main = new Result();
    const quoted = goQuote(name);
    if (s.anyOf && s.anyOf.length > 0) {
      let best: Result | undefined;
      let succeeded = false;
      for (const sub of s.anyOf) {
        const r = this.#node(sub, data, name, undefined);
        if (r.valid) {
          succeeded = true;
          best = undefined;
          break;
        }
        if (!best || r.matchCount > best.matchCount) best = r;
      }
      if (!succeeded)
        main.add({ plain: true, message: `${quoted} must validate at least one schema (anyOf)` });
      if (best) main.merge(best);
    }
    if (s.oneOf && s.oneOf.length > 0) {
      let best: Result | undefined;
      let validated = 0;
      for (const sub of s.oneOf) {
        const r = this.#node(sub, data, name, undefined);
        if (r.valid) {
          validated++;
          best = undefined;
          continue;
        }
        if (validated === 0 && (!best || r.matchCount > best.matchCount)) best = r;
      }
      if (validated !== 1) {
        const extra = validated === 0 ? 'Found none valid' : `Found ${validated} valid alternatives`;
        main.add({
          plain: true,
          message: `${quoted} must validate one and only one schema (oneOf). ${extra}`,
        });
        if (best) main.merge(best);
      }
    }
    if (s.allOf && s.allOf.length > 0) {
      let validated = 0;
      for (const sub of s.allOf) {
        const r = this.#node(sub, data, name, undefined);
        if (r.valid) validated++;
        main.merge(r);
      }
      if (validated !== s.allOf.length) {
        const extra = validated === 0 ? '. None validated' : '';
        main.add({ plain: true, message: `${quoted} must validate all the schemas (allOf)${extra}` });
      }
    }
    if (s.not && this.#node(s.not, data, name, undefined).valid) {
      main.add({ plain: true, message: `${quoted} must not validate the schema (not)` });
    }
    main.matchCount++;
    return main;
  }

  #string(s: JSONSchemaProps, data: string, name: string): Result | undefined {
    if (s.maxLength !== undefined && runeCount(data) > s.maxLength) {
      return single({
        plain: false,
        code: 'tooLong',
        name,
        message: `${name} in ${IN} should be at most ${s.maxLength} chars long`,
        value: data,
        limit: s.maxLength,
      });
    }
    if (s.minLength !== undefined && runeCount(data) < s.minLength) {
      return single({
        plain: false,
        code: 'other',
        name,
        message: `${name} in ${IN} should be at least ${s.minLength} chars long`,
        value: data,
      });
    }
    if (s.pattern) {
      let re: RegExp | undefined;
      let problem = '';
      try {
        re = compileRE2(s.pattern);
      } catch (err) {
        problem = err instanceof Error ? err.message : String(err);
      }
      if (!re) {
        return single({
          plain: false,
          code: 'other',
          name,
          message: `${name} in ${IN} should match '${s.pattern}, but pattern is invalid: ${problem}'`,
          value: data,
        });
      }
      if (!re.test(data)) {
        return single({
          plain: false,
          code: 'other',
          name,
          message: `${name} in ${IN} should match '${s.pattern}'`,
          value: data,
        });
      }
    }
    return undefined;
  }

  #number(s: JSONSchemaProps, types: string[], format: string, data: number, name: string): Result {
    const result = new Result();
    const integral = Number.isInteger(data);
    const typeName = types.length === 1 ? types[0] : '';
    if (typeName === 'integer' && (format === 'int32' || format === 'int64' || format === '')) {
      const [lo, hi] = format === 'int32' ? [-(2 ** 31), 2 ** 31 - 1] : [-(2 ** 63), 2 ** 63 - 1];
      if (!integral || data < lo || data > hi) {
        const detail = format ? `with format ${format}` : '(default format)';
        result.add({ plain: true, message: `Checked value must be of type integer ${detail} in ${name}` });
      }
    } else if (typeName === 'number' && format === 'float' && Math.abs(data) > 3.4028234663852886e38) {
      result.add({
        plain: true,
        message: `Checked value must be of type number with format float in ${name}`,
      });
    }
    if (s.multipleOf !== undefined) {
      const factor = s.multipleOf;
      if (integral) {
        const f = Math.trunc(factor);
        if (f <= 0)
          result.add({
            plain: false,
            code: 'other',
            name,
            message: `factor MultipleOf declared for ${name} must be positive: ${f}`,
          });
        else if (data % f !== 0)
          result.add({
            plain: false,
            code: 'other',
            name,
            message: `${name} in ${IN} should be a multiple of ${f}`,
            value: data,
          });
      } else if (factor <= 0) {
        result.add({
          plain: false,
          code: 'other',
          name,
          message: `factor MultipleOf declared for ${name} must be positive: ${goFloat(factor)}`,
        });
      } else {
        const mult = factor < 1 ? (1 / factor) * data : data / factor;
        if (!Number.isInteger(mult))
          result.add({
            plain: false,
            code: 'other',
            name,
            message: `${name} in ${IN} should be a multiple of ${goFloat(factor)}`,
            value: data,
          });
      }
    }
    if (s.minimum !== undefined) {
      const exclusive = s.exclusiveMinimum === true;
      const min = integral ? Math.trunc(s.minimum) : s.minimum;
      if ((!exclusive && data < min) || (exclusive && data <= min)) {
        const op = exclusive ? 'greater than' : 'greater than or equal to';
        result.add({
          plain: false,
          code: 'other',
          name,
          message: `${name} in ${IN} should be ${op} ${integral ? String(min) : goFloat(min)}`,
          value: data,
        });
      }
    }
    if (s.maximum !== undefined) {
      const exclusive = s.exclusiveMaximum === true;
      const max = integral ? Math.trunc(s.maximum) : s.maximum;
      if ((!exclusive && data > max) || (exclusive && data >= max)) {
        const op = exclusive ? 'less than' : 'less than or equal to';
        result.add({
          plain: false,
          code: 'other',
          name,
          message: `${name} in ${IN} should be ${op} ${integral ? String(max) : goFloat(max)}`,
          value: data,
        });
      }
    }
    result.matchCount++;
    return result;
  }

  #slice(s: JSONSchemaProps, data: unknown[], name: string, correlation: Correlation | undefined): Result {
    const result = new Result();
    if (s.items) {
      const oldItems =
        correlation && Array.isArray(correlation.old) ? mapListIndex(s, correlation.old) : undefined;
      data.forEach((item, i) => {
        const old = oldItems?.(item);
        result.merge(this.#node(s.items!, item, `${name}[${i}]`, old));
      });
    }
    if (s.minItems !== undefined && data.length < s.minItems) {
      result.add({
        plain: false,
        code: 'other',
        name,
        message: `${name} in ${IN} should have at least ${s.minItems} items`,
        value: data.length,
      });
    }
    if (s.maxItems !== undefined && data.length > s.maxItems) {
      result.add({
        plain: false,
        code: 'maxItems',
        name,
        message: `${name} in ${IN} should have at most ${s.maxItems} items`,
        actual: data.length,
        limit: s.maxItems,
      });
    }
    if (s.uniqueItems === true && data.some((v, i) => data.findIndex((w) => jsonEqual(v, w)) !== i)) {
      result.add({
        plain: false,
        code: 'other',
        name,
        message: `${name} in ${IN} shouldn't contain duplicates`,
      });
    }
    result.matchCount++;
    return result;
  }

  #enum(s: JSONSchemaProps, data: unknown, name: string): Result | undefined {
    if (!s.enum || s.enum.length === 0) return undefined;
    if (data !== null && data !== undefined && s.enum.some((e) => jsonEqual(e, data))) return undefined;
    return single({
      plain: false,
      code: 'enum',
      name,
      message: `${name} in ${IN} should be one of ${s.enum.map((e) => (typeof e === 'string' ? e : goJson(e))).join(' ')}`,
      value: data,
      values: s.enum,
    });
  }

  #object(
    s: JSONSchemaProps,
    data: Record<string, unknown>,
    name: string,
    correlation: Correlation | undefined,
  ): Result {
    const result = new Result();
    const keys = Object.keys(data).filter((k) => data[k] !== undefined);
    if (s.minProperties !== undefined && keys.length < s.minProperties) {
      result.add({
        plain: false,
        code: 'other',
        name,
        message: `${name} in ${IN} should have at least ${s.minProperties} properties`,
        value: keys.length,
      });
    }
    if (s.maxProperties !== undefined && keys.length > s.maxProperties) {
      result.add({
        plain: false,
        code: 'maxProperties',
        name,
        message: `${name} in ${IN} should have at most ${s.maxProperties} properties`,
        actual: keys.length,
        limit: s.maxProperties,
      });
    }
    const props = s.properties ?? {};
    const old = correlation && isPlainObject(correlation.old) ? correlation.old : undefined;
    const correlate = (k: string): Correlation | undefined => {
      if (!old || !Object.prototype.hasOwnProperty.call(old, k) || old[k] === undefined) return undefined;
      if (name === '' && (k === 'apiVersion' || k === 'kind')) return undefined;
      return { old: old[k] };
    };
    if (s.additionalProperties === false) {
      for (const k of keys) {
        if (!Object.prototype.hasOwnProperty.call(props, k))
          result.add({
            plain: false,
            code: 'other',
            name,
            message: `${name}.${k} in ${IN} is a forbidden property`,
            value: k,
          });
      }
    } else if (isPlainObject(s.additionalProperties)) {
      const ap = s.additionalProperties as JSONSchemaProps;
      for (const k of keys) {
        if (!Object.prototype.hasOwnProperty.call(props, k))
          result.merge(this.#node(ap, data[k], `${name}.${k}`, correlate(k)));
      }
    }
    for (const [k, ps] of Object.entries(props)) {
      if (Object.prototype.hasOwnProperty.call(data, k) && data[k] !== undefined)
        result.merge(this.#node(ps, data[k], joinName(name, k), correlate(k)));
    }
    for (const k of s.required ?? []) {
      if (!Object.prototype.hasOwnProperty.call(data, k) || data[k] === undefined)
        result.add({
          plain: false,
          code: 'required',
          name: `${name}.${k}`,
          message: `${name}.${k} in ${IN} is required`,
        });
    }
    return result;
  }
}

function single(e: OpenAPIError): Result {
  const r = new Result();
  r.add(e);
  return r;
}

/** For `x-kubernetes-list-type: map` lists: finds the old item with the same keys (the only correlated lists). */
export function mapListIndex(
  s: JSONSchemaProps,
  oldItems: unknown[],
): ((item: unknown) => Correlation | undefined) | undefined {
  if (s['x-kubernetes-list-type'] !== 'map') return undefined;
  const keys = s['x-kubernetes-list-map-keys'] ?? [];
  if (keys.length === 0) return undefined;
  const keyOf = (item: unknown): string | undefined => {
    if (!isPlainObject(item)) return undefined;
    return goJson(keys.map((k) => item[k] ?? null));
  };
  const byKey = new Map<string, unknown>();
  for (const o of oldItems) {
    const k = keyOf(o);
    if (k !== undefined && !byKey.has(k)) byKey.set(k, o);
  }
  return (item) => {
    const k = keyOf(item);
    return k !== undefined && byKey.has(k) ? { old: byKey.get(k) } : undefined;
  };
}

/** kube's kubeOpenAPIResultToFieldErrors: go-openapi names become field paths under `prefix`. */
export function toFieldErrors(errors: OpenAPIError[], prefix: string): FieldError[] {
  return errors.map((e) => {
    if (e.plain) return fieldErrors.invalid(prefix, '', e.message);
    const name = e.name.startsWith('.') ? e.name.slice(1) : e.name;
    const path = e.name && e.name !== '.' ? child(prefix, name) : prefix;
    switch (e.code) {
      case 'required':
        return fieldErrors.required(path);
      case 'enum':
        return fieldErrors.notSupported(
          path,
          e.value ?? null,
          (e.values ?? []).map((v) => (typeof v === 'string' ? v : goJson(v))),
        );
      case 'tooLong':
        return fieldErrors.tooLong(path, '', e.limit ?? -1);
      case 'maxItems':
      case 'maxProperties':
        return fieldErrors.tooMany(path, e.actual ?? -1, e.limit ?? -1);
      case 'type':
        return fieldErrors.typeInvalid(path, e.value ?? '', e.message);
      case 'other':
        return fieldErrors.invalid(path, e.value ?? '', e.message);
    }
  });
}
