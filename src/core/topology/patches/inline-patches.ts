// The inline patch engine of ClusterClass topology: applies `spec.patches[].definitions` to the templates of a
// Cluster's desired state. Facts carried over from upstream's patch engine and inline JSON patch generator:
//   - patches run in ClusterClass order, each on the result of the previous ones;
//   - a template sees the Cluster's variables and `builtin.cluster`, plus its part's overrides and builtins
//     (`builtin.controlPlane` for the control plane templates, `builtin.machineDeployment` / `builtin.machinePool`
//     for worker templates); `enabledIf` is evaluated per template with those variables, and only for templates
//     some definition selects;
//   - templates (values and `enabledIf`) are Go templates with sprig's hermetic functions, their output is decoded
//     as YAML; a patch is enabled when `enabledIf` decodes to `true`;
//   - only the template's `spec` is taken from the patched object: changes elsewhere are dropped.
import { goQuote } from '../../../lib/go-quote.js';
import jsonPatch from 'fast-json-patch';
import { parse as parseYaml } from 'yaml';
import type { ClusterClass } from '../../api/v1beta2/index.js';
import { parseTemplate } from '../../util/go-template/index.js';
import type {
  Builtins,
  ClusterBuiltins,
  ControlPlaneBuiltins,
  MachineDeploymentBuiltins,
  MachinePoolBuiltins,
} from './builtin-variables.js';
import {
  getVariableValue,
  mergeVariableMaps,
  templateVariables,
  type VariableMap,
  type VariableValue,
} from './variable-values.js';

export type ClusterClassPatch = NonNullable<ClusterClass['spec']['patches']>[number];
export type PatchDefinition = NonNullable<ClusterClassPatch['definitions']>[number];
export type JSONPatch = PatchDefinition['jsonPatches'][number];
export type PatchSelector = PatchDefinition['selector'];

/** A template object as the topology controller holds it: plain JSON with `apiVersion`, `kind` and `spec`. */
export interface TemplateObject {
  apiVersion: string;
  kind: string;
  metadata?: { name?: string; namespace?: string; [key: string]: unknown };
  spec?: Record<string, unknown>;
  [key: string]: unknown;
}

/** The bootstrap and infrastructure templates of one MachineDeployment or MachinePool topology. */
export interface WorkerTemplates {
  /** The MachineDeployment / MachinePool class of the topology. */
  class: string;
  bootstrapTemplate: TemplateObject;
  /** An infrastructure machine template (MachineDeployment) or machine pool template (MachinePool). */
  infrastructureTemplate: TemplateObject;
  /** `variables.overrides` of the topology. */
  variableOverrides?: readonly VariableValue[];
}

/** The templates the patches apply to, as the desired state holds them. */
export interface DesiredTemplates {
  infrastructureClusterTemplate: TemplateObject;
  controlPlaneTemplate: TemplateObject;
  /** Set when the ClusterClass gives the control plane a machine infrastructure template. */
  controlPlaneInfrastructureMachineTemplate?: TemplateObject;
  /** `spec.topology.controlPlane.variables.overrides`. */
  controlPlaneVariableOverrides?: readonly VariableValue[];
  /** By topology name (`spec.topology.workers.machineDeployments[].name`). */
  machineDeployments?: Readonly<Record<string, WorkerTemplates>>;
  /** By topology name (`spec.topology.workers.machinePools[].name`). */
  machinePools?: Readonly<Record<string, WorkerTemplates>>;
}

/** The builtins of each part of the topology (see builtin-variables.ts). */
export interface TopologyBuiltins {
  cluster: ClusterBuiltins;
  controlPlane: ControlPlaneBuiltins;
  /** By topology name; required for every MachineDeployment in `desired`. */
  machineDeployments?: Readonly<Record<string, MachineDeploymentBuiltins>>;
  /** By topology name; required for every MachinePool in `desired`. */
  machinePools?: Readonly<Record<string, MachinePoolBuiltins>>;
}

export interface ApplyInlinePatchesInput {
  /** `ClusterClass.spec.patches`, in order. */
  patches: readonly ClusterClassPatch[] | undefined;
  /** `Cluster.spec.topology.variables` (defaults applied, validated). */
  clusterVariables?: readonly VariableValue[];
  builtins: TopologyBuiltins;
  desired: DesiredTemplates;
}

/** Which template of the desired state an object is: what a selector matches against. */
export type TemplateRole =
  | 'infrastructureCluster'
  | 'controlPlane'
  | 'controlPlaneInfrastructureMachine'
  | 'machineDeploymentBootstrap'
  | 'machineDeploymentInfrastructure'
  | 'machinePoolBootstrap'
  | 'machinePoolInfrastructure';

export interface TemplateTarget {
  role: TemplateRole;
  /** The MachineDeployment / MachinePool topology name, for worker templates. */
  topologyName?: string;
  /** The class of that topology. */
  class?: string;
  apiVersion: string;
  kind: string;
  name?: string;
}

/** One patch definition that changed a template. */
export interface AppliedPatch {
  patch: string;
  definitionIndex: number;
}

export interface PatchedTemplate {
  target: TemplateTarget;
  object: TemplateObject;
  /** The definitions whose JSON patches changed the object's spec, in the order they ran. */
  changedBy: AppliedPatch[];
}

export interface ApplyInlinePatchesResult {
  /** Patched copies of the input templates; the input is left as it was. */
  desired: DesiredTemplates;
  /** Every template, in the order patches visit them, with what changed it. */
  templates: PatchedTemplate[];
  /** Names of patches without inline definitions (external patches): the Runtime SDK engine applies those. */
  externalPatches: string[];
}

export const PatchErrorReason = {
  /** `enabledIf` failed to parse, render or decode. */
  EnabledIf: 'EnabledIf',
  /** A JSON patch value could not be computed (value/valueFrom misuse, missing variable, template failure). */
  Value: 'Value',
  /** The operation is not `add`, `replace` or `remove`. */
  InvalidOperation: 'InvalidOperation',
  /** The JSON patch did not apply to the template (missing path, bad pointer, index out of range). */
  Apply: 'Apply',
} as const;
export type PatchErrorReason = (typeof PatchErrorReason)[keyof typeof PatchErrorReason];

export interface PatchErrorDetails {
  reason: PatchErrorReason;
  patch: string;
  /** Index into the patch's `definitions`, when the failure belongs to one. */
  definitionIndex?: number;
  /** Index into the definition's `jsonPatches`. */
  jsonPatchIndex?: number;
  target?: TemplateTarget;
  /** The JSON pointer of the failing operation. */
  path?: string;
  cause: unknown;
}

/** A patch that could not be applied: names the patch, definition, target template, JSON pointer and cause. */
export class PatchError extends Error {
  override readonly name = 'PatchError';
  readonly reason: PatchErrorReason;
  readonly patch: string;
  readonly definitionIndex: number | undefined;
  readonly jsonPatchIndex: number | undefined;
  readonly target: TemplateTarget | undefined;
  readonly path: string | undefined;

  constructor(details: PatchErrorDetails) {
    super(patchErrorMessage(details), { cause: details.cause });
    this.reason = details.reason;
    this.patch = details.patch;
    this.definitionIndex = details.definitionIndex;
    this.jsonPatchIndex = details.jsonPatchIndex;
    this.target = details.target;
    this.path = details.path;
  }
}

/** The input to `applyInlinePatches` is incomplete (e.g. a MachineDeployment without builtins). */
export class PatchInputError extends Error {
  override readonly name = 'PatchInputError';
}

export function isPatchError(err: unknown): err is PatchError {
  return err instanceof PatchError;
}

function describeTarget(t: TemplateTarget): string {
  const name = t.name ? ` ${t.name}` : '';
  const owner = t.topologyName ? ` of ${t.topologyName}` : '';
  return `${t.kind}${name} (${t.role}${owner})`;
}

function patchErrorMessage(d: PatchErrorDetails): string {
  const where: string[] = [];
  if (d.definitionIndex !== undefined) {
    where.push(
      d.jsonPatchIndex === undefined
        ? `definitions[${d.definitionIndex}]`
        : `definitions[${d.definitionIndex}].jsonPatches[${d.jsonPatchIndex}]`,
    );
  }
  if (d.path !== undefined) where.push(`path ${goQuote(d.path)}`);
  const location = where.length > 0 ? ` ${where.join(' ')}` : '';
  const target = d.target ? ` for ${describeTarget(d.target)}` : '';
  const cause = d.cause instanceof Error ? d.cause.message : String(d.cause);
  return `failed to generate patches for patch ${goQuote(d.patch)}${location}${target}: ${cause}`;
}

/** A template being patched, with the variables it sees. */
interface WorkItem {
  target: TemplateTarget;
  object: TemplateObject;
  /** The template-specific variables (overrides and its part's builtins), without the Cluster-level ones. */
  variables: VariableMap;
  changedBy: AppliedPatch[];
}

const cloneJson = <T>(value: T): T => JSON.parse(JSON.stringify(value)) as T;

function targetOf(role: TemplateRole, object: TemplateObject, worker?: { name: string; class: string }) {
  const target: TemplateTarget = { role, apiVersion: object.apiVersion, kind: object.kind };
  if (object.metadata?.name !== undefined) target.name = object.metadata.name;
  if (worker) {
    target.topologyName = worker.name;
    target.class = worker.class;
  }
  return target;
}

function buildWorkItems(input: ApplyInlinePatchesInput): WorkItem[] {
  const { desired, builtins } = input;
  const items: WorkItem[] = [];
  const add = (target: TemplateTarget, object: TemplateObject, variables: VariableMap): void => {
    items.push({ target, object: cloneJson(object), variables, changedBy: [] });
  };

  add(
    targetOf('infrastructureCluster', desired.infrastructureClusterTemplate),
    desired.infrastructureClusterTemplate,
    {},
  );
  const cpVariables = templateVariables({
    overrides: desired.controlPlaneVariableOverrides,
    builtins: { controlPlane: builtins.controlPlane },
  });
  add(targetOf('controlPlane', desired.controlPlaneTemplate), desired.controlPlaneTemplate, cpVariables);
  if (desired.controlPlaneInfrastructureMachineTemplate) {
    const t = desired.controlPlaneInfrastructureMachineTemplate;
    add(targetOf('controlPlaneInfrastructureMachine', t), t, cpVariables);
  }

  const workers = (
    kind: 'machineDeployment' | 'machinePool',
    templates: Readonly<Record<string, WorkerTemplates>> | undefined,
    workerBuiltins: Readonly<Record<string, MachineDeploymentBuiltins>> | undefined,
  ): void => {
    for (const [name, w] of Object.entries(templates ?? {})) {
      const own = workerBuiltins?.[name];
      if (!own) throw new PatchInputError(`no builtin variables given for ${kind} topology ${goQuote(name)}`);
      const partBuiltins: Builtins =
        kind === 'machineDeployment' ? { machineDeployment: own } : { machinePool: own };
      const variables = templateVariables({ overrides: w.variableOverrides, builtins: partBuiltins });
      const worker = { name, class: w.class };
      add(targetOf(`${kind}Bootstrap`, w.bootstrapTemplate, worker), w.bootstrapTemplate, variables);
      add(
        targetOf(`${kind}Infrastructure`, w.infrastructureTemplate, worker),
        w.infrastructureTemplate,
        variables,
      );
    }
  };
  workers('machineDeployment', desired.machineDeployments, builtins.machineDeployments);
  workers('machinePool', desired.machinePools, builtins.machinePools);
  return items;
}

/** `names` entries: exact, `*`, `*suffix` or `prefix*`. */
function classMatches(names: readonly string[] | undefined, className: string | undefined): boolean {
  if (className === undefined) return false;
  return (names ?? []).some(
    (n) =>
      n === '*' ||
      n === className ||
      (n.startsWith('*') && className.endsWith(n.slice(1))) ||
      (n.endsWith('*') && className.startsWith(n.slice(0, -1))),
  );
}

/** Whether a definition's selector picks the template. */
export function selectorMatches(selector: PatchSelector, target: TemplateTarget): boolean {
  if (selector.apiVersion !== target.apiVersion || selector.kind !== target.kind) return false;
  const m = selector.matchResources;
  switch (target.role) {
    case 'infrastructureCluster':
      return m.infrastructureCluster === true;
    case 'controlPlane':
    case 'controlPlaneInfrastructureMachine':
      return m.controlPlane === true;
    case 'machineDeploymentBootstrap':
    case 'machineDeploymentInfrastructure':
      return (
        m.machineDeploymentClass !== undefined && classMatches(m.machineDeploymentClass.names, target.class)
      );
    case 'machinePoolBootstrap':
    case 'machinePoolInfrastructure':
      return m.machinePoolClass !== undefined && classMatches(m.machinePoolClass.names, target.class);
  }
}

/** Renders a Go template with the variables as data and decodes the output as YAML (sigs.k8s.io/yaml: YAML 1.1). */
export function renderValueTemplate(text: string, variables: VariableMap): unknown {
  let rendered: string;
  try {
    rendered = parseTemplate(text, { name: 'tpl' }).execute(variables);
  } catch (err) {
    throw new Error(`failed to render template: ${goQuote(text)}: ${(err as Error).message}`, {
      cause: err,
    });
  }
  try {
    // An empty document decodes to null, as Go's decoder gives `null`.
    return parseYaml(rendered, { version: '1.1' }) ?? null;
  } catch (err) {
    throw new Error(
      `failed to unmarshal rendered template: ${goQuote(rendered)}: ${(err as Error).message}`,
      { cause: err },
    );
  }
}

/** Whether `enabledIf` renders to `true`; an unset `enabledIf` enables the patch. */
export function patchIsEnabled(enabledIf: string | undefined, variables: VariableMap): boolean {
  if (enabledIf === undefined) return true;
  try {
    return renderValueTemplate(enabledIf, variables) === true;
  } catch (err) {
    throw new Error(`failed to calculate value for enabledIf: ${(err as Error).message}`, { cause: err });
  }
}

const hasValue = (v: unknown): boolean => v !== undefined && v !== null;

/** The value of an `add` / `replace`, worded as upstream's checks. */
export function calculateValue(patch: JSONPatch, variables: VariableMap): unknown {
  const valueFrom = patch.valueFrom;
  if (!hasValue(patch.value) && !valueFrom) {
    throw new Error('failed to calculate value: neither .value nor .valueFrom are set');
  }
  if (hasValue(patch.value) && valueFrom) {
    throw new Error('failed to calculate value: both .value and .valueFrom are set');
  }
  if (!valueFrom) return cloneJson(patch.value);
  if (valueFrom.variable === undefined && valueFrom.template === undefined) {
    throw new Error(
      'failed to calculate value: .valueFrom is set, but neither .valueFrom.variable nor .valueFrom.template are set',
    );
  }
  if (valueFrom.variable !== undefined && valueFrom.template !== undefined) {
    throw new Error(
      'failed to calculate value: .valueFrom is set, but both .valueFrom.variable and .valueFrom.template are set',
    );
  }
  if (valueFrom.variable !== undefined) {
    try {
      return getVariableValue(variables, valueFrom.variable);
    } catch (err) {
      throw new Error(`failed to calculate value: ${(err as Error).message}`, { cause: err });
    }
  }
  try {
    return renderValueTemplate(valueFrom.template ?? '', variables);
  } catch (err) {
    throw new Error(`failed to calculate value for template: ${(err as Error).message}`, { cause: err });
  }
}

const ALLOWED_OPS = new Set(['add', 'replace', 'remove']);

/** Applies one definition's JSON patches to `item`; returns whether the spec changed. */
function applyDefinition(
  item: WorkItem,
  patchName: string,
  definitionIndex: number,
  definition: PatchDefinition,
  variables: VariableMap,
): boolean {
  // Values are all computed before any is applied: a failing value leaves the template as it was.
  const ops: jsonPatch.Operation[] = definition.jsonPatches.map((p, jsonPatchIndex) => {
    const fail = (reason: PatchErrorReason, cause: unknown): PatchError =>
      new PatchError({
        reason,
        patch: patchName,
        definitionIndex,
        jsonPatchIndex,
        target: item.target,
        path: p.path,
        cause,
      });
    const op = p.op as string;
    if (!ALLOWED_OPS.has(op)) {
      throw fail(
        PatchErrorReason.InvalidOperation,
        new Error(
          `unsupported JSON patch operation ${goQuote(op)}: only add, replace and remove are allowed`,
        ),
      );
    }
    if (p.op === 'remove') return { op: 'remove', path: p.path };
    try {
      return { op: p.op, path: p.path, value: calculateValue(p, variables) };
    } catch (err) {
      throw fail(PatchErrorReason.Value, err);
    }
  });

  const doc = cloneJson(item.object);
  ops.forEach((op, jsonPatchIndex) => {
    try {
      jsonPatch.applyOperation(doc, op, true, true);
    } catch (err) {
      const detail = err instanceof Error ? err.message.split('\n')[0] : String(err);
      throw new PatchError({
        reason: PatchErrorReason.Apply,
        patch: patchName,
        definitionIndex,
        jsonPatchIndex,
        target: item.target,
        path: op.path,
        cause: new Error(`failed to apply patch: error applying json patch (RFC6902): ${op.op}: ${detail}`, {
          cause: err,
        }),
      });
    }
  });

  // Only the spec is taken over, as upstream does: a patch cannot rename or relabel a template.
  const before = JSON.stringify(item.object.spec);
  const after = JSON.stringify(doc.spec);
  if (doc.spec === undefined) delete item.object.spec;
  else item.object.spec = doc.spec;
  return before !== after;
}

/**
 * Applies every enabled inline patch of a ClusterClass to the desired templates, in ClusterClass order.
 * Throws `PatchError` on the first failure; the input is never modified.
 */
export function applyInlinePatches(input: ApplyInlinePatchesInput): ApplyInlinePatchesResult {
  const items = buildWorkItems(input);
  const globalVariables = templateVariables({
    clusterVariables: input.clusterVariables,
    builtins: { cluster: input.builtins.cluster },
  });
  const externalPatches: string[] = [];

  for (const patch of input.patches ?? []) {
    const definitions = patch.definitions ?? [];
    if (definitions.length === 0) {
      externalPatches.push(patch.name);
      continue;
    }
    for (const item of items) {
      const matching = definitions
        .map((definition, index) => ({ definition, index }))
        .filter(({ definition }) => selectorMatches(definition.selector, item.target));
      if (matching.length === 0) continue;

      const variables = mergeVariableMaps(globalVariables, item.variables);
      let enabled: boolean;
      try {
        enabled = patchIsEnabled(patch.enabledIf, variables);
      } catch (err) {
        throw new PatchError({
          reason: PatchErrorReason.EnabledIf,
          patch: patch.name,
          target: item.target,
          cause: err,
        });
      }
      if (!enabled) continue;

      for (const { definition, index } of matching) {
        if (applyDefinition(item, patch.name, index, definition, variables)) {
          item.changedBy.push({ patch: patch.name, definitionIndex: index });
        }
      }
    }
  }

  return { desired: assemble(input.desired, items), templates: items.map(toPatched), externalPatches };
}

function toPatched(item: WorkItem): PatchedTemplate {
  return { target: item.target, object: item.object, changedBy: item.changedBy };
}

/** Puts the patched objects back into the shape of `desired`. */
function assemble(desired: DesiredTemplates, items: readonly WorkItem[]): DesiredTemplates {
  const find = (role: TemplateRole, topologyName?: string): TemplateObject => {
    const item = items.find((i) => i.target.role === role && i.target.topologyName === topologyName);
    if (!item) throw new Error(`internal error: no patched ${role} template`);
    return item.object;
  };
  const workers = (
    templates: Readonly<Record<string, WorkerTemplates>> | undefined,
    role: 'machineDeployment' | 'machinePool',
  ): Record<string, WorkerTemplates> | undefined => {
    if (!templates) return undefined;
    const out: Record<string, WorkerTemplates> = {};
    for (const [name, w] of Object.entries(templates)) {
      out[name] = {
        ...w,
        bootstrapTemplate: find(`${role}Bootstrap`, name),
        infrastructureTemplate: find(`${role}Infrastructure`, name),
      };
    }
    return out;
  };
  const out: DesiredTemplates = {
    ...desired,
    infrastructureClusterTemplate: find('infrastructureCluster'),
    controlPlaneTemplate: find('controlPlane'),
  };
  if (desired.controlPlaneInfrastructureMachineTemplate) {
    out.controlPlaneInfrastructureMachineTemplate = find('controlPlaneInfrastructureMachine');
  }
  const mds = workers(desired.machineDeployments, 'machineDeployment');
  if (mds) out.machineDeployments = mds;
  const mps = workers(desired.machinePools, 'machinePool');
  if (mps) out.machinePools = mps;
  return out;
}
