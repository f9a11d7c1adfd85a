/**
 * A schema for a standalone value rather than a resource: what Cluster API does with a ClusterClass variable's
 * `openAPIV3Schema` by reusing apiextensions (ValidateCustomResource, structural pruning, the CEL validator). The
 * schema is checked as a property of an object, since structural schemas only allow `type: object` at the root,
 * but values are validated at their own root, so messages and paths are those of the value.
 */
import { type FieldError, fieldErrors, formatBadValue } from '../errors/field-error.js';
import type { JSONSchemaProps } from '../registry/resource-definition.js';
import { CelBudgetExceeded, CelRuleEvaluator, type RuleIndex } from './cel-rules.js';
import { CelValueConverter } from './cel-values.js';
import { BUDGET_MESSAGE, hasPatterns } from './compiled-schema.js';
import { cloneJson } from './go-format.js';
import { runGuarded } from './guard.js';
import { pruneValue } from './pruning.js';
import { validateSchemaDefinition } from './schema-definition.js';
import { type OpenAPIError, SchemaValidator } from './schema-validator.js';

/** The property the schema is wrapped in for the definition checks (upstream's name, seen in no message). */
const WRAPPER = 'variableValue';

export interface ValueValidationOptions {
  /** Where the value sits (`spec.topology.variables[cpu].value`); errors are reported under it. */
  fieldPath?: string;
  /**
   * Reported as the bad value of every error instead of the one kube reports (a node's value or type name).
   * Cluster API reports a variable's whole JSON value this way.
   */
  badValue?: unknown;
}

/** A value schema whose definition passed every check; its operations never throw for bad values. */
export interface CompiledValueSchema {
  readonly schema: JSONSchemaProps;
  /** OpenAPI validation (types, formats, enums, bounds, required properties, composition), without ratcheting. */
  validateOpenAPI(value: unknown, options?: ValueValidationOptions): FieldError[];
  /** The fields structural pruning would drop, relative to the value (`a.b`, `items[0].c`); empty when none. */
  unknownFields(value: unknown): string[];
  /**
   * The `x-kubernetes-validations` rules; with `old`, transition rules (`oldSelf`) run and errors of other rules
   * inside unchanged parts are dropped (CEL ratcheting, as kube's CEL validator does).
   */
  validateRules(value: unknown, old?: { value: unknown }, options?: ValueValidationOptions): FieldError[];
}

const TYPE_NAME_VALUE = /^(Invalid value|Duplicate value): "[a-z]*"/;

/** Replaces the bad value of a rule error (kube reports the type name of the node the rule is on). */
function withBadValue(e: FieldError, badValue: unknown): FieldError {
  const m = TYPE_NAME_VALUE.exec(e.detail);
  if (!m) return e;
  return { ...e, detail: `${m[1]}: ${formatBadValue(badValue)}${e.detail.slice(m[0].length)}` };
}

/** kube's kubeOpenAPIResultToFieldErrors, with the root's ` in body ` dropped as Cluster API drops it. */
function openAPIFieldErrors(
  errors: OpenAPIError[],
  prefix: string,
  options: ValueValidationOptions,
): FieldError[] {
  const report = (own: unknown): unknown => ('badValue' in options ? options.badValue : own);
  const child = (name: string): string => {
    const n = name.startsWith('.') ? name.slice(1) : name;
    if (!n) return prefix;
    return prefix ? `${prefix}.${n}` : n;
  };
  return errors.map((e) => {
    if (e.plain) return fieldErrors.invalid(prefix, report(''), e.message.replace(/^ in body /, ''));
    const path = child(e.name);
    const message = e.message.replace(/^ in body /, '');
    switch (e.code) {
      case 'required':
        return fieldErrors.required(path);
      case 'enum':
        return fieldErrors.notSupported(
          path,
          report(e.value ?? null),
          (e.values ?? []).map((v) => (typeof v === 'string' ? v : JSON.stringify(v))),
        );
      case 'tooLong':
        return fieldErrors.tooLong(path, '', e.limit ?? -1);
      case 'maxItems':
      case 'maxProperties':
        return 'badValue' in options
          ? {
              type: 'FieldValueTooMany',
              field: path,
              detail: `Too many: ${formatBadValue(options.badValue)}: must have at most ${e.limit ?? -1} items`,
            }
          : fieldErrors.tooMany(path, e.actual ?? -1, e.limit ?? -1);
      case 'type':
        return fieldErrors.typeInvalid(path, report(e.value ?? ''), message);
      case 'other':
        return fieldErrors.invalid(path, report(e.value ?? ''), message);
    }
  });
}

class CompiledValue implements CompiledValueSchema {
  readonly schema: JSONSchemaProps;
  readonly #wrapper: JSONSchemaProps;
  readonly #rules: RuleIndex;
  readonly #timeoutMs: number;
  readonly #guard: boolean;

  constructor(schema: JSONSchemaProps, wrapper: JSONSchemaProps, rules: RuleIndex, timeoutMs: number) {
    this.schema = schema;
    this.#wrapper = wrapper;
    this.#rules = rules;
    this.#timeoutMs = timeoutMs;
    this.#guard = rules.size > 0 || hasPatterns(schema);
  }

  validateOpenAPI(value: unknown, options: ValueValidationOptions = {}): FieldError[] {
    const path = options.fieldPath ?? '';
    const run = (): OpenAPIError[] => new SchemaValidator().validate(this.schema, value, '');
    if (!this.#guard) return openAPIFieldErrors(run(), path, options);
    const outcome = runGuarded(run, this.#timeoutMs);
    if (outcome.timedOut)
      return [fieldErrors.invalid(path, 'badValue' in options ? options.badValue : '', BUDGET_MESSAGE)];
    return openAPIFieldErrors(outcome.value, path, options);
  }

  unknownFields(value: unknown): string[] {
    const wrapped = { [WRAPPER]: cloneJson(value) };
    return pruneValue(wrapped, this.#wrapper, false).map((p) =>
      p === WRAPPER ? '' : p.startsWith(`${WRAPPER}.`) ? p.slice(WRAPPER.length + 1) : p,
    );
  }

  validateRules(
    value: unknown,
    old?: { value: unknown },
    options: ValueValidationOptions = {},
  ): FieldError[] {
    if (this.#rules.size === 0) return [];
    const path = options.fieldPath ?? '';
    const errors: FieldError[] = [];
    const evaluator = new CelRuleEvaluator(this.#rules, new CelValueConverter(), errors);
    const oldValue = old && old.value !== null && old.value !== undefined ? { v: old.value } : undefined;
    try {
      const outcome = runGuarded(
        () => evaluator.validate(this.schema, path, value, oldValue, false),
        this.#timeoutMs,
      );
      if (outcome.timedOut) {
        const where = evaluator.current;
        errors.push(fieldErrors.invalid(where.path || path, where.type, BUDGET_MESSAGE));
      }
    } catch (err) {
      if (!(err instanceof CelBudgetExceeded)) throw err;
    }
    return 'badValue' in options ? errors.map((e) => withBadValue(e, options.badValue)) : errors;
  }
}

/**
 * Checks a value schema as kube checks a property schema of a CRD (structural, OpenAPI restrictions, defaults
 * valid and pruned, rules compile, `oldSelf` only where values correlate), except that `uniqueItems` is allowed
 * as Cluster API allows it in variable schemas. `fieldPath` is where the schema sits
 * (`spec.variables[cpu].schema.openAPIV3Schema`); errors are reported under it.
 */
export function checkValueSchema(
  schema: JSONSchemaProps,
  options: { fieldPath?: string; validationTimeoutMs?: number } = {},
): { errors: FieldError[]; compiled?: CompiledValueSchema } {
  const path = options.fieldPath ?? '';
  const timeoutMs = options.validationTimeoutMs ?? 1000;
  const wrapper: JSONSchemaProps = { type: 'object', properties: { [WRAPPER]: schema } };
  const outcome = runGuarded(
    () => validateSchemaDefinition(wrapper, path, { allowUniqueItems: true }),
    timeoutMs * 10,
  );
  if (outcome.timedOut) return { errors: [fieldErrors.invalid(path, '', BUDGET_MESSAGE)] };
  const inner = `${path ? `${path}.` : ''}properties[${WRAPPER}]`;
  const errors = outcome.value.errors.map((e) =>
    e.field === inner || e.field.startsWith(`${inner}.`) || e.field.startsWith(`${inner}[`)
      ? { ...e, field: `${path}${e.field.slice(inner.length)}`.replace(/^\./, '') }
      : e,
  );
  if (errors.length > 0) return { errors };
  return { errors: [], compiled: new CompiledValue(schema, wrapper, outcome.value.rules, timeoutMs) };
}
