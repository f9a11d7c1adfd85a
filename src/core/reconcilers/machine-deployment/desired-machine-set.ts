// The MachineSets a MachineDeployment wants (upstream `computeDesiredMS`, `computeDesiredNewMS`,
// `computeDesiredOldMS`, mdutil's revision and annotation helpers): a new one from the MachineDeployment's
// template, or an existing one with the in-place fields of the MachineDeployment written over it.
import { deepClone } from '../../../controller-runtime/util/merge-patch.js';
import { API_VERSION } from '../../api/v1beta2/group.js';
import type { MachineDeployment } from '../../api/v1beta2/machine-deployment-types.js';
import type { MachineSet } from '../../api/v1beta2/machine-set-types.js';
import type { MachineSpec } from '../../api/v1beta2/machine-types.js';
import { Annotation, Label } from '../../api/v1beta2/well-known.js';
import { RANDOM_LENGTH, randomString } from '../../util/index.js';
import type { Stored } from '../cluster/cluster-scope.js';
import { templateHash } from './machine-template.js';
import { maxSurge, RolloutStrategyType, strategyType } from './rollout-limits.js';

/** The deprecated revision history annotation, kept when present (upstream drops it in a coming release). */
export const REVISION_HISTORY_ANNOTATION = 'machinedeployment.clusters.x-k8s.io/revision-history';
const LAST_APPLIED_ANNOTATION = 'kubectl.kubernetes.io/last-applied-configuration';
const CONVERSION_DATA_ANNOTATION = 'cluster.x-k8s.io/conversion-data';

/** MachineDeployment annotations that are not copied to its MachineSets. */
const ANNOTATIONS_TO_SKIP = new Set<string>([
  LAST_APPLIED_ANNOTATION,
  Annotation.MachineDeploymentRevision,
  REVISION_HISTORY_ANNOTATION,
  Annotation.MachineDeploymentDesiredReplicas,
  Annotation.MachineDeploymentMaxReplicas,
  CONVERSION_DATA_ANNOTATION,
]);

const MAX_NAME_LENGTH = 63;

/** `<md-name>-<random>`, the base cut so the name fits a label value; the random part doubles as the label suffix. */
export function newMachineSetName(
  mdName: string,
  random: string = randomString(),
): { name: string; random: string } {
  const base = `${mdName}-`.slice(0, MAX_NAME_LENGTH - RANDOM_LENGTH);
  return { name: `${base}${random}`, random };
}

/** The annotations every MachineSet of the MachineDeployment carries: the MD's own (filtered) plus replica hints. */
export function machineSetAnnotationsFromMachineDeployment(md: MachineDeployment): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(md.metadata?.annotations ?? {}))
    if (!ANNOTATIONS_TO_SKIP.has(k)) out[k] = v;
  const replicas = md.spec.replicas ?? 0;
  out[Annotation.MachineDeploymentDesiredReplicas] = String(replicas);
  out[Annotation.MachineDeploymentMaxReplicas] = String(replicas + maxSurge(md));
  return out;
}

/** A MachineSet's revision (0 when it has none or it does not parse). */
export function revisionOf(ms: { metadata?: { annotations?: Record<string, string> } }): number {
  const raw = ms.metadata?.annotations?.[Annotation.MachineDeploymentRevision];
  return raw !== undefined && /^\d+$/.test(raw) ? Number(raw) : 0;
}

/**
 * `ComputeRevisionAnnotations`: the current MachineSet gets the highest revision, one above the old ones,
 * never lowered; when it changes, the previous value joins the (deprecated) history annotation.
 */
export function computeRevisionAnnotations(
  current: { metadata?: { annotations?: Record<string, string> } } | undefined,
  oldMSs: readonly { metadata?: { annotations?: Record<string, string> } }[],
): { annotations: Record<string, string>; revision: string } {
  const annotations: Record<string, string> = {};
  let revision = String(Math.max(0, ...oldMSs.map(revisionOf)) + 1);
  const currentRevision = current?.metadata?.annotations?.[Annotation.MachineDeploymentRevision];
  if (
    currentRevision !== undefined &&
    /^\d+$/.test(currentRevision) &&
    Number(revision) < Number(currentRevision)
  )
    revision = currentRevision;
  const history = current?.metadata?.annotations?.[REVISION_HISTORY_ANNOTATION];
  if (history !== undefined) annotations[REVISION_HISTORY_ANNOTATION] = history;
  if (currentRevision !== undefined && currentRevision !== revision)
    annotations[REVISION_HISTORY_ANNOTATION] = history ? `${history},${currentRevision}` : currentRevision;
  annotations[Annotation.MachineDeploymentRevision] = revision;
  return { annotations, revision };
}

/** Revision annotations an old MachineSet keeps as they are. */
export function carriedRevisionAnnotations(ms: {
  metadata?: { annotations?: Record<string, string> };
}): Record<string, string> {
  const out: Record<string, string> = {};
  for (const key of [Annotation.MachineDeploymentRevision, REVISION_HISTORY_ANNOTATION]) {
    const v = ms.metadata?.annotations?.[key];
    if (v !== undefined) out[key] = v;
  }
  return out;
}

const nonEmpty = (m: Record<string, string> | undefined): Record<string, string> | undefined =>
  m && Object.keys(m).length > 0 ? { ...m } : undefined;

/** Writes `value` at `key`, or removes the key when `value` is undefined. */
function setOrDelete<T extends object, K extends keyof T>(obj: T, key: K, value: T[K] | undefined): void {
  if (value === undefined) delete obj[key];
  else obj[key] = value;
}

/**
 * The in-place fields of the MachineDeployment's template spec written over a MachineSet's template spec:
 * minReadySeconds, readinessGates, the deletion timeouts and taints. Everything else (version, bootstrap,
 * infrastructure, failure domain) stays as the MachineSet was created.
 */
export function withInPlaceFields(target: MachineSpec, from: MachineSpec): MachineSpec {
  const spec = deepClone(target);
  setOrDelete(spec, 'minReadySeconds', from.minReadySeconds);
  setOrDelete(spec, 'readinessGates', from.readinessGates ? deepClone(from.readinessGates) : undefined);
  setOrDelete(spec, 'taints', from.taints ? deepClone(from.taints) : undefined);
  const deletion = { ...spec.deletion };
  setOrDelete(deletion, 'nodeDrainTimeoutSeconds', from.deletion?.nodeDrainTimeoutSeconds);
  setOrDelete(deletion, 'nodeVolumeDetachTimeoutSeconds', from.deletion?.nodeVolumeDetachTimeoutSeconds);
  setOrDelete(deletion, 'nodeDeletionTimeoutSeconds', from.deletion?.nodeDeletionTimeoutSeconds);
  setOrDelete(spec, 'deletion', Object.keys(deletion).length > 0 ? deletion : undefined);
  return spec;
}

export interface DesiredMachineSetOptions {
  /** The random suffix of a new MachineSet's name and hash label (tests pin it). */
  random?: string;
  /** The creation time to assume for a new MachineSet (planning sorts by it). */
  now?: Date;
}

/**
 * The full desired MachineSet (server-side apply owns every field it sets). New: name and hash label from a
 * fresh random suffix, 0 replicas, the MachineDeployment's template. Existing: its name, replicas, hash label
 * and template spec, with the in-place fields refreshed. Both: labels, selector, annotations, deletion order,
 * Machine naming and the controller reference from the MachineDeployment. `status` and `creationTimestamp`
 * are carried over for planning only; they are not applied.
 */
export function computeDesiredMachineSet(
  md: Stored<MachineDeployment>,
  current: Stored<MachineSet> | undefined,
  options: DesiredMachineSetOptions = {},
): Stored<MachineSet> {
  let name: string;
  let uniqueLabel: string;
  let replicas: number;
  let templateSpec: MachineSpec;
  if (!current) {
    const generated = newMachineSetName(md.metadata.name ?? '', options.random);
    name = generated.name;
    uniqueLabel = `${templateHash(md.spec.template)}-${generated.random}`;
    replicas = 0;
    templateSpec = deepClone(md.spec.template.spec);
  } else {
    name = current.metadata.name ?? '';
    const label = current.metadata.labels?.[Label.MachineDeploymentUnique];
    if (label === undefined)
      throw new MissingTemplateHashLabelError(
        `MachineSet ${name} has no ${Label.MachineDeploymentUnique} label, so it cannot be updated`,
      );
    uniqueLabel = label;
    replicas = current.spec.replicas ?? 0;
    templateSpec = deepClone(current.spec.template.spec);
  }
  const templateLabels = {
    ...md.spec.template.metadata?.labels,
    [Label.MachineDeploymentUnique]: uniqueLabel,
  };
  const selector = deepClone(md.spec.selector);
  selector.matchLabels = { ...selector.matchLabels, [Label.MachineDeploymentUnique]: uniqueLabel };
  const templateAnnotations = nonEmpty(md.spec.template.metadata?.annotations);
  const ms: Stored<MachineSet> = {
    apiVersion: API_VERSION,
    kind: 'MachineSet',
    metadata: {
      name,
      namespace: md.metadata.namespace,
      labels: { ...templateLabels, [Label.MachineDeploymentName]: md.metadata.name ?? '' },
      annotations: machineSetAnnotationsFromMachineDeployment(md),
      ownerReferences: [
        {
          apiVersion: API_VERSION,
          kind: 'MachineDeployment',
          name: md.metadata.name ?? '',
          uid: md.metadata.uid ?? '',
          controller: true,
          blockOwnerDeletion: true,
        },
      ],
      creationTimestamp:
        current?.metadata.creationTimestamp ??
        (options.now ?? new Date()).toISOString().replace(/\.\d{3}Z$/, 'Z'),
      ...(current?.metadata.uid ? { uid: current.metadata.uid } : {}),
      ...(current?.metadata.resourceVersion ? { resourceVersion: current.metadata.resourceVersion } : {}),
      ...(current?.metadata.generation !== undefined ? { generation: current.metadata.generation } : {}),
      ...(current?.metadata.deletionTimestamp
        ? { deletionTimestamp: current.metadata.deletionTimestamp }
        : {}),
    },
    spec: {
      clusterName: md.spec.clusterName,
      replicas,
      selector,
      template: {
        metadata: {
          labels: templateLabels,
          ...(templateAnnotations ? { annotations: templateAnnotations } : {}),
        },
        spec: withInPlaceFields(templateSpec, md.spec.template.spec),
      },
      ...(md.spec.deletion?.order ? { deletion: { order: md.spec.deletion.order } } : {}),
      ...(md.spec.machineNaming ? { machineNaming: deepClone(md.spec.machineNaming) } : {}),
    },
    ...(current?.status ? { status: deepClone(current.status) } : {}),
  };
  return ms;
}

/** The current MachineSet: highest revision, and Machines may always be created. */
export function computeDesiredNewMachineSet(
  md: Stored<MachineDeployment>,
  current: Stored<MachineSet> | undefined,
  desiredOldMSs: readonly Stored<MachineSet>[],
  options: DesiredMachineSetOptions = {},
): { ms: Stored<MachineSet>; revision: string } {
  const ms = computeDesiredMachineSet(md, current, options);
  const { annotations, revision } = computeRevisionAnnotations(current, desiredOldMSs);
  ms.metadata.annotations = {
    ...ms.metadata.annotations,
    ...annotations,
    [Annotation.DisableMachineCreate]: 'false',
  };
  return { ms, revision };
}

/** An old MachineSet: its revision is kept; with OnDelete it must not replace Machines users delete. */
export function computeDesiredOldMachineSet(
  md: Stored<MachineDeployment>,
  current: Stored<MachineSet>,
): Stored<MachineSet> {
  const ms = computeDesiredMachineSet(md, current);
  ms.metadata.annotations = {
    ...ms.metadata.annotations,
    ...carriedRevisionAnnotations(current),
    [Annotation.DisableMachineCreate]: strategyType(md) === RolloutStrategyType.OnDelete ? 'true' : 'false',
  };
  return ms;
}

/**
 * What is sent with server-side apply: the desired object without status, server-set metadata and
 * bookkeeping (the apply owns labels, annotations, the owner reference and the spec).
 */
export function applyConfiguration(ms: Stored<MachineSet>): Stored<MachineSet> {
  const { status: _status, ...rest } = deepClone(ms);
  const { name, namespace, labels, annotations, ownerReferences } = rest.metadata;
  return {
    ...rest,
    metadata: {
      name,
      namespace,
      ...(labels ? { labels } : {}),
      ...(annotations ? { annotations } : {}),
      ...(ownerReferences ? { ownerReferences } : {}),
    },
  };
}

/** An existing MachineSet of the MachineDeployment without the `machine-template-hash` label. */
export class MissingTemplateHashLabelError extends Error {
  override readonly name = 'MissingTemplateHashLabelError';
}
