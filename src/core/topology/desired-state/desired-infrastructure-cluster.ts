// The desired infrastructure cluster (e.g. a DevCluster): the ClusterClass infrastructure template's
// `spec.template`, named by `spec.infrastructure.naming.template` unless it exists already.
import type { KubeObject } from '../../../controller-runtime/api/object.js';
import type { Cluster, ClusterClass } from '../../api/v1beta2/index.js';
import { DEFAULT_INFRASTRUCTURE_CLUSTER_NAME_TEMPLATE, renderName, type RandomSource } from './names.js';
import { objectFromTemplate } from './template-objects.js';

export const INFRASTRUCTURE_CLUSTER = 'InfrastructureCluster';

export interface InfrastructureClusterNameInput {
  cluster: Cluster;
  clusterClass: ClusterClass;
  /** The name of the current object (or of `cluster.spec.infrastructureRef`). */
  currentName?: string | undefined;
  random?: RandomSource;
}

/**
 * The infrastructure cluster's name. The naming template is rendered even when the object exists, as upstream
 * does, so a broken template is reported rather than hidden until the next new Cluster.
 */
export function infrastructureClusterName(input: InfrastructureClusterNameInput): string {
  const generated = renderName({
    subject: { object: INFRASTRUCTURE_CLUSTER },
    template: input.clusterClass.spec.infrastructure.naming?.template,
    defaultTemplate: DEFAULT_INFRASTRUCTURE_CLUSTER_NAME_TEMPLATE,
    clusterName: input.cluster.metadata?.name ?? '',
    ...(input.random ? { random: input.random } : {}),
  });
  return input.currentName || generated;
}

export interface DesiredInfrastructureClusterInput {
  cluster: Cluster;
  clusterClass: ClusterClass;
  /** The ClusterClass infrastructure cluster template, patches applied. */
  template: KubeObject;
  name: string;
}

export function computeInfrastructureCluster(input: DesiredInfrastructureClusterInput): KubeObject {
  return objectFromTemplate({
    template: input.template,
    clonedFrom: input.clusterClass.spec.infrastructure.templateRef,
    cluster: input.cluster,
    name: input.name,
  });
}
