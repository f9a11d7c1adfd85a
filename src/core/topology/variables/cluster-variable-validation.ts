// Validation of Cluster topology variable values against the definitions a ClusterClass publishes in
// `status.variables`, with upstream's paths and messages (`internal/topology/variables`).
import { type FieldError, fieldError } from '../../../controller-runtime/webhook/field-errors.js';
import type { FieldPath } from '../../../controller-runtime/webhook/field-path.js';
import type { ClusterClass } from '../../api/v1beta2/index.js';
import { compileVariableSchema, toWebhookError } from './variable-schema.js';

/** A value of `spec.topology.variables` or of a `variables.overrides` list. */
export interface ClusterVariableValue {
  name?: string;
  value?: unknown;
}

/** An entry of a ClusterClass's `status.variables`. */
export type ClusterClassStatusVariable = NonNullable<
  NonNullable<ClusterClass['status']>['variables']
>[number];

/** A `status.variables` entry as read from an object that may be incomplete (the webhooks' Loose types). */
export interface StatusVariableLike {
  name?: string;
  definitionsConflict?: boolean;
  definitions?: { from?: string; required?: boolean; schema?: { openAPIV3Schema?: unknown } }[];
}

export interface ValidateClusterVariablesOptions {
  /** Where the list sits, e.g. `spec.topology.variables`. */
  path: FieldPath;
  /** Required variables must be set: true for the Cluster-level list, false for overrides. */
  validateRequired: boolean;
  /** The values before an update: transition rules (`oldSelf`) see them, and unchanged values ratchet CEL errors. */
  oldValues?: ClusterVariableValue[];
}

/** The value as the Go webhook sees its raw JSON (compact, as the API server serializes it). */
const rawJson = (value: unknown): string => (value === undefined ? '' : JSON.stringify(value));

function valuesIndex(
  values: ClusterVariableValue[],
  path: FieldPath,
): Map<string, ClusterVariableValue> | FieldError[] {
  const index = new Map<string, ClusterVariableValue>();
  const errors: FieldError[] = [];
  for (const v of values) {
    const name = v.name ?? '';
    if (index.has(name)) {
      errors.push(
        fieldError.invalid(
          path.key(name).toString(),
          rawJson(v.value),
          `variable ${JSON.stringify(name)} is set more than once`,
        ),
      );
    }
    index.set(name, v);
  }
  return errors.length > 0 ? errors : index;
}

function definitionsIndex(
  definitions: StatusVariableLike[],
  path: FieldPath,
): Map<string, StatusVariableLike> | FieldError[] {
  const index = new Map<string, StatusVariableLike>();
  const problems: string[] = [];
  for (const d of definitions) {
    const name = JSON.stringify(d.name ?? '');
    if ((d.definitions ?? []).length === 0) problems.push(`variable ${name} has no definitions`);
    if (d.definitionsConflict === true) problems.push(`variable ${name} has conflicting definitions`);
    index.set(d.name ?? '', d);
  }
  if (problems.length === 0) return index;
  const names = `[${definitions.map((d) => `Name: ${d.name ?? ''}`).join(',')}]`;
  const aggregate = problems.length === 1 ? problems[0] : `[${problems.join(', ')}]`;
  // Upstream reports this as TypeInvalid; the text is the same.
  return [
    fieldError.invalid(
      path.toString(),
      names,
      `variable definitions in the ClusterClass not valid: ${aggregate}`,
    ),
  ];
}

/**
 * Validates one value against its definition's schema: OpenAPI first, then unknown fields (rejected unless the
 * schema preserves them), then the CEL rules; each step only when the previous one passed, as upstream does.
 */
export function validateClusterVariable(
  value: ClusterVariableValue,
  oldValue: ClusterVariableValue | undefined,
  schema: unknown,
  path: FieldPath,
): FieldError[] {
  const name = value.name ?? '';
  const compiled = compileVariableSchema(schema);
  if ('errors' in compiled) {
    const aggregate = compiled.errors.map((e) => `${e.field}: ${e.detail}`.replace(/^: /, ''));
    return [
      fieldError.internal(
        path.toString(),
        `failed to create schema validator for variable ${JSON.stringify(name)}; ClusterClass should be checked: ${aggregate.length === 1 ? aggregate[0] : `[${aggregate.join(', ')}]`}`,
      ),
    ];
  }
  const raw = rawJson(value.value);
  const data = value.value === undefined ? null : value.value;
  const valuePath = path.child('value').toString();
  const schemaErrors = compiled.compiled.validateOpenAPI(data, { fieldPath: valuePath, badValue: raw });
  if (schemaErrors.length > 0) return schemaErrors.map(toWebhookError);
  const unknown = compiled.compiled.unknownFields(data);
  if (unknown.length > 0) {
    return [
      fieldError.invalid(
        path.toString(),
        raw,
        `failed validation: ${JSON.stringify(unknown.join(','))} field(s) are not specified in the variable schema of variable ${JSON.stringify(name)}`,
      ),
    ];
  }
  const old = oldValue && oldValue.value !== undefined ? { value: oldValue.value } : undefined;
  return compiled.compiled
    .validateRules(data, old, { fieldPath: valuePath, badValue: raw })
    .map(toWebhookError);
}

/**
 * upstream's ValidateClusterVariables (with `validateRequired`) and ValidateMachineVariables/
 * ValidateControlPlaneVariables (without): values set at most once, definitions usable, required variables
 * set, every value defined and valid against its schema. Paths name variables by key: `variables[cpu].value`.
 */
export function validateClusterVariables(
  values: ClusterVariableValue[] | undefined,
  definitions: StatusVariableLike[] | undefined,
  options: ValidateClusterVariablesOptions,
): FieldError[] {
  const { path } = options;
  const given = valuesIndex(values ?? [], path);
  if (Array.isArray(given)) return given;
  const old = new Map<string, ClusterVariableValue>();
  for (const v of options.oldValues ?? []) old.set(v.name ?? '', v);
  const defs = definitionsIndex(definitions ?? [], path);
  if (Array.isArray(defs)) return defs;

  const errors: FieldError[] = [];
  if (options.validateRequired) {
    for (const [name, d] of defs) {
      if (d.definitions?.[0]?.required === true && !given.has(name)) {
        errors.push(
          fieldError.required(path.toString(), `required variable ${JSON.stringify(name)} must be set`),
        );
      }
    }
  }
  for (const value of values ?? []) {
    const name = value.name ?? '';
    const valuePath = path.key(name);
    const definition = defs.get(name);
    if (!definition) {
      errors.push(fieldError.invalid(valuePath.toString(), rawJson(value.value), 'variable is not defined'));
      continue;
    }
    // Conflicts were refused above, so the first definition is the definition.
    const schema = definition.definitions?.[0]?.schema?.openAPIV3Schema;
    errors.push(...validateClusterVariable(value, old.get(name), schema, valuePath));
  }
  return errors;
}
