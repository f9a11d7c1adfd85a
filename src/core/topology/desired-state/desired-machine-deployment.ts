// The desired MachineDeployment of one `workers.machineDeployments[]` topology, its bootstrap and infrastructure
// template clones, and its MachineHealthCheck.
import type { KubeObject } from '../../../controller-runtime/api/object.js';
import {
  Annotation,
  API_VERSION,
  Label,
  type Cluster,
  type ClusterClass,
  type ClusterTopology,
  type MachineDeployment,
  type MachineHealthCheck,
} from '../../api/v1beta2/index.js';
import { InvalidTopologyError } from './errors.js';
import { computeMachineHealthCheck, healthCheckIsDefined, type HealthCheck } from './machine-health-check.js';
import {
  DEFAULT_MACHINE_DEPLOYMENT_NAME_TEMPLATE,
  renderName,
  templateNamePrefix,
  type RandomSource,
} from './names.js';
import { cloneTemplate, contractRefTo, mergeMetadata, topologyLabels } from './template-objects.js';

export const MACHINE_DEPLOYMENT = 'MachineDeployment';

export type MachineDeploymentTopology = NonNullable<
  NonNullable<ClusterTopology['workers']>['machineDeployments']
>[number];
export type MachineDeploymentClass = NonNullable<
  NonNullable<ClusterClass['spec']['workers']>['machineDeployments']
>[number];

/** The class a MachineDeployment topology uses; a missing class is an `InvalidTopologyError`. */
export function machineDeploymentClassFor(
  clusterClass: ClusterClass,
  topology: MachineDeploymentTopology,
): MachineDeploymentClass {
  const mdClass = clusterClass.spec.workers?.machineDeployments?.find((c) => c.class === topology.class);
  if (!mdClass) {
    throw new InvalidTopologyError(
      { object: MACHINE_DEPLOYMENT, topologyName: topology.name },
      `MachineDeployment class ${JSON.stringify(topology.class)} not found in ClusterClass ${clusterClass.metadata?.namespace ?? ''}/${clusterClass.metadata?.name ?? ''}`,
    );
  }
  return mdClass;
}

export interface MachineDeploymentNameInput {
  cluster: Cluster;
  mdClass: MachineDeploymentClass;
  topology: MachineDeploymentTopology;
  currentName?: string | undefined;
  random?: RandomSource;
}

/** The MachineDeployment's name: the current one, else the class's `naming.template` rendered. */
export function machineDeploymentName(input: MachineDeploymentNameInput): string {
  const generated = renderName({
    subject: { object: MACHINE_DEPLOYMENT, topologyName: input.topology.name },
    template: input.mdClass.naming?.template,
    defaultTemplate: DEFAULT_MACHINE_DEPLOYMENT_NAME_TEMPLATE,
    clusterName: input.cluster.metadata?.name ?? '',
    data: { machineDeployment: { topologyName: input.topology.name } },
    ...(input.random ? { random: input.random } : {}),
  });
  return input.currentName || generated;
}

export interface MachineDeploymentTemplatesInput {
  cluster: Cluster;
  mdClass: MachineDeploymentClass;
  topology: MachineDeploymentTopology;
  /** The class templates, patches applied. */
  bootstrapTemplate: KubeObject;
  infrastructureTemplate: KubeObject;
  /** The templates the current MachineDeployment references. */
  currentBootstrapTemplate?: KubeObject | undefined;
  currentInfrastructureTemplate?: KubeObject | undefined;
  /** Names chosen beforehand for new clones (so patches saw them as builtins). */
  newBootstrapTemplateName?: string | undefined;
  newInfrastructureTemplateName?: string | undefined;
  random?: RandomSource;
}

/** The Cluster's copies of the class's bootstrap and infrastructure templates (`<cluster>-<topology>-<random>`). */
export function computeMachineDeploymentTemplates(input: MachineDeploymentTemplatesInput): {
  bootstrapTemplate: KubeObject;
  infrastructureTemplate: KubeObject;
} {
  const clusterName = input.cluster.metadata?.name ?? '';
  const common = {
    cluster: input.cluster,
    labels: { [Label.ClusterTopologyMachineDeploymentName]: input.topology.name },
    namePrefix: templateNamePrefix(clusterName, input.topology.name),
    ...(input.random ? { random: input.random } : {}),
  };
  return {
    bootstrapTemplate: cloneTemplate({
      ...common,
      template: input.bootstrapTemplate,
      clonedFrom: input.mdClass.bootstrap.templateRef,
      current: input.currentBootstrapTemplate,
      newName: input.newBootstrapTemplateName,
    }),
    infrastructureTemplate: cloneTemplate({
      ...common,
      template: input.infrastructureTemplate,
      clonedFrom: input.mdClass.infrastructure.templateRef,
      current: input.currentInfrastructureTemplate,
      newName: input.newInfrastructureTemplateName,
    }),
  };
}

export interface DesiredMachineDeploymentInput {
  cluster: Cluster;
  mdClass: MachineDeploymentClass;
  topology: MachineDeploymentTopology;
  name: string;
  version: string;
  /** The desired template clones. */
  bootstrapTemplate: KubeObject;
  infrastructureTemplate: KubeObject;
}

export function computeMachineDeployment(input: DesiredMachineDeploymentInput): MachineDeployment {
  const { cluster, mdClass, topology } = input;
  const clusterName = cluster.metadata?.name ?? '';
  const metadata = mergeMetadata(topology.metadata, mdClass.metadata);
  // The upgrade-sequencing annotations steer the topology controller; they are not for the MachineDeployment.
  delete metadata.annotations[Annotation.ClusterTopologyHoldUpgradeSequence];
  delete metadata.annotations[Annotation.ClusterTopologyDeferUpgrade];
  const labels = {
    ...metadata.labels,
    ...topologyLabels(clusterName),
    [Label.ClusterTopologyMachineDeploymentName]: topology.name,
  };

  const machineSpec: MachineDeployment['spec']['template']['spec'] = {
    clusterName,
    version: input.version,
    bootstrap: { configRef: contractRefTo(input.bootstrapTemplate) },
    infrastructureRef: contractRefTo(input.infrastructureTemplate),
  };
  const failureDomain = topology.failureDomain || mdClass.failureDomain;
  if (failureDomain) machineSpec.failureDomain = failureDomain;
  const minReadySeconds = topology.minReadySeconds ?? mdClass.minReadySeconds;
  if (minReadySeconds !== undefined) machineSpec.minReadySeconds = minReadySeconds;
  const readinessGates = topology.readinessGates ?? mdClass.readinessGates;
  if (readinessGates !== undefined) machineSpec.readinessGates = structuredClone(readinessGates);
  const taints = topology.taints ?? mdClass.taints;
  if (taints !== undefined) machineSpec.taints = structuredClone(taints);
  const deletion: NonNullable<typeof machineSpec.deletion> = {};
  for (const key of [
    'nodeDrainTimeoutSeconds',
    'nodeVolumeDetachTimeoutSeconds',
    'nodeDeletionTimeoutSeconds',
  ] as const) {
    const value = topology.deletion?.[key] ?? mdClass.deletion?.[key];
    if (value !== undefined) deletion[key] = value;
  }
  if (Object.keys(deletion).length > 0) machineSpec.deletion = deletion;

  const spec: MachineDeployment['spec'] = {
    clusterName,
    // Only the labels that identify this topology's Machines; the webhook would otherwise add deployment-name.
    selector: {
      matchLabels: {
        [Label.ClusterName]: clusterName,
        [Label.ClusterTopologyOwned]: '',
        [Label.ClusterTopologyMachineDeploymentName]: topology.name,
      },
    },
    template: {
      metadata: { labels: { ...labels }, annotations: { ...metadata.annotations } },
      spec: machineSpec,
    },
  };
  if (topology.replicas !== undefined) spec.replicas = topology.replicas;
  // A topology rollout replaces the class's as a whole, as upstream does.
  const rollout = topology.rollout ?? mdClass.rollout;
  if (rollout !== undefined) spec.rollout = structuredClone(rollout);
  const order = topology.deletion?.order || mdClass.deletion?.order;
  if (order) spec.deletion = { order };
  const maxInFlight =
    topology.healthCheck?.remediation?.maxInFlight ?? mdClass.healthCheck?.remediation?.maxInFlight;
  if (maxInFlight !== undefined) spec.remediation = { maxInFlight };

  return {
    apiVersion: API_VERSION,
    kind: 'MachineDeployment',
    metadata: {
      name: input.name,
      namespace: cluster.metadata?.namespace ?? '',
      labels,
      annotations: metadata.annotations,
    },
    spec,
  };
}

/** The MachineDeployment's MachineHealthCheck, when class or topology define one and the topology does not turn it off. */
export function computeMachineDeploymentMachineHealthCheck(
  cluster: Cluster,
  mdClass: MachineDeploymentClass,
  topology: MachineDeploymentTopology,
  machineDeployment: MachineDeployment,
): MachineHealthCheck | undefined {
  const topologyHC = topology.healthCheck as HealthCheck | undefined;
  const classHC = mdClass.healthCheck as HealthCheck | undefined;
  if (!healthCheckIsDefined(classHC) && !healthCheckIsDefined(topologyHC)) return undefined;
  if (topologyHC?.enabled === false) return undefined;
  return computeMachineHealthCheck({
    target: machineDeployment as KubeObject,
    cluster,
    selector: {
      matchLabels: {
        [Label.ClusterTopologyOwned]: '',
        [Label.ClusterTopologyMachineDeploymentName]: topology.name,
      },
    },
    healthCheck: healthCheckIsDefined(topologyHC) ? topologyHC : classHC,
  });
}
