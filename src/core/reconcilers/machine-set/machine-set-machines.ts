// The Machines a MachineSet wants: names, labels, annotations and the in-place mutable fields, computed the
// way upstream's computeDesiredMachine does, for new Machines and for the server-side applies that keep
// existing ones in line with the template.
import { renderNameTemplate } from '../../api/name-template.js';
import { API_VERSION } from '../../api/v1beta2/group.js';
import type { MachineSet } from '../../api/v1beta2/machine-set-types.js';
import type { Machine } from '../../api/v1beta2/machine-types.js';
import { Finalizer, Label } from '../../api/v1beta2/well-known.js';
import { formatLabelValue, RANDOM_LENGTH, randomString } from '../../util/index.js';
import type { Stored } from '../cluster/cluster-scope.js';

/** Upstream's default `machineNaming.template` for MachineSets. */
export const DEFAULT_MACHINE_NAME_TEMPLATE = '{{ .machineSet.name }}-{{ .random }}';

const MAX_NAME_LENGTH = 63;
/** What `renderNameTemplate` puts at the end of a name it had to shorten (it only validates names). */
const SHORTENED_SUFFIX = 'x7k2m';

/** A machineNaming.template the controller cannot use (admission normally keeps these out). */
export class MachineNameError extends Error {
  override readonly name = 'MachineNameError';
}

/**
 * A fresh Machine name from `spec.machineNaming.template` (default `{{ .machineSet.name }}-{{ .random }}`):
 * names longer than 63 characters are cut to 58 and get 5 more random characters, as upstream's generator does.
 */
export function generateMachineName(ms: Stored<MachineSet>, random = randomString): string {
  const template = ms.spec.machineNaming?.template || DEFAULT_MACHINE_NAME_TEMPLATE;
  if (template !== DEFAULT_MACHINE_NAME_TEMPLATE && !template.includes('{{ .random }}'))
    throw new MachineNameError(
      'cannot generate Machine name: {{ .random }} is missing in machineNaming.template',
    );
  const result = renderNameTemplate(template, {
    cluster: { name: ms.spec.clusterName },
    machineSet: { name: ms.metadata.name ?? '' },
    random: random(),
  });
  if (result.kind !== 'rendered')
    throw new MachineNameError(`failed to generate Machine name: ${result.message}`);
  const name = result.name;
  if (name.length === MAX_NAME_LENGTH && name.endsWith(SHORTENED_SUFFIX))
    return name.slice(0, MAX_NAME_LENGTH - RANDOM_LENGTH) + random();
  return name;
}

/**
 * The labels of the MachineSet's Machines (and of their InfraMachines and BootstrapConfigs): the template's,
 * `cluster.x-k8s.io/set-name` (the MachineSet name, hashed when it is no valid label value) and the
 * MachineDeployment name when the MachineSet has one. `machine-template-hash` comes with the template labels,
 * where the MachineDeployment puts it.
 */
export function machineLabelsFromMachineSet(ms: Stored<MachineSet>): Record<string, string> {
  const labels: Record<string, string> = { ...ms.spec.template.metadata?.labels };
  labels[Label.MachineSetName] = formatLabelValue(ms.metadata.name ?? '');
  const md = ms.metadata.labels?.[Label.MachineDeploymentName];
  if (md !== undefined) labels[Label.MachineDeploymentName] = md;
  return labels;
}

/** The annotations of the MachineSet's Machines: exactly the template's. */
export function machineAnnotationsFromMachineSet(ms: Stored<MachineSet>): Record<string, string> {
  return { ...ms.spec.template.metadata?.annotations };
}

/** The controller owner reference a MachineSet puts on its Machines. */
export function machineSetControllerRef(ms: Stored<MachineSet>) {
  return {
    apiVersion: API_VERSION,
    kind: 'MachineSet',
    name: ms.metadata.name ?? '',
    uid: ms.metadata.uid ?? '',
    controller: true,
    blockOwnerDeletion: true,
  };
}

/**
 * The fields a MachineSet keeps in line on its Machines without replacing them, from the template. Unset
 * fields are left out, so a server-side apply releases them.
 */
export function inPlaceMachineSpec(ms: Stored<MachineSet>): Partial<Machine['spec']> {
  const t = ms.spec.template.spec;
  const deletion = {
    ...(t.deletion?.nodeDrainTimeoutSeconds !== undefined
      ? { nodeDrainTimeoutSeconds: t.deletion.nodeDrainTimeoutSeconds }
      : {}),
    ...(t.deletion?.nodeDeletionTimeoutSeconds !== undefined
      ? { nodeDeletionTimeoutSeconds: t.deletion.nodeDeletionTimeoutSeconds }
      : {}),
    ...(t.deletion?.nodeVolumeDetachTimeoutSeconds !== undefined
      ? { nodeVolumeDetachTimeoutSeconds: t.deletion.nodeVolumeDetachTimeoutSeconds }
      : {}),
  };
  return {
    ...(t.readinessGates !== undefined ? { readinessGates: structuredClone(t.readinessGates) } : {}),
    ...(Object.keys(deletion).length > 0 ? { deletion } : {}),
    ...(t.minReadySeconds !== undefined ? { minReadySeconds: t.minReadySeconds } : {}),
    ...(t.taints !== undefined ? { taints: structuredClone(t.taints) } : {}),
  };
}

/**
 * The Machine the MachineSet wants: for a new Machine (no `existing`) a fresh name and the template's spec
 * without the template references (the caller points them at the clones); for an existing one its name,
 * UID, references, version and failure domain, so that applying it changes only what may change in place.
 */
export function computeDesiredMachine(
  ms: Stored<MachineSet>,
  existing?: Stored<Machine>,
  random = randomString,
): Stored<Machine> {
  const template = structuredClone(ms.spec.template.spec);
  delete template.readinessGates;
  delete template.deletion;
  delete template.minReadySeconds;
  delete template.taints;
  const spec: Machine['spec'] = {
    ...template,
    clusterName: ms.spec.clusterName,
    bootstrap: template.bootstrap.dataSecretName ? { dataSecretName: template.bootstrap.dataSecretName } : {},
    infrastructureRef: { apiGroup: '', kind: '', name: '' },
    ...inPlaceMachineSpec(ms),
  };
  const finalizers = existing?.metadata.finalizers ?? [];
  const machine: Stored<Machine> = {
    apiVersion: API_VERSION,
    kind: 'Machine',
    metadata: {
      name: existing?.metadata.name ?? generateMachineName(ms, random),
      namespace: ms.metadata.namespace,
      ...(existing?.metadata.uid ? { uid: existing.metadata.uid } : {}),
      labels: machineLabelsFromMachineSet(ms),
      annotations: machineAnnotationsFromMachineSet(ms),
      ownerReferences: [machineSetControllerRef(ms)],
      finalizers: finalizers.includes(Finalizer.Machine) ? finalizers : [...finalizers, Finalizer.Machine],
    },
    spec,
  };
  if (existing) {
    const e = existing.spec;
    spec.infrastructureRef = e.infrastructureRef;
    // The bootstrap of an existing Machine never changes: a configRef stays (its data Secret name is the
    // Machine controller's to set), a data Secret name given directly stays as it is.
    spec.bootstrap = e.bootstrap?.configRef
      ? { configRef: e.bootstrap.configRef }
      : e.bootstrap?.dataSecretName
        ? { dataSecretName: e.bootstrap.dataSecretName }
        : {};
    if (e.version !== undefined) spec.version = e.version;
    else delete spec.version;
    if (e.failureDomain !== undefined) spec.failureDomain = e.failureDomain;
    else delete spec.failureDomain;
  }
  return machine;
}
