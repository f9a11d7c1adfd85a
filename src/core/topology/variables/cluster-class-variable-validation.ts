// Checks on the variables a ClusterClass defines in `spec.variables`, with upstream's paths and messages
// (`internal/topology/variables/clusterclass_variable_validation.go`). The schema checks themselves are
// apiextensions' CRD schema checks, run by the admission module (ADR 0013).
import { type FieldError, fieldError } from '../../../controller-runtime/webhook/field-errors.js';
import type { FieldPath } from '../../../controller-runtime/webhook/field-path.js';
import { validateObjectMeta } from '../../../controller-runtime/webhook/validation.js';
import type { ClusterClassVariable } from '../../api/v1beta2/index.js';
import { compileVariableSchema, toWebhookError } from './variable-schema.js';

/** The name Cluster API's own variables live under (`builtin.cluster.name`, ...). */
const BUILTINS_NAME = 'builtin';

/** A loosely typed `spec.variables` entry, as read from an object that may be incomplete. */
export type ClusterClassVariableLike = Partial<Omit<ClusterClassVariable, 'schema'>> & {
  schema?: { openAPIV3Schema?: unknown };
};

const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

function validateName(name: string, path: FieldPath): FieldError[] {
  const errs: FieldError[] = [];
  if (name === '') errs.push(fieldError.required(path.toString(), 'variable name must be defined'));
  if (name === BUILTINS_NAME)
    errs.push(fieldError.invalid(path.toString(), name, `"${BUILTINS_NAME}" is a reserved variable name`));
  if (name.includes('.'))
    errs.push(fieldError.invalid(path.toString(), name, 'variable name cannot contain "."'));
  return errs;
}

/** `x-metadata` labels and annotations, at every level of the schema. */
function validateXMetadata(schema: unknown, path: FieldPath): FieldError[] {
  if (!isObject(schema)) return [];
  const meta = isObject(schema['x-metadata']) ? schema['x-metadata'] : undefined;
  const errs = validateObjectMeta(meta, path.child('x-metadata'));
  errs.push(...validateXMetadata(schema.additionalProperties, path.child('additionalProperties')));
  if (isObject(schema.properties)) {
    for (const [k, v] of Object.entries(schema.properties)) {
      errs.push(...validateXMetadata(v, path.child('properties').key(k)));
    }
  }
  errs.push(...validateXMetadata(schema.items, path.child('items')));
  return errs;
}

/**
 * `enum` values and the `example` must validate against the schema they sit on (OpenAPI and CEL), at every
 * level, as upstream's validateSchema checks them.
 */
function validateEnumsAndExamples(schema: unknown, path: FieldPath): FieldError[] {
  if (!isObject(schema)) return [];
  const errs: FieldError[] = [];
  const enums = Array.isArray(schema.enum) ? schema.enum : [];
  if (enums.length > 0 || schema.example !== undefined) {
    const compiled = compileVariableSchema(schema, path.toString());
    if ('compiled' in compiled) {
      const check = (value: unknown, at: FieldPath): void => {
        const openAPI = compiled.compiled.validateOpenAPI(value, { fieldPath: at.toString() });
        errs.push(...openAPI.map(toWebhookError));
        if (openAPI.length === 0)
          errs.push(
            ...compiled.compiled
              .validateRules(value, undefined, { fieldPath: at.toString() })
              .map(toWebhookError),
          );
      };
      if (schema.example !== undefined) check(schema.example, path.child('example'));
      enums.forEach((e, i) => {
        if (e !== null && e !== undefined) check(e, path.child('enum').index(i));
      });
    }
  }
  if (isObject(schema.additionalProperties))
    errs.push(...validateEnumsAndExamples(schema.additionalProperties, path.child('additionalProperties')));
  if (isObject(schema.properties)) {
    for (const [k, v] of Object.entries(schema.properties))
      errs.push(...validateEnumsAndExamples(v, path.child('properties').key(k)));
  }
  if (isObject(schema.items)) errs.push(...validateEnumsAndExamples(schema.items, path.child('items')));
  return errs;
}

/** The schema of one variable: structural, defaults valid, rules compile, then enums and examples. */
function validateRootSchema(schema: unknown, path: FieldPath): FieldError[] {
  const compiled = compileVariableSchema(schema, path.toString());
  if ('errors' in compiled) return compiled.errors.map(toWebhookError);
  return validateEnumsAndExamples(schema, path);
}

/**
 * upstream's ValidateClusterClassVariables: names unique, not `builtin`, without dots; metadata valid; the
 * schema a structural schema whose defaults, enums and examples validate and whose CEL rules compile.
 * Paths name variables by key: `spec.variables[cpu].schema.openAPIV3Schema.type`.
 */
export function validateClusterClassVariables(
  variables: ClusterClassVariableLike[] | undefined,
  path: FieldPath,
): FieldError[] {
  const errs: FieldError[] = [];
  const seen = new Set<string>();
  for (const v of variables ?? []) {
    const name = v.name ?? '';
    if (seen.has(name)) {
      errs.push(
        fieldError.invalid(
          path.key(name).child('name').toString(),
          name,
          `variable name must be unique. Variable with name ${JSON.stringify(name)} is defined more than once`,
        ),
      );
    }
    seen.add(name);
  }
  for (const v of variables ?? []) {
    const name = v.name ?? '';
    const at = path.key(name);
    errs.push(...validateName(name, at.child('name')));
    errs.push(...validateObjectMeta(v.deprecatedV1Beta1Metadata, at.child('deprecatedV1Beta1Metadata')));
    const schemaPath = at.child('schema', 'openAPIV3Schema');
    const schema = v.schema?.openAPIV3Schema;
    errs.push(...validateXMetadata(schema, schemaPath));
    errs.push(...validateRootSchema(schema, schemaPath));
  }
  return errs;
}
