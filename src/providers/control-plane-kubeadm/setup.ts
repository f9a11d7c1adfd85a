import type { Controller } from '../../controller-runtime/controller/controller.js';
import type { Manager } from '../../controller-runtime/manager/manager.js';
import {
  type KubeadmControlPlaneControllerOptions,
  setupKubeadmControlPlaneController,
} from './reconcilers/setup.js';

export type {
  KcpWorkloadClusters,
  WorkloadClusterKey,
  WorkloadConnectionHealth,
} from './reconcilers/workload-clusters.js';

export type KubeadmControlPlaneProviderOptions = KubeadmControlPlaneControllerOptions;

export interface KubeadmControlPlaneProvider {
  kubeadmControlPlaneController: Controller;
}

/**
 * Wires the kubeadm control plane provider into a manager: the KubeadmControlPlane controller, reaching
 * workload clusters (Nodes, static Pods, etcd through `pods/portforward`) through `options.workloadClusters`
 * (core's ClusterCache in the composition roots).
 */
export function setupKubeadmControlPlaneProvider(
  manager: Manager,
  options: KubeadmControlPlaneProviderOptions,
): KubeadmControlPlaneProvider {
  return { kubeadmControlPlaneController: setupKubeadmControlPlaneController(manager, options) };
}
