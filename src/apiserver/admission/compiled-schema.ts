/**
 * A CRD version's structural schema, compiled once: pruning, defaulting and validation of custom resources as
 * kube-apiserver's apiextensions does them (`registry/customresource/strategy.go`, `validator.go`).
 */
import { type FieldError, fieldErrors } from '../errors/field-error.js';
import type { JSONSchemaProps, KubeObject, ScaleSubresource } from '../registry/resource-definition.js';
import { CelBudgetExceeded, CelRuleEvaluator, type RuleIndex } from './cel-rules.js';
import { CelValueConverter } from './cel-values.js';
import { applyDefaults, pruneNonNullableNullsWithoutDefaults } from './defaulting.js';
import { validateEmbeddedResources } from './embedded-resources.js';
import { SchemaCompileError } from './field-errors.js';
import { goSharpV, isPlainObject } from './go-format.js';
import { runGuarded } from './guard.js';
import { validateListSetsAndMaps } from './list-type.js';
import { pruneObject } from './pruning.js';
import { validateSchemaDefinition } from './schema-definition.js';
import { SchemaValidator, toFieldErrors } from './schema-validator.js';

export interface CompileSchemaOptions {
  /** Where the schema sits in its CRD, for compile errors. Default `spec.validation.openAPIV3Schema`. */
  fieldPath?: string;
  /** The version has the status subresource (restricts the root of the schema). */
  statusEnabled?: boolean;
  /** The version's scale subresource: replicas fields must be non-negative int32s. */
  scale?: ScaleSubresource;
  /**
   * Time budget in ms for one validate() call's CEL rules and regular expressions (kube bounds them by a cost
   * budget; a hostile rule or pattern is stopped, reported as running out of budget). Default 1000.
   */
  validationTimeoutMs?: number;
  /**
   * Which definition checks run before compiling. `crd`: everything kube-apiserver checks on a CRD schema
   * (structural, OpenAPI restrictions, defaults, rules). `auto` (default): the same, except for schemas whose root
   * `metadata` declares ObjectMeta fields — only built-in kinds' schemas do (CRDs may not), and those are trusted:
   * only their rules and patterns must compile.
   */
  definitionChecks?: 'crd' | 'auto';
}

/** Schema operations for one custom resource version (the registry's SchemaOps). */
export interface CompiledSchema {
  readonly schema: JSONSchemaProps;
  /** Removes unknown fields in place; returns their paths as strict decoding reports them (`spec.foo`). */
  prune(obj: KubeObject): string[];
  /** Applies `default`s in place and drops nulls of non-nullable fields without a default. */
  applyDefaults(obj: KubeObject): void;
  /** OpenAPI, embedded-resource, list-type and CEL validation; `oldObj` for updates (transition rules, ratcheting). */
  validate(obj: KubeObject, oldObj?: KubeObject): FieldError[];
}

export const BUDGET_MESSAGE =
  'validation failed due to running out of cost budget, no further validation rules will be run';
const BLOCKING: ReadonlySet<FieldError['type']> = new Set([
  'FieldValueNotSupported',
  'FieldValueRequired',
  'FieldValueTooLong',
  'FieldValueTooMany',
  'FieldValueTypeInvalid',
]);

/** The schema or a schema below it has a `pattern` (validation then runs under the time guard). */
export function hasPatterns(s: JSONSchemaProps | undefined): boolean {
  if (!s || typeof s !== 'object') return false;
  if (s.pattern) return true;
  const subs: (JSONSchemaProps | undefined)[] = [
    s.items,
    isPlainObject(s.additionalProperties) ? s.additionalProperties : undefined,
    s.not,
    ...Object.values(s.properties ?? {}),
    ...(s.allOf ?? []),
    ...(s.anyOf ?? []),
    ...(s.oneOf ?? []),
  ];
  return subs.some(hasPatterns);
}

/** Go's %T of a decoded JSON value. */
function goType(v: unknown): string {
  if (typeof v === 'string') return 'string';
  if (typeof v === 'boolean') return 'bool';
  if (typeof v === 'number') return Number.isInteger(v) ? 'int64' : 'float64';
  if (Array.isArray(v)) return '[]interface {}';
  if (isPlainObject(v)) return 'map[string]interface {}';
  return '<nil>';
}

function goValue(v: unknown): string {
  if (typeof v === 'string') return v;
  if (Array.isArray(v) || isPlainObject(v))
    return goSharpV(v).replace(/^(map\[string\]interface \{\}|\[\]interface \{\})/, '');
  return String(v);
}

/** unstructured.NestedInt64/NestedString with kube's accessor errors. */
function nested(
  obj: KubeObject,
  jsonPath: string,
  want: 'int64' | 'string',
): { value: unknown; error?: string } {
  const fields = jsonPath.replace(/^\./, '').split('.');
  let cur: unknown = obj;
  for (const f of fields) {
    if (!isPlainObject(cur)) {
      const at = `.${fields.slice(0, fields.indexOf(f)).join('.')}`;
      return {
        value: undefined,
        error: `${at} accessor error: ${goValue(cur)} is of the type ${goType(cur)}, expected map[string]interface{}`,
      };
    }
    if (!Object.prototype.hasOwnProperty.call(cur, f)) return { value: undefined };
    cur = cur[f];
  }
  const ok = want === 'int64' ? typeof cur === 'number' && Number.isInteger(cur) : typeof cur === 'string';
  if (!ok)
    return {
      value: undefined,
      error: `.${fields.join('.')} accessor error: ${goValue(cur)} is of the type ${goType(cur)}, expected ${want}`,
    };
  return { value: cur };
}

function validateScale(obj: KubeObject, scale: ScaleSubresource): FieldError[] {
  const errs: FieldError[] = [];
  for (const path of [scale.specReplicasPath, scale.statusReplicasPath]) {
    const r = nested(obj, path, 'int64');
    const n = typeof r.value === 'number' ? r.value : 0;
    if (r.error) errs.push(fieldErrors.invalid(path, 0, r.error));
    else if (n < 0) errs.push(fieldErrors.invalid(path, n, 'should be a non-negative integer'));
    else if (n > 2147483647)
      errs.push(fieldErrors.invalid(path, n, 'should be less than or equal to 2147483647'));
  }
  if (scale.labelSelectorPath) {
    const r = nested(obj, scale.labelSelectorPath, 'string');
    if (r.error) errs.push(fieldErrors.invalid(scale.labelSelectorPath, '', r.error));
  }
  return errs;
}

class Compiled implements CompiledSchema {
  readonly schema: JSONSchemaProps;
  readonly #rules: RuleIndex;
  readonly #scale: ScaleSubresource | undefined;
  readonly #timeoutMs: number;
  readonly #guard: boolean;
  readonly #validator = new SchemaValidator();

  constructor(schema: JSONSchemaProps, rules: RuleIndex, options: CompileSchemaOptions) {
    this.schema = schema;
    this.#rules = rules;
    this.#scale = options.scale;
    this.#timeoutMs = options.validationTimeoutMs ?? 1000;
    this.#guard = rules.size > 0 || hasPatterns(schema);
  }

  prune(obj: KubeObject): string[] {
    const unknown = pruneObject(obj, this.schema);
    pruneNonNullableNullsWithoutDefaults(obj, this.schema);
    return unknown;
  }

  applyDefaults(obj: KubeObject): void {
    applyDefaults(obj, this.schema);
    pruneNonNullableNullsWithoutDefaults(obj, this.schema);
  }

  validate(obj: KubeObject, oldObj?: KubeObject): FieldError[] {
    const errors: FieldError[] = [];
    const state: { evaluator?: CelRuleEvaluator } = {};
    const run = (): void => this.#validate(obj, oldObj, errors, state);
    if (!this.#guard) {
      run();
      return errors;
    }
    try {
      const outcome = runGuarded(run, this.#timeoutMs);
      if (outcome.timedOut) {
        const where = state.evaluator?.current ?? { path: '', type: this.schema.type ?? 'object' };
        errors.push(fieldErrors.invalid(where.path, where.type, BUDGET_MESSAGE));
      }
    } catch (err) {
      if (!(err instanceof CelBudgetExceeded)) throw err;
    }
    return errors;
  }

  #validate(
    obj: KubeObject,
    oldObj: KubeObject | undefined,
    errors: FieldError[],
    state: { evaluator?: CelRuleEvaluator },
  ): void {
    const correlation = oldObj ? { old: oldObj as unknown } : undefined;
    errors.push(...toFieldErrors(this.#validator.validate(this.schema, obj, '', correlation), ''));
    if (this.#scale) errors.push(...validateScale(obj, this.#scale));
    errors.push(...validateEmbeddedResources(this.schema, obj));
    if (!oldObj || validateListSetsAndMaps(this.schema, oldObj).length === 0)
      errors.push(...validateListSetsAndMaps(this.schema, obj));
    if (this.#rules.size === 0) return;
    if (errors.some((e) => BLOCKING.has(e.type))) {
      errors.push(
        fieldErrors.invalid(
          '',
          'null',
          'some validation rules were not checked because the object was invalid; correct the existing errors to complete validation',
        ),
      );
      return;
    }
    const evaluator = new CelRuleEvaluator(this.#rules, new CelValueConverter(), errors);
    state.evaluator = evaluator;
    evaluator.validate(this.schema, '', obj, oldObj ? { v: oldObj } : undefined, true);
  }
}

/**
 * Compiles a CRD version's schema. Throws a SchemaCompileError (with kube's field errors) when the schema is not
 * structural, a default does not validate or is not pruned, or a rule does not compile.
 */
export function compileSchema(
  openAPIV3Schema: JSONSchemaProps,
  options: CompileSchemaOptions = {},
): CompiledSchema {
  const path = options.fieldPath ?? 'spec.validation.openAPIV3Schema';
  const timeout = (options.validationTimeoutMs ?? 1000) * 10;
  const outcome = runGuarded(
    () =>
      validateSchemaDefinition(openAPIV3Schema, path, options.statusEnabled ? { statusEnabled: true } : {}),
    timeout,
  );
  if (outcome.timedOut) throw new SchemaCompileError([fieldErrors.invalid(path, '', BUDGET_MESSAGE)]);
  const { errors, rules } = outcome.value;
  const trusted = options.definitionChecks !== 'crd' && declaresObjectMeta(openAPIV3Schema);
  const fatal = trusted ? errors.filter((e) => /x-kubernetes-validations|\.pattern$/.test(e.field)) : errors;
  if (fatal.length > 0) throw new SchemaCompileError(fatal);
  return new Compiled(openAPIV3Schema, rules, options);
}

/** The root `metadata` declares more than name/generateName: a built-in kind's schema, never a valid CRD's. */
function declaresObjectMeta(s: JSONSchemaProps): boolean {
  const meta = s.properties?.metadata?.properties;
  return meta !== undefined && Object.keys(meta).some((k) => k !== 'name' && k !== 'generateName');
}

/** Like compileSchema, but returns the problems instead of throwing (for CRD validation). */
export function checkSchema(
  openAPIV3Schema: JSONSchemaProps,
  options: CompileSchemaOptions = {},
): { errors: FieldError[]; compiled?: CompiledSchema } {
  try {
    return { errors: [], compiled: compileSchema(openAPIV3Schema, { ...options, definitionChecks: 'crd' }) };
  } catch (err) {
    if (err instanceof SchemaCompileError) return { errors: err.errors };
    throw err;
  }
}
