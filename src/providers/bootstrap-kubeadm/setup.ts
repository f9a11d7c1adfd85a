import type { Controller } from '../../controller-runtime/controller/controller.js';
import type { Manager } from '../../controller-runtime/manager/manager.js';
import { type KubeadmConfigControllerOptions, setupKubeadmConfigController } from './reconcilers/setup.js';

export type { WorkloadClusterClients, WorkloadClusterKey } from './reconcilers/workload-clusters.js';

export type KubeadmBootstrapProviderOptions = KubeadmConfigControllerOptions;

export interface KubeadmBootstrapProvider {
  kubeadmConfigController: Controller;
}

/**
 * Wires the kubeadm bootstrap provider into a manager: the KubeadmConfig controller, reaching workload clusters
 * through `options.workloadClusters` (core's ClusterCache in the composition roots). MachinePool owners are
 * not handled yet.
 */
export function setupKubeadmBootstrapProvider(
  manager: Manager,
  options: KubeadmBootstrapProviderOptions,
): KubeadmBootstrapProvider {
  return { kubeadmConfigController: setupKubeadmConfigController(manager, options) };
}
