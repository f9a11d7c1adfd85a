// Defaults of Cluster topology variables from the schemas a ClusterClass publishes in
// `status.variables`, as upstream's Cluster webhook applies them (structural defaulting of apiextensions).
import {
  deepClone,
  isJsonObject,
  type JsonObject,
  type JsonValue,
} from '../../../controller-runtime/util/json.js';
import { type FieldError, fieldError } from '../../../controller-runtime/webhook/field-errors.js';
import { FieldPath } from '../../../controller-runtime/webhook/field-path.js';
import type { Cluster, ClusterClass } from '../../api/v1beta2/index.js';
import type { Loose } from './object.js';

interface ClusterVariable {
  name?: string;
  value?: unknown;
}

type StatusVariable = NonNullable<Loose<NonNullable<ClusterClass['status']>>['variables']>[number];

const asSchema = (v: unknown): JsonObject | undefined => (isJsonObject(v) ? v : undefined);

/**
 * apiextensions' structural defaulting: absent (or null, unless nullable) properties of objects get their
 * schema default; defaulting recurses into properties, map values and array items.
 */
export function applyStructuralDefaults(value: JsonValue | undefined, schema: JsonObject | undefined): void {
  if (!schema || value === undefined || value === null) return;
  if (Array.isArray(value)) {
    const items = asSchema(schema.items);
    for (const item of value) applyStructuralDefaults(item, items);
    return;
  }
  if (!isJsonObject(value)) return;
  const properties = asSchema(schema.properties);
  for (const [key, propValue] of Object.entries(properties ?? {})) {
    const prop = asSchema(propValue);
    if (!prop || prop.default === undefined) continue;
    const current = value[key];
    if (current === undefined || (current === null && prop.nullable !== true)) {
      value[key] = deepClone(prop.default);
    }
  }
  for (const [key, member] of Object.entries(value)) {
    const prop =
      properties && Object.prototype.hasOwnProperty.call(properties, key)
        ? asSchema(properties[key])
        : asSchema(schema.additionalProperties);
    applyStructuralDefaults(member, prop);
  }
}

/** The variable definitions by name, or the error upstream reports for unusable definitions. */
function definitionsIndex(
  definitions: StatusVariable[],
  path: FieldPath,
): Map<string, StatusVariable> | FieldError {
  const index = new Map<string, StatusVariable>();
  const problems: string[] = [];
  for (const d of definitions) {
    if ((d.definitions ?? []).length === 0)
      problems.push(`variable ${JSON.stringify(d.name ?? '')} has no definitions`);
    if (d.definitionsConflict)
      problems.push(`variable ${JSON.stringify(d.name ?? '')} has conflicting definitions`);
    index.set(d.name ?? '', d);
  }
  if (problems.length === 0) return index;
  const names = `[${definitions.map((d) => `Name: ${d.name ?? ''}`).join(',')}]`;
  const aggregate = problems.length === 1 ? problems[0] : `[${problems.join(', ')}]`;
  return {
    type: 'FieldValueInvalid',
    field: path.toString(),
    detail: `Invalid value: ${JSON.stringify(names)}: variable definitions in the ClusterClass not valid: ${aggregate}`,
  };
}

/**
 * Defaults one list of variable values. Cluster-level lists (`create`) also gain variables that are missing
 * but have a top-level default; override lists only get nested defaults.
 */
function defaultVariableList(
  values: ClusterVariable[] | undefined,
  definitions: StatusVariable[],
  create: boolean,
  path: FieldPath,
): { values: ClusterVariable[] } | { errors: FieldError[] } {
  const index = definitionsIndex(definitions, path);
  if (!(index instanceof Map)) return { errors: [index] };
  const given = new Map<string, ClusterVariable>();
  for (const v of values ?? []) given.set(v.name ?? '', v);
  const all: ClusterVariable[] = [...(values ?? [])];
  for (const d of definitions) if (!given.has(d.name ?? '')) all.push({ name: d.name ?? '' });
  const errors: FieldError[] = [];
  const out: ClusterVariable[] = [];
  for (const variable of all) {
    const name = variable.name ?? '';
    const definition = index.get(name);
    const current = given.get(name);
    if (!definition) {
      errors.push(
        fieldError.invalid(
          path.key(name).toString(),
          JSON.stringify(variable.value ?? null),
          'variable is not defined',
        ),
      );
      continue;
    }
    const schema = asSchema(definition.definitions?.[0]?.schema?.openAPIV3Schema);
    if (!current && (!create || schema?.default === undefined)) continue;
    // Wrapping the value in an object makes a top-level default work like any nested one.
    const wrapper: JsonObject = current ? { [name]: deepClone(current.value as JsonValue) } : {};
    applyStructuralDefaults(wrapper, { type: 'object', properties: { [name]: schema ?? {} } });
    out.push({ ...current, name, value: wrapper[name] ?? null });
  }
  return errors.length > 0 ? { errors } : { values: out };
}

/** Defaults the variables of a Cluster topology (cluster-wide and overrides) from its ClusterClass. */
export function defaultTopologyVariables(cluster: Loose<Cluster>, cc: Loose<ClusterClass>): FieldError[] {
  const topology = cluster.spec?.topology;
  if (!topology) return [];
  const definitions = cc.status?.variables ?? [];
  const errors: FieldError[] = [];
  const base = FieldPath.of('spec', 'topology');
  const run = (
    values: ClusterVariable[] | undefined,
    create: boolean,
    path: FieldPath,
    set: (v: ClusterVariable[]) => void,
  ): void => {
    const result = defaultVariableList(values, definitions, create, path);
    if ('errors' in result) errors.push(...result.errors);
    else if (result.values.length > 0 || values !== undefined) set(result.values);
  };
  run(topology.variables, true, base.child('variables'), (v) => {
    topology.variables = v;
  });
  const cp = topology.controlPlane;
  if (cp?.variables?.overrides?.length) {
    const vars = cp.variables;
    run(vars.overrides, false, base.child('controlPlane', 'variables', 'overrides'), (v) => {
      vars.overrides = v;
    });
  }
  for (const list of ['machineDeployments', 'machinePools'] as const) {
    for (const worker of topology.workers?.[list] ?? []) {
      const vars = worker.variables;
      if (!vars?.overrides?.length) continue;
      const path = base
        .child('workers', list)
        .key(worker.name ?? '')
        .child('variables', 'overrides');
      run(vars.overrides, false, path, (v) => {
        vars.overrides = v;
      });
    }
  }
  return errors;
}
