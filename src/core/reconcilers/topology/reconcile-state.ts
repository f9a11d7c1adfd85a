// Applies a computed topology in upstream's order: infrastructure cluster, control plane (with its machine
// template), the Cluster's references, MachineDeployments (only those upgrade sequencing lets through), their
// MachineHealthChecks; then removes what the topology no longer has.
import type { Logger } from 'pino';
import { type KubeObject, parseApiVersion, type TypeRef } from '../../../controller-runtime/api/object.js';
import type { Client, Reader } from '../../../controller-runtime/client/client.js';
import { isNotFound } from '../../../controller-runtime/client/errors.js';
import type { Cluster } from '../../api/v1beta2/cluster-types.js';
import type { ContractVersionedObjectReference } from '../../api/v1beta2/common-types.js';
import { Label } from '../../api/v1beta2/well-known.js';
import type { ComputedTopology } from './compute.js';
import {
  type Blueprint,
  type LoadedCurrentState,
  MachineDeploymentType,
  MachineSetType,
} from './current-state.js';

/** Upstream's field manager for everything the topology controller applies. */
export const TOPOLOGY_FIELD_MANAGER = 'capi-topology';

export interface ReconcileStateInput {
  client: Client;
  /** Live reads (not the cache) for the template clean-up. */
  reader: Reader;
  cluster: Cluster & KubeObject;
  blueprint: Blueprint;
  current: LoadedCurrentState;
  computed: ComputedTopology;
  log: Logger;
}

const key = (o: KubeObject): string => `${o.kind ?? ''}/${o.metadata.name ?? ''}`;

const refTo = (obj: KubeObject): ContractVersionedObjectReference => ({
  apiGroup: parseApiVersion(obj.apiVersion ?? '').group,
  kind: obj.kind ?? '',
  name: obj.metadata.name ?? '',
});

const sameRef = (
  a: { apiGroup?: string; kind?: string; name?: string } | undefined,
  b: ContractVersionedObjectReference,
) => a?.apiGroup === b.apiGroup && a.kind === b.kind && a.name === b.name;

async function apply(client: Client, obj: KubeObject): Promise<KubeObject> {
  return client.apply(obj, { fieldManager: TOPOLOGY_FIELD_MANAGER, force: true });
}

async function deleteIfPresent(client: Client, obj: KubeObject): Promise<boolean> {
  try {
    await client.delete(obj);
    return true;
  } catch (err) {
    if (isNotFound(err)) return false;
    throw err;
  }
}

/**
 * Writes the desired state. Sets the Cluster's `spec.infrastructureRef`/`spec.controlPlaneRef` on `cluster` (the
 * caller's patch writes them).
 */
export async function reconcileState(input: ReconcileStateInput): Promise<void> {
  const { client, cluster, current, log } = input;
  const { desired, upgrade } = input.computed;

  // 1. Infrastructure cluster.
  await apply(client, desired.infrastructureCluster);

  // 2. Control plane: a changed machine template is a new template (rotation), never an edit in place.
  const cpTemplate = desired.controlPlaneInfrastructureMachineTemplate;
  const currentCPTemplate = current.controlPlaneInfrastructureMachineTemplate;
  if (cpTemplate) {
    const rotated = currentCPTemplate && currentCPTemplate.metadata.name !== cpTemplate.metadata.name;
    await apply(client, cpTemplate);
    if (rotated)
      log.info(
        { from: key(currentCPTemplate), to: key(cpTemplate) },
        'rotating the control plane machine template',
      );
  }
  await apply(client, desired.controlPlane);

  // 3. The Cluster's references (written by the caller's patch, with the status).
  const infraRef = refTo(desired.infrastructureCluster);
  if (!sameRef(cluster.spec.infrastructureRef, infraRef)) cluster.spec.infrastructureRef = infraRef;
  const cpRef = refTo(desired.controlPlane);
  if (!sameRef(cluster.spec.controlPlaneRef, cpRef)) cluster.spec.controlPlaneRef = cpRef;

  // 4. MachineDeployments, in topology order; creation waits until the control plane is stable.
  const pendingCreate = new Set(upgrade.machineDeployments.pendingCreate);
  const applied = new Set<string>();
  for (const [topologyName, md] of desired.machineDeployments) {
    const existing = current.machineDeployments.get(topologyName);
    if (!existing && pendingCreate.has(topologyName)) continue;
    await apply(client, md.bootstrapTemplate);
    await apply(client, md.infrastructureTemplate);
    await apply(client, md.object as KubeObject);
    if (!existing)
      log.info({ machineDeployment: md.object.metadata?.name, topologyName }, 'created MachineDeployment');
    applied.add(topologyName);
  }

  // 5. MachineHealthChecks: the control plane's, and those of the MachineDeployments that exist.
  const wantedChecks = new Set<string>();
  const mdChecks = new Set([...desired.machineDeployments.values()].map((md) => md.machineHealthCheck));
  const checks = [
    ...desired.machineHealthChecks.filter((mhc) => !mdChecks.has(mhc)),
    ...[...applied].map((name) => desired.machineDeployments.get(name)?.machineHealthCheck),
  ];
  for (const mhc of checks) {
    if (!mhc) continue;
    await apply(client, mhc as KubeObject);
    wantedChecks.add(mhc.metadata?.name ?? '');
  }
  for (const mhc of current.machineHealthChecks)
    if (!wantedChecks.has(mhc.metadata.name ?? '') && !mhc.metadata.deletionTimestamp) {
      await deleteIfPresent(client, mhc);
      log.info(
        { machineHealthCheck: mhc.metadata.name },
        'deleted MachineHealthCheck no longer in the topology',
      );
    }

  // 6. MachineDeployments whose topology was removed.
  for (const md of current.allMachineDeployments) {
    const topologyName = md.metadata.labels?.[Label.ClusterTopologyMachineDeploymentName];
    if (md.metadata.deletionTimestamp || (topologyName && desired.machineDeployments.has(topologyName)))
      continue;
    await deleteIfPresent(client, md);
    log.info(
      { machineDeployment: md.metadata.name, topologyName },
      'deleted MachineDeployment removed from the topology',
    );
  }

  await deleteUnusedTemplates(input);
}

interface Named {
  apiGroup?: string;
  apiVersion?: string;
  kind?: string;
  name?: string;
}

/**
 * Templates the topology cloned stay while anything may still clone Machines from them: the control plane, a
 * MachineDeployment or any of its MachineSets (old MachineSets of a rollout keep theirs until they are gone, as
 * upstream's topology MachineSet finalizer does). The rest go.
 */
async function deleteUnusedTemplates(input: ReconcileStateInput): Promise<void> {
  const { client, reader, cluster, blueprint, computed } = input;
  const namespace = cluster.metadata.namespace;
  const clusterName = cluster.metadata.name ?? '';
  const selector = { [Label.ClusterName]: clusterName, [Label.ClusterTopologyOwned]: '' };
  const used = new Set<string>();
  const use = (ref: Named | undefined) => {
    if (ref?.kind && ref.name) used.add(`${ref.kind}/${ref.name}`);
  };
  const { desired } = computed;
  if (desired.controlPlaneInfrastructureMachineTemplate)
    use({
      kind: desired.controlPlaneInfrastructureMachineTemplate.kind ?? '',
      name: desired.controlPlaneInfrastructureMachineTemplate.metadata.name ?? '',
    });
  for (const md of desired.machineDeployments.values()) {
    use({ kind: md.bootstrapTemplate.kind ?? '', name: md.bootstrapTemplate.metadata.name ?? '' });
    use({ kind: md.infrastructureTemplate.kind ?? '', name: md.infrastructureTemplate.metadata.name ?? '' });
  }
  const spec = (o: KubeObject) => o.spec as Record<string, unknown> | undefined;
  // The live control plane (it may still name the template being rotated away in a failed apply).
  const cp = input.current.controlPlane;
  const cpMachineTemplate = (
    spec(cp ?? { metadata: {} })?.machineTemplate as { spec?: { infrastructureRef?: Named } } | undefined
  )?.spec?.infrastructureRef;
  use(cpMachineTemplate);
  const owners = [
    ...(
      await reader.list(MachineDeploymentType, {
        namespace,
        labelSelector: { [Label.ClusterName]: clusterName },
      })
    ).items,
    ...(await reader.list(MachineSetType, { namespace, labelSelector: { [Label.ClusterName]: clusterName } }))
      .items,
  ];
  for (const o of owners) {
    const template = (
      spec(o)?.template as
        { spec?: { bootstrap?: { configRef?: Named }; infrastructureRef?: Named } } | undefined
    )?.spec;
    use(template?.bootstrap?.configRef);
    use(template?.infrastructureRef);
  }

  const kinds = new Map<string, TypeRef>();
  const cc = blueprint.clusterClass.spec;
  const addKind = (ref: { apiVersion: string; kind: string } | undefined) => {
    if (ref) kinds.set(`${ref.apiVersion}/${ref.kind}`, { apiVersion: ref.apiVersion, kind: ref.kind });
  };
  addKind(cc.controlPlane.machineInfrastructure?.templateRef);
  for (const md of cc.workers?.machineDeployments ?? []) {
    addKind(md.bootstrap.templateRef);
    addKind(md.infrastructure.templateRef);
  }
  for (const type of kinds.values()) {
    const templates = await reader.list(type, { namespace, labelSelector: selector });
    for (const t of templates.items) {
      if (used.has(`${t.kind ?? type.kind}/${t.metadata.name ?? ''}`) || t.metadata.deletionTimestamp)
        continue;
      if (await deleteIfPresent(client, { ...t, apiVersion: type.apiVersion, kind: type.kind }))
        input.log.info(
          { template: `${type.kind}/${t.metadata.name ?? ''}` },
          'deleted a template no longer used',
        );
    }
  }
}
