// The variables one template's patches see, and the `valueFrom.variable` lookup. Facts from upstream's
// `patches/variables` (merge and value lookup): later maps win per name, except `builtin`, whose parts are merged;
// paths are `name`, `name.field.sub` and `name[0].field`, and their errors are worded as upstream words them.
import type { Builtins } from './builtin-variables.js';

/** The name of the builtin variable; a user variable of that name is ignored. */
export const BUILTINS_NAME = 'builtin';

/** A variable value as a Cluster sets it (`spec.topology.variables[]`, `variables.overrides[]`). */
export interface VariableValue {
  name: string;
  value: unknown;
}

/** JSON-decoded variables by name: the data templates render with (`{{ .builtin.cluster.name }}`). */
export type VariableMap = Record<string, unknown>;

/** A `valueFrom.variable` path that names no value. */
export class VariableNotFoundError extends Error {
  override readonly name = 'VariableNotFoundError';
  constructor(
    message: string,
    readonly path: string,
  ) {
    super(message);
  }
}

/** A `valueFrom.variable` path that cannot be parsed or indexes into something that is not a long enough array. */
export class InvalidVariablePathError extends Error {
  override readonly name = 'InvalidVariablePathError';
  constructor(
    message: string,
    readonly path: string,
  ) {
    super(message);
  }
}

export function isVariableNotFound(err: unknown): err is VariableNotFoundError {
  return err instanceof VariableNotFoundError;
}

export function isInvalidVariablePath(err: unknown): err is InvalidVariablePathError {
  return err instanceof InvalidVariablePathError;
}

export interface VariablesInput {
  /** `spec.topology.variables` of the Cluster. */
  clusterVariables?: readonly VariableValue[];
  /** `variables.overrides` of the control plane, MachineDeployment or MachinePool topology the template belongs to. */
  overrides?: readonly VariableValue[];
  /** The builtins this template sees: `cluster` plus its own part. */
  builtins: Builtins;
}

/** Deep copy of JSON data, so templates and patches never share objects with the caller. */
function cloneJson<T>(value: T): T {
  return value === undefined ? value : (JSON.parse(JSON.stringify(value)) as T);
}

/**
 * The variables of one template: Cluster values, replaced per name by the topology part's overrides, plus
 * `builtin`. A variable named `builtin` in the Cluster or the overrides is dropped, as upstream drops it.
 */
export function templateVariables(input: VariablesInput): VariableMap {
  const out: VariableMap = {};
  for (const list of [input.clusterVariables ?? [], input.overrides ?? []]) {
    for (const v of list) {
      if (v.name === BUILTINS_NAME) continue;
      out[v.name] = cloneJson(v.value);
    }
  }
  out[BUILTINS_NAME] = cloneJson(input.builtins);
  return out;
}

/**
 * Merges variable maps, later maps winning per name; the `builtin` objects are merged part by part (cluster,
 * controlPlane, machineDeployment, machinePool), the later part replacing the earlier one.
 */
export function mergeVariableMaps(...maps: readonly VariableMap[]): VariableMap {
  const out: VariableMap = {};
  for (const map of maps) {
    for (const [name, value] of Object.entries(map)) {
      const previous = out[name];
      if (name === BUILTINS_NAME && isObject(previous) && isObject(value)) {
        out[name] = { ...previous, ...value };
      } else {
        out[name] = value;
      }
    }
  }
  return out;
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

interface PathSegment {
  path: string;
  index?: number;
}

/** Go's `%q` for the strings that appear in paths (close enough: JSON quoting). */
const q = (s: string): string => JSON.stringify(s);

function parsePathSegment(segment: string): PathSegment {
  const left = segment.indexOf('[');
  const right = segment.indexOf(']');
  if (left >= 0 !== right >= 0) throw new Error(`failed to parse path segment ${q(segment)}`);
  if (left < 0) return { path: segment };
  const indexText = segment.slice(left + 1, right);
  // Go's strconv.Atoi: an optional sign and decimal digits only.
  if (!/^[+-]?\d+$/.test(indexText)) {
    throw new Error(
      `failed to parse array index in path segment ${q(segment)}: strconv.Atoi: parsing ${q(indexText)}: invalid syntax`,
    );
  }
  const index = Number.parseInt(indexText, 10);
  if (index < 0) throw new Error(`invalid array index ${index} in path segment ${q(segment)}`);
  return { path: segment.slice(0, left), index };
}

/** fastjson's type names, used in upstream's "not an array" error. */
function jsonTypeName(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'array';
  if (v === true) return 'true';
  if (v === false) return 'false';
  return typeof v === 'object' ? 'object' : typeof v;
}

function arrayElement(value: unknown, segment: PathSegment, fullPath: string): unknown {
  if (!Array.isArray(value)) {
    throw new InvalidVariablePathError(
      `variable ${q(fullPath)} is invalid: failed to get array ${q(segment.path)}: ` +
        `value doesn't contain array; it contains ${jsonTypeName(value)}`,
      fullPath,
    );
  }
  const index = segment.index ?? 0;
  if (value.length < index + 1) {
    throw new InvalidVariablePathError(
      `variable ${q(fullPath)} is invalid: array does not have index ${index}`,
      fullPath,
    );
  }
  return value[index] as unknown;
}

/**
 * The value `variablePath` names in `variables` (a deep copy): `name`, `name.a.b`, `name[1]`, `name.list[0].a`.
 * Throws `VariableNotFoundError` (`variable "proxy" does not exist`, `variable "proxy.url" does not exist: failed
 * to lookup segment "url"`) or `InvalidVariablePathError`.
 */
export function getVariableValue(variables: VariableMap, variablePath: string): unknown {
  const [variableName = '', ...relativePath] = variablePath.split('.');
  let nameSegment: PathSegment;
  try {
    nameSegment = parsePathSegment(variableName);
  } catch (err) {
    throw new InvalidVariablePathError(
      `variable ${q(variablePath)} is invalid: ${(err as Error).message}`,
      variablePath,
    );
  }
  if (!Object.hasOwn(variables, nameSegment.path) || variables[nameSegment.path] === undefined) {
    throw new VariableNotFoundError(`variable ${q(variableName)} does not exist`, variablePath);
  }
  let value: unknown = variables[nameSegment.path];
  if (nameSegment.index !== undefined) value = arrayElement(value, nameSegment, variablePath);

  for (const part of relativePath) {
    let segment: PathSegment;
    try {
      segment = parsePathSegment(part);
    } catch (err) {
      throw new InvalidVariablePathError(
        `variable ${q(variablePath)} has invalid syntax: ${(err as Error).message}`,
        variablePath,
      );
    }
    // fastjson, which upstream reads values with, also takes a decimal key as an array index (`list.0`).
    if (Array.isArray(value) && /^\d+$/.test(segment.path) && Number(segment.path) < value.length) {
      value = value[Number(segment.path)] as unknown;
      if (segment.index !== undefined) value = arrayElement(value, segment, variablePath);
      continue;
    }
    if (!isObject(value) || !Object.hasOwn(value, segment.path) || value[segment.path] === undefined) {
      throw new VariableNotFoundError(
        `variable ${q(variablePath)} does not exist: failed to lookup segment ${q(segment.path)}`,
        variablePath,
      );
    }
    value = value[segment.path];
    if (segment.index !== undefined) value = arrayElement(value, segment, variablePath);
  }
  return cloneJson(value);
}
