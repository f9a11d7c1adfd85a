// The objects KCP creates for a control plane Machine and keeps in line afterwards (upstream `desiredstate`
// `ComputeDesiredMachine`, `ComputeDesiredKubeadmConfig`, `ComputeDesiredInfraMachine`,
// `ControlPlaneMachineLabels`, `ControlPlaneMachineAnnotations`). Pure: the reconciler reads the KCP, the
// Cluster and the infrastructure template, and writes what these functions return.
import type { KubeObject } from '../../../controller-runtime/api/object.js';
import type { OwnerReference } from '../../../controller-runtime/helpers/owner-references.js';
import { deepEqual } from '../../../controller-runtime/util/json.js';
import {
  appliedFields,
  mapNeedsApply,
  metadataApplyConfiguration,
  ownsField,
} from '../../../controller-runtime/helpers/managed-fields.js';
import { API_VERSION as CORE_API_VERSION } from '../../../core/api/v1beta2/group.js';
import type { Machine } from '../../../core/api/v1beta2/index.js';
import { Label } from '../../../core/api/v1beta2/index.js';
import { formatLabelValue, generateFromTemplate } from '../../../core/util/index.js';
import {
  API_VERSION as BOOTSTRAP_API_VERSION,
  GROUP as BOOTSTRAP_GROUP,
  type KubeadmConfig,
} from '../../bootstrap-kubeadm/api/index.js';
import { API_VERSION, KubeadmControlPlaneAnnotation } from '../api/index.js';
import type { KcpObject, MachineObject } from '../internal/index.js';
import { desiredKubeadmConfigSpec, machineReadinessGates } from '../internal/index.js';

/** Field managers as upstream names them: KCP's own fields, and the labels/annotations it keeps in line. */
export const FieldManager = {
  ControlPlane: 'capi-kubeadmcontrolplane',
  Metadata: 'capi-kubeadmcontrolplane-metadata',
} as const;

/** The labels of every control plane Machine (and its KubeadmConfig and InfraMachine). */
export function controlPlaneMachineLabels(kcp: KcpObject, clusterName: string): Record<string, string> {
  return {
    ...kcp.spec.machineTemplate.metadata?.labels,
    // These win over the template's.
    [Label.ClusterName]: clusterName,
    [Label.ControlPlane]: '',
    [Label.ControlPlaneName]: formatLabelValue(kcp.metadata.name ?? ''),
  };
}

/** The annotations of every control plane Machine (and its KubeadmConfig and InfraMachine). */
export function controlPlaneMachineAnnotations(kcp: KcpObject): Record<string, string> {
  return { ...kcp.spec.machineTemplate.metadata?.annotations };
}

/** The controller reference to the KCP a Machine carries from creation on. */
export function kcpControllerReference(kcp: KcpObject): OwnerReference {
  return {
    apiVersion: API_VERSION,
    kind: 'KubeadmControlPlane',
    name: kcp.metadata.name ?? '',
    uid: kcp.metadata.uid ?? '',
    controller: true,
    blockOwnerDeletion: true,
  };
}

/** The plain reference to the KCP its KubeadmConfigs and InfraMachines carry until their Machine adopts them. */
export function kcpOwnerReference(kcp: KcpObject): OwnerReference {
  return {
    apiVersion: API_VERSION,
    kind: 'KubeadmControlPlane',
    name: kcp.metadata.name ?? '',
    uid: kcp.metadata.uid ?? '',
  };
}

export interface DesiredMachineInput {
  kcp: KcpObject;
  clusterName: string;
  /** For a new Machine: its (generated) name. */
  name: string;
  failureDomain: string;
  /** The Machine as it is, when keeping an existing one in line; undefined for a new Machine. */
  existing?: MachineObject;
}

/**
 * The Machine as server-side apply sends it: for a new Machine KCP's version and (when a remediation is in
 * progress) `remediation-for` with the KCP's `remediation-in-progress` data; for an existing one its own name,
 * version, references and remediation data. Always: the labels and annotations of the machine template plus
 * KCP's, the kcp-cleanup pre-terminate hook, the deletion timeouts, taints and readiness gates.
 */
export function desiredMachine(input: DesiredMachineInput): MachineObject {
  const { kcp, existing } = input;
  const annotations: Record<string, string> = controlPlaneMachineAnnotations(kcp);
  const remediation = existing
    ? existing.metadata.annotations?.[KubeadmControlPlaneAnnotation.RemediationFor]
    : kcp.metadata.annotations?.[KubeadmControlPlaneAnnotation.RemediationInProgress];
  if (remediation !== undefined) annotations[KubeadmControlPlaneAnnotation.RemediationFor] = remediation;
  // The etcd member goes right before the InfraMachine does, while the kubelet still runs.
  annotations[KubeadmControlPlaneAnnotation.PreTerminateHookCleanup] = '';

  const template = kcp.spec.machineTemplate.spec;
  const deletion: NonNullable<Machine['spec']['deletion']> = {};
  if (template.deletion?.nodeDrainTimeoutSeconds !== undefined)
    deletion.nodeDrainTimeoutSeconds = template.deletion.nodeDrainTimeoutSeconds;
  if (template.deletion?.nodeDeletionTimeoutSeconds !== undefined)
    deletion.nodeDeletionTimeoutSeconds = template.deletion.nodeDeletionTimeoutSeconds;
  if (template.deletion?.nodeVolumeDetachTimeoutSeconds !== undefined)
    deletion.nodeVolumeDetachTimeoutSeconds = template.deletion.nodeVolumeDetachTimeoutSeconds;

  const version = existing ? existing.spec.version : kcp.spec.version;
  const spec: Machine['spec'] = {
    clusterName: input.clusterName,
    ...(version ? { version } : {}),
    bootstrap: existing?.spec.bootstrap.configRef ? { configRef: existing.spec.bootstrap.configRef } : {},
    infrastructureRef: existing?.spec.infrastructureRef ?? { apiGroup: '', kind: '', name: '' },
    readinessGates: machineReadinessGates(kcp),
  };
  if (input.failureDomain) spec.failureDomain = input.failureDomain;
  if (Object.keys(deletion).length > 0) spec.deletion = deletion;
  if (template.taints) spec.taints = template.taints;

  return {
    apiVersion: CORE_API_VERSION,
    kind: 'Machine',
    metadata: {
      name: existing?.metadata.name ?? input.name,
      namespace: kcp.metadata.namespace,
      ...(existing?.metadata.uid ? { uid: existing.metadata.uid } : {}),
      labels: controlPlaneMachineLabels(kcp, input.clusterName),
      annotations,
      ownerReferences: [kcpControllerReference(kcp)],
    },
    spec,
  };
}

/**
 * The KubeadmConfig of a new control plane Machine: `desiredKubeadmConfigSpec` (init for the first Machine,
 * join for the others), the Machine's labels and annotations, owned (not controlled) by the KCP until the
 * Machine controller makes the Machine its controller.
 */
export function desiredKubeadmConfig(
  kcp: KcpObject,
  clusterName: string,
  name: string,
  isJoin: boolean,
): KubeadmConfig & KubeObject {
  return {
    apiVersion: BOOTSTRAP_API_VERSION,
    kind: 'KubeadmConfig',
    metadata: {
      name,
      namespace: kcp.metadata.namespace,
      labels: controlPlaneMachineLabels(kcp, clusterName),
      annotations: controlPlaneMachineAnnotations(kcp),
      ownerReferences: [kcpOwnerReference(kcp)],
    },
    spec: desiredKubeadmConfigSpec(kcp, isJoin),
  };
}

/**
 * The InfraMachine of a new control plane Machine, cloned from the `machineTemplate.spec.infrastructureRef`
 * template (with the `cloned-from-*` annotations the rollout compares), labelled and annotated like the
 * Machine and owned (not controlled) by the KCP.
 */
export function desiredInfraMachine(
  kcp: KcpObject,
  clusterName: string,
  name: string,
  template: KubeObject,
): KubeObject {
  return generateFromTemplate({
    template,
    namespace: kcp.metadata.namespace ?? '',
    name,
    clusterName,
    ownerReference: kcpOwnerReference(kcp),
    labels: controlPlaneMachineLabels(kcp, clusterName),
    annotations: controlPlaneMachineAnnotations(kcp),
  });
}

/** The reference a Machine keeps to its KubeadmConfig. */
export const kubeadmConfigRef = (name: string) => ({
  apiGroup: BOOTSTRAP_GROUP,
  kind: 'KubeadmConfig',
  name,
});

const DELETION_FIELDS = [
  'nodeDrainTimeoutSeconds',
  'nodeDeletionTimeoutSeconds',
  'nodeVolumeDetachTimeoutSeconds',
] as const;

/**
 * Whether applying `desired` to `current` as KCP's field manager would change it: labels and annotations KCP
 * wants (or once applied and no longer wants), the controller reference, readiness gates, taints and deletion
 * timeouts. Keeps KCP from writing every reconcile.
 */
export function machineNeedsApply(current: MachineObject, desired: MachineObject): boolean {
  const owned = appliedFields(current, FieldManager.ControlPlane);
  const meta = current.metadata;
  if (mapNeedsApply(meta.labels, desired.metadata.labels ?? {}, owned, ['metadata', 'labels'])) return true;
  if (mapNeedsApply(meta.annotations, desired.metadata.annotations ?? {}, owned, ['metadata', 'annotations']))
    return true;
  const ref = desired.metadata.ownerReferences?.[0];
  if (ref && !(meta.ownerReferences ?? []).some((r) => r.uid === ref.uid && r.controller === true))
    return true;
  const c = current.spec;
  const d = desired.spec;
  const differs = (have: unknown, want: unknown, path: string[]): boolean =>
    want === undefined ? have !== undefined && ownsField(owned, path) : !deepEqual(have, want);
  if (differs(c.readinessGates, d.readinessGates, ['spec', 'readinessGates'])) return true;
  if (differs(c.taints, d.taints, ['spec', 'taints'])) return true;
  return DELETION_FIELDS.some((f) => differs(c.deletion?.[f], d.deletion?.[f], ['spec', 'deletion', f]));
}

/** Upstream's default of `spec.deletion.nodeDeletionTimeoutSeconds` (the Machine webhook sets it). */
const DEFAULT_NODE_DELETION_TIMEOUT_SECONDS = 10;

/**
 * A deleting Machine only gets what affects its teardown (deletion timeouts, taints), as a merge patch
 * (upstream patches rather than applies here); undefined when nothing changes.
 */
export function deletingMachinePatch(
  current: MachineObject,
  kcp: KcpObject,
): Record<string, unknown> | undefined {
  const template = kcp.spec.machineTemplate.spec;
  const spec: Record<string, unknown> = {};
  if (!deepEqual(current.spec.taints, template.taints)) spec['taints'] = template.taints ?? null;
  const deletion: Record<string, unknown> = {};
  for (const f of DELETION_FIELDS) {
    let value: number | undefined = template.deletion?.[f];
    if (f === 'nodeDeletionTimeoutSeconds') value ??= DEFAULT_NODE_DELETION_TIMEOUT_SECONDS;
    if (current.spec.deletion?.[f] !== value) deletion[f] = value ?? null;
  }
  if (Object.keys(deletion).length > 0) spec['deletion'] = deletion;
  return Object.keys(spec).length > 0 ? { spec } : undefined;
}

/**
 * The apply configuration keeping a KubeadmConfig's or InfraMachine's labels and annotations in line with the
 * machine template (field manager `capi-kubeadmcontrolplane-metadata`); undefined when nothing would change.
 */
export function desiredMetadata(
  obj: KubeObject,
  kcp: KcpObject,
  clusterName: string,
): KubeObject | undefined {
  return metadataApplyConfiguration(
    obj,
    FieldManager.Metadata,
    controlPlaneMachineLabels(kcp, clusterName),
    controlPlaneMachineAnnotations(kcp),
  );
}
