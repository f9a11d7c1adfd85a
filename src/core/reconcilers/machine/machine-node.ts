import type { KubeObject, TypeRef } from '../../../controller-runtime/api/object.js';
import type { Client } from '../../../controller-runtime/client/client.js';
import { isNotFound } from '../../../controller-runtime/client/errors.js';
import type { MachineTaint } from '../../api/v1beta2/common-types.js';
import type { Machine } from '../../api/v1beta2/machine-types.js';
import { Annotation, Label, NodeLabelDomain, Taint } from '../../api/v1beta2/well-known.js';
import type { Stored } from '../cluster/cluster-scope.js';
import { type NodeTaint, propagateMachineTaints, withoutTaint, withTaint } from './machine-taints.js';

export const NodeType: TypeRef = { apiVersion: 'v1', kind: 'Node' };

export type Node = KubeObject & {
  spec?: {
    providerID?: string;
    unschedulable?: boolean;
    taints?: NodeTaint[];
  };
  status?: {
    conditions?: {
      type: string;
      status: string;
      reason?: string;
      message?: string;
      lastTransitionTime?: string;
    }[];
    nodeInfo?: Record<string, string>;
  };
};

/** The Node with this provider ID, if the workload cluster has one. */
export async function nodeByProviderID(client: Client, providerID: string): Promise<Node | undefined> {
  const nodes = await client.list<Node>(NodeType);
  return nodes.items.find((n) => n.spec?.providerID === providerID);
}

export async function nodeByName(client: Client, name: string): Promise<Node | undefined> {
  try {
    return await client.get<Node>(NodeType, { name });
  } catch (err) {
    if (isNotFound(err)) return undefined;
    throw err;
  }
}

/** Machine labels Cluster API keeps in sync on the Node (upstream's domains). */
export function isManagedNodeLabel(key: string): boolean {
  const slash = key.indexOf('/');
  if (slash < 0) return false;
  const domain = key.slice(0, slash);
  const inDomain = (d: string): boolean => domain === d || domain.endsWith(`.${d}`);
  return (
    domain === NodeLabelDomain.NodeRolePrefix ||
    inDomain(NodeLabelDomain.NodeRestriction) ||
    inDomain(NodeLabelDomain.ManagedNode)
  );
}

/** What `nodeSyncPatch` needs besides the Node and the Machine. */
export interface NodeSyncOptions {
  /** The Machine's controller owner, traced on the Node (`owner-kind`, `owner-name`). */
  owner?: { kind: string; name: string };
  /**
   * The Machine's `spec.taints` to propagate; undefined while the MachineTaintPropagation gate is off, which
   * leaves the Node's taints and the `taints-from-machine` annotation to others.
   */
  machineTaints?: readonly MachineTaint[];
  /** The Machine's MachineSet is older than its MachineDeployment's newest one (`outdated-revision` taint). */
  outdatedRevision?: boolean;
  /** The InfraMachine reports `status.interruptible` (`cluster.x-k8s.io/interruptible` label). */
  interruptible?: boolean;
  /** Machine labels synced besides upstream's domains (upstream `--additional-sync-machine-labels`). */
  syncLabels?: readonly RegExp[];
  /**
   * Machine annotations synced to the Node, remembered in `annotations-from-machine` (upstream
   * `--additional-sync-machine-annotations`; none by default).
   */
  syncAnnotations?: readonly RegExp[];
}

const matchesAny = (key: string, patterns: readonly RegExp[] | undefined): boolean =>
  !!patterns?.some((p) => p.test(key));

/**
 * The metadata entries `wanted` on the Node, as a merge patch over `current`: changed or new values, and
 * `null` for keys synced before (`tracked`, a comma-separated list) that are no longer wanted.
 */
function syncedMetadataPatch(
  current: Record<string, string>,
  tracked: string | undefined,
  wanted: Record<string, string>,
): Record<string, string | null> {
  const patch: Record<string, string | null> = {};
  for (const key of (tracked ?? '').split(',').filter(Boolean))
    if (!(key in wanted) && key in current) patch[key] = null;
  for (const [k, v] of Object.entries(wanted)) if (current[k] !== v) patch[k] = v;
  return patch;
}

/**
 * What the Machine controller keeps on its Node: the managed Machine labels (plus `cluster.x-k8s.io/interruptible`
 * on interruptible instances), removing the ones it put there before that no longer apply (remembered in
 * `labels-from-machine`); the annotations tracing the Node back to its Machine; no
 * `node.cluster.x-k8s.io/uninitialized` taint; the Machine's taints (see `propagateMachineTaints`); and
 * `node.cluster.x-k8s.io/outdated-revision` exactly while the Machine's MachineSet is outdated. Returns the merge
 * patch (guarded by the Node's resourceVersion), or undefined when the Node is already as it should be.
 */
export function nodeSyncPatch(
  node: Node,
  machine: Stored<Machine>,
  options: NodeSyncOptions = {},
): Record<string, unknown> | undefined {
  const labels = node.metadata.labels ?? {};
  const annotations = node.metadata.annotations ?? {};
  const wanted: Record<string, string> = Object.fromEntries(
    Object.entries(machine.metadata.labels ?? {}).filter(
      ([k]) => isManagedNodeLabel(k) || matchesAny(k, options.syncLabels),
    ),
  );
  if (options.interruptible) wanted[Label.Interruptible] = '';
  const labelPatch = syncedMetadataPatch(labels, annotations[Annotation.LabelsFromMachine], wanted);
  const wantedAnnotations: Record<string, string> = Object.fromEntries(
    Object.entries(machine.metadata.annotations ?? {}).filter(([k]) =>
      matchesAny(k, options.syncAnnotations),
    ),
  );
  const trackedAnnotations = annotations[Annotation.AnnotationsFromMachine];
  const syncedAnnotationPatch = syncedMetadataPatch(annotations, trackedAnnotations, wantedAnnotations);

  const original: NodeTaint[] = node.spec?.taints ?? [];
  let taints = withoutTaint(original, Taint.NodeUninitialized);
  let taintsAnnotation: string | undefined;
  if (options.machineTaints) {
    const propagated = propagateMachineTaints(
      taints,
      annotations[Annotation.TaintsFromMachine],
      options.machineTaints,
    );
    taints = propagated.taints;
    taintsAnnotation = propagated.annotation;
  }
  taints = options.outdatedRevision
    ? withTaint(taints, Taint.NodeOutdatedRevision)
    : withoutTaint(taints, Taint.NodeOutdatedRevision);

  const annotationPatch: Record<string, string | null> = { ...syncedAnnotationPatch };
  const want: Record<string, string> = {
    [Annotation.ClusterNameOnNode]: machine.spec?.clusterName ?? '',
    [Annotation.ClusterNamespaceOnNode]: machine.metadata.namespace ?? '',
    [Annotation.MachineOnNode]: machine.metadata.name ?? '',
    [Annotation.LabelsFromMachine]: Object.keys(wanted).sort().join(','),
    ...(options.owner
      ? { [Annotation.OwnerKindOnNode]: options.owner.kind, [Annotation.OwnerNameOnNode]: options.owner.name }
      : {}),
    ...(taintsAnnotation !== undefined ? { [Annotation.TaintsFromMachine]: taintsAnnotation } : {}),
    ...(options.syncAnnotations?.length || trackedAnnotations !== undefined
      ? { [Annotation.AnnotationsFromMachine]: Object.keys(wantedAnnotations).sort().join(',') }
      : {}),
  };
  for (const [k, v] of Object.entries(want)) if (annotations[k] !== v) annotationPatch[k] = v;

  const patch: Record<string, unknown> = {};
  const metadata: Record<string, unknown> = {};
  if (Object.keys(labelPatch).length) metadata.labels = labelPatch;
  if (Object.keys(annotationPatch).length) metadata.annotations = annotationPatch;
  if (!sameTaints(original, taints)) patch.spec = { taints };
  if (Object.keys(metadata).length || patch.spec)
    patch.metadata = { ...metadata, resourceVersion: node.metadata.resourceVersion };
  return Object.keys(patch).length ? patch : undefined;
}

const sameTaints = (a: readonly NodeTaint[], b: readonly NodeTaint[]): boolean =>
  a.length === b.length &&
  a.every(
    (t, i) =>
      t.key === b[i]!.key &&
      t.effect === b[i]!.effect &&
      (t.value ?? '') === (b[i]!.value ?? '') &&
      t.timeAdded === b[i]!.timeAdded,
  );

export const isControlPlaneMachine = (m: { metadata?: { labels?: Record<string, string> } }): boolean =>
  Label.ControlPlane in (m.metadata?.labels ?? {});
