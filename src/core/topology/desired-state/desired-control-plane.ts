// The desired control plane (e.g. a KubeadmControlPlane) and its machine infrastructure template clone: the
// ClusterClass template plus what the Cluster topology decides (replicas, version, metadata, machine settings).
import type { KubeObject } from '../../../controller-runtime/api/object.js';
import type { Cluster, ClusterClass, MachineHealthCheck } from '../../api/v1beta2/index.js';
import {
  DEFAULT_CONTROL_PLANE_NAME_TEMPLATE,
  renderName,
  templateNamePrefix,
  type RandomSource,
} from './names.js';
import { computeMachineHealthCheck, healthCheckIsDefined } from './machine-health-check.js';
import {
  cloneTemplate,
  contractRefTo,
  mergeMetadata,
  objectFromTemplate,
  topologyLabels,
} from './template-objects.js';
import { Label } from '../../api/v1beta2/index.js';

export const CONTROL_PLANE = 'ControlPlane';
export const CONTROL_PLANE_INFRASTRUCTURE_MACHINE_TEMPLATE = 'ControlPlaneInfrastructureMachineTemplate';

export interface ControlPlaneNameInput {
  cluster: Cluster;
  clusterClass: ClusterClass;
  /** The name of the current object (or of `cluster.spec.controlPlaneRef`). */
  currentName?: string | undefined;
  random?: RandomSource;
}

/** The control plane's name: the current one, else `spec.controlPlane.naming.template` rendered. */
export function controlPlaneName(input: ControlPlaneNameInput): string {
  const generated = renderName({
    subject: { object: CONTROL_PLANE },
    template: input.clusterClass.spec.controlPlane.naming?.template,
    defaultTemplate: DEFAULT_CONTROL_PLANE_NAME_TEMPLATE,
    clusterName: input.cluster.metadata?.name ?? '',
    ...(input.random ? { random: input.random } : {}),
  });
  return input.currentName || generated;
}

export interface ControlPlaneInfrastructureMachineTemplateInput {
  cluster: Cluster;
  clusterClass: ClusterClass;
  /** The ClusterClass machine infrastructure template, patches applied. */
  template: KubeObject;
  /** The template `spec.machineTemplate.spec.infrastructureRef` of the current control plane points at. */
  current?: KubeObject | undefined;
  newName?: string | undefined;
  random?: RandomSource;
}

/** The Cluster's copy of the control plane machine infrastructure template (`<cluster>-<random>`). */
export function computeControlPlaneInfrastructureMachineTemplate(
  input: ControlPlaneInfrastructureMachineTemplateInput,
): KubeObject {
  const ref = input.clusterClass.spec.controlPlane.machineInfrastructure?.templateRef;
  return cloneTemplate({
    template: input.template,
    clonedFrom: ref ?? {
      apiVersion: input.template.apiVersion ?? '',
      kind: input.template.kind ?? '',
      name: input.template.metadata.name ?? '',
    },
    cluster: input.cluster,
    namePrefix: templateNamePrefix(input.cluster.metadata?.name ?? ''),
    current: input.current,
    newName: input.newName,
    ...(input.random ? { random: input.random } : {}),
  });
}

export interface DesiredControlPlaneInput {
  cluster: Cluster;
  clusterClass: ClusterClass;
  /** The ClusterClass control plane template, patches applied. */
  template: KubeObject;
  name: string;
  /** The version to set: the topology version, or the current one while an upgrade may not start yet. */
  version: string;
  /** The desired machine infrastructure template clone, when the class gives control plane machines one. */
  infrastructureMachineTemplate?: KubeObject | undefined;
}

type Json = Record<string, unknown>;

const child = (parent: Json, key: string): Json => {
  const existing = parent[key];
  if (existing && typeof existing === 'object' && !Array.isArray(existing)) return existing as Json;
  const created: Json = {};
  parent[key] = created;
  return created;
};

/** Labels and annotations of the control plane and its Machines: topology over class, plus the topology labels. */
export function controlPlaneMetadata(cluster: Cluster, clusterClass: ClusterClass) {
  const merged = mergeMetadata(
    cluster.spec.topology?.controlPlane?.metadata,
    clusterClass.spec.controlPlane.metadata,
  );
  return {
    labels: { ...merged.labels, ...topologyLabels(cluster.metadata?.name ?? '') },
    annotations: merged.annotations,
  };
}

export function computeControlPlane(input: DesiredControlPlaneInput): KubeObject {
  const { cluster, clusterClass } = input;
  const topology = cluster.spec.topology?.controlPlane;
  const classCP = clusterClass.spec.controlPlane;
  const metadata = controlPlaneMetadata(cluster, clusterClass);
  const cp = objectFromTemplate({
    template: input.template,
    clonedFrom: classCP.templateRef,
    cluster,
    name: input.name,
    labels: metadata.labels,
    annotations: metadata.annotations,
  });
  const spec = child(cp, 'spec');

  if (input.infrastructureMachineTemplate) {
    const machineTemplate = child(spec, 'machineTemplate');
    child(machineTemplate, 'spec')['infrastructureRef'] = contractRefTo(input.infrastructureMachineTemplate);
    // Metadata the template itself gives the Machines stays, unless the topology sets the same key.
    const machineMeta = child(machineTemplate, 'metadata') as { labels?: Json; annotations?: Json };
    machineMeta.labels = { ...machineMeta.labels, ...metadata.labels };
    machineMeta.annotations = { ...machineMeta.annotations, ...metadata.annotations };
  }
  if (topology?.replicas !== undefined) spec['replicas'] = topology.replicas;
  if (topology?.rollout?.after !== undefined) child(spec, 'rollout')['after'] = topology.rollout.after;

  // Fields neither the Cluster nor the class sets are left out: the control plane provider may not support them.
  const machineSpec = () => child(child(spec, 'machineTemplate'), 'spec');
  const readinessGates = topology?.readinessGates ?? classCP.readinessGates;
  if (readinessGates !== undefined) machineSpec()['readinessGates'] = structuredClone(readinessGates);
  const taints = topology?.taints ?? classCP.taints;
  if (taints !== undefined) machineSpec()['taints'] = structuredClone(taints);
  for (const key of [
    'nodeDrainTimeoutSeconds',
    'nodeVolumeDetachTimeoutSeconds',
    'nodeDeletionTimeoutSeconds',
  ] as const) {
    const value = topology?.deletion?.[key] ?? classCP.deletion?.[key];
    if (value !== undefined) child(machineSpec(), 'deletion')[key] = value;
  }
  spec['version'] = input.version;
  return cp;
}

/**
 * The control plane MachineHealthCheck: only for control planes with machine infrastructure, when the class or the
 * topology defines checks, unless the topology turns it off. Named after the control plane.
 */
export function computeControlPlaneMachineHealthCheck(
  cluster: Cluster,
  clusterClass: ClusterClass,
  controlPlane: KubeObject,
): MachineHealthCheck | undefined {
  if (!clusterClass.spec.controlPlane.machineInfrastructure) return undefined;
  const topologyHC = cluster.spec.topology?.controlPlane?.healthCheck;
  const classHC = clusterClass.spec.controlPlane.healthCheck;
  if (!healthCheckIsDefined(classHC) && !healthCheckIsDefined(topologyHC)) return undefined;
  if (topologyHC?.enabled === false) return undefined;
  const source = healthCheckIsDefined(topologyHC) ? topologyHC : classHC;
  return computeMachineHealthCheck({
    target: controlPlane,
    cluster,
    selector: { matchLabels: { [Label.ClusterTopologyOwned]: '', [Label.ControlPlane]: '' } },
    healthCheck: source,
  });
}
